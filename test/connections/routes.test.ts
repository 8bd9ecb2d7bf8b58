import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, type AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  iamPolicySchema,
  validatePermissionPolicy,
  validateTrustPolicy,
} from '../../src/connections/policy.ts';
import { connections } from '../../src/connections/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

const ROLE = 'arn:aws:iam::123456789012:role/RolegateAccess';
const PRINCIPAL = 'arn:aws:iam::111111111111:role/rolegate-service';

let t: TestApp;
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBClient);

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
  sts.restore();
  s3.restore();
  ddb.restore();
});
beforeEach(() => {
  sts.reset();
  s3.reset();
  ddb.reset();
});

async function create(user: TestUser, body: Record<string, unknown>) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${user.orgId}/connections`,
    headers: user.headers,
    payload: body,
  });
}
const base = { name: 'prod', capabilities: ['s3-read'] };

describe('POST /v1/orgs/:orgId/connections', () => {
  it('creates a pending connection with a fresh, valid, unique external ID', async () => {
    const user = await createTestUser(t);
    const a = await create(user, { ...base, roleArn: ROLE, scopes: { s3Buckets: ['acme-data'] } });
    expect(a.statusCode).toBe(201);
    const body = a.json();
    expect(body).toMatchObject({
      name: 'prod',
      status: 'pending',
      roleArn: ROLE,
      accountId: '123456789012',
      capabilities: ['s3-read'],
    });
    expect(body.id).toMatch(/^con_/);
    expect(body.externalId).toMatch(/^rg-[a-z2-7]{32}$/);
    expect(body.externalId).toMatch(/^[\w+=,.@:/-]{2,1224}$/);
    expect(a.headers['cache-control']).toBe('no-store');
    const b = (await create(user, base)).json();
    expect(b.externalId).not.toBe(body.externalId);
    expect(b.roleArn).toBeNull();
    // Stored encrypted, bound to the row.
    const [row] = await t.database.db.select().from(connections).where(eq(connections.id, body.id));
    expect(row?.externalId.startsWith('v1.')).toBe(true);
    expect(row?.externalId).not.toContain(body.externalId);
    expect(row?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 47 * 3600_000);
  });

  const bad: Array<[string, Record<string, unknown>]> = [
    ['account root', { roleArn: 'arn:aws:iam::123456789012:root' }],
    ['wrong partition', { roleArn: 'arn:aws-foo:iam::123456789012:role/x' }],
    ['non-iam service', { roleArn: 'arn:aws:sts::123456789012:assumed-role/x/y' }],
    ['an IAM user', { roleArn: 'arn:aws:iam::123456789012:user/alice' }],
    ['short account', { roleArn: 'arn:aws:iam::12345:role/x' }],
    ['quote injection', { roleArn: 'arn:aws:iam::123456789012:role/x"},{"Effect":"Allow' }],
    ['newline injection', { roleArn: 'arn:aws:iam::123456789012:role/x\nResources:' }],
    ['space in name', { roleArn: 'arn:aws:iam::123456789012:role/a b' }],
    ['wildcard role', { roleArn: 'arn:aws:iam::123456789012:role/*' }],
    ['role name too long', { roleArn: `arn:aws:iam::123456789012:role/${'a'.repeat(65)}` }],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation ${} placeholder, not a JS template
    ['template expression', { roleArn: 'arn:aws:iam::123456789012:role/${AWS::AccountId}' }],
    ['account mismatch', { roleArn: ROLE, accountId: '999999999999' }],
    ['bad account', { accountId: '12345678901a' }],
    ['no capabilities', { capabilities: [] }],
    ['duplicate capabilities', { capabilities: ['s3-read', 's3-read'] }],
    ['unknown capability', { capabilities: ['iam-admin'] }],
    ['unknown key', { admin: true }],
    ['bad bucket', { scopes: { s3Buckets: ['Bad_Bucket'] } }],
    ['ip bucket', { scopes: { s3Buckets: ['192.168.1.1'] } }],
    ['control char prefix', { scopes: { s3Prefixes: ['logs/\u0001'] } }],
    ['wildcard prefix', { scopes: { s3Prefixes: ['*'] } }],
    ['bad region', { scopes: { regions: ['moon-base-1'] } }],
    ['short table', { scopes: { dynamodbTables: ['ab'] } }],
    ['bad function pattern', { scopes: { lambdaFunctionPatterns: ['fn$(x)'] } }],
    ['only wildcard pattern', { scopes: { lambdaFunctionPatterns: ['**'] } }],
    ['aws: cleanup tag', { scopes: { cleanupTagConditions: { 'aws:cloudformation:stack': 'x' } } }],
    ['unknown scope key', { scopes: { accounts: ['x'] } }],
    ['empty name', { name: '' }],
  ];
  it.each(bad)('refuses %s with 400 and creates nothing', async (_label, patch) => {
    const user = await createTestUser(t);
    const res = await create(user, { ...base, ...patch });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/connections`,
      headers: user.headers,
    });
    expect(list.json().items).toHaveLength(0);
  });

  it('accepts role paths and the aws-cn / aws-us-gov partitions', async () => {
    const user = await createTestUser(t);
    for (const roleArn of [
      'arn:aws:iam::123456789012:role/team/ops/Rolegate-Access_1',
      'arn:aws-cn:iam::123456789012:role/Rolegate',
      'arn:aws-us-gov:iam::123456789012:role/Rolegate',
    ]) {
      expect((await create(user, { ...base, roleArn })).statusCode).toBe(201);
    }
  });

  it('members may not create; viewers may read but never see the external ID', async () => {
    const owner = await createTestUser(t);
    const member = await createTestUser(t, { role: 'member', orgId: owner.orgId });
    const viewer = await createTestUser(t, { role: 'viewer', orgId: owner.orgId });
    expect((await create(member, base)).statusCode).toBe(403);
    const created = (await create(owner, { ...base, roleArn: ROLE })).json();
    const one = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/connections/${created.id}`,
      headers: viewer.headers,
    });
    expect(one.statusCode).toBe(200);
    expect(one.json()).not.toHaveProperty('externalId');
    expect(one.body).not.toContain(created.externalId);
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/connections`,
      headers: owner.headers,
    });
    expect(list.json().items[0].id).toBe(created.id);
    expect(list.body).not.toContain(created.externalId);
  });
});

describe('templates', () => {
  it('admins get the external ID and valid, pinned policies; members get 403', async () => {
    const owner = await createTestUser(t);
    const admin = await createTestUser(t, { role: 'admin', orgId: owner.orgId });
    const member = await createTestUser(t, { role: 'member', orgId: owner.orgId });
    const created = (
      await create(owner, { ...base, roleArn: ROLE, capabilities: ['s3-read', 'cleanup'] })
    ).json();
    const url = `/v1/orgs/${owner.orgId}/connections/${created.id}/templates`;
    expect((await t.app.inject({ method: 'GET', url, headers: member.headers })).statusCode).toBe(403);
    const res = await t.app.inject({ method: 'GET', url, headers: admin.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.externalId).toBe(created.externalId);
    expect(body.principalArn).toBe(PRINCIPAL);
    validateTrustPolicy(body.trustPolicy);
    validatePermissionPolicy(body.permissionPolicy);
    expect(iamPolicySchema.safeParse(body.permissionPolicy).success).toBe(true);
    for (const s of body.trustPolicy.Statement) {
      expect(s.Principal).toEqual({ AWS: PRINCIPAL });
      expect(s.Condition.StringEquals['sts:ExternalId']).toBe(created.externalId);
    }
    expect(JSON.stringify(body.trustPolicy)).not.toContain(':root');
    expect(body.cloudFormation).toContain('AWS::IAM::Role');
    expect(body.terraform).toContain('aws_iam_role');
    expect(body.awsCli).toContain('aws iam create-role');
    // No generic template published in this deployment: no link that cannot work, the upload steps instead.
    expect(body.quickCreateUrl).toBeNull();
    expect(body.cloudFormationSteps.join(' ')).toContain('Upload a template file');
    expect(body.cloudFormationUrl).toContain(
      `/v1/orgs/${owner.orgId}/connections/${created.id}/templates/cloudformation.yaml`,
    );

    const yaml = await t.app.inject({
      method: 'GET',
      url: `${url}/cloudformation.yaml`,
      headers: admin.headers,
    });
    expect(yaml.statusCode).toBe(200);
    expect(yaml.headers['content-type']).toContain('application/yaml');
    expect(yaml.body).toBe(body.cloudFormation);
    expect(
      (await t.app.inject({ method: 'GET', url: `${url}/cloudformation.yaml`, headers: member.headers }))
        .statusCode,
    ).toBe(403);
  });

  it('external IDs never reach the logs', async () => {
    const owner = await createTestUser(t);
    const created = (await create(owner, { ...base, roleArn: ROLE })).json();
    await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/connections/${created.id}/templates`,
      headers: owner.headers,
    });
    await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/connections`,
      headers: owner.headers,
      payload: { ...base, externalId: created.externalId },
    });
    expect(t.logs()).not.toContain(created.externalId);
    expect(t.logs()).not.toContain(created.externalId.slice(3));
  });
});

describe('tenancy, update, delete', () => {
  it("another organisation's connection answers 404 on every route", async () => {
    const a = await createTestUser(t);
    const b = await createTestUser(t);
    const created = (await create(a, { ...base, roleArn: ROLE })).json();
    const path = `/v1/orgs/${b.orgId}/connections/${created.id}`;
    for (const [method, url, payload] of [
      ['GET', path, undefined],
      ['PATCH', path, { name: 'mine' }],
      ['DELETE', path, undefined],
      ['GET', `${path}/templates`, undefined],
      ['GET', `${path}/templates/cloudformation.yaml`, undefined],
      ['POST', `${path}/verify`, undefined],
      ['POST', `${path}/rotate-external-id`, undefined],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: b.headers, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    // …and B using A's org path is not a member: 404 as well.
    const direct = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${a.orgId}/connections/${created.id}`,
      headers: b.headers,
    });
    expect(direct.statusCode).toBe(404);
    const still = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${a.orgId}/connections/${created.id}`,
      headers: a.headers,
    });
    expect(still.json().name).toBe('prod');
  });

  it('PATCH sets the role ARN later (account must match) and DELETE removes it', async () => {
    const user = await createTestUser(t);
    const created = (await create(user, { ...base, accountId: '123456789012' })).json();
    const url = `/v1/orgs/${user.orgId}/connections/${created.id}`;
    const wrong = await t.app.inject({
      method: 'PATCH',
      url,
      headers: user.headers,
      payload: { roleArn: 'arn:aws:iam::999999999999:role/x' },
    });
    expect(wrong.statusCode).toBe(400);
    const ok = await t.app.inject({
      method: 'PATCH',
      url,
      headers: user.headers,
      payload: { roleArn: ROLE, name: 'renamed' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ roleArn: ROLE, name: 'renamed', status: 'pending' });
    expect(ok.body).not.toContain(created.externalId);
    expect(
      (await t.app.inject({ method: 'PATCH', url, headers: user.headers, payload: {} })).statusCode,
    ).toBe(400);
    expect((await t.app.inject({ method: 'DELETE', url, headers: user.headers })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url, headers: user.headers })).statusCode).toBe(404);
  });

  it('lists with a cursor', async () => {
    const user = await createTestUser(t);
    for (let i = 0; i < 3; i++) await create(user, base);
    const first = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/orgs/${user.orgId}/connections?limit=2`,
        headers: user.headers,
      })
    ).json();
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBe(first.items[1].id);
    const second = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/orgs/${user.orgId}/connections?limit=2&cursor=${first.nextCursor}`,
        headers: user.headers,
      })
    ).json();
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/v1/orgs/${user.orgId}/connections?limit=1000`,
          headers: user.headers,
        })
      ).statusCode,
    ).toBe(400);
  });
});

describe('verification end to end (real broker, STS mocked at the SDK boundary)', () => {
  function stsAs(accepts: (input: AssumeRoleCommandInput) => boolean) {
    sts.on(AssumeRoleCommand).callsFake((input: AssumeRoleCommandInput) => {
      if (!accepts(input)) {
        throw Object.assign(
          new Error('User: arn:aws:iam::111111111111:role/rolegate-service is not authorized'),
          {
            name: 'AccessDenied',
            $metadata: { httpStatusCode: 403 },
          },
        );
      }
      return {
        Credentials: {
          AccessKeyId: 'ASIAEXAMPLE',
          SecretAccessKey: 'secret-example',
          SessionToken: 'session-example',
          Expiration: new Date(Date.now() + 900_000),
        },
      };
    });
  }

  it('verified: external ID sent, missing and wrong IDs refused; PATCH roleArn resets to pending', async () => {
    const user = await createTestUser(t);
    const created = (await create(user, { ...base, roleArn: ROLE, capabilities: ['s3-read'] })).json();
    stsAs((i) => i.ExternalId === created.externalId);
    s3.on(ListBucketsCommand).resolves({ Buckets: [] });
    ddb.on(ListTablesCommand).rejects(Object.assign(new Error('x'), { name: 'AccessDeniedException' }));
    const url = `/v1/orgs/${user.orgId}/connections/${created.id}`;
    const res = await t.app.inject({ method: 'POST', url: `${url}/verify`, headers: user.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('verified');
    const inputs = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(inputs.every((i) => i.RoleArn === ROLE)).toBe(true);
    // The trust probes first (invariant 13): without an ID, with a wrong one, then with the ID.
    expect(inputs[0]?.ExternalId).toBeUndefined();
    expect(inputs[1]?.ExternalId).toMatch(/^rg-/);
    expect(inputs[1]?.ExternalId).not.toBe(created.externalId);
    expect(inputs[2]?.ExternalId).toBe(created.externalId);
    expect(res.body).not.toContain('111111111111'); // no AWS internals in the report
    expect((await t.app.inject({ method: 'GET', url, headers: user.headers })).json().status).toBe(
      'verified',
    );

    const patched = await t.app.inject({
      method: 'PATCH',
      url,
      headers: user.headers,
      payload: { roleArn: 'arn:aws:iam::123456789012:role/Other' },
    });
    expect(patched.json().status).toBe('pending');
    expect(t.logs()).not.toContain(created.externalId);
  });

  it('unsafe: a role assumable without the external ID', async () => {
    const user = await createTestUser(t);
    const created = (await create(user, { ...base, roleArn: ROLE })).json();
    stsAs(() => true);
    s3.on(ListBucketsCommand).resolves({ Buckets: [] });
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${user.orgId}/connections/${created.id}/verify`,
      headers: user.headers,
    });
    expect(res.json().status).toBe('unsafe');
    expect(res.json().checks).toContainEqual(
      expect.objectContaining({
        name: 'external_id_required',
        status: 'failed',
        code: 'external_id_not_enforced',
      }),
    );
  });

  it('failed: STS throttling is reported as aws_throttled', async () => {
    const user = await createTestUser(t);
    const created = (await create(user, { ...base, roleArn: ROLE })).json();
    sts
      .on(AssumeRoleCommand)
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      );
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${user.orgId}/connections/${created.id}/verify`,
      headers: user.headers,
    });
    expect(res.json().status).toBe('failed');
    expect(res.json().checks[0]).toMatchObject({
      name: 'assume_role_with_external_id',
      status: 'failed',
      code: 'aws_throttled',
    });
  });

  it('verify needs admin and a role ARN', async () => {
    const owner = await createTestUser(t);
    const member = await createTestUser(t, { role: 'member', orgId: owner.orgId });
    const created = (await create(owner, base)).json();
    const url = `/v1/orgs/${owner.orgId}/connections/${created.id}/verify`;
    expect((await t.app.inject({ method: 'POST', url, headers: member.headers })).statusCode).toBe(403);
    const res = await t.app.inject({ method: 'POST', url, headers: owner.headers });
    expect(res.statusCode).toBe(409);
    expect(sts.calls()).toHaveLength(0);
  });
});
