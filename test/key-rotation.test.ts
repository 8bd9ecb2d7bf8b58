import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindingFor } from '../src/crypto/encrypted-columns.ts';
import { createKeyring, decryptField, encryptField, keyIdOf } from '../src/crypto/field-encryption.ts';
import { rotateKeys } from '../src/crypto/rotate.ts';
import { users } from '../src/db/core-tables.ts';
import { newId } from '../src/db/ids.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';

const oldKey = { kid: 'old', key: randomBytes(32) };
const newKey = { kid: 'new', key: randomBytes(32) };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ isolatedDatabase: true });
});
afterAll(async () => t.close());

async function insertUserWithSecret(
  keyring: ReturnType<typeof createKeyring>,
  secret: string,
): Promise<string> {
  const id = newId('usr');
  await t.database.db.insert(users).values({
    id,
    email: `${id}@example.test`,
    passwordHash: '!',
    totpSecret: encryptField(keyring, secret, bindingFor('users', 'totp_secret', id, id)),
  });
  return id;
}

describe('rolegate keys rotate', () => {
  it('re-encrypts every row under the active key, in batches, and old values stay readable', async () => {
    const before = createKeyring([oldKey]);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await insertUserWithSecret(before, `secret-${i}`));
    const after = createKeyring([newKey, oldKey]);
    const batches: number[] = [];
    const result = await rotateKeys(t.database.db, after, {
      batchSize: 3,
      onProgress: (p) => batches.push(p.scanned),
    });
    expect(result.total).toBeGreaterThanOrEqual(7);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const [i, id] of ids.entries()) {
      const [row] = await t.database.db.select().from(users).where(eq(users.id, id));
      expect(keyIdOf(row!.totpSecret!)).toBe('new');
      expect(
        decryptField(createKeyring([newKey]), row!.totpSecret!, bindingFor('users', 'totp_secret', id, id)),
      ).toBe(`secret-${i}`);
    }
    // A second run finds nothing left to do.
    const again = await rotateKeys(t.database.db, after, { batchSize: 3 });
    expect(again.total).toBe(0);
  });

  it('fails loudly on a ciphertext moved to another row instead of re-binding it', async () => {
    const ring = createKeyring([oldKey]);
    const a = await insertUserWithSecret(ring, 'a-secret');
    const b = await insertUserWithSecret(ring, 'b-secret');
    const [rowA] = await t.database.db.select().from(users).where(eq(users.id, a));
    await t.database.db.update(users).set({ totpSecret: rowA!.totpSecret }).where(eq(users.id, b));
    await expect(rotateKeys(t.database.db, createKeyring([newKey, oldKey]))).rejects.toThrow(
      /authentication failed/,
    );
    await t.database.db.update(users).set({ totpSecret: null }).where(eq(users.id, b));
  });
});
