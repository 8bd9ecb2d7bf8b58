import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createKeyring,
  DecryptionError,
  decryptField,
  encryptField,
  keyIdOf,
  needsReencryption,
  reencryptField,
} from './field-encryption.ts';

const k = (kid: string) => ({ kid, key: randomBytes(32) });
const ring = createKeyring([k('a')]);
const binding = { table: 'connections.external_id', rowId: 'con_1', scope: 'org_1' };

describe('field encryption (AES-256-GCM)', () => {
  it('round-trips any string, with a fresh 96-bit nonce each time', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 500 }), (plain) => {
        const c1 = encryptField(ring, plain, binding);
        const c2 = encryptField(ring, plain, binding);
        expect(c1).not.toBe(c2);
        expect(decryptField(ring, c1, binding)).toBe(plain);
        const payload = Buffer.from(c1.split('.')[2]!, 'base64url');
        expect(payload.length).toBe(12 + Buffer.byteLength(plain) + 16);
      }),
    );
  });

  it('binds a ciphertext to its table, row and organisation', () => {
    fc.assert(
      fc.property(
        fc.record({
          table: fc.string({ minLength: 1 }),
          rowId: fc.string({ minLength: 1 }),
          scope: fc.string({ minLength: 1 }),
        }),
        (other) => {
          fc.pre(!Object.values(other).some((v) => v.includes('\u0000')));
          fc.pre(
            other.table !== binding.table || other.rowId !== binding.rowId || other.scope !== binding.scope,
          );
          const c = encryptField(ring, 'secret', binding);
          expect(() => decryptField(ring, c, other)).toThrow(DecryptionError);
        },
      ),
    );
  });

  it('a ciphertext copied to another row or another tenant fails', () => {
    const c = encryptField(ring, 'rg-external-id', binding);
    expect(() => decryptField(ring, c, { ...binding, rowId: 'con_2' })).toThrow(DecryptionError);
    expect(() => decryptField(ring, c, { ...binding, scope: 'org_2' })).toThrow(DecryptionError);
    expect(() => decryptField(ring, c, { ...binding, table: 'users.totp_secret' })).toThrow(DecryptionError);
  });

  it('detects any tampering with the payload', () => {
    const c = encryptField(ring, 'tamper me', binding);
    const payload = Buffer.from(c.split('.')[2]!, 'base64url');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: payload.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (i, x) => {
          const p = Buffer.from(payload);
          p[i]! ^= x;
          expect(() => decryptField(ring, `v1.a.${p.toString('base64url')}`, binding)).toThrow(
            DecryptionError,
          );
        },
      ),
    );
  });

  it('refuses unknown formats, unknown keys and truncated payloads', () => {
    for (const bad of ['', 'plain', 'v2.a.AAAA', 'v1.zz.AAAA', 'v1.a.AAAA', 'v1.a', 'v1.a.b.c']) {
      expect(() => decryptField(ring, bad, binding)).toThrow(DecryptionError);
    }
  });

  it('rotates: old ciphertexts decrypt with the old key listed, re-encrypt under the active one', () => {
    const old = k('old');
    const before = createKeyring([old]);
    const c = encryptField(before, 'v', binding);
    const after = createKeyring([k('new'), old]);
    expect(needsReencryption(after, c)).toBe(true);
    const r = reencryptField(after, c, binding);
    expect(keyIdOf(r)).toBe('new');
    expect(needsReencryption(after, r)).toBe(false);
    expect(decryptField(after, r, binding)).toBe('v');
    expect(() => decryptField(createKeyring([k('new')]), c, binding)).toThrow(/not in the keyring/);
  });

  it('refuses keys of the wrong size and bindings with NUL separators', () => {
    expect(() => createKeyring([{ kid: 'x', key: randomBytes(16) }])).toThrow();
    expect(() => createKeyring([])).toThrow();
    expect(() => encryptField(ring, 'v', { ...binding, rowId: 'a\u0000b' })).toThrow();
  });
});
