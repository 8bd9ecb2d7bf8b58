import { asc, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/chain.ts';
import { auditEvents } from '../../src/audit/tables.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { verifyChain } from '../../src/audit/verify.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

// Invariant 14 on a real database (PGlite here; PostgreSQL with scripts/with-postgres.ts): whatever
// text a client can get into a record — lone surrogates, NUL, astral characters, values far past
// their bounds — the record is stored, read back and verified intact.

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('a', 'é', '€', '😀', '\u0000', '\ud83d', '\ude00', '"', '\\'),
    maxLength: 1200,
  }),
  fc
    .tuple(fc.integer({ min: 990, max: 1030 }), fc.constantFrom('😀', '😀😀', 'é', '\ud83d', '\u0000'))
    .map(([n, tail]) => 'a'.repeat(n) + tail),
);
const optional = fc.option(text, { nil: null });
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 8 }),
    fc.dictionary(text, tie('value'), { maxKeys: 8 }),
  ),
})).value;

const event: fc.Arbitrary<Omit<AuditEvent, 'orgId'>> = fc.record({
  actorType: fc.constantFrom('user', 'apiKey', 'system', 'anonymous'),
  actorId: optional,
  action: text,
  outcome: fc.constantFrom('success', 'failure', 'denied', 'attempt', 'error'),
  targetType: fc.oneof(fc.constantFrom('user', 'connection'), optional),
  targetId: optional,
  connectionId: optional,
  operation: optional,
  resource: optional,
  errorCode: optional,
  requestId: optional,
  ip: optional,
  userAgent: optional,
  details: fc.dictionary(text, json, { maxKeys: 10 }),
});

describe('audit records with arbitrary text (invariant 14)', () => {
  it('are written, read back and verified intact', { timeout: 300_000 }, async () => {
    const audit = createAuditWriter({ clock: systemClock });
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (events, inTx) => {
          const orgId = newId('org');
          if (inTx) {
            await t.database.db.transaction(async (tx) => {
              for (const e of events) await audit.record(tx, { ...e, orgId });
            });
          } else {
            await Promise.all(events.map((e) => audit.record(t.database.db, { ...e, orgId })));
          }
          const result = await verifyChain(t.database.db, orgId, { full: true });
          if (result.breaks.length > 0) {
            // The stored rows, for the counterexample.
            const stored = await t.database.db.select().from(auditEvents).where(eq(auditEvents.chain, orgId));
            expect.fail(`breaks ${JSON.stringify(result.breaks)} in ${JSON.stringify(stored)}`);
          }
          expect(result).toMatchObject({ valid: true, checked: events.length });
          const rows = await t.database.db
            .select()
            .from(auditEvents)
            .where(eq(auditEvents.chain, orgId))
            .orderBy(asc(auditEvents.seq));
          for (const row of rows) {
            for (const value of Object.values(row)) {
              if (typeof value === 'string') {
                expect(value.isWellFormed()).toBe(true);
                expect(value).not.toContain('\u0000');
              }
            }
            expect(Buffer.byteLength(row.resource ?? '', 'utf8')).toBeLessThanOrEqual(1024);
            expect(Buffer.byteLength(canonicalJson(row.details), 'utf8')).toBeLessThanOrEqual(4096);
          }
        },
      ),
      { numRuns: Number(process.env.AUDIT_PROPERTY_RUNS ?? 60) },
    );
  });
});
