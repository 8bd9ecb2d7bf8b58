import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readChainHead } from '../../src/audit/store.ts';
import { auditChainHeads, auditEvents } from '../../src/audit/tables.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { verifyChain } from '../../src/audit/verify.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { type Database, openDatabase, StatementNotSent, statementRunnerOf } from '../../src/db/client.ts';
import { newId } from '../../src/db/ids.ts';
import { runMigrations } from '../../src/db/migrate.ts';

/**
 * The single-statement chain append (src/audit/writer.ts): one statement per commit, no lock held
 * across round trips, and the same guarantees as the locking transaction it replaced.
 */
let t: { database: Database };
/** A second node: on PostgreSQL its own pool to the same database; PGlite has one connection. */
let other: Database | null = null;

beforeAll(async () => {
  // Only the database is needed (PostgreSQL when DATABASE_URL is set, as for every test).
  const url = process.env.DATABASE_URL;
  t = { database: await openDatabase({ url, dataDir: 'memory://' }) };
  await runMigrations(t.database);
  if (url !== undefined) other = await openDatabase({ url, dataDir: 'memory://' });
}, 180_000);
afterAll(async () => {
  await other?.close();
  await t.database.close();
});

const otherDb = () => (other ?? t.database).db;

/** A brokered call's record as an API key writes it: no personal data, so no subject key to create. */
function callEvent(orgId: string, i: number, outcome: AuditEvent['outcome'] = 'attempt'): AuditEvent {
  return {
    orgId,
    actorType: 'apiKey',
    actorId: 'key_append_test',
    action: 'aws.s3.list_buckets',
    outcome,
    connectionId: 'con_append_test',
    operation: 's3.ListBuckets',
    requestId: `req-${i}`,
    details: { i },
  };
}

async function detailsInChainOrder(orgId: string): Promise<unknown[]> {
  const rows = await t.database.db
    .select({ details: auditEvents.details })
    .from(auditEvents)
    .where(eq(auditEvents.chain, orgId))
    .orderBy(auditEvents.seq);
  return rows.map((r) => r.details.i);
}

describe('single-statement audit append', () => {
  it('once the chain has a head, records are appended without a transaction, in order', async () => {
    const orgId = newId('org');
    const audit = createAuditWriter({ clock: systemClock });
    await audit.record(t.database.db, callEvent(orgId, 0));
    const spy = vi.spyOn(t.database.db, 'transaction');
    try {
      for (let i = 1; i <= 5; i++) await audit.record(t.database.db, callEvent(orgId, i));
      await Promise.all(
        Array.from({ length: 40 }, (_, k) => audit.record(t.database.db, callEvent(orgId, 6 + k))),
      );
      // The locking transaction is the fallback only: a lone node with a known head never needs it.
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(await detailsInChainOrder(orgId)).toEqual(Array.from({ length: 46 }, (_, i) => i));
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 46 });
    expect(await readChainHead(t.database.db, orgId)).toMatchObject({ chain: orgId, seq: 46 });
  });

  it('the writer before this change (locking transaction) still produces the same chain', async () => {
    const orgId = newId('org');
    const locking = createAuditWriter({ clock: systemClock, statementPath: false });
    const statement = createAuditWriter({ clock: systemClock });
    for (let i = 0; i < 6; i++) {
      await (i % 2 === 0 ? locking : statement).record(t.database.db, callEvent(orgId, i));
    }
    expect(await detailsInChainOrder(orgId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 6 });
  });

  it('two nodes appending to one chain at once produce one valid chain, nothing lost or duplicated', async () => {
    const orgId = newId('org');
    const nodeA = createAuditWriter({ clock: systemClock });
    const nodeB = createAuditWriter({ clock: systemClock });
    const written = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        i % 2 === 0
          ? nodeA.record(t.database.db, callEvent(orgId, i))
          : nodeB.record(otherDb(), callEvent(orgId, i)),
      ),
    );
    expect(new Set(written.map((w) => w.id)).size).toBe(120);
    const stored = await detailsInChainOrder(orgId);
    expect([...stored].sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 120 }, (_, i) => i),
    );
    // Each node's own records keep the order in which that node queued them.
    for (const parity of [0, 1]) {
      const mine = stored.filter((i) => Number(i) % 2 === parity);
      expect(mine).toEqual([...mine].sort((a, b) => Number(a) - Number(b)));
    }
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 120 });
  });

  it('a head another writer holds (a caller transaction) is skipped, not waited on, and the record still lands after it', async () => {
    const orgId = newId('org');
    const audit = createAuditWriter({ clock: systemClock });
    await audit.record(t.database.db, callEvent(orgId, 0));
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = t.database.db.transaction(async (tx) => {
      await audit.record(tx, callEvent(orgId, 1));
      locked();
      await released;
    });
    await isLocked;
    const waiting = audit.record(t.database.db, callEvent(orgId, 2));
    let settled = false;
    void waiting.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Not acknowledged while the head is held: it is durable only once it links to the holder's record.
    expect(settled).toBe(false);
    release();
    await holder;
    await waiting;
    expect(await detailsInChainOrder(orgId)).toEqual([0, 1, 2]);
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 3 });
  });

  it('an acknowledged record is durable: another connection reads it at once', async () => {
    const orgId = newId('org');
    const audit = createAuditWriter({ clock: systemClock });
    for (let i = 0; i < 3; i++) {
      const { id } = await audit.record(t.database.db, callEvent(orgId, i));
      const [row] = await otherDb()
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(eq(auditEvents.id, id));
      expect(row?.id).toBe(id);
      expect((await readChainHead(otherDb(), orgId))?.seq).toBe(i + 1);
    }
  });

  it('a crash between attempt and outcome leaves the attempt on a valid chain that the restarted node continues', async () => {
    const orgId = newId('org');
    const beforeCrash = createAuditWriter({ clock: systemClock });
    await beforeCrash.record(t.database.db, callEvent(orgId, 0, 'success'));
    // The attempt is acknowledged (durable), then the process dies during the AWS call: no outcome.
    const { id: attemptId } = await beforeCrash.record(t.database.db, callEvent(orgId, 1, 'attempt'));
    // The restarted node knows no head: it reads it and links after the orphaned attempt.
    const afterRestart = createAuditWriter({ clock: systemClock });
    await afterRestart.record(t.database.db, callEvent(orgId, 2, 'attempt'));
    await afterRestart.record(t.database.db, callEvent(orgId, 2, 'success'));
    const rows = await t.database.db
      .select({ id: auditEvents.id, outcome: auditEvents.outcome })
      .from(auditEvents)
      .where(eq(auditEvents.chain, orgId))
      .orderBy(auditEvents.seq);
    expect(rows.map((r) => r.outcome)).toEqual(['success', 'attempt', 'attempt', 'success']);
    expect(rows[1]?.id).toBe(attemptId);
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 4 });
  });

  it('a statement whose caller gave up before it reached the database is never sent', async () => {
    const orgId = newId('org');
    const run = statementRunnerOf(t.database.db);
    expect(run).toBeDefined();
    await expect(
      run!(
        {
          name: 'append_test_insert_head',
          text: 'insert into audit_chain_heads (chain, seq, hash, updated_at) values ($1, 0, $2, now())',
          values: [orgId, '0'.repeat(64)],
        },
        () => false,
      ),
    ).rejects.toBeInstanceOf(StatementNotSent);
    expect(await readChainHead(t.database.db, orgId)).toBeNull();
    const heads = await t.database.db.select().from(auditChainHeads).where(eq(auditChainHeads.chain, orgId));
    expect(heads).toHaveLength(0);
  });
});
