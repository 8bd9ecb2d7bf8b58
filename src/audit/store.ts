import { and, asc, desc, eq, gt, gte, inArray, like, lt, lte, type SQL } from 'drizzle-orm';
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

/** A chain's head: its last record's seq and hash. */
export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

/**
 * The heads of chains in chain order after `afterChain` (at most `limit`), or of the given chains.
 * The one place outside the writer that reads `audit_chain_heads` for signed checkpoints, so a
 * change of how heads are kept is made here.
 */
export async function readChainHeads(
  db: DbOrTx,
  options: { chains: string[] } | { afterChain: string | null; limit: number },
): Promise<ChainHead[]> {
  const columns = { chain: auditChainHeads.chain, seq: auditChainHeads.seq, hash: auditChainHeads.hash };
  if ('chains' in options) {
    if (options.chains.length === 0) return [];
    return db.select(columns).from(auditChainHeads).where(inArray(auditChainHeads.chain, options.chains));
  }
  return db
    .select(columns)
    .from(auditChainHeads)
    .where(options.afterChain === null ? undefined : gt(auditChainHeads.chain, options.afterChain))
    .orderBy(asc(auditChainHeads.chain))
    .limit(options.limit);
}

/** The hash of record `seq` of a chain, or null when there is no such record. */
export async function recordHashAt(db: DbOrTx, chain: string, seq: number): Promise<string | null> {
  const [row] = await db
    .select({ hash: auditEvents.hash })
    .from(auditEvents)
    .where(and(eq(auditEvents.chain, chain), eq(auditEvents.seq, seq)));
  return row?.hash ?? null;
}

/** The hashes of the records of a chain with these seqs (an absent record is absent from the map). */
export async function recordHashesAt(
  db: DbOrTx,
  chain: string,
  seqs: number[],
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (seqs.length === 0) return out;
  const rows = await db
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(and(eq(auditEvents.chain, chain), inArray(auditEvents.seq, seqs)));
  for (const r of rows) out.set(r.seq, r.hash);
  return out;
}
