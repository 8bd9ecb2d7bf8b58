import {
  createHash,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  verify as verifySignature,
} from 'node:crypto';

/**
 * Signed checkpoints (docs/audit.md, "Signed checkpoints"): a statement by one deployment that an
 * organisation's audit chain had, at a time, `seq` records ending in the hash `head`, linked to the
 * checkpoint before it. This module is the format only (no database, no key material): the server,
 * `rolegate audit verify --checkpoints` and the standalone verifier (packages/audit-verify, which
 * re-implements exactly this with node:crypto) must agree on every byte.
 */

export const CHECKPOINT_FORMAT = 'rolegate-audit-checkpoint/v1';
/** `prev` of an organisation's first checkpoint. */
export const FIRST_PREV = '0'.repeat(64);

/** Signature algorithms: Ed25519 (local key or KMS ED25519), ECDSA P-256 with SHA-256 (KMS). */
export type CheckpointAlgorithm = 'EdDSA' | 'ES256';

/** Values that go on one line of the signed text: no separator can be smuggled into them. */
export const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const CHAIN_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
const KID_PATTERN = /^[A-Za-z0-9._:/-]{1,256}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The fields a checkpoint signs. */
export interface CheckpointBody {
  deployment: string;
  /** The chain: an organisation id (or `_system`). */
  org: string;
  /** This checkpoint's number in the organisation's sequence of checkpoints, from 1. */
  n: number;
  /** The chain's last record at `time`. */
  seq: number;
  /** That record's hash. */
  head: string;
  /** ISO 8601, milliseconds, UTC. */
  time: string;
  /** The hash of checkpoint `n - 1` (FIRST_PREV for n = 1). */
  prev: string;
  kid: string;
  alg: CheckpointAlgorithm;
}

/** A checkpoint as stored, served, delivered and verified (one JSON document per checkpoint). */
export interface SignedCheckpoint extends CheckpointBody {
  format: typeof CHECKPOINT_FORMAT;
  /** SHA-256 (hex) of the signed bytes: what the next checkpoint's `prev` names. */
  hash: string;
  /** base64 of the signature over the signed bytes (Ed25519: 64 bytes; ES256: r||s, 64 bytes). */
  signature: string;
}

/** Why a body cannot be encoded; null when it can. */
export function bodyProblem(b: CheckpointBody): string | null {
  if (!DEPLOYMENT_ID_PATTERN.test(b.deployment)) return 'deployment';
  if (!CHAIN_PATTERN.test(b.org)) return 'org';
  if (!Number.isSafeInteger(b.n) || b.n < 1) return 'n';
  if (!Number.isSafeInteger(b.seq) || b.seq < 1) return 'seq';
  if (!HEX64.test(b.head)) return 'head';
  if (!ISO_MS.test(b.time) || Number.isNaN(Date.parse(b.time))) return 'time';
  if (!HEX64.test(b.prev)) return 'prev';
  if (!KID_PATTERN.test(b.kid)) return 'kid';
  if (b.alg !== 'EdDSA' && b.alg !== 'ES256') return 'alg';
  return null;
}

/**
 * The exact bytes that are signed and hashed: ten lines of UTF-8 (ASCII in practice, every value is
 * pattern-checked so none holds a line break), each `name=value` ending in `\n`, in this order.
 * Line-based rather than JSON so a verifier in any language needs no canonical-JSON code.
 */
export function signedBytes(b: CheckpointBody): Buffer {
  const problem = bodyProblem(b);
  if (problem !== null) throw new Error(`checkpoint field ${problem} is not valid`);
  return Buffer.from(
    `${CHECKPOINT_FORMAT}\n` +
      `deployment=${b.deployment}\n` +
      `org=${b.org}\n` +
      `n=${b.n}\n` +
      `seq=${b.seq}\n` +
      `head=${b.head}\n` +
      `time=${b.time}\n` +
      `prev=${b.prev}\n` +
      `kid=${b.kid}\n` +
      `alg=${b.alg}\n`,
    'utf8',
  );
}

export function checkpointHash(b: CheckpointBody): string {
  return createHash('sha256').update(signedBytes(b)).digest('hex');
}

/** A published verification key (a JWK with its id, algorithm and validity period). */
export interface PublishedKey {
  kid: string;
  alg: CheckpointAlgorithm;
  jwk: JsonWebKey;
  /** From when the key signs (ISO 8601). */
  validFrom: string;
  /** Until when it signed (ISO 8601); null while it is the active key. */
  validUntil: string | null;
}

/** GET /.well-known/rolegate-audit-keys.json */
export interface KeysDocument {
  format: 'rolegate-audit-keys/v1';
  deployment: string | null;
  keys: PublishedKey[];
}

export function publicKeyFromJwk(jwk: JsonWebKey): KeyObject {
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** Whether `signature` (base64) is `key`'s signature over the checkpoint's signed bytes. */
export function signatureHolds(body: CheckpointBody, signature: string, key: KeyObject): boolean {
  let bytes: Buffer;
  try {
    bytes = signedBytes(body);
  } catch {
    return false;
  }
  const sig = Buffer.from(signature, 'base64');
  try {
    // Ed25519 takes no digest (null); ES256 is SHA-256 over the bytes, signature r||s (RFC 7518
    // §3.4, exactly 64 bytes: what WebCrypto and JOSE verifiers take).
    if (body.alg === 'EdDSA') return verifySignature(null, bytes, key, sig);
    return sig.length === 64 && verifySignature('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' }, sig);
  } catch {
    return false;
  }
}
