import { defaultProvider } from '@aws-sdk/credential-provider-node';
import pino, { type Logger } from 'pino';
import { type App, buildApp } from './app.ts';
import { warnWithoutBaseCredentials } from './aws/preflight.ts';
import { systemClock } from './clock.ts';
import { type Env, loadConfig, parseJwtKeys, type ReadyConfig } from './config.ts';
import { type Core, createCore } from './core/create-core.ts';
import type { KmsKeyring } from './crypto/kms-keyring.ts';
import { type Database, openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { resolveDevelopmentKeys } from './dev-keys.ts';
import { createLogger } from './logging.ts';
import {
  createSecretWatcher,
  resolveSecretReferences,
  type SecretFetcher,
  type SecretReference,
  type SecretVariable,
  secretReferences,
} from './secrets/references.ts';

export interface Runtime {
  config: ReadyConfig;
  logger: Logger;
  database: Database;
  /** The KMS-unwrapped field-encryption keys (ROLEGATE_KMS_KEY_ID), or null for ROLEGATE_MASTER_KEYS. */
  kms: KmsKeyring | null;
  /** Secret settings given as `…_SECRET_ARN` / `…_SSM_PARAMETER`, for re-reading; null when none. */
  secrets: {
    references: SecretReference[];
    values: Map<SecretVariable, string>;
    fetcher: SecretFetcher;
  } | null;
}

export interface RuntimeOptions {
  /** The rolegate command, named in the embedded database's lock file (`serve`, `scan`, …). */
  command: string;
  /**
   * Where log lines go. One-shot commands log to stderr so that their stdout carries only their
   * output (`rolegate scan > out` is the table, not JSON log lines); the server logs to stdout.
   */
  logTo: 'stdout' | 'stderr';
}

/**
 * Config → logger → database (locked, migrated) → keys. Shared by `serve` and the one-shot CLI
 * commands. The database comes before the development keys so that a process refused the data
 * directory's lock has written nothing there (not even dev-keys.json) and says only why.
 */
export async function openRuntime(env: Env, options: RuntimeOptions): Promise<Runtime> {
  // Secret references are read first (with the base credentials), so the configuration is parsed
  // and validated exactly as if the values had been given directly.
  let fetcher: SecretFetcher | null = null;
  // The SDK clients are loaded only when needed (they cost start-up time and memory).
  const createAwsSecretFetcher =
    secretReferences(env).length === 0
      ? null
      : (await import('./secrets/aws-fetcher.ts')).createAwsSecretFetcher;
  const makeFetcher = () => {
    if (createAwsSecretFetcher === null) throw new Error('no secret reference to read');
    fetcher ??= createAwsSecretFetcher({
      region: env.AWS_REGION?.trim() || 'us-east-1',
      endpointUrl: env.AWS_ENDPOINT_URL?.trim() || undefined,
      serviceEndpoints: Object.fromEntries(
        (['SECRETS_MANAGER', 'SSM'] as const).flatMap((k) => {
          const v = env[`AWS_ENDPOINT_URL_${k}`]?.trim();
          return v === undefined || v === '' ? [] : [[k, v]];
        }),
      ),
    });
    return fetcher;
  };
  const resolved = await resolveSecretReferences(env, makeFetcher);
  const parsed = loadConfig(resolved.env);
  const logger = createLogger(
    parsed.log.level,
    options.logTo === 'stderr' ? pino.destination({ dest: 2, sync: true }) : undefined,
  );
  const database = await openDatabase({
    url: parsed.db.url,
    dataDir: parsed.db.dataDir,
    command: options.command,
    poolSize: parsed.db.poolSize,
    onError: (err) => logger.error({ err }, 'database connection error'),
  });
  let config: ReadyConfig;
  let kms: KmsKeyring | null = null;
  try {
    await runMigrations(database);
    config = resolveDevelopmentKeys(parsed, logger);
    // KMS unavailable (or refusing a wrapped key) at start-up: no keys, so no start (KmsKeyringError).
    if (config.kms !== null) {
      const { createKmsClient, openKmsKeyring } = await import('./crypto/kms-keyring.ts');
      kms = await openKmsKeyring({
        db: database.db,
        kms: createKmsClient({
          region: config.aws.region,
          endpoint: config.aws.serviceEndpoints.KMS ?? config.aws.endpointUrl,
        }),
        config: config.kms,
        clock: systemClock,
        logger,
        legacyKeys: config.masterKeys,
      });
    }
  } catch (err) {
    await database.close();
    throw err;
  }
  const secrets =
    fetcher === null ? null : { references: resolved.references, values: resolved.values, fetcher };
  return { config, logger, database, kms, secrets };
}

/**
 * A one-shot command's runtime and core (no background jobs started), then `run`, then the core
 * stopped and the database closed whatever happened.
 */
export async function withCore<T>(
  env: Env,
  options: RuntimeOptions,
  run: (core: Core) => Promise<T>,
): Promise<T> {
  const { config, logger, database, kms } = await openRuntime(env, options);
  const core = createCore(config, { database, logger, kms });
  try {
    return await run(core);
  } finally {
    await core.stop();
    await database.close();
  }
}

/** Starts the server and wires graceful shutdown: stop accepting, finish in-flight requests, close the database. */
export async function serve(env: Env): Promise<App> {
  const runtime = await openRuntime(env, { command: 'serve', logTo: 'stdout' });
  // The same core the CLI commands build; the app registers its routes on it and starts/stops it
  // (the KMS key refresh is one of its jobs).
  const { config, logger, database, kms, secrets } = runtime;
  const core = createCore(config, { database, logger, kms });
  // Secrets given by reference are re-read on SIGHUP and every ROLEGATE_SECRETS_REFRESH_INTERVAL.
  // Only then does SIGHUP mean "reload" (otherwise it stops the process, as before).
  const watcher =
    secrets === null
      ? null
      : createSecretWatcher({
          ...secrets,
          clock: core.clock,
          logger,
          applyJwtKeys: (raw) => core.accessTokens.replaceKeys(parseJwtKeys(raw)),
          intervalSeconds: config.secretsRefreshSeconds,
        });
  const app = await buildApp(config, {
    database,
    logger,
    core,
    ...(watcher === null ? {} : { secrets: watcher }),
  });
  if (watcher !== null) {
    process.on('SIGHUP', () => void watcher.reload());
    watcher.start();
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      watcher?.stop();
      await app.close();
      await database.close();
      logger.info('shut down cleanly');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  try {
    const address = await app.listen({ port: config.http.port, host: config.http.host });
    database.lock?.setUrl(address);
  } catch (err) {
    await app.close();
    await database.close();
    throw err;
  }
  void warnWithoutBaseCredentials(defaultProvider(), { principalArn: config.aws.principalArn, logger });
  return app;
}
