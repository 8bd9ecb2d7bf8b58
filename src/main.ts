import { defaultProvider } from '@aws-sdk/credential-provider-node';
import pino, { type Logger } from 'pino';
import { type App, buildApp } from './app.ts';
import { warnWithoutBaseCredentials } from './aws/preflight.ts';
import { systemClock } from './clock.ts';
import { type Env, loadConfig, type ReadyConfig } from './config.ts';
import { type Core, createCore } from './core/create-core.ts';
import { createKmsClient, type KmsKeyring, openKmsKeyring } from './crypto/kms-keyring.ts';
import { type Database, openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { resolveDevelopmentKeys } from './dev-keys.ts';
import { createLogger } from './logging.ts';

export interface Runtime {
  config: ReadyConfig;
  logger: Logger;
  database: Database;
  /** The KMS-unwrapped field-encryption keys (ROLEGATE_KMS_KEY_ID), or null for ROLEGATE_MASTER_KEYS. */
  kms: KmsKeyring | null;
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
  const parsed = loadConfig(env);
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
  return { config, logger, database, kms };
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
  const { config, logger, database, kms } = await openRuntime(env, { command: 'serve', logTo: 'stdout' });
  // The same core the CLI commands build; the app registers its routes on it and starts/stops it
  // (the KMS key refresh is one of its jobs).
  const core = createCore(config, { database, logger, kms });
  const app = await buildApp(config, { database, logger, core });
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
