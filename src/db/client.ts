import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** One type for both drivers: features write SQL once, for PGlite and PostgreSQL alike. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle has the same query surface as Db. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Runs `fn` while holding a session-level advisory lock (a no-op guard on PGlite's single connection). */
  withAdvisoryLock<T>(key: number, fn: (db: Db) => Promise<T>): Promise<T>;
}

export interface DatabaseOptions {
  url: string | undefined;
  dataDir: string;
  poolSize?: number;
  /**
   * PostgreSQL: client-side bound on one query (ms, default 35 000). `statement_timeout` is enforced
   * by the server, so it cannot end a query whose server never answers (a black-holed network).
   */
  queryTimeoutMs?: number;
  /** Reported when an idle PostgreSQL connection dies; the pool replaces it. */
  onError?: (err: Error) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url === undefined ? openPglite(options.dataDir) : openPostgres(options);
}

async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  let closed = false;
  // PGlite has one connection; serialise lock holders so that concurrent callers queue in-process.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    db,
    kind: 'pglite',
    async ping() {
      if (closed) throw new Error('database closed');
      await client.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
    withAdvisoryLock<T>(_key: number, fn: (db: Db) => Promise<T>): Promise<T> {
      const run = chain.then(() => fn(db));
      chain = run.catch(() => undefined);
      return run;
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
  // Without a listener an idle client's error would crash the process.
  pool.on('error', (err) => options.onError?.(err));
  const db = drizzlePg(pool, { schema }) as unknown as Db;
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
      try {
        await client.query('select pg_advisory_lock($1)', [key]);
        try {
          return await fn(drizzlePg(client, { schema }) as unknown as Db);
        } finally {
          await client.query('select pg_advisory_unlock($1)', [key]);
        }
      } finally {
        client.release();
      }
    },
  };
}

/** Raw SQL returning rows, the same on both drivers (each result carries `rows`). */
export async function queryRows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
