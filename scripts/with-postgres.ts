// Runs a command against a fresh, throw-away PostgreSQL database: `node scripts/with-postgres.ts vitest run`.
// The server comes from TEST_POSTGRES_URL (default: the local trust-auth server); the database is
// created for this run and dropped afterwards, so runs never see each other's rows.
import { spawn } from 'node:child_process';
import pg from 'pg';

const admin = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `rolegate_test_${process.pid}_${Date.now()}`;
const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write('usage: node scripts/with-postgres.ts <command> [args...]\n');
  process.exit(2);
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

await adminQuery(`create database "${name}"`);
const url = new URL(admin);
url.pathname = `/${name}`;
process.stderr.write(`with-postgres: running against ${url.host}/${name}\n`);
const child = spawn(command, args, {
  stdio: 'inherit',
  env: { ...process.env, DATABASE_URL: url.toString() },
  shell: false,
});
const code: number = await new Promise((resolve) => {
  child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  child.on('error', () => resolve(1));
});
try {
  await adminQuery(`drop database if exists "${name}" with (force)`);
} catch (err) {
  process.stderr.write(`with-postgres: could not drop ${name}: ${String(err)}\n`);
}
process.exit(code);
