// Vitest global set-up: one migrated embedded database per test run, copied by every test app,
// and a compile cache for the workers.
// Initialising a PGlite cluster (initdb) costs about a second of CPU; a copy of a migrated snapshot
// about a fifth of that, and a test run opens a few hundred databases.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';

const TEMPLATE_ENV = 'ROLEGATE_TEST_PGLITE_TEMPLATE';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  // Node's on-disk compile cache for the test workers and the CLI processes they spawn (each loads
  // the whole app; the cache saves about 40% of that CPU). Kept in this checkout, not in a shared
  // /tmp where another local user could plant code (the template likewise).
  process.env.NODE_COMPILE_CACHE ??= fileURLToPath(
    new URL('../../node_modules/.cache/node-compile', import.meta.url),
  );
  if (process.env.DATABASE_URL) return undefined;
  const database = await openDatabase({ url: undefined, dataDir: 'memory://' });
  let file: string;
  try {
    await runMigrations(database);
    const snapshot = await database.snapshot?.();
    if (snapshot === undefined) return undefined;
    const dir = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    await mkdir(dir, { recursive: true });
    file = join(dir, `rolegate-test-template-${process.pid}-${randomUUID()}.tar`);
    await writeFile(file, new Uint8Array(await snapshot.arrayBuffer()));
  } finally {
    await database.close();
  }
  // Test workers are forked after the global set-up and inherit this environment.
  process.env[TEMPLATE_ENV] = file;
  return async () => {
    await rm(file, { force: true });
  };
}

let cached: Promise<Blob | undefined> | undefined;

/** The run's migrated template, when the global set-up made one (PGlite runs under vitest). */
export function pgliteTemplate(): Promise<Blob | undefined> {
  const file = process.env[TEMPLATE_ENV];
  if (file === undefined) return Promise.resolve(undefined);
  cached ??= readFile(file).then(
    (bytes) => new Blob([bytes]),
    () => undefined,
  );
  return cached;
}
