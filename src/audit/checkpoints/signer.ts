import { createPrivateKey, createPublicKey, type JsonWebKey, sign } from 'node:crypto';
import {
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  type KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';
import type { Config } from '../../config.ts';
import type { CheckpointAlgorithm } from './format.ts';

/**
 * Who signs checkpoints: the deployment's Ed25519 key from the configuration
 * (ROLEGATE_AUDIT_SIGNING_KEYS, first entry), or an asymmetric KMS key
 * (ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID) whose private half never leaves KMS. Only public keys ever
 * reach the database.
 */
export interface SignerKey {
  kid: string;
  alg: CheckpointAlgorithm;
  /** The public key as published (JWK). */
  jwk: JsonWebKey;
}

export interface CheckpointSigner {
  /** The key that signs now; may ask KMS (and throw CheckpointSigningError) the first time. */
  describe(): Promise<SignerKey>;
  /** The signature over `bytes` (Ed25519: 64 bytes; ES256: DER-encoded ECDSA). */
  sign(bytes: Buffer): Promise<Buffer>;
}

/** The signer could not sign (KMS unreachable, refusing, or the key unfit): nothing is written. */
export class CheckpointSigningError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointSigningError';
  }
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
  const key: SignerKey = { kid, alg: 'EdDSA', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } };
  return {
    describe: async () => key,
    sign: async (bytes) => sign(null, bytes, privateKey),
  };
}

function kmsProblem(err: unknown): string {
  const name = err instanceof Error ? err.name : 'Error';
  switch (name) {
    case 'AccessDeniedException':
      return "KMS denied the call (AccessDeniedException): Rolegate's role needs kms:Sign and kms:GetPublicKey on the key";
    case 'NotFoundException':
      return 'the KMS key does not exist (NotFoundException): check ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID';
    case 'DisabledException':
    case 'KMSInvalidStateException':
      return `the KMS key is disabled or pending deletion (${name})`;
    case 'InvalidKeyUsageException':
      return 'the KMS key is not a SIGN_VERIFY key (InvalidKeyUsageException)';
    default:
      return `KMS could not be reached or failed (${name})`;
  }
}

/**
 * An ES256 signer over an asymmetric KMS key (key spec ECC_NIST_P256, usage SIGN_VERIFY): kms:Sign
 * with ECDSA_SHA_256 over the signed bytes themselves (MessageType RAW: KMS hashes them, and its
 * CloudTrail entry is about the exact message; the pattern-checked fields keep it under 1 KiB, far
 * below KMS's 4096-byte limit). KMS answers DER, the form checkpoints carry. The key id is the
 * key's ARN as KMS reports it, not the configured alias: pointing an alias at another key then
 * publishes a new key (a rotation) instead of reusing an id for other key material.
 */
export function createKmsSigner(kms: KMSClient, keyId: string): CheckpointSigner {
  let described: Promise<SignerKey> | null = null;

  async function load(): Promise<SignerKey> {
    let out: GetPublicKeyCommandOutput;
    try {
      out = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    } catch (err) {
      throw new CheckpointSigningError(kmsProblem(err), { cause: err });
    }
    if (
      out.KeySpec !== 'ECC_NIST_P256' ||
      out.KeyUsage !== 'SIGN_VERIFY' ||
      !(out.SigningAlgorithms ?? []).includes('ECDSA_SHA_256') ||
      out.PublicKey === undefined ||
      out.KeyId === undefined
    ) {
      throw new CheckpointSigningError(
        'ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID must name an asymmetric KMS key of spec ECC_NIST_P256 with usage SIGN_VERIFY',
      );
    }
    const jwk = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' }).export({
      format: 'jwk',
    });
    return { kid: out.KeyId, alg: 'ES256', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } };
  }

  return {
    describe(): Promise<SignerKey> {
      // Cached once KMS answered; a failure is not cached, so the next round asks again.
      described ??= load().catch((err: unknown) => {
        described = null;
        throw err;
      });
      return described;
    },
    async sign(bytes: Buffer): Promise<Buffer> {
      const key = await this.describe();
      let signature: Uint8Array | undefined;
      try {
        const out = await kms.send(
          new SignCommand({
            // The ARN GetPublicKey named: the signature is by the key that is published.
            KeyId: key.kid,
            Message: bytes,
            MessageType: 'RAW',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        );
        signature = out.Signature;
      } catch (err) {
        throw new CheckpointSigningError(kmsProblem(err), { cause: err });
      }
      if (signature === undefined || signature.length === 0) {
        throw new CheckpointSigningError('KMS answered Sign without a signature');
      }
      return Buffer.from(signature);
    },
  };
}

/**
 * The configured signer: the KMS key when one is configured, otherwise the first local key, or none.
 * Setting the KMS key while local keys stay configured is how Ed25519 is rotated to KMS: the old
 * key's public half stays published with its validity period.
 */
export function createCheckpointSigner(
  config: Config['auditCheckpoints'],
  kms: () => KMSClient,
): CheckpointSigner | null {
  if (config.kmsKeyId !== null) return createKmsSigner(kms(), config.kmsKeyId);
  const active = config.signingKeys?.[0];
  if (active !== undefined) return createLocalSigner(active.kid, active.key);
  return null;
}
