import { and, asc, desc, eq, gte, like, lt, lte, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import type { AuditRecordView } from './schemas.ts';
import { auditChainHeads, auditEvents } from './tables.ts';

export interface AuditFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  connectionId?: string | undefined;
  outcome?: string | undefined;
}

type Row = typeof auditEvents.$inferSelect;

/** Where a chain ends: its organisation's chain key, the last seq and the hash of that record. */
export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

/**
 * The head of one chain (null before its first record): the one place that reads it, for the
 * writer's statement path, verification and anything that signs or publishes a chain's state.
 * A plain read: it takes no lock, so it may be behind a concurrent append by the time it returns.
 */
export async function readChainHead(db: DbOrTx, chain: string): Promise<ChainHead | null> {
  const [head] = await db
    .select({ chain: auditChainHeads.chain, seq: auditChainHeads.seq, hash: auditChainHeads.hash })
    .from(auditChainHeads)
    .where(eq(auditChainHeads.chain, chain));
  return head ?? null;
}

export function toView(row: Row): AuditRecordView {
  const { chain: _chain, orgId: _orgId, createdAt, ...rest } = row;
  return { ...rest, createdAt: createdAt.toISOString() };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function conditions(orgId: string, filter: AuditFilter): SQL[] {
  // The organisation's chain only: every query is tenant-scoped by construction.
  const where: SQL[] = [eq(auditEvents.chain, orgId)];
  if (filter.from !== undefined) where.push(gte(auditEvents.createdAt, filter.from));
  if (filter.to !== undefined) where.push(lte(auditEvents.createdAt, filter.to));
  if (filter.actorId !== undefined) where.push(eq(auditEvents.actorId, filter.actorId));
  if (filter.connectionId !== undefined) where.push(eq(auditEvents.connectionId, filter.connectionId));
  if (filter.outcome !== undefined) where.push(eq(auditEvents.outcome, filter.outcome));
  if (filter.action !== undefined) {
    where.push(
      filter.action.endsWith('*')
        ? like(auditEvents.action, `${escapeLike(filter.action.slice(0, -1))}%`)
        : eq(auditEvents.action, filter.action),
    );
  }
  return where;
}

export function createAuditStore(db: DbOrTx) {
  return {
    /** Newest first, keyset-paginated on seq (`beforeSeq` = the last seq of the previous page). */
    async page(orgId: string, filter: AuditFilter, limit: number, beforeSeq: number | null): Promise<Row[]> {
      const where = conditions(orgId, filter);
      if (beforeSeq !== null) where.push(lt(auditEvents.seq, beforeSeq));
      return db
        .select()
        .from(auditEvents)
        .where(and(...where))
        .orderBy(desc(auditEvents.seq))
        .limit(limit);
    },

    /** Oldest first (chain order), one bounded batch at a time: exports stream in constant memory. */
    async *batches(orgId: string, filter: AuditFilter, batchSize: number): AsyncGenerator<Row[]> {
      let afterSeq = 0;
      for (;;) {
        const rows = await db
          .select()
          .from(auditEvents)
          .where(and(...conditions(orgId, filter), gte(auditEvents.seq, afterSeq + 1)))
          .orderBy(asc(auditEvents.seq))
          .limit(batchSize);
        if (rows.length === 0) return;
        yield rows;
        afterSeq = rows[rows.length - 1]?.seq ?? afterSeq;
        if (rows.length < batchSize) return;
      }
    },
  };
}
export type AuditStore = ReturnType<typeof createAuditStore>;
