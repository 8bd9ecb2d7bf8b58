import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import * as schema from './schema.ts';
import { isDatabaseUnavailable } from './unavailable.ts';

export type Schema = typeof schema;
/** One type for both drivers: features write SQL once, for PGlite and PostgreSQL alike. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle has the same query surface as Db. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** The embedded database's directory lock (PGlite on disk only): the server records its address here. */
  lock?: DataDirLock;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Runs `fn` while holding a session-level advisory lock (a no-op guard on PGlite's single connection). */
  withAdvisoryLock<T>(key: number, fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * PGlite only: a tarball of the embedded database's files, which `openDatabase({ startFrom })` opens
   * as a copy (a migrated template, a point-in-time copy for support). Undefined on PostgreSQL, whose
   * backups are pg_dump's job.
   */
  snapshot?(): Promise<Blob>;
}

/**
 * One statement in its own implicit transaction, on the hot path (the audit append): no Drizzle
 * query building, a named prepared statement on PostgreSQL (parsed and planned once per pooled
 * connection), one round trip. `send` is asked right before the statement reaches the database
 * (after waiting for a pooled connection, or for PGlite's single connection): when it answers
 * false nothing is sent and the call rejects with StatementNotSent, so a caller that gave up
 * while waiting leaves nothing behind.
 */
export type StatementRunner = (
  statement: { name: string; text: string; values: unknown[] },
  send: () => boolean,
) => Promise<Array<Record<string, unknown>>>;

export class StatementNotSent extends Error {
  constructor() {
    super('statement not sent');
    this.name = 'StatementNotSent';
  }
}

/** The statement runner of each opened database, found from its Drizzle handle. */
const runners = new WeakMap<Db, StatementRunner>();

/** The statement runner of `db`, when `db` is the handle of a database opened by openDatabase. */
export function statementRunnerOf(db: DbOrTx): StatementRunner | undefined {
  return runners.get(db as Db);
}

export interface DatabaseOptions {
  url: string | undefined;
  dataDir: string;
  /**
   * PGlite on disk: the rolegate command that opens it, recorded in the directory's lock file so that
   * a second process is refused with the holder's name (see data-dir-lock.ts).
   */
  command?: string;
  /**
   * PGlite in memory: start as a copy of a snapshot (`Database.snapshot`) instead of a freshly
   * initialised cluster. Initialising (initdb) is most of an embedded database's start-up time, so a
   * process that opens many short-lived databases (the test suite) copies one migrated template.
   */
  startFrom?: Blob;
  poolSize?: number;
  /**
   * PostgreSQL: client-side bound on one query (ms, default 35 000). `statement_timeout` is enforced
   * by the server, so it cannot end a query whose server never answers (a black-holed network).
   */
  queryTimeoutMs?: number;
  /** Reported when a PostgreSQL connection dies, idle or in use (often twice: reset, then end); the pool replaces it. */
  onError?: (err: Error) => void;
}

const drizzleConfig = { schema };

/** The error to release a pooled client with (so pg-pool closes it) when it failed for lack of the database. */
function unusable(err: unknown): Error | undefined {
  if (!isDatabaseUnavailable(err)) return undefined;
  return err instanceof Error ? err : new Error(String(err));
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url === undefined
    ? openPglite(options.dataDir, options.command, options.startFrom)
    : openPostgres(options);
}

async function openPglite(dataDir: string, command = 'unknown', startFrom?: Blob): Promise<Database> {
  if (startFrom !== undefined && !dataDir.startsWith('memory://')) {
    // A snapshot over an existing directory would replace its data: only fresh in-memory copies.
    throw new Error('a database snapshot can only be opened in memory');
  }
  let lock: DataDirLock | undefined;
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
    // Before PGlite touches the files: a second writer corrupts them silently.
    lock = acquireDataDirLock(dataDir, command);
  }
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir, startFrom === undefined ? {} : { loadDataDir: startFrom });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const db = drizzlePglite(client, drizzleConfig) as unknown as Db;
  // PGlite answers in this process; its only "round trip" is the queue for its one connection,
  // which a caller transaction may hold. The statement runs inside PGlite's own transaction so that
  // `send` is asked once the connection is ours (BEGIN/COMMIT cost no network here).
  runners.set(db, (statement, send) =>
    client.transaction(async (tx) => {
      if (!send()) throw new StatementNotSent();
      return (await tx.query<Record<string, unknown>>(statement.text, statement.values)).rows;
    }),
  );
  let closed = false;
  // PGlite has one connection; serialise lock holders so that concurrent callers queue in-process.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    db,
    kind: 'pglite',
    ...(lock === undefined ? {} : { lock }),
    async ping() {
      if (closed) throw new Error('database closed');
      await client.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
    withAdvisoryLock<T>(_key: number, fn: (db: Db) => Promise<T>): Promise<T> {
      const run = chain.then(() => fn(db));
      chain = run.catch(() => undefined);
      return run;
    },
    async snapshot() {
      if (closed) throw new Error('database closed');
      return client.dumpDataDir('none');
    },
  };
}

async function openPostgres(options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A statement that hangs must not hold a request forever.
    statement_timeout: 30_000,
    query_timeout: options.queryTimeoutMs ?? 35_000,
  });
  // Every client reports its own connection errors, idle or checked out. pg-pool listens on a
  // client only while it is idle; a checked-out client whose connection dies (a PostgreSQL restart
  // or failover mid-transaction) would emit 'error' with nobody listening: an uncaught exception,
  // which ends the process. The query in flight fails with the error either way, and the pool
  // drops the dead client when it is released.
  pool.on('connect', (client) => {
    client.on('error', (err) => options.onError?.(err));
  });
  // The pool re-emits an idle client's error, already reported above; without a listener that
  // re-emit would itself crash the process.
  pool.on('error', () => undefined);
  // One Drizzle instance per pooled client, made on its first checkout and reused with it.
  const onClient = new WeakMap<pg.PoolClient, Db>();
  const dbOn = (client: pg.PoolClient): Db => {
    let bound = onClient.get(client);
    if (bound === undefined) {
      bound = drizzlePg(client, drizzleConfig) as unknown as Db;
      onClient.set(client, bound);
    }
    return bound;
  };
  const db = drizzlePg(pool, drizzleConfig) as unknown as Db;
  // Drizzle's own pooled transaction (0.45.x; drizzle-team/drizzle-orm#6114, #6241) runs BEGIN
  // before its try/finally, so a BEGIN that fails (connection dead or silent) never returns the
  // client: each outage leaks a pool slot until the pool is empty for good and `pool.end()` hangs.
  // And after a client-side query timeout the statement is still pending on the client, which pg
  // still calls queryable: Drizzle returns it to the pool as healthy, and the next request queues
  // behind a statement that never ends (its ROLLBACK timed out the same way). Here
  // the client is checked out and released by us, Drizzle runs the transaction on that one client,
  // and a client that failed for lack of the database is destroyed instead of reused.
  db.transaction = async (run, config) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await dbOn(client).transaction(run, config);
    } catch (err) {
      broken = unusable(err);
      throw err;
    } finally {
      client.release(broken);
    }
  };
  runners.set(db, async (statement, send) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      if (!send()) throw new StatementNotSent();
      return (await client.query<Record<string, unknown>>(statement)).rows;
    } catch (err) {
      broken = unusable(err);
      throw err;
    } finally {
      client.release(broken);
    }
  });
  return {
    db,
    kind: 'postgres',
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await pool.end();
    },
    async withAdvisoryLock<T>(key: number, fn: (db: Db) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A session lock lives as long as its connection: unless the unlock is known to have run, the
      // connection is closed rather than pooled, which also releases the lock on the server.
      let unlocked = false;
      let broken: Error | undefined;
      try {
        await client.query('select pg_advisory_lock($1)', [key]);
        try {
          return await fn(dbOn(client));
        } catch (err) {
          broken = unusable(err);
          throw err;
        } finally {
          await client.query('select pg_advisory_unlock($1)', [key]);
          unlocked = true;
        }
      } catch (err) {
        broken ??= unusable(err);
        throw err;
      } finally {
        client.release(broken ?? (unlocked ? undefined : new Error('advisory lock not released')));
      }
    },
  };
}

/** Raw SQL returning rows, the same on both drivers (each result carries `rows`). */
export async function queryRows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
