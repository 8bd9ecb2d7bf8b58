import { sql } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';

describe('migrations', () => {
  it('several nodes migrating one database at once apply each migration exactly once', async () => {
    const url = process.env.DATABASE_URL;
    if (url === undefined) {
      // PGlite is single-process; the same code path still serialises and is idempotent.
      const db = await openDatabase({ url: undefined, dataDir: 'memory://' });
      await Promise.all([runMigrations(db), runMigrations(db), runMigrations(db)]);
      const rows = await queryRows<{ n: number }>(
        db.db,
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      const hashes = await queryRows<{ n: number }>(
        db.db,
        sql`select count(distinct hash)::int as n from drizzle.__drizzle_migrations`,
      );
      expect(rows[0]!.n).toBe(hashes[0]!.n);
      await db.close();
      return;
    }
    // A brand-new empty database, raced by five independent pools as five starting nodes would.
    const name = `rg_migrate_race_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    const fresh = new URL(url);
    fresh.pathname = `/${name}`;
    const nodes = await Promise.all(
      Array.from({ length: 5 }, () =>
        openDatabase({ url: fresh.toString(), dataDir: 'memory://', poolSize: 2 }),
      ),
    );
    try {
      await Promise.all(nodes.map((n) => runMigrations(n)));
      const rows = await queryRows<{ n: number; d: number }>(
        nodes[0]!.db,
        sql`select count(*)::int as n, count(distinct hash)::int as d from drizzle.__drizzle_migrations`,
      );
      expect(rows[0]!.n).toBe(rows[0]!.d);
      expect(rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });
});
