// A throw-away PostgreSQL database for one benchmark run (as scripts/with-postgres.ts does for tests).
import pg from 'pg';

export interface ThrowawayPostgres {
  url: string;
  drop(): Promise<void>;
}

async function adminQuery(admin: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates `rolegate_bench_<pid>_<time>` on TEST_POSTGRES_URL (default: the local trust-auth server); null if unreachable. */
export async function createThrowawayPostgres(): Promise<ThrowawayPostgres | null> {
  const admin = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `rolegate_bench_${process.pid}_${Date.now()}`;
  try {
    await adminQuery(admin, `create database "${name}"`);
  } catch (err) {
    process.stderr.write(`bench: PostgreSQL unavailable (${String(err)}); skipping the PostgreSQL part\n`);
    return null;
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(admin, `drop database if exists "${name}" with (force)`),
  };
}
