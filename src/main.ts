import type { Logger } from 'pino';
import { type App, buildApp } from './app.ts';
import { type Env, loadConfig, type ReadyConfig } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { resolveDevelopmentKeys } from './dev-keys.ts';
import { createLogger } from './logging.ts';

export interface Runtime {
  config: ReadyConfig;
  logger: Logger;
  database: Database;
}

/** Config → keys → logger → database (migrated). Shared by `serve` and the one-shot CLI commands. */
export async function openRuntime(env: Env): Promise<Runtime> {
  const parsed = loadConfig(env);
  const logger = createLogger(parsed.log.level);
  const config = resolveDevelopmentKeys(parsed, logger);
  const database = await openDatabase({
    url: config.db.url,
    dataDir: config.db.dataDir,
    poolSize: config.db.poolSize,
    onError: (err) => logger.error({ err }, 'database connection error'),
  });
  try {
    await runMigrations(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  return { config, logger, database };
}

/** Starts the server and wires graceful shutdown: stop accepting, finish in-flight requests, close the database. */
export async function serve(env: Env): Promise<App> {
  const { config, logger, database } = await openRuntime(env);
  const app = await buildApp(config, { database, logger });
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
  await app.listen({ port: config.http.port, host: config.http.host });
  return app;
}
