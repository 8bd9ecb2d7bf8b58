import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { KeyEntry } from '../config.ts';

/**
 * AES-256-GCM for secrets at rest (external IDs, TOTP secrets).
 * Format: `v1.<kid>.<base64url(iv[12] | ciphertext | tag[16])>`.
 * The additional authenticated data binds a value to its table, row and organisation, so a
 * ciphertext copied into another row (or another tenant's row) fails to decrypt.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Binding {
  table: string;
  rowId: string;
  /** The owning organisation; for user-owned secrets, the user id. */
  scope: string;
}

export interface Keyring {
  activeKid: string;
  keys: ReadonlyMap<string, Buffer>;
}

export class DecryptionError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt field: ${reason}`);
    this.name = 'DecryptionError';
  }
}

export function createKeyring(entries: readonly KeyEntry[]): Keyring {
  if (entries.length === 0) throw new Error('keyring needs at least one key');
  const keys = new Map<string, Buffer>();
  for (const { kid, key } of entries) {
    if (key.length !== 32) throw new Error(`key ${kid} must be 32 bytes`);
    if (kid.includes('.')) throw new Error(`key id ${kid} must not contain a dot`);
    keys.set(kid, Buffer.from(key));
  }
  return { activeKid: entries[0]!.kid, keys };
}

/**
 * Each raw key as a KeyObject, made once: given a Buffer, every cipher would import the key again,
 * which was most of a decryption's cost (a brokered call decrypts its connection's external ID).
 * Keyed by the Buffer itself, so a key dropped from the keyring is dropped here too.
 */
const keyObjects = new WeakMap<Buffer, KeyObject>();
function keyObject(raw: Buffer): KeyObject {
  let key = keyObjects.get(raw);
  if (key === undefined) {
    key = createSecretKey(raw);
    keyObjects.set(raw, key);
  }
  return key;
}

function aad(binding: Binding): Buffer {
  for (const part of [binding.table, binding.rowId, binding.scope]) {
    if (part.length === 0 || part.includes('\u0000')) throw new Error('invalid encryption binding');
  }
  return Buffer.from(`rolegate:v1\u0000${binding.table}\u0000${binding.rowId}\u0000${binding.scope}`, 'utf8');
}

export function encryptField(keyring: Keyring, plaintext: string, binding: Binding): string {
  const key = keyring.keys.get(keyring.activeKid)!;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyObject(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(binding));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const payload = Buffer.concat([iv, body, cipher.getAuthTag()]);
  return `${VERSION}.${keyring.activeKid}.${payload.toString('base64url')}`;
}

export function keyIdOf(ciphertext: string): string {
  const parts = ciphertext.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) throw new DecryptionError('unknown format');
  return parts[1]!;
}

export function decryptField(keyring: Keyring, ciphertext: string, binding: Binding): string {
  const kid = keyIdOf(ciphertext);
  const key = keyring.keys.get(kid);
  if (key === undefined) throw new DecryptionError(`key ${kid} is not in the keyring`);
  const payload = Buffer.from(ciphertext.split('.')[2]!, 'base64url');
  if (payload.length < IV_BYTES + TAG_BYTES) throw new DecryptionError('truncated');
  const iv = payload.subarray(0, IV_BYTES);
  const tag = payload.subarray(payload.length - TAG_BYTES);
  const body = payload.subarray(IV_BYTES, payload.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', keyObject(key), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(binding));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw new DecryptionError('authentication failed');
  }
}

/** True when the value was encrypted under a key other than the active one. */
export function needsReencryption(keyring: Keyring, ciphertext: string): boolean {
  return keyIdOf(ciphertext) !== keyring.activeKid;
}

export function reencryptField(keyring: Keyring, ciphertext: string, binding: Binding): string {
  return encryptField(keyring, decryptField(keyring, ciphertext, binding), binding);
}
