import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import type { KmsConfig } from '../../src/config.ts';
import { bindingFor } from '../../src/crypto/encrypted-columns.ts';
import {
  createKeyring,
  DecryptionError,
  decryptField,
  encryptField,
  keyIdOf,
} from '../../src/crypto/field-encryption.ts';
import {
  createKmsClient,
  encryptionContext,
  KmsKeyringError,
  openKmsKeyring,
} from '../../src/crypto/kms-keyring.ts';
import { rotateKeys } from '../../src/crypto/rotate.ts';
import { fieldEncryptionKeys } from '../../src/crypto/tables.ts';
import { users } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { openRuntime } from '../../src/main.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { type FakeKms, startFakeKms } from '../helpers/fake-kms.ts';

/**
 * KMS envelope encryption of the field-encryption keys (issue 20 item 1), against a local KMS that
 * speaks the real JSON 1.1 protocol and enforces encryption contexts, so the SDK's serialisation,
 * retries and error parsing run.
 */

let t: TestApp;
let fake: FakeKms;
let keyArn: string;
const clock = { t: Date.now() };
const testClock: Clock = { now: () => new Date(clock.t) };
const logLines: Array<{ msg: string; obj: object }> = [];
const logger = {
  info: (obj: object, msg: string) => logLines.push({ obj, msg }),
  error: (obj: object, msg: string) => logLines.push({ obj, msg }),
};

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFAKEBASE000000000');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'fake-base-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  fake = await startFakeKms();
  keyArn = fake.createKey('0f0e0d0c-0b0a-4909-8807-060504030201');
  t = await createTestApp({ isolatedDatabase: true });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await t.close();
  await fake.close();
});
beforeEach(async () => {
  fake.failAll(null);
  fake.calls.length = 0;
  logLines.length = 0;
  clock.t = Date.now();
  await t.database.db.delete(fieldEncryptionKeys);
});

const config = (deploymentId = 'prod-eu'): KmsConfig => ({
  keyId: '0f0e0d0c-0b0a-4909-8807-060504030201',
  deploymentId,
  refreshSeconds: 60,
});

/** One Rolegate node: its own KMS client and in-memory keys, the shared database. */
function node(deploymentId = 'prod-eu', legacyKeys: { kid: string; key: Buffer }[] = []) {
  return openKmsKeyring({
    db: t.database.db,
    kms: createKmsClient({ region: 'us-east-1', endpoint: fake.url }),
    config: config(deploymentId),
    clock: testClock,
    logger,
    legacyKeys,
  });
}

const binding = bindingFor('users', 'totp_secret', 'usr_1', 'usr_1');

describe('KMS envelope encryption (issue 20 item 1)', () => {
  it('the first node has KMS generate an AES-256 data key bound to the deployment; only the wrapped blob is stored', async () => {
    const a = await node();
    expect(a.keyring.activeKid).toBe('kms-1');
    const generate = fake.calls.filter((c) => c.target === 'TrentService.GenerateDataKey');
    expect(generate).toHaveLength(1);
    expect(generate[0]!.body).toEqual({
      KeyId: config().keyId,
      KeySpec: 'AES_256',
      EncryptionContext: {
        'rolegate:deployment': 'prod-eu',
        'rolegate:purpose': 'field-encryption',
        'rolegate:kid': 'kms-1',
      },
    });
    // Unwrapped with the same context and the key named.
    const decrypt = fake.calls.find((c) => c.target === 'TrentService.Decrypt');
    expect(decrypt?.body).toMatchObject({
      KeyId: keyArn,
      EncryptionContext: encryptionContext('prod-eu', 'kms-1'),
    });
    const rows = await t.database.db.select().from(fieldEncryptionKeys);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kid: 'kms-1', kmsKeyId: keyArn });
    // The plaintext key is nowhere in the row.
    const plaintext = a.keyring.keys.get('kms-1')!;
    expect(plaintext.length).toBe(32);
    const stored = JSON.stringify(rows[0]);
    for (const form of [
      plaintext.toString('base64'),
      plaintext.toString('hex'),
      plaintext.toString('base64url'),
    ])
      expect(stored).not.toContain(form);

    // A second node unwraps the same key: values written by one decrypt on the other.
    const b = await node();
    expect(b.keyring.activeKid).toBe('kms-1');
    expect(fake.calls.filter((c) => c.target === 'TrentService.GenerateDataKey')).toHaveLength(1);
    const c = encryptField(a.keyring, 'totp-secret', binding);
    expect(keyIdOf(c)).toBe('kms-1');
    expect(decryptField(b.keyring, c, binding)).toBe('totp-secret');
  });

  it('rotation: a new data key is loaded by every node before it activates, then rotateKeys re-encrypts under it', async () => {
    const legacy = { kid: 'k1', key: randomBytes(32) };
    // A value written before KMS was turned on (ROLEGATE_MASTER_KEYS) stays readable and is moved.
    const id = newId('usr');
    await t.database.db.insert(users).values({
      id,
      email: `${id}@example.test`,
      passwordHash: '!',
      totpSecret: encryptField(
        createKeyring([legacy]),
        'old-secret',
        bindingFor('users', 'totp_secret', id, id),
      ),
    });
    const a = await node('prod-eu', [legacy]);
    const b = await node('prod-eu', [legacy]);
    const beforeRotation = encryptField(a.keyring, 'v', binding);

    const { kid, activatesAt } = await a.rotate(125);
    expect(kid).toBe('kms-2');
    expect(activatesAt.getTime()).toBe(clock.t + 125_000);
    // Not active anywhere yet: no node can meet a value under a key it does not hold.
    expect(a.keyring.activeKid).toBe('kms-1');
    expect(a.keyring.keys.has('kms-2')).toBe(true);
    expect(b.keyring.keys.has('kms-2')).toBe(false);
    expect(await b.refresh()).toEqual(['kms-2']);
    expect(b.keyring.activeKid).toBe('kms-1');

    clock.t += 126_000;
    expect(a.keyring.activeKid).toBe('kms-2');
    expect(b.keyring.activeKid).toBe('kms-2');
    const result = await rotateKeys(t.database.db, a.keyring);
    expect(result.total).toBeGreaterThanOrEqual(1);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, id));
    expect(keyIdOf(row!.totpSecret!)).toBe('kms-2');
    expect(decryptField(b.keyring, row!.totpSecret!, bindingFor('users', 'totp_secret', id, id))).toBe(
      'old-secret',
    );
    // Values under the previous data key keep decrypting.
    expect(decryptField(b.keyring, beforeRotation, binding)).toBe('v');
    await t.database.db.delete(users).where(eq(users.id, id));
  });

  it('hostile: a wrapped key from another deployment is refused by KMS, and start-up stops with the reason', async () => {
    await node('staging');
    // The table now holds staging's kms-1: this deployment's context does not open it.
    const err = await node('prod-eu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmsKeyringError);
    expect((err as Error).message).toMatch(/cannot unwrap field-encryption key kms-1/);
    expect((err as Error).message).toMatch(/encryption context does not match this deployment/);
  });

  it('hostile: a wrapped key moved to another key id (wrong encryption context) is refused', async () => {
    const a = await node();
    const [row] = await t.database.db.select().from(fieldEncryptionKeys);
    // Someone with write access to the database re-labels kms-1's blob as a newer, active key.
    await t.database.db
      .insert(fieldEncryptionKeys)
      .values({ ...row!, kid: 'kms-7', activatesAt: new Date(clock.t - 1) });
    expect(await a.refresh()).toEqual([]);
    expect(a.keyring.keys.has('kms-7')).toBe(false);
    expect(a.keyring.activeKid).toBe('kms-1');
    expect(logLines.some((l) => l.msg.includes('KMS data key not loaded'))).toBe(true);
    await expect(node()).rejects.toThrow(/kms-7: KMS refused the wrapped key/);
  });

  it('hostile: KMS throttling is retried by the SDK; persistent throttling refuses start-up', async () => {
    await node();
    fake.calls.length = 0;
    fake.failNext(2, 'ThrottlingException', 'TrentService.Decrypt');
    const b = await node();
    expect(b.keyring.activeKid).toBe('kms-1');
    expect(fake.calls.filter((c) => c.target === 'TrentService.Decrypt')).toHaveLength(3);

    fake.calls.length = 0;
    fake.failNext(100, 'ThrottlingException', 'TrentService.Decrypt');
    await expect(node()).rejects.toThrow(/throttled/);
    expect(fake.calls.filter((c) => c.target === 'TrentService.Decrypt')).toHaveLength(4);
  }, 60_000);

  it('KMS unavailable after start-up: running nodes keep encrypting and decrypting', async () => {
    const a = await node();
    fake.failAll('KMSInternalException');
    expect(await a.refresh()).toEqual([]);
    const c = encryptField(a.keyring, 'still-works', binding);
    expect(decryptField(a.keyring, c, binding)).toBe('still-works');
    // A tampered value is still refused by the data key itself.
    expect(() => decryptField(a.keyring, c, { ...binding, rowId: 'usr_2' })).toThrow(DecryptionError);
    // A rotation needs KMS, and says so.
    await expect(a.rotate(0)).rejects.toThrow(/cannot create a new data key/);
    expect(a.keyring.activeKid).toBe('kms-1');
  }, 60_000);
});

describe('start-up with ROLEGATE_KMS_KEY_ID', () => {
  const env = (extra: Record<string, string> = {}) => ({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    ROLEGATE_DATA_DIR: 'memory://',
    ROLEGATE_JWT_KEYS: `j1:${randomBytes(32).toString('base64')}`,
    ROLEGATE_KMS_KEY_ID: keyArn,
    ROLEGATE_DEPLOYMENT_ID: 'prod-eu',
    AWS_ENDPOINT_URL: fake.url,
    AWS_REGION: 'us-east-1',
    ...extra,
  });

  it('production starts without ROLEGATE_MASTER_KEYS, its keyring from KMS; KMS unavailable refuses to start', async () => {
    const runtime = await openRuntime(env(), { command: 'test', logTo: 'stderr' });
    try {
      expect(runtime.kms?.keyring.activeKid).toBe('kms-1');
      expect(runtime.config.masterKeys).toEqual([]);
    } finally {
      await runtime.database.close();
    }
    fake.failAll('KMSInternalException');
    await expect(openRuntime(env(), { command: 'test', logTo: 'stderr' })).rejects.toThrow(
      /cannot create the first field-encryption key: KMS could not be reached or failed \(KMSInternalException\)/,
    );
    fake.failAll(null);
    await expect(
      openRuntime(env({ ROLEGATE_DEPLOYMENT_ID: '' }), { command: 'test', logTo: 'stderr' }),
    ).rejects.toThrow(/ROLEGATE_DEPLOYMENT_ID is required with ROLEGATE_KMS_KEY_ID/);
  }, 120_000);
});
