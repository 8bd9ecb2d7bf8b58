import { spawnSync } from 'node:child_process';
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KeysDocument, SignedCheckpoint } from '../../src/audit/checkpoints/format.ts';
import { createCheckpointService } from '../../src/audit/checkpoints/service.ts';
import { CheckpointSigningError, createKmsSigner } from '../../src/audit/checkpoints/signer.ts';
import { auditSignedCheckpoints } from '../../src/audit/checkpoints/tables.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { createKmsClient } from '../../src/crypto/kms-keyring.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { type FakeKms, startFakeKms } from '../helpers/fake-kms.ts';
import { createTestUser } from '../helpers/identity.ts';

// Checkpoints signed by an asymmetric KMS key (ES256) through the wire-format fake KMS, whose
// signatures are real ECDSA: the standalone verifier checks them like Ed25519 ones.

const DEPLOYMENT = 'kms-deployment';
const SEED = randomBytes(32);
const ALIAS = 'alias/rolegate-audit';
let kms: FakeKms;
let kmsArn: string;
/** The deployment before the rotation: Ed25519 only. */
let local: TestApp;
/** The same deployment restarted with the KMS key configured (same database). */
let withKms: TestApp;
let owner: Awaited<ReturnType<typeof createTestUser>>;
const audit = createAuditWriter({ clock: systemClock });

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFAKEBASE000000000');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'fake-base-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  kms = await startFakeKms();
  kmsArn = kms.createSigningKey(ALIAS);
  const base = {
    ROLEGATE_DEPLOYMENT_ID: DEPLOYMENT,
    ROLEGATE_AUDIT_SIGNING_KEYS: `k1:${SEED.toString('base64')}`,
    ROLEGATE_AUDIT_CHECKPOINT_INTERVAL: '0',
    // One deployment restarted: the same keys, so sessions and secrets carry over.
    ROLEGATE_MASTER_KEYS: `m1:${randomBytes(32).toString('base64')}`,
    ROLEGATE_JWT_KEYS: `j1:${randomBytes(32).toString('base64')}`,
  };
  local = await createTestApp({ isolatedDatabase: true, env: base });
  withKms = await createTestApp({
    database: local.database,
    env: { ...base, ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID: ALIAS, AWS_ENDPOINT_URL: kms.url },
  });
  owner = await createTestUser(local);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await withKms.close();
  await local.close();
  await kms.close();
});

/** Another node of the KMS-configured deployment (same key, same database). */
function kmsNode(maxAttempts = 4) {
  return createKmsSigner(createKmsClient({ region: 'us-east-1', endpoint: kms.url, maxAttempts }), ALIAS);
}
function kmsService() {
  return createCheckpointService({
    db: local.database.db,
    clock: systemClock,
    signer: kmsNode(),
    deployment: DEPLOYMENT,
    intervalSeconds: 0,
    logger: { info: () => undefined, error: () => undefined },
  });
}

async function checkpointNow(t: TestApp) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/audit/checkpoints`,
    headers: owner.headers,
  });
}

async function stored(): Promise<number> {
  return (
    await local.database.db
      .select({ n: auditSignedCheckpoints.n })
      .from(auditSignedCheckpoints)
      .where(eq(auditSignedCheckpoints.chain, owner.orgId))
  ).length;
}

describe('checkpoints signed by a KMS key', () => {
  it('rotating from Ed25519 to KMS publishes the KMS public key and keeps old checkpoints verifiable', async () => {
    const first = await checkpointNow(local);
    expect(first.statusCode).toBe(201);
    expect(first.json().checkpoint).toMatchObject({ n: 1, kid: 'k1', alg: 'EdDSA' });

    const second = await checkpointNow(withKms);
    expect(second.statusCode).toBe(201);
    const cp = second.json().checkpoint as SignedCheckpoint;
    // The key's ARN (as KMS reports it), not the alias that was configured.
    expect(cp).toMatchObject({ n: 2, kid: kmsArn, alg: 'ES256', prev: first.json().checkpoint.hash });
    const sign = kms.calls.filter((c) => c.target === 'TrentService.Sign');
    expect(sign.at(-1)?.body).toMatchObject({
      KeyId: kmsArn,
      MessageType: 'RAW',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });

    const doc = (
      await withKms.app.inject({ method: 'GET', url: '/.well-known/rolegate-audit-keys' })
    ).json() as KeysDocument;
    expect(doc.keys.map((k) => [k.kid, k.alg, k.validUntil === null])).toEqual([
      ['k1', 'EdDSA', false],
      [kmsArn, 'ES256', true],
    ]);
    // The published JWK is the KMS key's public key.
    const published = doc.keys[1]!;
    expect(published.jwk).toEqual(
      await kmsNode()
        .describe()
        .then((k) => k.jwk),
    );
    expect(createPublicKey({ key: published.jwk, format: 'jwk' }).asymmetricKeyDetails?.namedCurve).toBe(
      'prime256v1',
    );
    expect(published.validFrom <= cp.time).toBe(true);

    const verify = await withKms.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/audit/verify?against=checkpoints`,
      headers: owner.headers,
    });
    expect(verify.json()).toMatchObject({ checkpoints: { valid: true, checked: 2 } });
  });

  it('the standalone verifier validates the KMS-signed checkpoints of an export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolegate-kms-'));
    try {
      const list = (
        await withKms.app.inject({
          method: 'GET',
          url: `/v1/orgs/${owner.orgId}/audit/checkpoints`,
          headers: owner.headers,
        })
      ).json() as { items: SignedCheckpoint[] };
      expect(list.items.map((c) => c.alg)).toEqual(['EdDSA', 'ES256']);
      mkdirSync(join(dir, 'checkpoints'));
      for (const c of list.items) writeFileSync(join(dir, 'checkpoints', `${c.n}.json`), JSON.stringify(c));
      writeFileSync(
        join(dir, 'keys.json'),
        (await withKms.app.inject({ method: 'GET', url: '/.well-known/rolegate-audit-keys' })).body,
      );
      const exported = await withKms.app.inject({
        method: 'GET',
        url: `/v1/orgs/${owner.orgId}/audit/export?format=ndjson`,
        headers: owner.headers,
      });
      writeFileSync(join(dir, 'audit.ndjson'), exported.body);
      const run = () =>
        spawnSync(
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
      const ok = run();
      expect(ok.stdout + ok.stderr).toMatch(/^ok {6}org_/);
      expect(ok.status).toBe(0);
      // One flipped byte in the ECDSA signature: refused.
      const es = list.items[1]!;
      const sig = Buffer.from(es.signature, 'base64');
      sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 1;
      writeFileSync(
        join(dir, 'checkpoints', '2.json'),
        JSON.stringify({ ...es, signature: sig.toString('base64') }),
      );
      const bad = run();
      expect(bad.status).toBe(2);
      expect(bad.stdout + bad.stderr).toContain('bad_signature');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('KMS failing: no checkpoint is written (503 on demand), and the next round signs the missed head', async () => {
    const before = await stored();
    kms.failAll('KMSInternalException');
    try {
      const res = await checkpointNow(withKms);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('service_unavailable');
      await audit.record(withKms.database.db, {
        orgId: owner.orgId,
        actorType: 'system',
        actorId: null,
        action: 'x.y',
        outcome: 'success',
      });
      await expect(kmsService().runOnce()).rejects.toBeInstanceOf(CheckpointSigningError);
      expect(await stored()).toBe(before);
    } finally {
      kms.failAll(null);
    }
    const round = await kmsService().runOnce();
    expect(round.created).toBeGreaterThanOrEqual(1);
    expect(await stored()).toBe(before + 1);
    const verify = await withKms.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/audit/verify?against=checkpoints`,
      headers: owner.headers,
    });
    // No gap: the failed attempts left no number behind.
    expect(verify.json()).toMatchObject({ checkpoints: { valid: true, checked: before + 1 } });
  });

  it('refuses a KMS key that is not an ECC_NIST_P256 signing key, without signing', async () => {
    const symmetric = kms.createKey();
    const signer = createKmsSigner(createKmsClient({ region: 'us-east-1', endpoint: kms.url }), symmetric);
    await expect(signer.describe()).rejects.toBeInstanceOf(CheckpointSigningError);
    const missing = createKmsSigner(
      createKmsClient({ region: 'us-east-1', endpoint: kms.url, maxAttempts: 1 }),
      'alias/none',
    );
    await expect(missing.sign(Buffer.from('x'))).rejects.toThrow(/NotFoundException/);
  });
});
