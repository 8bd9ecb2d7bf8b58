import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

/** Issue 22 item 2: role names unique per connection; the AWS CLI script never overwrites another role. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

async function create(user: TestUser, body: Record<string, unknown>) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${user.orgId}/connections`,
    headers: user.headers,
    payload: { name: 'prod', capabilities: ['s3-read'], ...body },
  });
}
async function templates(user: TestUser, id: string) {
  const res = await t.app.inject({
    method: 'GET',
    url: `/v1/orgs/${user.orgId}/connections/${id}/templates`,
    headers: user.headers,
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/**
 * A stand-in `aws` on PATH that plays IAM for the script: the role exists (tagged with `foreignTag`,
 * or untagged) or not; every call is logged. It fails like the real CLI (exit 254, NoSuchEntity on
 * stderr) when the role does not exist.
 */
function runCli(script: string, role: { exists: boolean; connectionTag?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'rg-cli-'));
  try {
    const log = join(dir, 'calls.log');
    writeFileSync(
      join(dir, 'aws'),
      `#!/usr/bin/env bash
echo "$*" >> ${JSON.stringify(log)}
state=${JSON.stringify(join(dir, 'created'))}
case "$2" in
  get-role)
    if [ -f "$state" ] || [ "${role.exists ? 1 : 0}" = 1 ]; then echo 'arn:aws:iam::123456789012:role/x'; exit 0; fi
    echo 'An error occurred (NoSuchEntity) when calling the GetRole operation: The role cannot be found.' >&2; exit 254 ;;
  list-role-tags) echo ${JSON.stringify(role.connectionTag ?? 'None')} ;;
  create-role) touch "$state" ;;
esac
exit 0
`,
    );
    chmodSync(join(dir, 'aws'), 0o755);
    writeFileSync(join(dir, 'script.sh'), script);
    const res = spawnSync('bash', [join(dir, 'script.sh')], {
      env: { PATH: `${dir}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    let calls: string[] = [];
    try {
      calls = readFileSync(log, 'utf8').trim().split('\n');
    } catch {}
    return {
      status: res.status,
      stderr: res.stderr,
      calls: calls.map((c) => c.split(' ').slice(0, 2).join(' ')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('role names (issue 22 item 2)', () => {
  it('two connections get different default role names, used by every template', async () => {
    const user = await createTestUser(t);
    const a = (await create(user, {})).json();
    const b = (await create(user, {})).json();
    expect(a.roleName).toMatch(/^Rolegate-[0-9a-z]{12}$/);
    expect(a.roleName).not.toBe(b.roleName);
    const tpl = await templates(user, a.id);
    expect(tpl.roleName).toBe(a.roleName);
    expect(tpl.cloudFormation).toContain(`Default: '${a.roleName}'`);
    expect(tpl.terraform).toContain(`name                 = "${a.roleName}"`);
    expect(tpl.awsCli).toContain(`ROLE_NAME='${a.roleName}'`);
    expect(tpl.awsCli).not.toContain('RolegateAccess');
    for (const text of [tpl.cloudFormation, tpl.terraform, tpl.awsCli])
      expect(text).toContain(`rolegate:connection`);
  });

  it('the role name is chosen at creation or by PATCH, validated by IAM’s rules', async () => {
    const user = await createTestUser(t);
    const named = (await create(user, { roleName: 'Team+Rolegate@prod' })).json();
    expect(named.roleName).toBe('Team+Rolegate@prod');
    for (const bad of ['', 'has space', 'x'.repeat(65), 'quote"d', 'a/b']) {
      const res = await create(user, { roleName: bad });
      expect(res.statusCode, bad).toBe(400);
    }
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/orgs/${user.orgId}/connections/${named.id}`,
      headers: user.headers,
      payload: { roleName: 'Rolegate-second' },
    });
    expect(patched.json().roleName).toBe('Rolegate-second');
    expect((await templates(user, named.id)).awsCli).toContain("ROLE_NAME='Rolegate-second'");
    // A role ARN names the role: a different roleName with it is refused.
    const clash = await create(user, {
      roleArn: 'arn:aws:iam::123456789012:role/Other',
      roleName: 'Rolegate-x',
    });
    expect(clash.statusCode).toBe(400);
    const fromArn = (await create(user, { roleArn: 'arn:aws:iam::123456789012:role/Other' })).json();
    expect(fromArn.roleName).toBe('Other');
  });

  it('the CLI script stops at the first failure and refuses a role that is not this connection’s', async () => {
    const user = await createTestUser(t);
    const conn = (await create(user, {})).json();
    const { awsCli } = await templates(user, conn.id);
    expect(awsCli.split('\n').find((l: string) => l.trim() !== '' && !l.startsWith('#'))).toBe(
      'set -euo pipefail',
    );

    const fresh = runCli(awsCli, { exists: false });
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.calls).toEqual(['iam get-role', 'iam create-role', 'iam put-role-policy', 'iam get-role']);

    // Another connection's role (or anybody's untagged role) of that name: stop before any change.
    for (const connectionTag of ['con_someoneelse', undefined]) {
      const foreign = runCli(awsCli, { exists: true, ...(connectionTag ? { connectionTag } : {}) });
      expect(foreign.status).not.toBe(0);
      expect(foreign.stderr).toContain('not this connection');
      expect(foreign.calls).toEqual(['iam get-role', 'iam list-role-tags']);
    }

    // Its own role (re-running the script): updated in place.
    const mine = runCli(awsCli, { exists: true, connectionTag: conn.id });
    expect(mine.status, mine.stderr).toBe(0);
    expect(mine.calls).toEqual([
      'iam get-role',
      'iam list-role-tags',
      'iam update-assume-role-policy',
      'iam put-role-policy',
      'iam get-role',
    ]);
  });
});

describe('CloudFormation quick-create (issue 22 item 4)', () => {
  const TEMPLATE_URL = 'https://acme-rolegate.s3.eu-west-1.amazonaws.com/cfn/rolegate-role-0123456789ab.json';
  let published: TestApp;
  beforeAll(async () => {
    published = await createTestApp({ env: { ROLEGATE_TEMPLATE_URL: TEMPLATE_URL } });
  });
  afterAll(async () => {
    await published.close();
  });

  it('links to the published generic template with this connection’s values as param_…', async () => {
    const user = await createTestUser(published);
    const created = (
      await published.app.inject({
        method: 'POST',
        url: `/v1/orgs/${user.orgId}/connections`,
        headers: user.headers,
        payload: {
          name: 'prod',
          accountId: '123456789012',
          capabilities: ['s3-read', 'cleanup'],
          scopes: { regions: ['eu-west-1'], s3Buckets: ['acme-data'] },
        },
      })
    ).json();
    const tpl = (
      await published.app.inject({
        method: 'GET',
        url: `/v1/orgs/${user.orgId}/connections/${created.id}/templates`,
        headers: user.headers,
      })
    ).json();
    const url = new URL(tpl.quickCreateUrl);
    expect(url.origin).toBe('https://console.aws.amazon.com');
    expect(url.searchParams.get('region')).toBe('eu-west-1');
    const params = new URLSearchParams(url.hash.split('?')[1]);
    expect(params.get('templateURL')).toBe(TEMPLATE_URL);
    expect(params.get('param_ExternalId')).toBe(created.externalId);
    expect(params.get('param_RoleName')).toBe(created.roleName);
    expect(params.get('param_ConnectionId')).toBe(created.id);
    expect(params.get('param_RolegatePrincipalArn')).toBe(tpl.principalArn);
    expect(params.get('param_S3Read')).toBe('true');
    expect(params.get('param_Cleanup')).toBe('true');
    expect(params.get('param_LambdaInvoke')).toBe('false');
    expect(params.get('param_S3BucketArns')).toBe('"arn:aws:s3:::acme-data"');
    expect(params.get('param_CleanupCondition')).toBe(
      ',"Condition":{"StringEquals":{"aws:ResourceTag/rolegate-cleanup":"allowed"}}',
    );
    // Never a link to Rolegate's own (authenticated) template URL.
    expect(tpl.quickCreateUrl).not.toContain(encodeURIComponent(tpl.cloudFormationUrl));
  });

  it('without the account ID the ARNs are not known yet: no link, the steps say why', async () => {
    const user = await createTestUser(published);
    const created = (
      await published.app.inject({
        method: 'POST',
        url: `/v1/orgs/${user.orgId}/connections`,
        headers: user.headers,
        payload: { name: 'prod', capabilities: ['s3-read'] },
      })
    ).json();
    const tpl = (
      await published.app.inject({
        method: 'GET',
        url: `/v1/orgs/${user.orgId}/connections/${created.id}/templates`,
        headers: user.headers,
      })
    ).json();
    expect(tpl.quickCreateUrl).toBeNull();
    expect(tpl.cloudFormationSteps.join(' ')).toContain('account ID');
  });
});
