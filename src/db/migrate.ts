import { fileURLToPath } from 'node:url';
import type { MigrationConfig } from 'drizzle-orm/migrator';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { Database } from './client.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

/** Arbitrary but fixed: every Rolegate node takes this lock before migrating. */
export const MIGRATION_LOCK_KEY = 0x726f6c65; // "role"

/**
 * Applies pending migrations. Several nodes starting at once against one PostgreSQL serialise on a
 * session advisory lock, so exactly one applies each migration and the others then find nothing to do.
 */
export async function runMigrations(database: Database, folder = MIGRATIONS_FOLDER): Promise<void> {
  const config: MigrationConfig = { migrationsFolder: folder };
  await database.withAdvisoryLock(MIGRATION_LOCK_KEY, async (db) => {
    if (database.kind === 'pglite') {
      await migratePglite(db as unknown as PgliteDatabase<Record<string, never>>, config);
    } else {
      await migrateNodePg(db as unknown as NodePgDatabase<Record<string, never>>, config);
    }
  });
}
