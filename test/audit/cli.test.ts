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
    expect(await runAuditVerify(t.database.db, { org: good, write: (l) => out.push(l) })).toMatchObject({
      valid: true,
    });
    expect(out).toEqual([`ok      ${good}: 3 records\n`]);

    await t.database.db.execute(
      sql`update audit_events set outcome = 'failure' where chain = ${bad} and seq = 2`,
    );
    const all: string[] = [];
    expect(await runAuditVerify(t.database.db, { write: (l) => all.push(l) })).toMatchObject({
      valid: false,
    });
    expect(all).toContain(`ok      ${good}: 3 records\n`);
    expect(all).toContain(
      `BROKEN  ${bad}: first broken link at seq 2 (record_modified); 1 records verified before it\n`,
    );
  });
});
