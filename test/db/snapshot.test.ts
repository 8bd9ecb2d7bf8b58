import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';

// The embedded database opens as a copy of a snapshot (the test suite copies one migrated template
// instead of initialising a cluster per app): the copy has the snapshot's data and is independent.
describe.skipIf(process.env.DATABASE_URL !== undefined)('embedded database snapshots', () => {
  it('a copy opened from a snapshot holds its rows, and writes to either side stay on that side', async () => {
    const original = await openDatabase({ url: undefined, dataDir: 'memory://' });
    try {
      await original.db.execute(sql`create table notes (body text not null)`);
      await original.db.execute(sql`insert into notes values ('before the snapshot')`);
      const snapshot = await original.snapshot?.();
      expect(snapshot).toBeInstanceOf(Blob);
      await original.db.execute(sql`insert into notes values ('only in the original')`);

      const copy = await openDatabase({ url: undefined, dataDir: 'memory://', startFrom: snapshot });
      try {
        await copy.db.execute(sql`insert into notes values ('only in the copy')`);
        const rows = async (db: typeof copy) => {
          const result = (await db.db.execute(sql`select body from notes order by body`)) as unknown as {
            rows: Array<{ body: string }>;
          };
          return result.rows.map((r) => r.body);
        };
        expect(await rows(copy)).toEqual(['before the snapshot', 'only in the copy']);
        expect(await rows(original)).toEqual(['before the snapshot', 'only in the original']);
      } finally {
        await copy.close();
      }
    } finally {
      await original.close();
    }
  });

  it('refuses to open a snapshot over a directory on disk (it would replace that database)', async () => {
    const original = await openDatabase({ url: undefined, dataDir: 'memory://' });
    const snapshot = await original.snapshot?.();
    await original.close();
    await expect(
      openDatabase({ url: undefined, dataDir: '/tmp/rolegate-never-created', startFrom: snapshot }),
    ).rejects.toThrow(/only be opened in memory/);
  });
});
