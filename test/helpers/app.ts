import { Writable } from 'node:stream';
import pg from 'pg';
import type { App } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import type { Clock } from '../../src/clock.ts';
import { loadConfig, type ReadyConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core/create-core.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { resolveDevelopmentKeys } from '../../src/dev-keys.ts';
import { createLogger } from '../../src/logging.ts';
import { pgliteTemplate } from './pglite-template.ts';

export interface TestApp {
  app: App;
  database: Database;
  config: ReadyConfig;
  /** The app's services and background jobs (set by createTestApp). */
  core?: Core;
  /** Every log line written so far, raw JSON text. */
  logs(): string;
  close(): Promise<void>;
}

/** The database under test: PostgreSQL when DATABASE_URL is set (npm run test:pg), else in-memory PGlite. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ROLEGATE_DATA_DIR: 'memory://',
    DATABASE_URL: process.env.DATABASE_URL,
    ROLEGATE_AWS_PRINCIPAL_ARN: 'arn:aws:iam::111111111111:role/rolegate-service',
    // Suites share one app per file: generous rate limits and no load shedding on a busy CI box,
    // unless a test asks otherwise (test/abuse sets small budgets and tiny thresholds).
    ROLEGATE_RATE_LIMIT_AUTH_MAX: '100000',
    ROLEGATE_RATE_LIMIT_API_MAX: '1000000',
    ROLEGATE_RATE_LIMIT_EXPENSIVE_MAX: '100000',
    ROLEGATE_RATE_LIMIT_FAILED_AUTH_MAX: '100000',
    ROLEGATE_ORG_CREATE_PER_DAY: '10000',
    ROLEGATE_ORG_MAX_OWNED: '100000',
    ROLEGATE_PRESSURE_MAX_EVENT_LOOP_DELAY: '0',
    ...extra,
  };
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: Clock;
  /** Reuse an open database (e.g. to restart an app over the same data). */
  database?: Database;
  /** Register extra (test-only) routes before the app is sealed. */
  extend?: (app: App) => void;
  /**
   * A database of its own even on PostgreSQL (where suites otherwise share one database, as tenants
   * share production): for tests of whole-database jobs such as key rotation or the re-verification
   * scheduler, which would otherwise touch other suites' rows.
   */
  isolatedDatabase?: boolean;
  /** DNS TXT answers for SSO domain verification (name → records). */
  ssoTxtResolver?: (name: string) => Promise<string[][]>;
}

/** Creates a throw-away PostgreSQL database next to `url`; returns its URL and a drop function. */
export async function isolatedPostgres(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `rg_iso_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return {
    url: fresh.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const parsed = loadConfig(testEnv(options.env));
  const logger = createLogger(parsed.log.level, sink);
  const config = resolveDevelopmentKeys(parsed, { warn: () => {} });
  const ownsDatabase = options.database === undefined;
  const isolated =
    ownsDatabase && options.isolatedDatabase === true && config.db.url !== undefined
      ? await isolatedPostgres(config.db.url)
      : null;
  const url = isolated?.url ?? config.db.url;
  const template =
    ownsDatabase && url === undefined && config.db.dataDir.startsWith('memory://')
      ? await pgliteTemplate()
      : undefined;
  const database =
    options.database ??
    (await openDatabase({
      url,
      dataDir: config.db.dataDir,
      ...(template === undefined ? {} : { startFrom: template }),
    }));
  if (ownsDatabase) await runMigrations(database);
  // Built here so tests can drive background work (e.g. one delivery round) without a timer.
  const core = createCore(config, {
    database,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.ssoTxtResolver ? { ssoTxtResolver: options.ssoTxtResolver } : {}),
  });
  const app = await buildApp(config, {
    database,
    logger,
    core,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  options.extend?.(app);
  await app.ready();
  return {
    app,
    core,
    database,
    config,
    logs: () => chunks.join(''),
    async close() {
      await app.close();
      if (ownsDatabase) await database.close();
      await isolated?.drop();
    },
  };
}
