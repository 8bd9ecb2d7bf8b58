import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { auditEvents } from '../audit/tables.ts';
import { connections } from '../connections/tables.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import type { JobClaim } from '../jobs/runner.ts';
import { reconciliationItems, reconciliations } from './tables.ts';
import type { CallRecord } from './trail.ts';

export type ReconciliationRow = typeof reconciliations.$inferSelect;
export type NewReconciliation = typeof reconciliations.$inferInsert;
export type ReconcileItemRow = typeof reconciliationItems.$inferSelect;
export type NewReconcileItem = typeof reconciliationItems.$inferInsert;

const UNFINISHED = ['queued', 'running'] as const;

/** The job's row while this claim owns it: the fence of every write after the claim (src/jobs/runner.ts). */
function owned(job: JobClaim): SQL {
  return and(
    eq(reconciliations.id, job.id),
    eq(reconciliations.status, 'running'),
    eq(reconciliations.attempt, job.attempt),
  ) as SQL;
}

export function createReconcileStore(db: Db) {
  return {
    db,

    async insert(tx: DbOrTx, row: NewReconciliation): Promise<ReconciliationRow> {
      const [created] = await tx.insert(reconciliations).values(row).returning();
      return created as ReconciliationRow;
    },

    /** Serialises the starts of one connection's reconciliations (no two windows at once). */
    async lockConnection(tx: DbOrTx, orgId: string, connectionId: string): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`reconcile:${orgId}:${connectionId}`}))`);
    },

    async activeOf(tx: DbOrTx, orgId: string, connectionId: string): Promise<string | null> {
      const [row] = await tx
        .select({ id: reconciliations.id })
        .from(reconciliations)
        .where(
          and(
            eq(reconciliations.orgId, orgId),
            eq(reconciliations.connectionId, connectionId),
            inArray(reconciliations.status, [...UNFINISHED]),
          ),
        )
        .limit(1);
      return row?.id ?? null;
    },

    /** Where the next scheduled window starts: the end of the last one that did not fail. */
    async lastWindowEnd(tx: DbOrTx, orgId: string, connectionId: string): Promise<Date | null> {
      const [row] = await tx
        .select({ end: reconciliations.windowEnd })
        .from(reconciliations)
        .where(
          and(
            eq(reconciliations.orgId, orgId),
            eq(reconciliations.connectionId, connectionId),
            inArray(reconciliations.status, ['queued', 'running', 'succeeded']),
          ),
        )
        .orderBy(desc(reconciliations.windowEnd))
        .limit(1);
      return row?.end ?? null;
    },

    async claim(id: string, now: Date, staleBefore: Date): Promise<ReconciliationRow | null> {
      const [row] = await db
        .update(reconciliations)
        .set({
          status: 'running',
          attempt: sql`${reconciliations.attempt} + 1`,
          heartbeatAt: now,
          startedAt: sql`coalesce(${reconciliations.startedAt}, ${now.toISOString()}::timestamptz)`,
        })
        .where(
          and(
            eq(reconciliations.id, id),
            or(
              eq(reconciliations.status, 'queued'),
              and(
                eq(reconciliations.status, 'running'),
                or(isNull(reconciliations.heartbeatAt), lt(reconciliations.heartbeatAt, staleBefore)),
              ),
            ),
          ),
        )
        .returning();
      return row ?? null;
    },

    async heartbeat(
      job: JobClaim,
      now: Date,
      progress?: { pages: number; eventsSeen: number },
    ): Promise<{ cancelRequested: boolean } | null> {
      const [row] = await db
        .update(reconciliations)
        .set({ heartbeatAt: now, ...(progress ?? {}) })
        .where(owned(job))
        .returning({ cancelRequested: reconciliations.cancelRequested });
      return row === undefined ? null : { cancelRequested: row.cancelRequested === 1 };
    },

    /** Fenced by the claim: null when it no longer owns the job (nothing else of the step may be written then). */
    async finish(
      tx: DbOrTx,
      job: JobClaim,
      status: 'succeeded' | 'failed' | 'cancelled',
      now: Date,
      fields: Partial<
        Pick<
          NewReconciliation,
          | 'pages'
          | 'eventsSeen'
          | 'matched'
          | 'unmatched'
          | 'unlogged'
          | 'foreignAssumeRoles'
          | 'truncated'
          | 'warnings'
          | 'errorCode'
          | 'errorMessage'
        >
      > = {},
    ): Promise<ReconciliationRow | null> {
      const [row] = await tx
        .update(reconciliations)
        .set({ status, finishedAt: now, ...fields })
        .where(owned(job))
        .returning();
      return row ?? null;
    },

    /** Hands a running job back to the queue (clean shutdown); false: not the claim's any more. */
    async release(job: JobClaim): Promise<boolean> {
      const released = await db
        .update(reconciliations)
        .set({ status: 'queued', heartbeatAt: null })
        .where(owned(job))
        .returning({ id: reconciliations.id });
      return released.length > 0;
    },

    /** The job as it is now, for the runner (no organisation: the worker holds only the id). */
    async getForWorker(id: string): Promise<ReconciliationRow | null> {
      const [row] = await db.select().from(reconciliations).where(eq(reconciliations.id, id)).limit(1);
      return row ?? null;
    },

    async insertItems(tx: DbOrTx, items: NewReconcileItem[]): Promise<void> {
      for (let i = 0; i < items.length; i += 200) {
        await tx.insert(reconciliationItems).values(items.slice(i, i + 200));
      }
    },

    async get(orgId: string, id: string): Promise<ReconciliationRow | null> {
      const [row] = await db
        .select()
        .from(reconciliations)
        .where(and(eq(reconciliations.orgId, orgId), eq(reconciliations.id, id)))
        .limit(1);
      return row ?? null;
    },

    /** Newest window first; `before` = the id of the last row of the previous page. */
    async list(
      orgId: string,
      connectionId: string,
      limit: number,
      before: ReconciliationRow | null,
    ): Promise<ReconciliationRow[]> {
      const where: SQL[] = [eq(reconciliations.orgId, orgId), eq(reconciliations.connectionId, connectionId)];
      if (before !== null) {
        where.push(
          or(
            lt(reconciliations.createdAt, before.createdAt),
            and(eq(reconciliations.createdAt, before.createdAt), lt(reconciliations.id, before.id)),
          ) as SQL,
        );
      }
      return db
        .select()
        .from(reconciliations)
        .where(and(...where))
        .orderBy(desc(reconciliations.createdAt), desc(reconciliations.id))
        .limit(limit);
    },

    async items(orgId: string, reconciliationId: string, limit: number, after: string | null) {
      const where: SQL[] = [
        eq(reconciliationItems.orgId, orgId),
        eq(reconciliationItems.reconciliationId, reconciliationId),
      ];
      if (after !== null) where.push(sql`${reconciliationItems.id} > ${after}`);
      return db
        .select()
        .from(reconciliationItems)
        .where(and(...where))
        .orderBy(asc(reconciliationItems.id))
        .limit(limit);
    },

    async listUnfinished(): Promise<ReconciliationRow[]> {
      return db
        .select()
        .from(reconciliations)
        .where(inArray(reconciliations.status, [...UNFINISHED]))
        .orderBy(asc(reconciliations.createdAt))
        .limit(1_000);
    },

    /** Connections the scheduler reconciles: verified and granting cloudtrail-read. */
    async scheduledConnections(limit: number): Promise<Array<{ orgId: string; id: string }>> {
      return db
        .select({ orgId: connections.orgId, id: connections.id })
        .from(connections)
        .where(
          and(
            eq(connections.status, 'verified'),
            sql`${connections.capabilities} @> '["cloudtrail-read"]'::jsonb`,
          ),
        )
        .orderBy(asc(connections.id))
        .limit(limit);
    },

    /**
     * The connection's brokered calls that ended between `from` and `to` (outcome records; the
     * call began `durationMs` earlier), oldest first, at most `limit`.
     */
    async callRecords(
      orgId: string,
      connectionId: string,
      from: Date,
      to: Date,
      limit: number,
    ): Promise<CallRecord[]> {
      const rows = await db
        .select({
          id: auditEvents.id,
          actorType: auditEvents.actorType,
          actorId: auditEvents.actorId,
          requestId: auditEvents.requestId,
          operation: auditEvents.operation,
          outcome: auditEvents.outcome,
          createdAt: auditEvents.createdAt,
          details: auditEvents.details,
        })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.chain, orgId),
            eq(auditEvents.connectionId, connectionId),
            isNotNull(auditEvents.operation),
            inArray(auditEvents.outcome, ['success', 'failure', 'denied', 'error']),
            gte(auditEvents.createdAt, from),
            lte(auditEvents.createdAt, to),
          ),
        )
        .orderBy(asc(auditEvents.createdAt))
        .limit(limit);
      return rows.map((r) => {
        const duration = typeof r.details.durationMs === 'number' ? Math.max(0, r.details.durationMs) : 0;
        return {
          id: r.id,
          actorType: r.actorType,
          actorId: r.actorId,
          requestId: r.requestId,
          operation: r.operation ?? '',
          outcome: r.outcome,
          startedAt: new Date(r.createdAt.getTime() - duration),
          endedAt: r.createdAt,
        };
      });
    },
  };
}

export type ReconcileStore = ReturnType<typeof createReconcileStore>;
