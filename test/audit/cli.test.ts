import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditVerify } from '../../src/audit/cli.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
const audit = createAuditWriter({ clock: systemClock });

beforeAll(async () => {
  // Own database on PostgreSQL: these tests tamper with or verify whole chains, incl. the shared system chain.
  t = await createTestApp({ isolatedDatabase: true });
});
afterAll(async () => {
  await t.close();
});

async function chainOf(n: number): Promise<string> {
  const orgId = newId('org');
  for (let i = 0; i < n; i++) {
    await audit.record(t.database.db, {
      orgId,
      actorType: 'system',
      actorId: null,
      action: 'x.y',
      outcome: 'success',
    });
  }
  return orgId;
}

describe('rolegate audit verify', () => {
  it('reports one organisation, then every chain, and fails when one is broken', async () => {
    const good = await chainOf(3);
    const bad = await chainOf(3);
    const out: string[] = [];
    expect(await runAuditVerify(t.database.db, { org: good, write: (l) => out.push(l) })).toBe(true);
    expect(out).toEqual([`ok      ${good}: 3 records (3 re-hashed from the first)\n`]);

    await t.database.db.execute(
      sql`update audit_events set outcome = 'failure' where chain = ${bad} and seq = 2`,
    );
    const all: string[] = [];
    expect(await runAuditVerify(t.database.db, { write: (l) => all.push(l) })).toBe(false);
    // The good chain was verified before: only what came after its checkpoint is re-hashed.
    expect(all).toContain(`ok      ${good}: 3 records (0 re-hashed after the checkpoint at seq 3)\n`);
    expect(all).toContain(`BROKEN  ${bad}: 1 break(s) in 3 records (3 re-hashed from the first)\n`);
    expect(
      all[all.indexOf(`BROKEN  ${bad}: 1 break(s) in 3 records (3 re-hashed from the first)\n`) + 1],
    ).toBe('        seq 2: record_modified\n');
  });

  it('--full trusts no checkpoint: it finds an edit before the checkpoint that incremental runs skip', async () => {
    const org = await chainOf(4);
    expect(await runAuditVerify(t.database.db, { org, write: () => undefined })).toBe(true);
    await t.database.db.execute(sql`update audit_events set action = 'x.z' where chain = ${org} and seq = 2`);
    const incremental: string[] = [];
    expect(await runAuditVerify(t.database.db, { org, write: (l) => incremental.push(l) })).toBe(true);
    expect(incremental).toEqual([`ok      ${org}: 4 records (0 re-hashed after the checkpoint at seq 4)\n`]);
    const full: string[] = [];
    expect(await runAuditVerify(t.database.db, { org, full: true, write: (l) => full.push(l) })).toBe(false);
    expect(full).toEqual([
      `BROKEN  ${org}: 1 break(s) in 4 records (4 re-hashed from the first)\n`,
      '        seq 2: record_modified\n',
    ]);
  });
});
