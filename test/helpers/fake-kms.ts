import {
  createCipheriv,
  createDecipheriv,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type FakeAws, type FakeAwsRequest, reply, startFakeAws } from './fake-aws.ts';

/**
 * A local KMS, Secrets Manager and SSM endpoint speaking their real wire format (JSON 1.1:
 * `X-Amz-Target: TrentService.Decrypt`, `application/x-amz-json-1.1`, blobs as base64, errors as
 * `{"__type": …}`), so the SDK's serialisation, parsing and retries run (reach it through
 * AWS_ENDPOINT_URL). Its KMS really enforces the encryption context: a blob is AES-GCM under the
 * key's own material with the canonical context as additional data, so Decrypt with another context
 * fails with InvalidCiphertextException, as on AWS. Its asymmetric keys (ECC_NIST_P256,
 * SIGN_VERIFY) sign for real with node:crypto (ECDSA, DER), so a verifier checks their signatures.
 */

export const FAKE_REGION = 'us-east-1';
export const FAKE_ACCOUNT = '111111111111';

export interface FakeKmsCall {
  target: string;
  body: Record<string, unknown>;
}

export interface FakeKms {
  url: string;
  aws: FakeAws;
  /** Every JSON 1.1 call, in order. */
  calls: FakeKmsCall[];
  /** Answers the next `n` calls of `target` (or any target) with this error instead. */
  failNext(n: number, errorType: string, target?: string): void;
  /** Makes every call fail (KMS unreachable) until cleared with null (which also drops pending failNext). */
  failAll(errorType: string | null): void;
  /** A key's ARN by alias/id (`createKey` returns it). */
  createKey(id?: string): string;
  /** An asymmetric ECC_NIST_P256 SIGN_VERIFY key; returns its ARN. `alias` (alias/…) names it too. */
  createSigningKey(alias?: string): string;
  /** Secrets Manager: sets the secret's current value. */
  putSecret(arn: string, value: string): void;
  /** SSM Parameter Store: sets a (SecureString) parameter. */
  putParameter(name: string, value: string): void;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  reply(res, status, JSON.stringify(body), { 'content-type': 'application/x-amz-json-1.1' });
}

function error(res: ServerResponse, type: string, message = type): void {
  json(res, type === 'InternalFailure' || type === 'KMSInternalException' ? 500 : 400, {
    __type: type,
    message,
  });
}

/** The canonical form the fake authenticates: sorted keys, so order in the request does not matter. */
function canonicalContext(ctx: unknown): Buffer {
  const entries = Object.entries((ctx ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

export async function startFakeKms(): Promise<FakeKms> {
  const keys = new Map<string, Buffer>(); // ARN → material
  const signingKeys = new Map<string, { privateKey: KeyObject; spki: Buffer }>(); // ARN → key pair
  const aliases = new Map<string, string>(); // id/alias/ARN → ARN
  const secrets = new Map<string, string>();
  const parameters = new Map<string, string>();
  const calls: FakeKmsCall[] = [];
  const failures: Array<{ remaining: number; type: string; target?: string }> = [];
  let failEverything: string | null = null;

  const resolve = (keyId: unknown): string | undefined =>
    typeof keyId === 'string' ? aliases.get(keyId) : undefined;

  function handle(request: FakeAwsRequest, res: ServerResponse) {
    const target = String(request.headers['x-amz-target'] ?? '');
    const contentType = String(request.headers['content-type'] ?? '');
    if (contentType !== 'application/x-amz-json-1.1') {
      error(res, 'SerializationException', `unexpected content type ${contentType}`);
      return;
    }
    const body = JSON.parse(request.body || '{}') as Record<string, unknown>;
    calls.push({ target, body });
    if (failEverything !== null) {
      error(res, failEverything);
      return;
    }
    const failure = failures.find((f) => f.remaining > 0 && (f.target === undefined || f.target === target));
    if (failure !== undefined) {
      failure.remaining -= 1;
      error(res, failure.type);
      return;
    }
    switch (target) {
      case 'TrentService.GenerateDataKey': {
        const arn = resolve(body.KeyId);
        if (arn === undefined) return error(res, 'NotFoundException', 'key not found');
        if (body.KeySpec !== 'AES_256') return error(res, 'ValidationException', 'KeySpec');
        const plaintext = randomBytes(32);
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', keys.get(arn)!, iv);
        cipher.setAAD(canonicalContext(body.EncryptionContext));
        const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
        const blob = Buffer.concat([Buffer.from(`${arn}\u0000`, 'utf8'), iv, ct]);
        return json(res, 200, {
          CiphertextBlob: blob.toString('base64'),
          Plaintext: plaintext.toString('base64'),
          KeyId: arn,
        });
      }
      case 'TrentService.Decrypt': {
        const blob = Buffer.from(String(body.CiphertextBlob ?? ''), 'base64');
        const sep = blob.indexOf(0);
        const arn = sep > 0 ? blob.subarray(0, sep).toString('utf8') : '';
        const material = keys.get(arn);
        if (material === undefined || blob.length < sep + 1 + 12 + 16 + 1)
          return error(res, 'InvalidCiphertextException');
        if (body.KeyId !== undefined && resolve(body.KeyId) !== arn)
          return error(res, 'IncorrectKeyException');
        const rest = blob.subarray(sep + 1);
        try {
          const decipher = createDecipheriv('aes-256-gcm', material, rest.subarray(0, 12));
          decipher.setAAD(canonicalContext(body.EncryptionContext));
          decipher.setAuthTag(rest.subarray(rest.length - 16));
          const plaintext = Buffer.concat([
            decipher.update(rest.subarray(12, rest.length - 16)),
            decipher.final(),
          ]);
          return json(res, 200, {
            KeyId: arn,
            Plaintext: plaintext.toString('base64'),
            EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
          });
        } catch {
          return error(res, 'InvalidCiphertextException');
        }
      }
      case 'TrentService.GetPublicKey': {
        const arn = resolve(body.KeyId);
        const key = arn === undefined ? undefined : signingKeys.get(arn);
        if (arn === undefined) return error(res, 'NotFoundException', 'key not found');
        if (key === undefined) return error(res, 'UnsupportedOperationException', 'not an asymmetric key');
        return json(res, 200, {
          KeyId: arn,
          PublicKey: key.spki.toString('base64'),
          KeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: ['ECDSA_SHA_256'],
        });
      }
      case 'TrentService.Sign': {
        const arn = resolve(body.KeyId);
        if (arn === undefined) return error(res, 'NotFoundException', 'key not found');
        const key = signingKeys.get(arn);
        if (key === undefined) return error(res, 'InvalidKeyUsageException', 'not a SIGN_VERIFY key');
        if (body.SigningAlgorithm !== 'ECDSA_SHA_256') return error(res, 'InvalidKeyUsageException');
        const message = Buffer.from(String(body.Message ?? ''), 'base64');
        if (message.length === 0 || message.length > 4096)
          return error(res, 'ValidationException', 'Message');
        // RAW only: node:crypto cannot sign a given digest without hashing it again, and Rolegate
        // signs checkpoints RAW (they are far below KMS's 4096-byte limit).
        if (body.MessageType !== undefined && body.MessageType !== 'RAW')
          return error(res, 'ValidationException', 'this fake signs MessageType RAW only');
        const signature = sign('sha256', message, { key: key.privateKey, dsaEncoding: 'der' });
        return json(res, 200, {
          KeyId: arn,
          Signature: signature.toString('base64'),
          SigningAlgorithm: 'ECDSA_SHA_256',
        });
      }
      case 'secretsmanager.GetSecretValue': {
        const id = String(body.SecretId ?? '');
        const value = secrets.get(id);
        if (value === undefined) return error(res, 'ResourceNotFoundException', 'secret not found');
        return json(res, 200, { ARN: id, Name: id.split(':').pop(), SecretString: value, VersionId: 'v1' });
      }
      case 'AmazonSSM.GetParameter': {
        const name = String(body.Name ?? '');
        const value = parameters.get(name);
        if (value === undefined) return error(res, 'ParameterNotFound');
        if (body.WithDecryption !== true) return error(res, 'ValidationException', 'WithDecryption expected');
        return json(res, 200, {
          Parameter: {
            Name: name,
            Type: 'SecureString',
            Value: value,
            Version: 1,
            ARN: `arn:aws:ssm:${FAKE_REGION}:${FAKE_ACCOUNT}:parameter${name}`,
          },
        });
      }
      default:
        return error(res, 'UnknownOperationException', target);
    }
  }

  const aws = await startFakeAws(handle);
  return {
    url: aws.url,
    aws,
    calls,
    failNext(n, type, target) {
      failures.push({ remaining: n, type, ...(target === undefined ? {} : { target }) });
    },
    failAll(type) {
      failEverything = type;
      if (type === null) failures.length = 0;
    },
    createKey(id) {
      const keyId =
        id ??
        randomBytes(16)
          .toString('hex')
          .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
      const arn = `arn:aws:kms:${FAKE_REGION}:${FAKE_ACCOUNT}:key/${keyId}`;
      keys.set(arn, randomBytes(32));
      aliases.set(arn, arn);
      aliases.set(keyId, arn);
      return arn;
    },
    createSigningKey(alias) {
      const keyId = randomBytes(16)
        .toString('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
      const arn = `arn:aws:kms:${FAKE_REGION}:${FAKE_ACCOUNT}:key/${keyId}`;
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      signingKeys.set(arn, { privateKey, spki: publicKey.export({ format: 'der', type: 'spki' }) });
      aliases.set(arn, arn);
      aliases.set(keyId, arn);
      if (alias !== undefined) aliases.set(alias, arn);
      return arn;
    },
    putSecret(arn, value) {
      secrets.set(arn, value);
    },
    putParameter(name, value) {
      parameters.set(name, value);
    },
    close: () => aws.close(),
  };
}
