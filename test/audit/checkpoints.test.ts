import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedRecord } from '../../src/audit/canonical.ts';
import { recordHash } from '../../src/audit/chain.ts';
import {
  loadVerificationKeys,
  readCheckpointDir,
  runCheckpointVerify,
} from '../../src/audit/checkpoints/cli.ts';
import { checkpointHash, type SignedCheckpoint, signedBytes } from '../../src/audit/checkpoints/format.ts';
import { type CheckpointService, createCheckpointService } from '../../src/audit/checkpoints/service.ts';
import { createLocalSigner } from '../../src/audit/checkpoints/signer.ts';
import { auditSignedCheckpoints } from '../../src/audit/checkpoints/tables.ts';
import { verifyCheckpoints } from '../../src/audit/checkpoints/verify.ts';
import { recordHashesAt } from '../../src/audit/store.ts';
import { auditChainCheckpoints, auditChainHeads, auditEvents } from '../../src/audit/tables.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import type { Clock } from '../../src/clock.ts';
import { systemClock } from '../../src/clock.ts';
import type { Db } from '../../src/db/client.ts';
import { newId } from '../../src/db/ids.ts';
import { webhookDeliveries, webhookEndpoints } from '../../src/webhooks/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, TEST_PASSWORD } from '../helpers/identity.ts';

const SEED = randomBytes(32);
const DEPLOYMENT = 'test-deployment';
let t: TestApp;
const audit = createAuditWriter({ clock: systemClock });
const silent = { info: () => undefined, error: () => undefined };

beforeAll(async () => {
  // Own database on PostgreSQL: these tests rewrite whole chains and rotate the deployment's key.
  t = await createTestApp({
    isolatedDatabase: true,
    env: {
      ROLEGATE_DEPLOYMENT_ID: DEPLOYMENT,
      ROLEGATE_AUDIT_SIGNING_KEYS: `k1:${SEED.toString('base64')}`,
      ROLEGATE_AUDIT_CHECKPOINT_INTERVAL: '0',
    },
  });
});
afterAll(async () => {
  await t.close();
});

/** This deployment's signer, as another node of it (same key, same database) would run it. */
let node: CheckpointService;
beforeAll(() => {
  node = createCheckpointService({
    db: t.database.db,
    clock: systemClock,
    signer: createLocalSigner('k1', SEED),
    deployment: DEPLOYMENT,
    intervalSeconds: 0,
    logger: silent,
  });
});

function db(): Db {
  return t.database.db;
}

async function append(orgId: string, n: number, action = 'x.y'): Promise<void> {
  for (let i = 0; i < n; i++) {
    await audit.record(db(), { orgId, actorType: 'system', actorId: null, action, outcome: 'success' });
  }
}

/**
 * What an administrator with write access to the database can do: edit records from `fromSeq` on,
 * recompute every hash and link after them, move the head and the verification marker along.
 */
async function rewriteChain(chain: string, fromSeq: number): Promise<void> {
  const rows = await db()
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.chain, chain))
    .orderBy(asc(auditEvents.seq));
  let prev = rows.find((r) => r.seq === fromSeq - 1)?.hash ?? '0'.repeat(64);
  for (const row of rows) {
    if (row.seq < fromSeq) continue;
    const { hash: _old, ...fields } = row;
    const edited = {
      ...fields,
      action: row.seq === fromSeq ? 'evidence.removed' : row.action,
      prevHash: prev,
    };
    const stored = storedRecord(edited);
    if (stored === null) throw new Error('not canonical');
    const hash = recordHash(stored);
    await db()
      .update(auditEvents)
      .set({ action: edited.action, prevHash: prev, hash })
      .where(and(eq(auditEvents.chain, chain), eq(auditEvents.seq, row.seq)));
    prev = hash;
  }
  const last = rows[rows.length - 1];
  if (last === undefined) return;
  await db().update(auditChainHeads).set({ hash: prev }).where(eq(auditChainHeads.chain, chain));
  await db().delete(auditChainCheckpoints).where(eq(auditChainCheckpoints.chain, chain));
}

describe('signed checkpoints', () => {
  it('a whole chain rewritten with recomputed hashes: plain verification says valid, against checkpoints says broken at the first checkpoint it contradicts', async () => {
    const owner = await createTestUser(t);
    const org = owner.orgId;
    await append(org, 3);
    const first = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${org}/audit/checkpoints`,
      headers: owner.headers,
    });
    expect(first.statusCode).toBe(201);
    // The request's own record is covered: 3 records + audit.checkpoint_requested.
    expect(first.json()).toMatchObject({ status: 'created', checkpoint: { n: 1, seq: 4, org } });
    await append(org, 3);
    await t.app.inject({ method: 'POST', url: `/v1/orgs/${org}/audit/checkpoints`, headers: owner.headers });
    await append(org, 2);
    const cps = (
      await t.app.inject({ method: 'GET', url: `/v1/orgs/${org}/audit/checkpoints`, headers: owner.headers })
    ).json() as { items: SignedCheckpoint[] };
    expect(cps.items.map((c) => [c.n, c.seq])).toEqual([
      [1, 4],
      [2, 8],
    ]);

    const verify = async (query: string) =>
      (
        await t.app.inject({
          method: 'GET',
          url: `/v1/orgs/${org}/audit/verify?${query}`,
          headers: owner.headers,
        })
      ).json();
    expect(await verify('full=true')).toMatchObject({ valid: true });
    expect(await verify('against=checkpoints')).toMatchObject({
      valid: true,
      checkpoints: { valid: true, checked: 2, firstContradicted: null, lastGood: { n: 2, seq: 8 } },
    });

    // Rewrite from seq 6: checkpoint 1 (seq 4) still holds, checkpoint 2 (seq 8) is contradicted.
    await rewriteChain(org, 6);
    expect(await verify('full=true')).toMatchObject({ valid: true, breakCount: 0 });
    const against = await verify('against=checkpoints');
    expect(against).toMatchObject({
      valid: false,
      breakCount: 0,
      checkpoints: {
        valid: false,
        firstContradicted: { n: 2, seq: 8 },
        problems: [{ n: 2, seq: 8, reason: 'contradicted' }],
        lastGood: { n: 1, seq: 4 },
      },
    });

    // The signer refuses to sign over the rewrite (it would launder it).
    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${org}/audit/checkpoints`,
      headers: owner.headers,
    });
    expect(again.json()).toMatchObject({ status: 'contradicted', checkpoint: null });

    // Rewritten from the first record: the first checkpoint is named.
    await rewriteChain(org, 1);
    expect(await verify('full=true')).toMatchObject({ valid: true });
    expect(await verify('against=checkpoints')).toMatchObject({
      valid: false,
      checkpoints: { firstContradicted: { n: 1, seq: 4 }, problemCount: 2 },
    });
  });

  it('a truncated chain contradicts the checkpoints beyond its new end', async () => {
    const owner = await createTestUser(t);
    const org = owner.orgId;
    await append(org, 5);
    await t.app.inject({ method: 'POST', url: `/v1/orgs/${org}/audit/checkpoints`, headers: owner.headers });
    await db()
      .delete(auditEvents)
      .where(and(eq(auditEvents.chain, org), sql`${auditEvents.seq} >= 4`));
    const last = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, org), eq(auditEvents.seq, 3)));
    await db()
      .update(auditChainHeads)
      .set({ seq: 3, hash: last[0]!.hash })
      .where(eq(auditChainHeads.chain, org));
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${org}/audit/verify?against=checkpoints`,
      headers: owner.headers,
    });
    expect(res.json()).toMatchObject({ valid: false, checkpoints: { firstContradicted: { n: 1, seq: 6 } } });
  });

  it('rounds sign only chains whose head moved, and link each checkpoint to the one before', async () => {
    const a = newId('org');
    const b = newId('org');
    await append(a, 2);
    await append(b, 1);
    const service = node;
    const r1 = await service.runOnce();
    expect(r1.created).toBeGreaterThanOrEqual(2);
    expect((await service.runOnce()).created).toBe(0);
    await append(a, 1);
    expect((await service.runOnce()).created).toBe(1);
    const list = await service.list(a, 0, 10);
    expect(list.map((c) => c.n)).toEqual([1, 2]);
    expect(list[1]?.prev).toBe(list[0]?.hash);
    expect(list[0]?.prev).toBe('0'.repeat(64));
    expect(await service.list(b, 0, 10)).toHaveLength(1);
  });

  it('two nodes signing the same round make one checkpoint per number', async () => {
    const org = newId('org');
    await append(org, 3);
    const nodes = [0, 1, 2].map(() =>
      createCheckpointService({
        db: db(),
        clock: systemClock,
        signer: createLocalSigner('k1', SEED),
        deployment: DEPLOYMENT,
        intervalSeconds: 0,
        logger: silent,
      }),
    );
    const outcomes = await Promise.all(nodes.map((n) => n.checkpointChain(org, { force: false })));
    expect(outcomes.filter((o) => o.status === 'created')).toHaveLength(1);
    const rows = await db()
      .select()
      .from(auditSignedCheckpoints)
      .where(eq(auditSignedCheckpoints.chain, org));
    expect(rows).toHaveLength(1);
  });
});

describe('verifying checkpoints', () => {
  async function signedChain(org: string, rounds: number): Promise<SignedCheckpoint[]> {
    for (let i = 0; i < rounds; i++) {
      await append(org, 2);
      await node.checkpointChain(org, { force: false });
    }
    return node.list(org, 0, 100);
  }
  const check = async (org: string, inputs: unknown[], options: { deployment?: string } = {}) =>
    verifyCheckpoints({
      org,
      deployment: options.deployment ?? DEPLOYMENT,
      keys: (await node.keys()).keys,
      inputs: inputs.map((checkpoint, i) => ({ checkpoint, source: `cp-${i}.json` })),
      hashesAt: (seqs) => recordHashesAt(db(), org, seqs),
    });

  it('accepts genuine checkpoints, and names a tampered signature, a changed field and a forged hash', async () => {
    const org = newId('org');
    const cps = await signedChain(org, 3);
    expect(await check(org, cps)).toMatchObject({ valid: true, checked: 3, problemCount: 0 });

    const sig = Buffer.from(cps[1]!.signature, 'base64');
    sig[5] = (sig[5] ?? 0) ^ 1;
    const tampered = { ...cps[1]!, signature: sig.toString('base64') };
    expect(await check(org, [cps[0], tampered, cps[2]])).toMatchObject({
      valid: false,
      // Without a genuine checkpoint 2, the third no longer links to anything held: a gap too.
      problems: [
        { n: 2, reason: 'bad_signature', source: 'cp-1.json' },
        { n: 3, reason: 'gap' },
      ],
    });
    // A field changed and the hash recomputed: the signature no longer covers it.
    const { hash: _h, signature: _s, format: _f, ...body } = cps[2]!;
    const moved = { ...body, seq: 1 };
    const forged = { ...cps[2]!, seq: 1, hash: checkpointHash(moved) };
    expect(await check(org, [cps[0], cps[1], forged])).toMatchObject({
      valid: false,
      problems: [{ n: 3, reason: 'bad_signature' }],
    });
    expect(await check(org, [{ format: 'something else' }])).toMatchObject({
      valid: false,
      problems: [{ n: null, reason: 'malformed' }],
    });
  });

  it('refuses a checkpoint of another deployment or organisation, even one signed with the same key', async () => {
    const org = newId('org');
    const [cp] = await signedChain(org, 1);
    const signer = createLocalSigner('k1', SEED);
    const { hash: _h, signature: _s, format, ...body } = cp!;
    const elsewhere = { ...body, deployment: 'staging' };
    const foreign = {
      format,
      ...elsewhere,
      hash: checkpointHash(elsewhere),
      signature: (await signer.sign(signedBytes(elsewhere))).toString('base64'),
    };
    expect(await check(org, [foreign])).toMatchObject({
      valid: false,
      problems: [{ reason: 'wrong_deployment' }],
    });
    // Verified as if it belonged to the other deployment, it is sound: the deployment is what differs.
    expect(await check(org, [foreign], { deployment: 'staging' })).toMatchObject({ valid: true });
    expect(await check(newId('org'), [cp])).toMatchObject({ problems: [{ reason: 'wrong_organisation' }] });
  });

  it('reports a gap in the checkpoints, and a checkpoint by an unknown key', async () => {
    const org = newId('org');
    const cps = await signedChain(org, 4);
    expect(await check(org, [cps[0], cps[1], cps[3]])).toMatchObject({
      valid: false,
      firstContradicted: null,
      problems: [{ n: 4, reason: 'gap' }],
    });
    expect(await check(org, [cps[1], cps[2], cps[3]])).toMatchObject({ problems: [{ n: 2, reason: 'gap' }] });
    const other = createLocalSigner('k-unknown', randomBytes(32));
    const { hash: _h, signature: _s, format, ...body } = cps[0]!;
    const byOther = { ...body, kid: 'k-unknown' };
    const unknown = {
      format,
      ...byOther,
      hash: checkpointHash(byOther),
      signature: (await other.sign(signedBytes(byOther))).toString('base64'),
    };
    expect(await check(org, [unknown])).toMatchObject({ problems: [{ n: 1, reason: 'unknown_key' }] });
  });
});

describe('GET /.well-known/rolegate-audit-keys', () => {
  it('publishes the public keys without authentication, and no private material', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/rolegate-audit-keys.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { deployment: string; keys: { kid: string; jwk: Record<string, string> }[] };
    expect(doc.deployment).toBe(DEPLOYMENT);
    expect(doc.keys.length).toBeGreaterThan(0);
    for (const k of doc.keys) expect(Object.keys(k.jwk).sort()).toEqual(['crv', 'kty', 'x']);
    expect(res.body).not.toContain(SEED.toString('base64url'));
  });
});

describe('erasure and checkpoints', () => {
  it('records pseudonymised by an account deletion still verify against checkpoints signed before it', async () => {
    const owner = await createTestUser(t);
    const member = await createTestUser(t, { role: 'member', orgId: owner.orgId, password: TEST_PASSWORD });
    for (let i = 0; i < 3; i++) {
      await audit.record(db(), {
        orgId: owner.orgId,
        actorType: 'user',
        actorId: member.userId,
        action: 'connection.created',
        outcome: 'success',
        ip: '203.0.113.7',
        userAgent: 'member-agent/1.0',
      });
    }
    const signed = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/audit/checkpoints`,
      headers: owner.headers,
    });
    expect(signed.json()).toMatchObject({ status: 'created' });

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: member.headers,
      payload: { password: TEST_PASSWORD },
    });
    expect(deleted.statusCode).toBe(200);
    // The personal values are gone from the records the checkpoint covers…
    const rows = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, owner.orgId), eq(auditEvents.action, 'connection.created')));
    expect(rows).toHaveLength(3);
    for (const r of rows) expect([r.actorId, r.ip, r.userAgent]).toEqual([null, null, null]);
    // …and the chain still matches the checkpoint: it covers hashes of keyed references, not the values.
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/audit/verify?against=checkpoints`,
      headers: owner.headers,
    });
    expect(res.json()).toMatchObject({
      valid: true,
      breakCount: 0,
      checkpoints: { valid: true, checked: 1, firstContradicted: null },
    });
  });
});

describe('verifying with the customer’s copies (CLI and standalone verifier)', () => {
  async function evidence(owner: { orgId: string; headers: { authorization: string } }) {
    const dir = mkdtempSync(join(tmpdir(), 'rg-cp-'));
    const list = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/orgs/${owner.orgId}/audit/checkpoints`,
        headers: owner.headers,
      })
    ).json() as { items: SignedCheckpoint[] };
    mkdirSync(join(dir, 'checkpoints'));
    for (const c of list.items) {
      writeFileSync(join(dir, 'checkpoints', `${String(c.n).padStart(10, '0')}.json`), JSON.stringify(c));
    }
    const keys = await t.app.inject({ method: 'GET', url: '/.well-known/rolegate-audit-keys' });
    writeFileSync(join(dir, 'keys.json'), keys.body);
    return { dir, checkpoints: list.items };
  }
  async function exportTo(dir: string, owner: { orgId: string; headers: { authorization: string } }) {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/audit/export?format=ndjson`,
      headers: owner.headers,
    });
    expect(res.statusCode).toBe(200);
    writeFileSync(join(dir, 'audit.ndjson'), res.body);
    return res.body;
  }
  function standalone(dir: string): { status: number | null; out: string } {
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
    return { status: r.status, out: r.stdout + r.stderr };
  }

  it('the standalone verifier accepts an honest export, and names the rewrite and an edited line', async () => {
    const owner = await createTestUser(t);
    await append(owner.orgId, 3);
    await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/audit/checkpoints`,
      headers: owner.headers,
    });
    await append(owner.orgId, 3);
    await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/audit/checkpoints`,
      headers: owner.headers,
    });
    const { dir } = await evidence(owner);
    try {
      await exportTo(dir, owner);
      const ok = standalone(dir);
      expect(ok.out).toMatch(/^ok {6}org_/);
      expect(ok.status).toBe(0);

      // One edited line in the export: that record no longer hashes to its hash.
      const text = readFileSync(join(dir, 'audit.ndjson'), 'utf8');
      writeFileSync(join(dir, 'audit.ndjson'), text.replace('"action":"x.y"', '"action":"x.z"'));
      const edited = standalone(dir);
      expect(edited.status).toBe(2);
      expect(edited.out).toContain('seq 1: record_modified');

      // The database rewritten with recomputed hashes, then exported: intact as a chain, but it
      // contradicts checkpoint 2 (seq 8), which the customer holds.
      await rewriteChain(owner.orgId, 6);
      await exportTo(dir, owner);
      const rewritten = standalone(dir);
      expect(rewritten.status).toBe(2);
      expect(rewritten.out).toContain('first contradicted: checkpoint #2 (seq 8)');
      expect(rewritten.out).not.toContain('record_modified');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolegate audit verify --checkpoints checks the database against a directory, with the saved keys', async () => {
    const owner = await createTestUser(t);
    await append(owner.orgId, 4);
    await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/audit/checkpoints`,
      headers: owner.headers,
    });
    const { dir } = await evidence(owner);
    try {
      const keys = await loadVerificationKeys(join(dir, 'keys.json'));
      const inputs = await readCheckpointDir(join(dir, 'checkpoints'));
      const out: string[] = [];
      const ok = await runCheckpointVerify(db(), { inputs, keys, write: (l) => out.push(l) });
      expect(ok.valid).toBe(true);
      expect(out[1]).toMatch(/^ok {6}org_\S+: matches all 1 checkpoint\(s\) \(last #1 at seq 5/);

      await rewriteChain(owner.orgId, 2);
      const lines: string[] = [];
      const broken = await runCheckpointVerify(db(), { inputs, keys, write: (l) => lines.push(l) });
      expect(broken).toMatchObject({
        valid: false,
        chain: { valid: true },
        checkpoints: { firstContradicted: { n: 1 } },
      });
      expect(lines[1]).toContain('contradicts checkpoint #1 (seq 5)');
      expect(lines[2]).toContain('#1 seq 5: contradicted (0000000001.json)');

      // A PEM of another key: every checkpoint is a bad signature.
      const pem = createPublicKey(createLocalSignerKey()).export({ format: 'pem', type: 'spki' }).toString();
      writeFileSync(join(dir, 'other.pem'), pem);
      const other = await runCheckpointVerify(db(), {
        inputs,
        keys: await loadVerificationKeys(join(dir, 'other.pem')),
        deployment: DEPLOYMENT,
        write: () => undefined,
      });
      expect(other.checkpoints.problems).toMatchObject([{ n: 1, reason: 'bad_signature' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function createLocalSignerKey() {
  return generateKeyPairSync('ed25519').privateKey;
}

async function check(org: string, inputs: unknown[]) {
  return verifyCheckpoints({
    org,
    deployment: DEPLOYMENT,
    keys: (await node.keys()).keys,
    inputs: inputs.map((checkpoint) => ({ checkpoint })),
    hashesAt: (seqs) => recordHashesAt(db(), org, seqs),
  });
}

describe('webhook delivery of checkpoints', () => {
  it('a checkpoint is queued, in its own transaction, for each endpoint subscribed to audit.checkpoint only', async () => {
    const owner = await createTestUser(t);
    const subscribed = newId('whe');
    const other = newId('whe');
    for (const [id, types] of [
      [subscribed, ['audit.checkpoint']],
      [other, ['threat.brute_force']],
    ] as const) {
      await db()
        .insert(webhookEndpoints)
        .values({
          id,
          orgId: owner.orgId,
          url: 'https://receiver.example.test/hook',
          description: '',
          eventTypes: [...types],
          // Never decrypted here: the test looks at the queued message, not at its sending.
          secretEncrypted: 'unused',
          createdAt: new Date(),
        });
    }
    await append(owner.orgId, 2);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/audit/checkpoints`,
      headers: owner.headers,
    });
    const cp = (res.json() as { checkpoint: SignedCheckpoint }).checkpoint;
    const queued = await db()
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.orgId, owner.orgId));
    expect(queued.map((q) => [q.endpointId, q.eventType, q.dedupeKey])).toEqual([
      [subscribed, 'audit.checkpoint', `checkpoint:${owner.orgId}:1`],
    ]);
    // The message carries the whole signed document, which verifies on its own.
    const data = (queued[0]!.payload as { data: { checkpoint: string } }).data;
    const delivered = JSON.parse(data.checkpoint) as SignedCheckpoint;
    expect(delivered).toEqual(cp);
    expect(await check(owner.orgId, [delivered])).toMatchObject({ valid: true });
  });
});

// Last in the file: the rotation retires the app's own key (k1), which then signs no more.
describe('key rotation', () => {
  async function signedChainOf(org: string, rounds: number): Promise<SignedCheckpoint[]> {
    for (let i = 0; i < rounds; i++) {
      await append(org, 2);
      await node.checkpointChain(org, { force: false });
    }
    return node.list(org, 0, 100);
  }
  it('after a key rotation old checkpoints still verify, and the retired key signs no more', async () => {
    const org = newId('org');
    const before = await signedChainOf(org, 2);
    expect(before[0]?.kid).toBe('k1');
    let now = Date.now() + 1000;
    const clock: Clock = { now: () => new Date(now) };
    const k2 = createCheckpointService({
      db: db(),
      clock,
      signer: createLocalSigner('k2', randomBytes(32)),
      deployment: DEPLOYMENT,
      intervalSeconds: 0,
      logger: silent,
    });
    await append(org, 1);
    expect(await k2.checkpointChain(org, { force: false })).toMatchObject({ status: 'created' });
    now += 1000;
    const doc = await k2.keys();
    expect(doc.keys.map((k) => [k.kid, k.validUntil === null])).toEqual([
      ['k1', false],
      ['k2', true],
    ]);
    const all = await k2.list(org, 0, 10);
    expect(all.map((c) => c.kid)).toEqual(['k1', 'k1', 'k2']);
    expect(await check(org, all)).toMatchObject({ valid: true, checked: 3 });
    // A node still configured with the old key refuses to sign (its checkpoints would not verify).
    await append(org, 1);
    await expect(node.checkpointChain(org, { force: false })).rejects.toThrow(/retired/);
    // A checkpoint by k1 dated after k1's retirement is refused even with a valid signature.
    const signer = createLocalSigner('k1', SEED);
    const { hash: _h, signature: _s, format, ...body } = all[1]!;
    const late = { ...body, n: 4, prev: all[2]!.hash, time: new Date(now + 5000).toISOString() };
    const lateCp = {
      format,
      ...late,
      hash: checkpointHash(late),
      signature: (await signer.sign(signedBytes(late))).toString('base64'),
    };
    expect(await check(org, [...all, lateCp])).toMatchObject({
      problems: [{ n: 4, reason: 'key_not_valid_then' }],
    });
  });
});
