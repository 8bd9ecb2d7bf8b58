import { ConfigError, type Env, parseJwtKeys, SECRET_VARIABLES } from '../config.ts';

/**
 * Secret settings given by reference (issue 20 item 2): `<NAME>_SECRET_ARN` (AWS Secrets Manager,
 * GetSecretValue) or `<NAME>_SSM_PARAMETER` (SSM Parameter Store, GetParameter WithDecryption), for
 * every NAME of SECRET_VARIABLES. The value is the secret's string as is, or, with `#field` after
 * the ARN or parameter name, the string `field` of a JSON object. Read with the deployment's base
 * credentials (the SDK default chain) before the configuration is parsed, and re-read on SIGHUP and
 * every ROLEGATE_SECRETS_REFRESH_INTERVAL seconds (see createSecretWatcher).
 */

export type SecretVariable = (typeof SECRET_VARIABLES)[number];

export interface SecretReference {
  variable: SecretVariable;
  /** The environment variable that holds the reference (named in every message). */
  source: string;
  store: 'secretsmanager' | 'ssm';
  id: string;
  jsonKey: string | null;
}

export interface SecretFetcher {
  secretString(arn: string): Promise<string>;
  parameter(name: string): Promise<string>;
}

/** The secret changed shape (JSON where a string was expected, a missing field…); never says its value. */
export class SecretShapeError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'SecretShapeError';
  }
}

const SECRET_ARN =
  /^arn:aws(-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const SSM_NAME = /^(arn:aws(-cn|-us-gov)?:ssm:[a-z0-9-]+:\d{12}:parameter)?\/?[A-Za-z0-9_.\-/]{1,2048}$/;
const JSON_KEY = /^[A-Za-z0-9_.-]{1,128}$/;

/** The references in the environment; a reference beside the value or its _FILE is an error. */
export function secretReferences(env: Env): SecretReference[] {
  const refs: SecretReference[] = [];
  for (const variable of SECRET_VARIABLES) {
    const given = (['_SECRET_ARN', '_SSM_PARAMETER'] as const)
      .map((suffix) => ({ suffix, raw: env[`${variable}${suffix}`]?.trim() }))
      .filter(
        (g): g is { suffix: '_SECRET_ARN' | '_SSM_PARAMETER'; raw: string } =>
          g.raw !== undefined && g.raw !== '',
      );
    if (given.length === 0) continue;
    const first = given[0]!;
    const source = `${variable}${first.suffix}`;
    if (given.length > 1)
      throw new ConfigError(source, `and ${variable}_SSM_PARAMETER are both set; set only one`);
    for (const other of [variable, `${variable}_FILE`]) {
      const v = env[other];
      if (v !== undefined && v !== '')
        throw new ConfigError(source, `and ${other} are both set; set only one`);
    }
    const hash = first.raw.lastIndexOf('#');
    const id = hash === -1 ? first.raw : first.raw.slice(0, hash);
    const jsonKey = hash === -1 ? null : first.raw.slice(hash + 1);
    if (jsonKey !== null && !JSON_KEY.test(jsonKey)) {
      throw new ConfigError(source, 'has an invalid #field (1-128 characters of [A-Za-z0-9_.-])');
    }
    const store = first.suffix === '_SECRET_ARN' ? 'secretsmanager' : 'ssm';
    if (store === 'secretsmanager' && !SECRET_ARN.test(id)) {
      throw new ConfigError(
        source,
        'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:…:secret:…), optionally #field',
      );
    }
    if (store === 'ssm' && !SSM_NAME.test(id)) {
      throw new ConfigError(source, 'must be an SSM parameter name (/path/name) or ARN, optionally #field');
    }
    refs.push({ variable, source, store, id, jsonKey });
  }
  return refs;
}

/** The value of a reference from the stored string: as is, or one string field of a JSON object. */
export function secretValueOf(ref: SecretReference, stored: string): string {
  if (ref.jsonKey === null) {
    // A JSON object where a plain value is expected is a change of shape, not a value to use.
    if (/^\s*\{/.test(stored))
      throw new SecretShapeError('holds a JSON object; add #field to pick a string from it');
    if (stored.trim() === '') throw new SecretShapeError('is empty');
    return stored.trim();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    throw new SecretShapeError(`is not a JSON object, so it has no field ${ref.jsonKey}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new SecretShapeError(`is not a JSON object, so it has no field ${ref.jsonKey}`);
  const field = (parsed as Record<string, unknown>)[ref.jsonKey];
  if (typeof field !== 'string' || field.trim() === '')
    throw new SecretShapeError(`has no non-empty string field ${ref.jsonKey}`);
  return field.trim();
}

/** Checks what can be checked without restarting: the format of the JWT keys. */
function validate(ref: SecretReference, value: string): void {
  if (ref.variable === 'ROLEGATE_JWT_KEYS') {
    try {
      parseJwtKeys(value);
    } catch (err) {
      throw new SecretShapeError(
        err instanceof ConfigError
          ? err.message.replace(/^Invalid configuration: /, '')
          : 'is not a key list',
      );
    }
  }
}

export async function readReference(ref: SecretReference, fetcher: SecretFetcher): Promise<string> {
  const stored =
    ref.store === 'secretsmanager' ? await fetcher.secretString(ref.id) : await fetcher.parameter(ref.id);
  const value = secretValueOf(ref, stored);
  validate(ref, value);
  return value;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'Error';
}

/**
 * The environment with every reference replaced by its value. Any failure stops start-up with a
 * ConfigError naming the reference variable and the reason (never the value).
 */
export async function resolveSecretReferences(
  env: Env,
  fetcher: () => SecretFetcher,
): Promise<{ env: Env; references: SecretReference[]; values: Map<SecretVariable, string> }> {
  const references = secretReferences(env);
  const values = new Map<SecretVariable, string>();
  if (references.length === 0) return { env, references, values };
  const client = fetcher();
  const out: Env = { ...env };
  for (const ref of references) {
    try {
      const value = await readReference(ref, client);
      values.set(ref.variable, value);
      out[ref.variable] = value;
    } catch (err) {
      if (err instanceof SecretShapeError)
        throw new ConfigError(ref.source, `points to a secret that ${err.message}`);
      throw new ConfigError(
        ref.source,
        `could not be read (${errorName(err)}): check the name and that Rolegate's role may read it`,
      );
    }
  }
  return { env: out, references, values };
}

export interface SecretStatus {
  variable: SecretVariable;
  source: string;
  /** `current`: the last read succeeded; `kept`: the last read failed or changed shape, the last good value is in use. */
  state: 'current' | 'kept';
  lastReadAt: string;
  problem: string | null;
  /** A change that needs a restart to take effect (everything but ROLEGATE_JWT_KEYS). */
  restartPending: boolean;
}

/**
 * Re-reads the references (on SIGHUP and on an interval). A rotated ROLEGATE_JWT_KEYS takes effect
 * at once through `applyJwtKeys` (new key signs, old keys verify until their tokens expire). The
 * others are read by components at start-up (database pool, Redis, keyring, webhook signer), so a
 * change is logged as pending a restart. A read that fails or a value that changed shape never
 * replaces the last good one: it is logged and reported by status().
 */
export function createSecretWatcher(deps: {
  references: SecretReference[];
  values: Map<SecretVariable, string>;
  fetcher: SecretFetcher;
  clock: { now: () => Date };
  logger: {
    info: (obj: object, msg: string) => void;
    warn: (obj: object, msg: string) => void;
    error: (obj: object, msg: string) => void;
  };
  applyJwtKeys: (raw: string) => void;
  intervalSeconds: number;
}) {
  const status = new Map<SecretVariable, SecretStatus>();
  const now = () => deps.clock.now().toISOString();
  for (const ref of deps.references)
    status.set(ref.variable, {
      variable: ref.variable,
      source: ref.source,
      state: 'current',
      lastReadAt: now(),
      problem: null,
      restartPending: false,
    });
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  async function reloadOnce(): Promise<void> {
    for (const ref of deps.references) {
      const entry = status.get(ref.variable)!;
      let value: string;
      try {
        value = await readReference(ref, deps.fetcher);
      } catch (err) {
        const problem =
          err instanceof SecretShapeError
            ? `the secret ${err.message}`
            : `could not be read (${errorName(err)})`;
        status.set(ref.variable, { ...entry, state: 'kept', lastReadAt: now(), problem });
        deps.logger.error(
          { variable: ref.variable, source: ref.source, problem },
          'secret reference kept its last good value',
        );
        continue;
      }
      const previous = deps.values.get(ref.variable);
      status.set(ref.variable, { ...entry, state: 'current', lastReadAt: now(), problem: null });
      if (previous === value) continue;
      if (ref.variable === 'ROLEGATE_JWT_KEYS') {
        deps.applyJwtKeys(value);
        deps.values.set(ref.variable, value);
        deps.logger.info({ variable: ref.variable, source: ref.source }, 'rotated secret applied');
      } else {
        // Remembered, so the warning is given once per change, not at every pass.
        deps.values.set(ref.variable, value);
        status.set(ref.variable, { ...status.get(ref.variable)!, restartPending: true });
        deps.logger.warn(
          { variable: ref.variable, source: ref.source },
          'secret changed; it takes effect when the node restarts (see docs/running.md)',
        );
      }
    }
  }

  return {
    /** One pass over every reference; concurrent calls share one pass. */
    reload(): Promise<void> {
      running ??= reloadOnce().finally(() => {
        running = null;
      });
      return running;
    },
    status(): SecretStatus[] {
      return [...status.values()];
    },
    start(): void {
      if (timer !== null || deps.intervalSeconds === 0 || deps.references.length === 0) return;
      timer = setInterval(() => void this.reload(), deps.intervalSeconds * 1000);
      timer.unref();
    },
    stop(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

export type SecretWatcher = ReturnType<typeof createSecretWatcher>;
