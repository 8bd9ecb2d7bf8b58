import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { storedRecord } from '../../src/audit/canonical.ts';
import { GENESIS_HASH, recordHash, SYSTEM_CHAIN } from '../../src/audit/chain.ts';
import { auditChainHeads, auditEvents } from '../../src/audit/tables.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { verifyChain } from '../../src/audit/verify.ts';
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

function event(orgId: string | null, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    orgId,
    actorType: 'user',
    actorId: newId('usr'),
    action: 'connection.created',
    outcome: 'success',
    targetType: 'connection',
    targetId: newId('con'),
    requestId: 'req-1',
    ip: '203.0.113.7',
    userAgent: 'vitest',
    details: { name: 'prod' },
    ...overrides,
  };
}

async function writeMany(orgId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await audit.record(t.database.db, event(orgId, { details: { i } }));
}

/** Raw SQL as an attacker with database access would use it. */
async function raw(query: ReturnType<typeof sql>): Promise<void> {
  await t.database.db.execute(query);
}

describe('audit hash chain', () => {
  it('verifies an honest log', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 7);
    expect(await verifyChain(t.database.db, orgId, { batchSize: 3 })).toMatchObject({
      chain: orgId,
      valid: true,
      checked: 7,
      headSeq: 7,
      breaks: [],
      breakCount: 0,
    });
  });

  it('an empty chain is valid', async () => {
    expect(await verifyChain(t.database.db, newId('org'))).toMatchObject({ valid: true, checked: 0 });
  });

  it('events without an organisation go to the system chain', async () => {
    const { id } = await audit.record(
      t.database.db,
      event(null, { action: 'auth.login', outcome: 'failure' }),
    );
    const [row] = await t.database.db.select().from(auditEvents).where(eq(auditEvents.id, id));
    expect(row?.chain).toBe(SYSTEM_CHAIN);
    expect(row?.orgId).toBeNull();
    expect((await verifyChain(t.database.db, SYSTEM_CHAIN)).valid).toBe(true);
  });

  it('pinpoints an edited record', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 6);
    await raw(sql`update audit_events set outcome = 'failure' where chain = ${orgId} and seq = 4`);
    expect(await verifyChain(t.database.db, orgId, { batchSize: 2 })).toMatchObject({
      valid: false,
      checked: 6,
      breaks: [{ seq: 4, reason: 'record_modified' }],
    });
  });

  it('pinpoints an edited details field', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 3);
    await raw(sql`update audit_events set details = '{"i": 99}'::jsonb where chain = ${orgId} and seq = 2`);
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({
      breaks: [{ seq: 2, reason: 'record_modified' }],
    });
  });

  it('pinpoints an edited personal value (raw value no longer matches its keyed reference)', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 3);
    await raw(sql`update audit_events set ip = '198.51.100.1' where chain = ${orgId} and seq = 3`);
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({
      breaks: [{ seq: 3, reason: 'personal_data_mismatch' }],
    });
  });

  it('pinpoints a deleted record', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 6);
    await raw(sql`delete from audit_events where chain = ${orgId} and seq = 3`);
    expect(await verifyChain(t.database.db, orgId, { batchSize: 2 })).toMatchObject({
      valid: false,
      checked: 5,
      breaks: [{ seq: 3, reason: 'record_missing', lastSeq: 3 }],
    });
  });

  it('pinpoints a deleted record even when the sequence numbers are rewritten to hide the gap', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 5);
    await raw(sql`delete from audit_events where chain = ${orgId} and seq = 2`);
    await raw(sql`update audit_events set seq = seq - 1 where chain = ${orgId} and seq > 2`);
    const result = await verifyChain(t.database.db, orgId);
    expect(result.breaks[0]).toEqual({ seq: 2, reason: 'broken_link' });
    // The rewritten seqs are edits too, and the head no longer matches the shortened chain.
    expect(result.breaks).toContainEqual({ seq: 2, reason: 'record_modified' });
    expect(result.breaks).toContainEqual({ seq: 5, reason: 'tail_mismatch' });
  });

  it('pinpoints reordered records', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 6);
    await raw(sql`update audit_events set seq = -1 where chain = ${orgId} and seq = 4`);
    await raw(sql`update audit_events set seq = 4 where chain = ${orgId} and seq = 5`);
    await raw(sql`update audit_events set seq = 5 where chain = ${orgId} and seq = -1`);
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({
      valid: false,
      checked: 6,
      breaks: [
        { seq: 4, reason: 'broken_link' },
        { seq: 4, reason: 'record_modified' },
        { seq: 5, reason: 'broken_link' },
        { seq: 5, reason: 'record_modified' },
        { seq: 6, reason: 'broken_link' },
      ],
    });
  });

  it('detects a truncated tail through the chain head', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 4);
    await raw(sql`delete from audit_events where chain = ${orgId} and seq = 4`);
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({
      valid: false,
      checked: 3,
      breaks: [{ seq: 4, reason: 'tail_mismatch' }],
    });
  });

  it('records of an earlier writer with other bounds still verify as they were written', async () => {
    const orgId = newId('org');
    // The old writer cut at 1,024 UTF-16 units: 1,024 two-byte characters are 2,048 bytes.
    const record = storedRecord({
      id: newId('aud'),
      chain: orgId,
      orgId,
      seq: 1,
      createdAt: new Date(),
      actorType: 'system',
      actorId: null,
      actorRef: null,
      action: 'aws.s3.presign_get',
      outcome: 'success',
      targetType: null,
      targetId: null,
      targetRef: null,
      connectionId: null,
      operation: 's3.presign_get',
      resource: 'é'.repeat(1024),
      errorCode: null,
      requestId: null,
      ip: null,
      ipRef: null,
      userAgent: null,
      userAgentRef: null,
      details: { note: 'ü'.repeat(512) },
      prevHash: GENESIS_HASH,
    });
    if (record === null) throw new Error('unreachable');
    const hash = recordHash(record);
    await t.database.db.insert(auditEvents).values({ ...record, hash });
    await t.database.db.insert(auditChainHeads).values({ chain: orgId, seq: 1, hash, updatedAt: new Date() });
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 1 });
  });

  it('100 concurrent writers on several nodes produce one unbroken chain', async () => {
    const orgId = newId('org');
    // One writer per simulated node: only the database lock serialises them.
    const nodes = Array.from({ length: 10 }, () => createAuditWriter({ clock: systemClock }));
    const ids = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        nodes[i % nodes.length]!.record(t.database.db, event(orgId, { details: { i } })),
      ),
    );
    expect(new Set(ids.map((r) => r.id)).size).toBe(100);
    expect(await verifyChain(t.database.db, orgId, { batchSize: 17 })).toMatchObject({
      chain: orgId,
      valid: true,
      checked: 100,
    });
  });

  it('concurrent records of one chain share commits (group commit) and still form one chain', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 1);
    const spy = vi.spyOn(t.database.db, 'transaction');
    try {
      await Promise.all(
        Array.from({ length: 64 }, (_, i) => audit.record(t.database.db, event(orgId, { details: { i } }))),
      );
      expect(spy.mock.calls.length).toBeGreaterThan(0);
      expect(spy.mock.calls.length).toBeLessThan(64);
    } finally {
      spy.mockRestore();
    }
    const rows = await t.database.db
      .select({ details: auditEvents.details })
      .from(auditEvents)
      .where(eq(auditEvents.chain, orgId))
      .orderBy(auditEvents.seq);
    // Queue order is chain order.
    expect(rows.slice(1).map((r) => r.details.i)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 65 });
  });

  it('a head moved by another writer (another node, or a caller transaction) is noticed, not forked', async () => {
    const orgId = newId('org');
    const nodeA = createAuditWriter({ clock: systemClock });
    const nodeB = createAuditWriter({ clock: systemClock });
    await nodeA.record(t.database.db, event(orgId, { details: { n: 1 } }));
    await nodeB.record(t.database.db, event(orgId, { details: { n: 2 } }));
    await t.database.db.transaction((tx) => nodeB.record(tx, event(orgId, { details: { n: 3 } })));
    // Node A still remembers the head after its own first record: stale twice over.
    await nodeA.record(t.database.db, event(orgId, { details: { n: 4 } }));
    await nodeA.record(t.database.db, event(orgId, { details: { n: 5 } }));
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 5 });
  });

  it("a new user's first records, written at once by several nodes and caller transactions, neither deadlock nor fork", async () => {
    const orgs = [newId('org'), newId('org')];
    const userId = newId('usr');
    const nodes = Array.from({ length: 4 }, () => createAuditWriter({ clock: systemClock }));
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const e = event(orgs[i % 2]!, { actorId: userId, details: { i } });
        const node = nodes[i % nodes.length]!;
        // Every third one inside a caller transaction that writes twice.
        return i % 3 === 0
          ? t.database.db.transaction(async (tx) => {
              await node.record(tx, e);
              await node.record(tx, { ...e, details: { i, part: 2 } });
            })
          : node.record(t.database.db, e);
      }),
    );
    for (const orgId of orgs)
      expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 16 });
    // One subject key for the user, whoever created it first.
    const refs = await t.database.db
      .selectDistinct({ ref: auditEvents.actorRef })
      .from(auditEvents)
      .where(eq(auditEvents.actorId, userId));
    expect(refs).toHaveLength(1);
  });

  it("concurrent writers inside callers' own transactions serialise in the database", async () => {
    const orgId = newId('org');
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.database.db.transaction(async (tx) => {
          await audit.record(tx, event(orgId, { details: { i, part: 1 } }));
          await audit.record(tx, event(orgId, { details: { i, part: 2 } }));
        }),
      ),
    );
    const rows = await t.database.db
      .select({ seq: auditEvents.seq, details: auditEvents.details })
      .from(auditEvents)
      .where(eq(auditEvents.chain, orgId))
      .orderBy(auditEvents.seq);
    // The two records of one transaction are adjacent: nobody interleaves while the head is locked.
    for (let k = 0; k < rows.length; k += 2) {
      expect(rows[k]?.details.i).toBe(rows[k + 1]?.details.i);
    }
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 60 });
  });

  it('records inside a caller transaction roll back with it', async () => {
    const orgId = newId('org');
    await writeMany(orgId, 1);
    await expect(
      t.database.db.transaction(async (tx) => {
        await audit.record(tx, event(orgId));
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    await writeMany(orgId, 1);
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 2 });
  });
});
