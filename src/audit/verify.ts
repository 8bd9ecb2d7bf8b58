import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { type ChainedRecord, GENESIS_HASH, personalRef, recordHash, subjectsOf } from './chain.ts';
import { auditChainHeads, auditEvents, auditSubjectKeys } from './tables.ts';

export type ChainBreak =
  /** A seq number is missing: a record was deleted. */
  | 'record_missing'
  /** prev_hash does not match the hash of the record before: records were reordered or removed. */
  | 'broken_link'
  /** The record's content no longer matches its hash: it was edited. */
  | 'record_modified'
  /** A personal value does not match its keyed reference: it was edited (or left behind on erasure). */
  | 'personal_data_mismatch'
  /** The chain head disagrees with the last record: the tail was truncated or appended to outside the writer. */
  | 'tail_mismatch';

export interface ChainVerification {
  chain: string;
  valid: boolean;
  checked: number;
  firstBrokenSeq?: number;
  reason?: ChainBreak;
}

const DEFAULT_BATCH = 500;

type Row = typeof auditEvents.$inferSelect;

function personalMismatch(row: Row, keys: Map<string, string>): boolean {
  const subjects = subjectsOf(row);
  const checks: [string | null, string | null, string | null, Parameters<typeof personalRef>[1]][] = [
    [subjects.actor, row.actorId, row.actorRef, 'actor_id'],
    [subjects.target, row.targetId, row.targetRef, 'target_id'],
    [subjects.client, row.ip, row.ipRef, 'ip'],
    [subjects.client, row.userAgent, row.userAgentRef, 'user_agent'],
  ];
  for (const [subject, raw, ref, field] of checks) {
    if (raw === null || ref === null) continue;
    const key = subject === null ? undefined : keys.get(subject);
    // Raw personal data whose subject key is gone should have been erased with it.
    if (key === undefined || personalRef(key, field, raw) !== ref) return true;
  }
  return false;
}

/**
 * Streams a chain in seq order, batch by batch (constant memory), recomputes every hash and
 * reports the first broken link.
 */
export async function verifyChain(
  db: DbOrTx,
  chain: string,
  options: { batchSize?: number } = {},
): Promise<ChainVerification> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  const broken = (seq: number, reason: ChainBreak): ChainVerification => ({
    chain,
    valid: false,
    checked,
    firstBrokenSeq: seq,
    reason,
  });

  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, chain), gt(auditEvents.seq, expectedSeq - 1)))
      .orderBy(asc(auditEvents.seq))
      .limit(batchSize);
    if (rows.length === 0) break;
    const subjectIds = new Set<string>();
    for (const row of rows) {
      const s = subjectsOf(row);
      if (s.actor !== null) subjectIds.add(s.actor);
      if (s.target !== null) subjectIds.add(s.target);
    }
    const keys = new Map<string, string>();
    if (subjectIds.size > 0) {
      const keyRows = await db
        .select({ subjectId: auditSubjectKeys.subjectId, key: auditSubjectKeys.key })
        .from(auditSubjectKeys)
        .where(inArray(auditSubjectKeys.subjectId, [...subjectIds]));
      for (const k of keyRows) keys.set(k.subjectId, k.key);
    }
    for (const row of rows) {
      if (row.seq !== expectedSeq) return broken(expectedSeq, 'record_missing');
      if (row.prevHash !== prevHash) return broken(row.seq, 'broken_link');
      const { hash, ...fields } = row;
      if (recordHash(fields satisfies ChainedRecord) !== hash) return broken(row.seq, 'record_modified');
      if (personalMismatch(row, keys)) return broken(row.seq, 'personal_data_mismatch');
      prevHash = hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (rows.length < batchSize) break;
  }

  const [head] = await db
    .select({ seq: auditChainHeads.seq, hash: auditChainHeads.hash })
    .from(auditChainHeads)
    .where(eq(auditChainHeads.chain, chain));
  const headSeq = head?.seq ?? 0;
  const headHash = head?.hash ?? GENESIS_HASH;
  if (headSeq !== checked || headHash !== prevHash) {
    return broken(Math.min(headSeq, checked) + 1, 'tail_mismatch');
  }
  return { chain, valid: true, checked };
}

/** Every chain known to the database (heads and records), for `rolegate audit verify`. */
export async function listChains(db: DbOrTx): Promise<string[]> {
  const heads = await db.select({ chain: auditChainHeads.chain }).from(auditChainHeads);
  const events = await db.selectDistinct({ chain: auditEvents.chain }).from(auditEvents);
  return [...new Set([...heads, ...events].map((r) => r.chain))].sort();
}
