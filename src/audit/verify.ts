import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DbOrTx } from '../db/client.ts';
import { storedRecord } from './canonical.ts';
import { GENESIS_HASH, personalRef, recordHash, subjectsOf } from './chain.ts';
import {
  chainCheckpoint,
  chainRecord,
  chainRecords,
  firstSeqBeyondHead,
  moveChainCheckpoint,
  readChainHead,
  subjectKeys,
} from './store.ts';
import type { auditEvents } from './tables.ts';

export type BreakReason =
  /** Seq numbers are missing: records were deleted (`seq` … `lastSeq`). */
  | 'record_missing'
  /** prev_hash does not match the hash of the record before: records were reordered, removed or re-hashed. */
  | 'broken_link'
  /** The record's content no longer matches its hash: it was edited. */
  | 'record_modified'
  /** A personal value does not match its keyed reference: it was edited (or left behind on erasure). */
  | 'personal_data_mismatch'
  /** The chain head disagrees with the records: the tail was truncated, or appended to outside the writer. */
  | 'tail_mismatch'
  /** The checkpoint's record is gone or has another hash: the chain was rewritten at or before it. */
  | 'checkpoint_mismatch';

export interface ChainBreak {
  seq: number;
  reason: BreakReason;
  /** For `record_missing`: the last missing seq of this gap. */
  lastSeq?: number;
}

export interface ChainVerification {
  chain: string;
  valid: boolean;
  /** Records examined by this run (from `fromSeq`). */
  checked: number;
  /** The chain's length (its head) when the run started. */
  headSeq: number;
  /** First seq this run examined: 1 for a full run, the checkpoint's seq for an incremental one. */
  fromSeq: number;
  /** True when the run ignored the checkpoint and re-hashed the chain from its first record. */
  full: boolean;
  /** Every break found, in chain order, at most MAX_REPORTED_BREAKS of them. */
  breaks: ChainBreak[];
  /** How many breaks were found in all (may exceed `breaks.length`). */
  breakCount: number;
  /** When the run finished. */
  verifiedAt: Date;
}

export interface VerifyProgress {
  checked: number;
  /** Records this run has to examine (from its start to the head it saw). */
  total: number;
}

export interface VerifyOptions {
  /** Rows per query. */
  batchSize?: number;
  /** Re-hash from the first record, trusting no checkpoint. */
  full?: boolean;
  /** Read and advance the chain's checkpoint (default true). */
  checkpoint?: boolean;
  /** Called after every batch. */
  onProgress?: (progress: VerifyProgress) => void;
  now?: () => Date;
}

/** Bounded report: a chain broken everywhere still answers with a small response. */
export const MAX_REPORTED_BREAKS = 100;
const DEFAULT_BATCH = 2000;
/** Rows hashed between two yields to the event loop (a few milliseconds of work). */
const ROWS_PER_SLICE = 250;

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

async function subjectKeysOf(db: DbOrTx, rows: Row[]): Promise<Map<string, string>> {
  const subjectIds = new Set<string>();
  for (const row of rows) {
    const s = subjectsOf(row);
    if (s.actor !== null) subjectIds.add(s.actor);
    if (s.target !== null) subjectIds.add(s.target);
  }
  const keys = new Map<string, string>();
  if (subjectIds.size === 0) return keys;
  const keyRows = await subjectKeys(db, [...subjectIds]);
  for (const k of keyRows) keys.set(k.subjectId, k.key);
  return keys;
}

class BreakLog {
  readonly breaks: ChainBreak[] = [];
  count = 0;
  add(b: ChainBreak): void {
    this.count += 1;
    if (this.breaks.length < MAX_REPORTED_BREAKS) this.breaks.push(b);
  }
}

/** Whether the one record `fromSeq` of the checkpoint still checks out (present, same hash, unedited). */
function checkpointHolds(row: Row | undefined, checkpoint: { seq: number; hash: string }): boolean {
  if (row === undefined || row.seq !== checkpoint.seq || row.hash !== checkpoint.hash) return false;
  const { hash, ...fields } = row;
  const stored = storedRecord(fields);
  return stored !== null && recordHash(stored) === hash;
}

/**
 * Checks records `from.seq` … `headSeq` of a chain, batch by batch (constant memory), yielding to
 * the event loop every few hundred records so other requests are served meanwhile. Every break is
 * logged and checking goes on after it: a record's successor is linked against the hash the record
 * carries, so one edited record is one break, not a cascade.
 */
async function scan(
  db: DbOrTx,
  chain: string,
  from: { seq: number; prevHash: string | null },
  headSeq: number,
  log: BreakLog,
  options: { batchSize: number; onProgress?: ((p: VerifyProgress) => void) | undefined },
): Promise<{ checked: number; lastSeq: number; lastHash: string }> {
  let expectedSeq = from.seq;
  // null: the link of the next record is not checked (its predecessor is trusted, or missing).
  let prevHash: string | null = from.prevHash;
  let lastSeq = from.seq - 1;
  let lastHash = from.prevHash ?? GENESIS_HASH;
  let checked = 0;
  const total = Math.max(0, headSeq - from.seq + 1);
  options.onProgress?.({ checked, total });
  // The next batch is read while this one is hashed: reading and hashing take about as long as
  // each other, so overlapping them nearly halves a run (docs/benchmarks.md). Two batches at most
  // are in memory.
  const read = (fromSeq: number): Promise<Row[]> => {
    const rows = chainRecords(db, chain, fromSeq, headSeq, options.batchSize);
    // Settled by the loop's await; this only keeps a read abandoned by a throw from going unhandled.
    rows.catch(() => {});
    return rows;
  };
  let next: Promise<Row[]> | null = expectedSeq <= headSeq ? read(expectedSeq) : null;
  while (next !== null) {
    const rows = await next;
    if (rows.length === 0) break;
    const lastInBatch = rows[rows.length - 1]!.seq;
    next = rows.length === options.batchSize && lastInBatch < headSeq ? read(lastInBatch + 1) : null;
    const keys = await subjectKeysOf(db, rows);
    for (const [i, row] of rows.entries()) {
      if (row.seq > expectedSeq) {
        log.add({ seq: expectedSeq, reason: 'record_missing', lastSeq: row.seq - 1 });
        prevHash = null;
      }
      if (prevHash !== null && row.prevHash !== prevHash) log.add({ seq: row.seq, reason: 'broken_link' });
      const { hash, ...fields } = row;
      const stored = storedRecord(fields);
      if (stored === null || recordHash(stored) !== hash) {
        log.add({ seq: row.seq, reason: 'record_modified' });
      }
      if (personalMismatch(row, keys)) log.add({ seq: row.seq, reason: 'personal_data_mismatch' });
      prevHash = hash;
      lastSeq = row.seq;
      lastHash = hash;
      expectedSeq = row.seq + 1;
      checked += 1;
      if ((i + 1) % ROWS_PER_SLICE === 0) await yieldToEventLoop();
    }
    options.onProgress?.({ checked, total });
    await yieldToEventLoop();
  }
  return { checked, lastSeq, lastHash };
}

/**
 * Verifies one chain and reports every break. Incremental by default: it starts at the chain's
 * checkpoint (after re-checking the checkpoint's record) and moves the checkpoint to the head when
 * everything checked out. `full` starts at the first record and trusts no checkpoint. A checkpoint
 * that does not hold is reported and the run falls back to a full one.
 *
 * The run covers the records up to the head it reads first (later appends are the next run's);
 * records beyond the head at the end are a `tail_mismatch` (written outside the writer).
 */
export async function verifyChain(
  db: DbOrTx,
  chain: string,
  options: VerifyOptions = {},
): Promise<ChainVerification> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const useCheckpoint = options.checkpoint !== false;
  const now = options.now ?? (() => new Date());
  const log = new BreakLog();

  const head = await readChainHead(db, chain);
  const headSeq = head?.seq ?? 0;
  const headHash = head?.hash ?? GENESIS_HASH;

  let full = options.full === true || !useCheckpoint;
  let from: { seq: number; prevHash: string | null } = { seq: 1, prevHash: GENESIS_HASH };
  if (!full) {
    const checkpoint = await chainCheckpoint(db, chain);
    if (checkpoint === undefined) {
      full = true;
    } else {
      const row = checkpoint.seq <= headSeq ? await chainRecord(db, chain, checkpoint.seq) : undefined;
      if (checkpointHolds(row, checkpoint)) {
        // The checkpoint record was verified with its predecessors: its successor links to it.
        from = { seq: checkpoint.seq + 1, prevHash: checkpoint.hash };
      } else {
        log.add({ seq: checkpoint.seq, reason: 'checkpoint_mismatch' });
        full = true;
      }
    }
  }

  const scanned = await scan(db, chain, from, headSeq, log, { batchSize, onProgress: options.onProgress });
  if (scanned.lastSeq < headSeq) {
    log.add({ seq: scanned.lastSeq + 1, reason: 'tail_mismatch' });
  } else if (scanned.lastHash !== headHash) {
    log.add({ seq: headSeq, reason: 'tail_mismatch' });
  }
  const beyond = await firstSeqBeyondHead(db, chain);
  if (beyond !== null) log.add({ seq: beyond, reason: 'tail_mismatch' });

  const verifiedAt = now();
  const valid = log.count === 0;
  if (valid && useCheckpoint && headSeq > 0) {
    await moveChainCheckpoint(db, { chain, seq: headSeq, hash: headHash, verifiedAt });
  }
  log.breaks.sort((a, b) => a.seq - b.seq);
  return {
    chain,
    valid,
    checked: scanned.checked,
    headSeq,
    fromSeq: from.seq,
    full,
    breaks: log.breaks,
    breakCount: log.count,
    verifiedAt,
  };
}
