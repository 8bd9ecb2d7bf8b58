import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsStub, startAwsStub } from '../../bench/aws-stub.ts';
import { queryRows } from '../../src/db/client.ts';
import { totpCodeAt } from '../../src/identity/totp.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { uniqueEmail, uniqueIp } from './support.ts';

// Canary values for every kind of secret are fed through every flow the API offers — sign-up, login,
// MFA set-up and enable, MFA login, refresh, password change, API key creation and use, connection
// creation, templates and verification against the AWS stub, brokered S3 calls, exports, refused
// requests — and then every log line, every HTTP response and a dump of every row of every table are
// searched for them (raw, hex, base64, base64url and URL-encoded). Each secret may appear only in the
// one response that hands it to its owner.

process.env.AWS_ACCESS_KEY_ID = 'AKIAHOSTILELEAK00000';
process.env.AWS_SECRET_ACCESS_KEY = 'hostile-base-secret-leak';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const canary = (kind: string) => `canary${kind}${randomBytes(12).toString('hex')}`;
const AWS_SECRET = canary('AwsSecret');
const AWS_SESSION_TOKEN = canary('AwsSessionToken').padEnd(300, 'Z');

let stub: AwsStub;
let t: TestApp;

beforeAll(async () => {
  stub = await startAwsStub({
    secretAccessKey: AWS_SECRET,
    sessionToken: AWS_SESSION_TOKEN,
    objectSize: 2048,
  });
  t = await createTestApp({ env: { AWS_ENDPOINT_URL: stub.url, AWS_REGION: 'us-east-1' } });
});

afterAll(async () => {
  await t?.close();
  await stub?.close();
});

interface Captured {
  step: string;
  text: string;
}

function encodings(secret: string): string[] {
  const b = Buffer.from(secret, 'utf8');
  return [
    secret,
    b.toString('hex'),
    b.toString('base64').replace(/=+$/, ''),
    b.toString('base64url'),
    encodeURIComponent(secret),
  ];
}

function occurrences(haystack: string, secret: string): number {
  return encodings(secret).reduce((n, e) => n + (e.length > 0 && haystack.includes(e) ? 1 : 0), 0);
}

describe('secret leakage', () => {
  it('no secret appears in logs, responses or the database outside its one allowed place', async () => {
    const responses: Captured[] = [];
    const ip = uniqueIp();
    const call = async (step: string, options: InjectOptions): Promise<LightMyRequestResponse> => {
      const res = await t.app.inject({ remoteAddress: ip, ...options });
      responses.push({
        step,
        text: `${res.statusCode}\n${JSON.stringify(res.headers)}\n${res.body}`,
      });
      return res;
    };
    const expectStatus = (res: LightMyRequestResponse, status: number) =>
      expect(res.statusCode, res.body).toBe(status);

    const email = uniqueEmail();
    const password = `${canary('Password')} staple`;
    const newPassword = `${canary('NewPassword')} staple`;

    // Identity: sign-up, login, MFA, MFA login, refresh, password change.
    const signup = await call('signup', {
      method: 'POST',
      url: '/v1/auth/signup',
      payload: { email, password },
    });
    expectStatus(signup, 201);
    const orgId: string = signup.json().organization.id;
    const login1 = await call('login1', {
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password },
    });
    expectStatus(login1, 200);
    const bearer1 = { authorization: `Bearer ${login1.json().accessToken}` };
    const setup = await call('mfaSetup', { method: 'POST', url: '/v1/auth/mfa/setup', headers: bearer1 });
    expectStatus(setup, 200);
    const totpSecret: string = setup.json().secret;
    const enable = await call('mfaEnable', {
      method: 'POST',
      url: '/v1/auth/mfa/enable',
      headers: bearer1,
      payload: { code: totpCodeAt(totpSecret, Date.now()) },
    });
    expectStatus(enable, 200);
    const backupCodes: string[] = enable.json().backupCodes;
    const mfaNeeded = await call('loginMfaRequired', {
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password },
    });
    expectStatus(mfaNeeded, 401);
    const login2 = await call('login2', {
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password, totp: totpCodeAt(totpSecret, Date.now() + 30_000) },
    });
    expectStatus(login2, 200);
    const refresh = await call('refresh', {
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: login2.json().refreshToken },
    });
    expectStatus(refresh, 200);
    const bearer = { authorization: `Bearer ${refresh.json().accessToken}` };
    expectStatus(await call('meAfterRefresh', { method: 'GET', url: '/v1/me', headers: bearer }), 200);
    // Reusing the rotated refresh token is refused (and revokes the family).
    expectStatus(
      await call('refreshReuse', {
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refreshToken: login2.json().refreshToken },
      }),
      401,
    );
    const login3 = await call('login3', {
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password, totp: backupCodes[0] },
    });
    expectStatus(login3, 200);
    const bearer3 = { authorization: `Bearer ${login3.json().accessToken}` };
    expectStatus(
      await call('passwordChange', {
        method: 'POST',
        url: '/v1/auth/password',
        headers: bearer3,
        payload: { currentPassword: password, newPassword },
      }),
      204,
    );
    // Refused requests carrying secrets: a wrong password, an unknown field, a wrong TOTP.
    await call('badLogin', {
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: `${newPassword}x` },
    });
    await call('unknownField', {
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: newPassword, secret: newPassword, totp: backupCodes[1] },
    });
    const login4 = await call('login4', {
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: newPassword, totp: backupCodes[2] },
    });
    expectStatus(login4, 200);
    const user = { authorization: `Bearer ${login4.json().accessToken}` };

    // API key: created, used, used wrongly.
    const keyRes = await call('apiKeyCreate', {
      method: 'POST',
      url: `/v1/orgs/${orgId}/api-keys`,
      headers: user,
      payload: { name: 'leak test', role: 'admin' },
    });
    expectStatus(keyRes, 201);
    const apiKey: string = keyRes.json().key;
    const key = { authorization: `Bearer ${apiKey}` };
    expectStatus(
      await call('apiKeyList', { method: 'GET', url: `/v1/orgs/${orgId}/api-keys`, headers: user }),
      200,
    );
    expectStatus(
      await call('apiKeyUse', { method: 'GET', url: `/v1/orgs/${orgId}/connections`, headers: key }),
      200,
    );
    await call('apiKeyTampered', {
      method: 'GET',
      url: `/v1/orgs/${orgId}/connections`,
      headers: { authorization: `Bearer ${apiKey.slice(0, -4)}abcd` },
    });

    // Connection: create, templates, verify against the stub, brokered S3 calls.
    const conn = await call('connectionCreate', {
      method: 'POST',
      url: `/v1/orgs/${orgId}/connections`,
      headers: key,
      payload: { name: 'leak test', capabilities: ['s3-read'] },
    });
    expectStatus(conn, 201);
    const externalId: string = conn.json().externalId;
    const base = `/v1/orgs/${orgId}/connections/${conn.json().id}`;
    stub.allowExternalId(externalId);
    expectStatus(await call('templates', { method: 'GET', url: `${base}/templates`, headers: key }), 200);
    expectStatus(
      await call('templatesCfn', {
        method: 'GET',
        url: `${base}/templates/cloudformation.yaml`,
        headers: key,
      }),
      200,
    );
    expectStatus(
      await call('connectionPatch', {
        method: 'PATCH',
        url: base,
        headers: key,
        payload: { roleArn: 'arn:aws:iam::222222222222:role/customer' },
      }),
      200,
    );
    const verify = await call('verify', { method: 'POST', url: `${base}/verify`, headers: key });
    expectStatus(verify, 200);
    expect(verify.json().status, verify.body).toBe('verified');
    expectStatus(await call('connectionGet', { method: 'GET', url: base, headers: key }), 200);
    expectStatus(
      await call('connectionList', { method: 'GET', url: `/v1/orgs/${orgId}/connections`, headers: key }),
      200,
    );
    expectStatus(await call('s3Buckets', { method: 'GET', url: `${base}/s3/buckets`, headers: key }), 200);
    expectStatus(
      await call('s3Objects', {
        method: 'GET',
        url: `${base}/s3/buckets/bucket-1/objects?limit=5`,
        headers: key,
      }),
      200,
    );
    const object = await call('s3Object', {
      method: 'GET',
      url: `${base}/s3/buckets/bucket-1/object?key=${encodeURIComponent('logs/a.json')}`,
      headers: key,
    });
    expectStatus(object, 200);
    const presign = await call('s3Presign', {
      method: 'POST',
      url: `${base}/s3/presign`,
      headers: key,
      payload: { bucket: 'bucket-1', key: 'logs/a.json' },
    });
    expect(presign.statusCode).toBeLessThan(500);
    await call('intent', {
      method: 'POST',
      url: '/v1/intents',
      headers: key,
      payload: { intent: 's3.list_buckets', connectionId: conn.json().id, params: {} },
    });

    // Reads of everything a user or admin can export.
    for (const [step, url] of [
      ['me', '/v1/me'],
      ['meExport', '/v1/me/export'],
      ['audit', `/v1/orgs/${orgId}/audit`],
      ['auditExport', `/v1/orgs/${orgId}/audit/export`],
      ['auditVerify', `/v1/orgs/${orgId}/audit/verify`],
      ['accessLog', `/v1/orgs/${orgId}/insights/access-log`],
      ['errorLog', `/v1/orgs/${orgId}/insights/error-log`],
    ] as const) {
      const res = await call(step, { method: 'GET', url, headers: user });
      expect(res.statusCode, `${step}: ${res.body}`).toBe(200);
    }
    expectStatus(await call('logout', { method: 'POST', url: '/v1/auth/logout', headers: user }), 204);

    expect(stub.counts['sts.AssumeRole'] ?? 0).toBeGreaterThan(0);
    expect(stub.counts['s3.ListBuckets'] ?? 0).toBeGreaterThan(0);

    // Where each secret may appear: the response that hands it out, nowhere else.
    const secrets: Array<{ kind: string; value: string; allowed: string[] }> = [
      { kind: 'password', value: password, allowed: [] },
      { kind: 'new password', value: newPassword, allowed: [] },
      { kind: 'TOTP secret', value: totpSecret, allowed: ['mfaSetup'] },
      ...backupCodes.map((c, i) => ({ kind: `backup code ${i}`, value: c, allowed: ['mfaEnable'] })),
      { kind: 'access token (login1)', value: login1.json().accessToken, allowed: ['login1'] },
      { kind: 'refresh token (login1)', value: login1.json().refreshToken, allowed: ['login1'] },
      { kind: 'refresh token (login2)', value: login2.json().refreshToken, allowed: ['login2'] },
      { kind: 'refresh token (refresh)', value: refresh.json().refreshToken, allowed: ['refresh'] },
      { kind: 'access token (refresh)', value: refresh.json().accessToken, allowed: ['refresh'] },
      { kind: 'refresh token (login4)', value: login4.json().refreshToken, allowed: ['login4'] },
      { kind: 'API key', value: apiKey, allowed: ['apiKeyCreate'] },
      { kind: 'external ID', value: externalId, allowed: ['connectionCreate', 'templates', 'templatesCfn'] },
      { kind: 'AWS secret access key', value: AWS_SECRET, allowed: [] },
      { kind: 'AWS session token', value: AWS_SESSION_TOKEN, allowed: [] },
    ];
    expect(backupCodes.length).toBeGreaterThan(0);

    const logs = t.logs();
    expect(logs.length).toBeGreaterThan(1000);
    const tables = await queryRows<{ name: string }>(
      t.database.db,
      sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const { name } of tables) {
      const rows = await queryRows<{ row: string }>(
        t.database.db,
        sql`select t::text as row from ${sql.identifier(name)} t`,
      );
      dump += `\n## ${name}\n${rows.map((r) => r.row).join('\n')}`;
    }
    // The dump really holds this run's data (so a miss is not a blind spot).
    expect(dump).toContain(orgId);
    expect(dump).toContain(conn.json().id);

    const leaks: string[] = [];
    for (const s of secrets) {
      if (occurrences(logs, s.value) > 0) leaks.push(`${s.kind} in the logs`);
      if (occurrences(dump, s.value) > 0) leaks.push(`${s.kind} in the database dump`);
      for (const r of responses) {
        if (!s.allowed.includes(r.step) && occurrences(r.text, s.value) > 0)
          leaks.push(`${s.kind} in response ${r.step}`);
      }
      // The allowed place really holds it (the scan can see it).
      for (const step of s.allowed) {
        expect(
          occurrences(responses.find((r) => r.step === step)!.text, s.value),
          `${s.kind} in ${step}`,
        ).toBeGreaterThan(0);
      }
    }
    process.stderr.write(
      `hostile secret leakage: ${secrets.length} secrets × (${responses.length} responses, ${logs.length} bytes of logs, ${dump.length} bytes of database dump over ${tables.length} tables)\n`,
    );
    expect(leaks).toEqual([]);
  });
});
