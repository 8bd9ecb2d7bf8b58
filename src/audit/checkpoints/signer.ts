import { createPrivateKey, createPublicKey, type JsonWebKey, sign } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { CheckpointAlgorithm } from './format.ts';

/**
 * Who signs checkpoints: the deployment's Ed25519 key from the configuration
 * (ROLEGATE_AUDIT_SIGNING_KEYS, first entry). Only public keys ever reach the database.
 */
export interface CheckpointSigner {
  kid: string;
  alg: CheckpointAlgorithm;
  /** The public key as published (JWK). */
  publicJwk(): Promise<JsonWebKey>;
  /** The signature over `bytes` (Ed25519: 64 bytes; ES256: DER-encoded ECDSA). */
  sign(bytes: Buffer): Promise<Buffer>;
}

/** PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): the fixed prefix, then the seed. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 signer from a 32-byte private seed (e.g. `openssl rand -base64 32`). */
export function createLocalSigner(kid: string, seed: Buffer): CheckpointSigner {
  if (seed.length !== 32) throw new Error('an Ed25519 signing key is 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return {
    kid,
    alg: 'EdDSA',
    publicJwk: async () => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }),
    sign: async (bytes) => sign(null, bytes, privateKey),
  };
}

/**
 * The configured signer: the first local key, or none. A KMS signer (ES256 / ED25519 through
 * kms:Sign) would be chosen here and implement the same interface; it is not built yet.
 */
export function createCheckpointSigner(config: Config['auditCheckpoints']): CheckpointSigner | null {
  const active = config.signingKeys?.[0];
  if (active !== undefined) return createLocalSigner(active.kid, active.key);
  return null;
}
