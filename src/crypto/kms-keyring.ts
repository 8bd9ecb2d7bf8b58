import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { asc } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { KeyEntry, KmsConfig } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Keyring } from './field-encryption.ts';
import { fieldEncryptionKeys } from './tables.ts';

/**
 * KMS envelope encryption of the field-encryption keys (issue 20 item 1).
 *
 * KMS generates each AES-256 data key (GenerateDataKey) and Rolegate stores only the wrapped blob
 * (`field_encryption_keys`). Every node unwraps the blobs at start-up (Decrypt) and keeps the
 * plaintext keys in memory only. The encryption context binds each blob to this deployment, to the
 * purpose and to its key id, so KMS refuses to unwrap a blob copied from another deployment, another
 * purpose or another row; an IAM condition on `kms:EncryptionContext:rolegate:deployment` can pin the
 * deployment's role to its own keys (docs/running.md, "Keys on AWS").
 *
 * After start-up KMS is needed only when a new data key appears: a node that cannot reach KMS then
 * keeps working with the keys it holds (and retries at the next refresh).
 */

export const KMS_PURPOSE = 'field-encryption';

/** The encryption context of one data key; KMS checks it on Decrypt, and IAM can condition on it. */
export function encryptionContext(deploymentId: string, kid: string): Record<string, string> {
  return { 'rolegate:deployment': deploymentId, 'rolegate:purpose': KMS_PURPOSE, 'rolegate:kid': kid };
}

export class KmsKeyringError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmsKeyringError';
  }
}

interface LoadedKey {
  kid: string;
  activatesAt: Date;
}

export interface KmsKeyring {
  /** The live keyring: its keys and active key change when a new data key appears. */
  readonly keyring: Keyring;
  /** Loads and unwraps data keys this node does not hold yet; returns their ids. Never throws. */
  refresh(): Promise<string[]>;
  /**
   * Creates a new data key that becomes active `delaySeconds` from now (every node loads it first),
   * and loads it here. Two rotations at once create one key.
   */
  rotate(delaySeconds: number): Promise<{ kid: string; activatesAt: Date }>;
  /** Refreshes every `refreshSeconds` until stop(). */
  start(): void;
  stop(): void;
}

/** Why KMS refused, in words an operator can act on (AWS's message is not repeated). */
export function describeKmsError(err: unknown): string {
  const name = err instanceof Error ? err.name : 'Error';
  switch (name) {
    case 'InvalidCiphertextException':
      return 'KMS refused the wrapped key (InvalidCiphertextException): its encryption context does not match this deployment and purpose (a wrapped key from another deployment, or ROLEGATE_DEPLOYMENT_ID changed), or the blob was altered';
    case 'IncorrectKeyException':
      return 'the wrapped key was not made with the KMS key it names (IncorrectKeyException)';
    case 'AccessDeniedException':
      return "KMS denied the call (AccessDeniedException): check that Rolegate's role may use the key with this encryption context (docs/running.md, Keys on AWS)";
    case 'NotFoundException':
      return 'the KMS key does not exist (NotFoundException): check ROLEGATE_KMS_KEY_ID';
    case 'DisabledException':
    case 'KMSInvalidStateException':
      return `the KMS key is disabled or pending deletion (${name})`;
    case 'ThrottlingException':
      return 'KMS throttled the call (ThrottlingException) after retries';
    default:
      return `KMS could not be reached or failed (${name})`;
  }
}

/** A KMS client with Rolegate's base credentials (SDK default chain), timeouts and standard retries. */
export function createKmsClient(options: {
  region: string;
  endpoint?: string | undefined;
  maxAttempts?: number;
  timeoutMs?: number;
}): KMSClient {
  const timeout = options.timeoutMs ?? 5_000;
  return new KMSClient({
    region: options.region,
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 4,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 3_000,
      requestTimeout: timeout,
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 4 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 4 }),
    }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
}

/**
 * Opens the KMS keyring: creates the first data key if there is none, unwraps every stored one.
 * Throws KmsKeyringError (start-up must stop) when a key cannot be created or unwrapped.
 */
export async function openKmsKeyring(deps: {
  db: Db;
  kms: Pick<KMSClient, 'send'>;
  config: KmsConfig;
  clock: Clock;
  logger: { info: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
  /** ROLEGATE_MASTER_KEYS, if set: decrypt-only, for values written before KMS was turned on. */
  legacyKeys: readonly KeyEntry[];
}): Promise<KmsKeyring> {
  const { db, kms, config, clock, logger } = deps;
  const keys = new Map<string, Buffer>();
  for (const { kid, key } of deps.legacyKeys) keys.set(kid, Buffer.from(key));
  const loaded = new Map<string, LoadedKey>();

  function activeKid(): string {
    const now = clock.now().getTime();
    let best: LoadedKey | null = null;
    for (const k of loaded.values()) {
      if (k.activatesAt.getTime() > now) continue;
      if (
        best === null ||
        k.activatesAt.getTime() > best.activatesAt.getTime() ||
        (k.activatesAt.getTime() === best.activatesAt.getTime() && k.kid > best.kid)
      )
        best = k;
    }
    if (best === null) throw new KmsKeyringError('no KMS data key is active yet');
    return best.kid;
  }

  // The consumers of a Keyring read `activeKid` and `keys` at each call, so this one object stays
  // current as keys are added and activated.
  const keyring: Keyring = {
    get activeKid() {
      return activeKid();
    },
    keys,
  };

  async function unwrap(row: typeof fieldEncryptionKeys.$inferSelect): Promise<void> {
    const out = await kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(row.wrappedKey, 'base64'),
        KeyId: row.kmsKeyId,
        EncryptionContext: encryptionContext(config.deploymentId, row.kid),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      }),
    );
    const plaintext = out.Plaintext;
    if (plaintext === undefined || plaintext.length !== 32) {
      plaintext?.fill(0);
      throw new KmsKeyringError(`KMS returned no 32-byte data key for ${row.kid}`);
    }
    keys.set(row.kid, Buffer.from(plaintext));
    plaintext.fill(0);
    loaded.set(row.kid, { kid: row.kid, activatesAt: row.activatesAt });
  }

  async function rows() {
    return db.select().from(fieldEncryptionKeys).orderBy(asc(fieldEncryptionKeys.createdAt));
  }

  /** Inserts `kms-<n+1>`; a concurrent creator's row wins the id and this one is dropped. */
  async function create(activatesAt: Date): Promise<string> {
    const existing = await db.select({ kid: fieldEncryptionKeys.kid }).from(fieldEncryptionKeys);
    const highest = Math.max(0, ...existing.map((r) => Number(/^kms-(\d+)$/.exec(r.kid)?.[1] ?? 0)));
    const kid = `kms-${highest + 1}`;
    const out = await kms.send(
      new GenerateDataKeyCommand({
        KeyId: config.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: encryptionContext(config.deploymentId, kid),
      }),
    );
    // Only the wrapped blob is kept; the plaintext is unwrapped again like every stored key, which
    // also proves at once that Decrypt works with this context.
    out.Plaintext?.fill(0);
    if (out.CiphertextBlob === undefined || out.KeyId === undefined)
      throw new KmsKeyringError('KMS GenerateDataKey answered without a ciphertext blob');
    await db
      .insert(fieldEncryptionKeys)
      .values({
        kid,
        kmsKeyId: out.KeyId,
        wrappedKey: Buffer.from(out.CiphertextBlob).toString('base64'),
        createdAt: clock.now(),
        activatesAt,
      })
      .onConflictDoNothing();
    return kid;
  }

  async function loadAll(strict: boolean): Promise<string[]> {
    const added: string[] = [];
    for (const row of await rows()) {
      if (loaded.has(row.kid)) continue;
      try {
        await unwrap(row);
        added.push(row.kid);
      } catch (err) {
        const reason = describeKmsError(err);
        if (strict)
          throw new KmsKeyringError(`cannot unwrap field-encryption key ${row.kid}: ${reason}`, {
            cause: err,
          });
        logger.error(
          { kid: row.kid, reason, errorName: err instanceof Error ? err.name : 'Error' },
          'KMS data key not loaded; this node keeps the keys it has and retries at the next refresh',
        );
      }
    }
    return added;
  }

  try {
    if ((await rows()).length === 0) await create(clock.now());
    await loadAll(true);
  } catch (err) {
    if (err instanceof KmsKeyringError) throw err;
    throw new KmsKeyringError(`cannot create the first field-encryption key: ${describeKmsError(err)}`, {
      cause: err,
    });
  }
  logger.info({ kids: [...loaded.keys()], activeKid: activeKid() }, 'field-encryption keys unwrapped by KMS');

  let timer: NodeJS.Timeout | null = null;
  const result: KmsKeyring = {
    keyring,
    async refresh() {
      try {
        const added = await loadAll(false);
        if (added.length > 0) logger.info({ kids: added }, 'new KMS data keys loaded');
        return added;
      } catch (err) {
        // The database may be down: nothing changes, the next refresh tries again.
        logger.error({ err }, 'KMS data key refresh failed');
        return [];
      }
    },
    async rotate(delaySeconds) {
      const activatesAt = new Date(clock.now().getTime() + delaySeconds * 1000);
      let kid: string;
      try {
        kid = await create(activatesAt);
      } catch (err) {
        throw new KmsKeyringError(`cannot create a new data key: ${describeKmsError(err)}`, { cause: err });
      }
      await loadAll(true);
      const mine = loaded.get(kid);
      if (mine === undefined) throw new KmsKeyringError(`data key ${kid} was not stored`);
      return { kid, activatesAt: mine.activatesAt };
    },
    start() {
      if (timer !== null) return;
      timer = setInterval(() => void result.refresh(), config.refreshSeconds * 1000);
      timer.unref();
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
  return result;
}
