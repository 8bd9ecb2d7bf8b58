import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readCheckpointsFromS3, runCheckpointVerify } from '../../src/audit/checkpoints/cli.ts';
import type { KeysDocument, SignedCheckpoint } from '../../src/audit/checkpoints/format.ts';
import { runDeliver } from '../../src/audit/export-target/cli.ts';
import {
  backoffMs,
  checkpointKey,
  createExportTargetService,
  recordsKey,
} from '../../src/audit/export-target/service.ts';
import { auditExportTargets } from '../../src/audit/export-target/tables.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import type { Clock } from '../../src/clock.ts';
import { systemClock } from '../../src/clock.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import {
  type FakeAws,
  type FakeAwsRequest,
  fakeCredentials,
  reply,
  startFakeAws,
  stsAssumeRole,
} from '../helpers/fake-aws.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

// Delivery of signed checkpoints to the customer's bucket through an audit-export connection,
// against a local wire-format STS + S3 (path-style, reached through AWS_ENDPOINT_URL).

const DEPLOYMENT = 'export-deployment';
const BUCKET = 'evidence';
const PREFIX = 'rolegate/acme/';
let now = Date.now();
const clock: Clock = { now: () => new Date(now) };
let t: TestApp;
let fake: FakeAws;
/** The bucket: key → body. */
const objects = new Map<string, string>();
/** Every S3 write, in order (retries included). */
const puts: string[] = [];
/** While set, every PutObject fails with this S3 error. */
let failPuts: { status: number; code: string } | null = null;
/** The session policy of every AssumeRole. */
const sessionPolicies: Array<{ Statement: Array<{ Action: string[]; Resource: string[] }> }> = [];
let owner: TestUser;
let connectionId: string;
const audit = createAuditWriter({ clock: systemClock });

function s3Error(res: ServerResponse, status: number, code: string): void {
  reply(res, status, `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`, {
    'content-type': 'application/xml',
  });
}

function handle(request: FakeAwsRequest, res: ServerResponse): void {
  if (request.params.get('Action') === 'AssumeRole') {
    const policy = request.params.get('Policy');
    if (policy !== null) sessionPolicies.push(JSON.parse(policy));
    stsAssumeRole(res, fakeCredentials(new Date(Date.now() + 900_000)));
    return;
  }
  const url = new URL(request.url, 'http://fake');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (bucket !== BUCKET) {
    s3Error(res, 404, 'NoSuchBucket');
    return;
  }
  if (request.method === 'PUT') {
    puts.push(key);
    if (failPuts !== null) {
      s3Error(res, failPuts.status, failPuts.code);
      return;
    }
    objects.set(key, request.body);
    reply(res, 200, '', { etag: '"e"' });
    return;
  }
  if (request.method === 'GET' && key === '' && url.searchParams.get('list-type') === '2') {
    const prefix = url.searchParams.get('prefix') ?? '';
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const contents = keys
      .map(
        (k) => `<Contents><Key>${k}</Key><Size>${Buffer.byteLength(objects.get(k) ?? '')}</Size></Contents>`,
      )
      .join('');
    reply(
      res,
      200,
      `<?xml version="1.0"?><ListBucketResult><Name>${BUCKET}</Name><Prefix>${prefix}</Prefix><KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
      { 'content-type': 'application/xml' },
    );
    return;
  }
  if (request.method === 'GET' && objects.has(key)) {
    reply(res, 200, objects.get(key) ?? '', { 'content-type': 'application/json' });
    return;
  }
  s3Error(res, 404, 'NoSuchKey');
}

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFAKEBASE000000000');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'fake-base-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  fake = await startFakeAws(handle);
  // Own database on PostgreSQL: delivery rounds look at every organisation's target.
  t = await createTestApp({
    isolatedDatabase: true,
    clock,
    env: {
      ROLEGATE_DEPLOYMENT_ID: DEPLOYMENT,
      ROLEGATE_AUDIT_SIGNING_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      ROLEGATE_AUDIT_CHECKPOINT_INTERVAL: '0',
      ROLEGATE_AUDIT_EXPORT_INTERVAL: '0',
      AWS_ENDPOINT_URL: fake.url,
      AWS_REGION: 'eu-west-1',
    },
  });
  owner = await createTestUser(t);
  connectionId = (
    await createTestConnection(t, owner.orgId, {
      capabilities: ['audit-export'],
      scopes: { s3Buckets: [BUCKET], s3Prefixes: ['rolegate/'] },
    })
  ).id;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await t.close();
  await fake.close();
});

const targetUrl = (orgId: string) => `/v1/orgs/${orgId}/audit/export-target`;

async function putTarget(user: TestUser, body: unknown) {
  return t.app.inject({
    method: 'PUT',
    url: targetUrl(user.orgId),
    headers: user.headers,
    payload: body as object,
  });
}
async function status(user: TestUser = owner) {
  return (await t.app.inject({ method: 'GET', url: targetUrl(user.orgId), headers: user.headers })).json()
    .target;
}
async function checkpoint(records = 2): Promise<SignedCheckpoint> {
  for (let i = 0; i < records; i++) {
    await audit.record(t.database.db, {
      orgId: owner.orgId,
      actorType: 'system',
      actorId: null,
      action: 'x.y',
      outcome: 'success',
    });
  }
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/audit/checkpoints`,
    headers: owner.headers,
  });
  expect(res.statusCode).toBe(201);
  return res.json().checkpoint as SignedCheckpoint;
}
function service() {
  const core = t.core;
  if (core === undefined) throw new Error('test app without core');
  return core.auditExport;
}

describe('audit export target: configuration', () => {
  it('refuses bad input with 4xx and stores nothing', async () => {
    const good = { connectionId, bucket: BUCKET, prefix: PREFIX, includeRecords: true };
    const cases: Array<[unknown, number]> = [
      [{ ...good, bucket: 'Not_A_Bucket' }, 400],
      [{ ...good, prefix: 'a/*/' }, 400],
      [{ ...good, prefix: 'a/../b/' }, 400],
      [{ ...good, prefix: 'no-trailing-slash' }, 400],
      [{ ...good, extra: 1 }, 400],
      [{ ...good, connectionId: 'not-an-id' }, 400],
      // Outside the connection's scope: another bucket, or a prefix outside the scoped one.
      [{ ...good, bucket: 'other-bucket' }, 400],
      [{ ...good, prefix: 'elsewhere/' }, 400],
    ];
    for (const [body, code] of cases) {
      const res = await putTarget(owner, body);
      expect([res.statusCode, body]).toEqual([code, body]);
    }
    expect(await status()).toBeNull();
  });

  it("another organisation's connection or target answers 404; a connection without the capability is refused", async () => {
    const other = await createTestUser(t);
    const otherConnection = await createTestConnection(t, other.orgId, {
      capabilities: ['audit-export'],
      scopes: { s3Buckets: [BUCKET] },
    });
    const res = await putTarget(owner, { connectionId: otherConnection.id, bucket: BUCKET, prefix: PREFIX });
    expect(res.statusCode).toBe(404);
    // The other organisation cannot read, set, remove or trigger this organisation's target.
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const r = await t.app.inject({
        method,
        url: targetUrl(owner.orgId),
        headers: other.headers,
        ...(method === 'PUT' ? { payload: { connectionId, bucket: BUCKET, prefix: PREFIX } } : {}),
      });
      expect(r.statusCode).toBe(404);
    }
    const readOnly = await createTestConnection(t, owner.orgId, {
      capabilities: ['s3-write'],
      scopes: { s3Buckets: [BUCKET] },
    });
    const missing = await putTarget(owner, { connectionId: readOnly.id, bucket: BUCKET, prefix: PREFIX });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('capability_missing');
    // A member (not admin) may not configure it.
    const member = await createTestUser(t, { orgId: owner.orgId, role: 'member' });
    expect((await putTarget(member, { connectionId, bucket: BUCKET, prefix: PREFIX })).statusCode).toBe(403);
    expect(await status()).toBeNull();
  });

  it('a connection with audit-export must scope exactly one bucket', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/connections`,
      headers: owner.headers,
      payload: {
        name: 'export',
        capabilities: ['audit-export'],
        scopes: { s3Buckets: ['a-bucket', 'b-bucket'] },
      },
    });
    expect(res.statusCode).toBe(400);
  });
});

describe('audit export delivery', () => {
  it('writes each checkpoint (and its records) under a fixed key, each write with a session policy for exactly that key', async () => {
    const c1 = await checkpoint();
    const set = await putTarget(owner, {
      connectionId,
      bucket: BUCKET,
      prefix: PREFIX,
      includeRecords: true,
    });
    expect(set.statusCode).toBe(200);
    expect(set.json().target).toMatchObject({
      bucket: BUCKET,
      prefix: PREFIX,
      status: { deliveredN: 0, latestN: 1 },
    });
    const c2 = await checkpoint();
    sessionPolicies.length = 0;
    puts.length = 0;

    expect(await service().runOnce()).toEqual({ delivered: 2, failed: 0 });
    const k1 = checkpointKey(PREFIX, owner.orgId, 1);
    expect(k1).toBe(`rolegate/acme/checkpoints/${owner.orgId}/0000000001.json`);
    expect(objects.get(k1)).toBe(`${JSON.stringify(c1)}\n`);
    expect(objects.get(checkpointKey(PREFIX, owner.orgId, 2))).toBe(`${JSON.stringify(c2)}\n`);
    // Records: checkpoint 1 covers seq 1…c1.seq, checkpoint 2 the ones after, up to c2.seq.
    const r1 = (objects.get(recordsKey(PREFIX, owner.orgId, 1)) ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const r2 = (objects.get(recordsKey(PREFIX, owner.orgId, 2)) ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(r1.map((r) => r.seq)).toEqual(Array.from({ length: c1.seq }, (_, i) => i + 1));
    expect(r2.map((r) => r.seq)).toEqual(Array.from({ length: c2.seq - c1.seq }, (_, i) => c1.seq + i + 1));
    expect(r2.at(-1).hash).toBe(c2.head);

    // One AssumeRole per object, each allowing PutObject on exactly that object and nothing else.
    expect(puts).toHaveLength(4);
    expect(sessionPolicies.map((p) => p.Statement)).toEqual(
      puts.map((key) => [
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${BUCKET}/${key}`] },
      ]),
    );
    expect(await status()).toMatchObject({
      status: { deliveredN: 2, latestN: 2, failures: 0, lastError: null },
    });
  });

  it('S3 failing (500, then AccessDenied) backs off and retries; after recovery every checkpoint is there, once', async () => {
    failPuts = { status: 500, code: 'InternalError' };
    await checkpoint();
    await checkpoint();
    expect(await service().runOnce()).toEqual({ delivered: 0, failed: 1 });
    let s = await status();
    expect(s.status).toMatchObject({
      deliveredN: 2,
      latestN: 4,
      failures: 1,
      lastError: { code: 'aws_unavailable' },
    });
    expect(Date.parse(s.status.nextAttemptAt)).toBe(now + backoffMs(1));
    // Within the back-off nothing is tried.
    const before = puts.length;
    expect(await service().runOnce()).toEqual({ delivered: 0, failed: 0 });
    expect(puts.length).toBe(before);

    failPuts = { status: 403, code: 'AccessDenied' };
    now += backoffMs(1);
    expect(await service().runOnce()).toEqual({ delivered: 0, failed: 1 });
    s = await status();
    expect(s.status).toMatchObject({ deliveredN: 2, failures: 2, lastError: { code: 'aws_access_denied' } });
    expect(Date.parse(s.status.nextAttemptAt)).toBe(now + backoffMs(2));

    // A node that died holding the lease: the lease lapses and delivery resumes from the database.
    await t.database.db
      .update(auditExportTargets)
      .set({ leaseUntil: new Date(now + backoffMs(2) + 60_000) })
      .where(eq(auditExportTargets.orgId, owner.orgId));
    failPuts = null;
    now += backoffMs(2);
    expect(await service().runOnce()).toEqual({ delivered: 0, failed: 0 });
    now += 120_000;
    // Delivered by a fresh service (a restarted process): all it knows is in the database.
    const core = t.core!;
    const restarted = createExportTargetService({
      db: t.database.db,
      clock,
      audit: core.audit,
      broker: core.broker,
      resolver: core.connections.resolver,
      s3: (credentials, region) => core.awsClients.s3(credentials, region),
      defaultRegion: 'eu-west-1',
      intervalSeconds: 0,
      // Small parts, so the ranges of checkpoints 3 and 4 are each split over several objects.
      recordsPerPart: 2,
      logger: { info: () => undefined, error: () => undefined },
    });
    expect(await restarted.runOnce()).toEqual({ delivered: 2, failed: 0 });
    s = await status();
    expect(s.status).toMatchObject({ deliveredN: 4, latestN: 4, failures: 0 });
    const keys = [...objects.keys()].filter((k) => k.startsWith(`${PREFIX}checkpoints/`)).sort();
    expect(keys).toEqual([1, 2, 3, 4].map((n) => checkpointKey(PREFIX, owner.orgId, n)));
    const delivered = keys.map((k) => JSON.parse(objects.get(k) ?? '') as SignedCheckpoint);
    expect(delivered.map((c) => [c.n, c.prev === (delivered[c.n - 2]?.hash ?? '0'.repeat(64))])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
    ]);
    // The records objects, in key order, are the chain from seq 1 to checkpoint 4's seq, once each.
    const recordKeys = [...objects.keys()].filter((k) => k.startsWith(`${PREFIX}records/`)).sort();
    expect(recordKeys.filter((k) => k.includes('/0000000004.')).length).toBeGreaterThan(1);
    const seqs = recordKeys.flatMap((k) =>
      (objects.get(k) ?? '')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => (JSON.parse(l) as { seq: number }).seq),
    );
    const c4 = delivered[3]!;
    expect(seqs).toEqual(Array.from({ length: c4.seq }, (_, i) => i + 1));
  });

  it('`rolegate audit verify --checkpoints s3://…` reads what was delivered and finds it valid', async () => {
    const inputs = await readCheckpointsFromS3(`s3://${BUCKET}/${PREFIX}checkpoints/${owner.orgId}/`, {
      region: 'eu-west-1',
      endpointUrl: fake.url,
    });
    expect(inputs).toHaveLength(4);
    const doc = (
      await t.app.inject({ method: 'GET', url: '/.well-known/rolegate-audit-keys' })
    ).json() as KeysDocument;
    const lines: string[] = [];
    const report = await runCheckpointVerify(t.database.db, {
      inputs,
      keys: { deployment: doc.deployment, keys: doc.keys, anyKid: null },
      write: (l) => lines.push(l),
    });
    expect(report.checkpoints).toMatchObject({ valid: true, checked: 4, problemCount: 0 });
    expect(report.valid).toBe(true);

    // And without a server: the bucket's records and checkpoints through the standalone verifier.
    const dir = mkdtempSync(join(tmpdir(), 'rolegate-export-'));
    try {
      mkdirSync(join(dir, 'checkpoints'));
      let ndjson = '';
      for (const key of [...objects.keys()].sort()) {
        if (key.startsWith(`${PREFIX}records/${owner.orgId}/`)) ndjson += objects.get(key);
        if (key.startsWith(`${PREFIX}checkpoints/${owner.orgId}/`))
          writeFileSync(join(dir, 'checkpoints', key.split('/').pop() ?? ''), objects.get(key) ?? '');
      }
      writeFileSync(join(dir, 'audit.ndjson'), ndjson);
      writeFileSync(join(dir, 'keys.json'), JSON.stringify(doc));
      const r = spawnSync(
        process.execPath,
        [
          'packages/audit-verify/verify.mjs',
          '--export',
          join(dir, 'audit.ndjson'),
          '--checkpoints',
          join(dir, 'checkpoints'),
          '--keys',
          join(dir, 'keys.json'),
        ],
        { encoding: 'utf8' },
      );
      expect(r.stdout + r.stderr).toMatch(/^ok {6}org_/);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`rolegate audit deliver` reports where an organisation stands and whether everything got out', async () => {
    failPuts = { status: 500, code: 'InternalError' };
    await checkpoint();
    const lines: string[] = [];
    const write = (l: string) => lines.push(l);
    expect(await runDeliver(service(), { org: owner.orgId, json: false, write })).toBe(false);
    expect(lines.at(-1)).toBe(
      `${owner.orgId}: 4/5 checkpoint(s) in s3://${BUCKET}/${PREFIX}; last error aws_unavailable at ${new Date(now).toISOString()}\n`,
    );
    failPuts = null;
    expect(await runDeliver(service(), { org: owner.orgId, json: true, write })).toBe(true);
    expect(JSON.parse(lines.at(-1) ?? '')).toMatchObject({
      status: { deliveredN: 5, latestN: 5, failures: 0 },
    });
    expect(await runDeliver(service(), { json: false, write })).toBe(true);
    expect(lines.at(-1)).toMatch(/^0 checkpoint\(s\) delivered, 0 organisation\(s\) failed/);
  });

  it('the deliveries route retries at once; removing the target stops delivery', async () => {
    failPuts = { status: 500, code: 'InternalError' };
    await checkpoint();
    const failed = await t.app.inject({
      method: 'POST',
      url: `${targetUrl(owner.orgId)}/deliveries`,
      headers: owner.headers,
    });
    expect(failed.statusCode).toBe(200);
    expect(failed.json().target.status).toMatchObject({ deliveredN: 5, latestN: 6, failures: 1 });
    failPuts = null;
    // No waiting for the back-off: an admin's retry.
    const retried = await t.app.inject({
      method: 'POST',
      url: `${targetUrl(owner.orgId)}/deliveries`,
      headers: owner.headers,
    });
    expect(retried.json().target.status).toMatchObject({ deliveredN: 6, failures: 0 });
    const removed = await t.app.inject({
      method: 'DELETE',
      url: targetUrl(owner.orgId),
      headers: owner.headers,
    });
    expect(removed.statusCode).toBe(204);
    expect(await status()).toBeNull();
    await checkpoint();
    const count = puts.length;
    expect(await service().runOnce()).toEqual({ delivered: 0, failed: 0 });
    expect(puts.length).toBe(count);
  });
});
