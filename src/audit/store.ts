import { and, asc, desc, eq, gt, gte, inArray, like, lt, lte, type SQL, sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../db/client.ts';
import { memberships } from '../db/core-tables.ts';
import { SYSTEM_CHAIN } from './chain.ts';
import { type AuditRecordView, ORG_SIGN_IN_ACTIONS, SYSTEM_SIGN_IN_ACTIONS } from './schemas.ts';
import { auditChainCheckpoints, auditChainHeads, auditEvents, auditSubjectKeys } from './tables.ts';

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

export interface SignInFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  actorId?: string | undefined;
  outcome?: string | undefined;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/**
 * Sign-in events the organisation may read, newest first, keyset-paginated on (time, id) because
 * they come from two chains: its own chain's sign-in actions (its SSO, its SSO requirement), and
 * the system chain's sign-in actions whose actor is a user who is a member of the organisation NOW
 * and that happened since they joined it (a membership is not a licence to read the person's
 * history from before). A former member's system-chain sign-ins, another organisation's members'
 * sign-ins, and records without a user actor (failed logins for unknown addresses) never match.
 */
export async function signInPage(
  db: DbOrTx,
  orgId: string,
  filter: SignInFilter,
  limit: number,
  before: { at: Date; id: string } | null,
): Promise<Row[]> {
  const common: SQL[] = [];
  if (filter.from !== undefined) common.push(gte(auditEvents.createdAt, filter.from));
  if (filter.to !== undefined) common.push(lte(auditEvents.createdAt, filter.to));
  if (filter.actorId !== undefined) common.push(eq(auditEvents.actorId, filter.actorId));
  if (filter.outcome !== undefined) common.push(eq(auditEvents.outcome, filter.outcome));
  if (before !== null)
    common.push(sql`(${auditEvents.createdAt}, ${auditEvents.id}) < (${ts(before.at)}, ${before.id})`);
  const newest = (where: SQL | undefined) =>
    db
      .select()
      .from(auditEvents)
      .where(where)
      .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
      .limit(limit);
  // Two queries, each walking one chain's (chain, created_at) index newest first, merged here: one
  // query with an OR across both chains would read the whole system chain (everyone's sign-ins)
  // before it could sort.
  const own = await newest(
    and(eq(auditEvents.chain, orgId), inArray(auditEvents.action, [...ORG_SIGN_IN_ACTIONS]), ...common),
  );
  const members = await newest(
    and(
      eq(auditEvents.chain, SYSTEM_CHAIN),
      inArray(auditEvents.action, [...SYSTEM_SIGN_IN_ACTIONS]),
      eq(auditEvents.actorType, 'user'),
      inArray(
        auditEvents.actorId,
        db.select({ userId: memberships.userId }).from(memberships).where(eq(memberships.orgId, orgId)),
      ),
      sql`exists (select 1 from ${memberships} where ${memberships.orgId} = ${orgId}
        and ${memberships.userId} = ${auditEvents.actorId} and ${memberships.createdAt} <= ${auditEvents.createdAt})`,
      ...common,
    ),
  );
  // The order of the SQL above: time, then id (ids are "aud_" and lowercase base32, so the
  // database's text order and JavaScript's agree).
  return [...own, ...members]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit);
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

/* ------------------------------------------------------------- chain verification (verify.ts) */

/** The last verified position of a chain, if any. */
export async function chainCheckpoint(
  db: DbOrTx,
  chain: string,
): Promise<{ seq: number; hash: string } | undefined> {
  const [checkpoint] = await db
    .select({ seq: auditChainCheckpoints.seq, hash: auditChainCheckpoints.hash })
    .from(auditChainCheckpoints)
    .where(eq(auditChainCheckpoints.chain, chain));
  return checkpoint;
}

/** Moves a chain's checkpoint forward to `seq`. */
export async function moveChainCheckpoint(
  db: DbOrTx,
  checkpoint: { chain: string; seq: number; hash: string; verifiedAt: Date },
): Promise<void> {
  const { chain, seq, hash, verifiedAt } = checkpoint;
  await db
    .insert(auditChainCheckpoints)
    .values({ chain, seq, hash, verifiedAt })
    .onConflictDoUpdate({
      target: auditChainCheckpoints.chain,
      set: { seq, hash, verifiedAt },
      // A slower concurrent run (another node, the CLI) never moves the checkpoint back.
      setWhere: sql`${auditChainCheckpoints.seq} <= ${seq}`,
    });
}

/** One record of a chain. */
export async function chainRecord(db: DbOrTx, chain: string, seq: number): Promise<Row | undefined> {
  const [row] = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.chain, chain), eq(auditEvents.seq, seq)));
  return row;
}

/** Records `fromSeq` … `toSeq` of a chain in chain order, at most `limit` of them. */
export async function chainRecords(
  db: DbOrTx,
  chain: string,
  fromSeq: number,
  toSeq: number,
  limit: number,
): Promise<Row[]> {
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.chain, chain), gte(auditEvents.seq, fromSeq), lte(auditEvents.seq, toSeq)))
    .orderBy(asc(auditEvents.seq))
    .limit(limit);
}

/** The first record past the chain's head (appended outside the writer), or null. */
export async function firstSeqBeyondHead(db: DbOrTx, chain: string): Promise<number | null> {
  // One statement, so a commit in between cannot make an honest append look like a foreign one.
  const [beyond] = await queryRows<{ seq: string | number | null }>(
    db,
    sql`select min(e.seq) as seq from ${auditEvents} e where e.chain = ${chain} and e.seq > coalesce((select h.seq from ${auditChainHeads} h where h.chain = ${chain}), 0)`,
  );
  return beyond?.seq === null || beyond?.seq === undefined ? null : Number(beyond.seq);
}

/** The subject keys (personal-data references) of these subjects. */
export async function subjectKeys(
  db: DbOrTx,
  subjectIds: string[],
): Promise<{ subjectId: string; key: string }[]> {
  return db
    .select({ subjectId: auditSubjectKeys.subjectId, key: auditSubjectKeys.key })
    .from(auditSubjectKeys)
    .where(inArray(auditSubjectKeys.subjectId, subjectIds));
}

/** Every chain known to the database (heads and records), for `rolegate audit verify`. */
export async function listChains(db: DbOrTx): Promise<string[]> {
  const heads = await db.select({ chain: auditChainHeads.chain }).from(auditChainHeads);
  const events = await db.selectDistinct({ chain: auditEvents.chain }).from(auditEvents);
  return [...new Set([...heads, ...events].map((r) => r.chain))].sort();
}
