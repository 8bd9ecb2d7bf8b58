import { randomBytes } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import {
  type Db,
  type DbOrTx,
  StatementNotSent,
  type StatementRunner,
  statementRunnerOf,
  type Tx,
} from '../db/client.ts';
import { idPattern, newId } from '../db/ids.ts';
import { redactDeep } from '../logging.ts';
import {
  type CanonicalAuditRecord,
  canonicaliseRecord,
  canonicalText,
  FIELD_BYTES,
  MAX_DETAIL_DEPTH,
  MAX_DETAIL_ITEMS,
  MAX_DETAIL_KEY_BYTES,
  MAX_DETAIL_KEYS,
  MAX_DETAIL_STRING_BYTES,
  setOwn,
} from './canonical.ts';
import {
  type ChainedRecord,
  chainKeyOf,
  GENESIS_HASH,
  type PersonalField,
  personalRef,
  recordHash,
  subjectsOf,
} from './chain.ts';
import { readChainHead } from './store.ts';
import { auditChainHeads, auditEvents, auditSubjectKeys } from './tables.ts';
import type { AuditEvent, AuditWriter } from './types.ts';

const EMAIL_LIKE = /[^\s@]+@[^\s@]+\.[^\s@]+/;
const USER_ID = idPattern('usr');
const USER_ID_ANYWHERE = /usr_[0-9a-hjkmnp-tv-z]{24}/g;

/**
 * Turns redacted details into plain JSON data: secrets are already `[REDACTED]` by field name,
 * email addresses are masked (details must not carry personal data, see docs/audit.md), anything
 * that is not JSON data becomes a marker. Strings are cut to their canonical bound first, so the
 * email pattern only ever runs over bounded text; the final bounds are canonicalDetails'.
 */
function toJsonData(value: unknown, depth: number): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const text = canonicalText(value, MAX_DETAIL_STRING_BYTES);
    return EMAIL_LIKE.test(text) ? '[EMAIL]' : text;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= MAX_DETAIL_DEPTH) return '[TRUNCATED]';
  if (Array.isArray(value)) return value.slice(0, MAX_DETAIL_ITEMS).map((v) => toJsonData(v, depth + 1));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return '[UNSUPPORTED]';
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value).slice(0, MAX_DETAIL_KEYS)) {
      if (v === undefined) continue;
      setOwn(out, canonicalText(k, MAX_DETAIL_KEY_BYTES), toJsonData(v, depth + 1));
    }
    return out;
  }
  return '[UNSUPPORTED]';
}

/** Redacted by field name and normalised to JSON data (bounded later, by canonicalDetails). */
export function sanitiseDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (details === undefined) return {};
  return toJsonData(redactDeep(details), 0) as Record<string, unknown>;
}

/** User ids mentioned anywhere in (sanitised) details. */
function userIdsIn(value: unknown, out: Set<string>): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(USER_ID_ANYWHERE)) out.add(m[0]);
  } else if (Array.isArray(value)) {
    for (const v of value) userIdsIn(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) userIdsIn(v, out);
  }
  return out;
}

/**
 * A user id in details becomes that user's pseudonym (`usr_ref:<actor ref>`, the same value as the
 * `actor_ref` of their own records), so details never hold a raw user id that erasure would miss.
 */
function pseudonymiseUserIds(value: unknown, refFor: (userId: string) => string): unknown {
  if (typeof value === 'string') {
    return USER_ID.test(value)
      ? `usr_ref:${refFor(value)}`
      : value.replace(USER_ID_ANYWHERE, (id) => `usr_ref:${refFor(id)}`);
  }
  if (Array.isArray(value)) return value.map((v) => pseudonymiseUserIds(v, refFor));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, pseudonymiseUserIds(v, refFor));
    return out;
  }
  return value;
}

function isTx(db: DbOrTx): db is Tx {
  return 'rollback' in db;
}

/** The subject keys of `subjectIds`, creating missing ones (idempotent under concurrency). */
async function subjectKeys(tx: Tx, subjectIds: string[], now: Date): Promise<Map<string, string>> {
  if (subjectIds.length === 0) return new Map();
  await tx
    .insert(auditSubjectKeys)
    .values(
      subjectIds.map((subjectId) => ({
        subjectId,
        key: randomBytes(32).toString('base64url'),
        createdAt: now,
      })),
    )
    .onConflictDoNothing();
  return existingSubjectKeys(tx, subjectIds);
}

function refOf(
  keys: Map<string, string>,
  subject: string | null,
  field: PersonalField,
  value: string | null,
): string | null {
  if (subject === null || value === null) return null;
  const key = keys.get(subject);
  if (key === undefined) throw new Error('audit subject key missing');
  return personalRef(key, field, value);
}

interface Head {
  seq: number;
  hash: string;
}

/**
 * Creates the chain head on first use or locks the existing one (until the caller's transaction
 * ends) and returns its current seq and hash, in one statement.
 */
async function lockHead(tx: Tx, chain: string, now: Date): Promise<Head> {
  const [head] = await tx
    .insert(auditChainHeads)
    .values({ chain, seq: 0, hash: GENESIS_HASH, updatedAt: now })
    .onConflictDoUpdate({ target: auditChainHeads.chain, set: { chain: sql`excluded.chain` } })
    .returning({ seq: auditChainHeads.seq, hash: auditChainHeads.hash });
  if (head === undefined) throw new Error('audit chain head missing');
  return head;
}

/** An event cleaned, bounded and pseudonymised: everything of its record except id, seq and hashes. */
type PreparedEvent = Omit<ChainedRecord, 'id' | 'seq' | 'prevHash'>;

type StagedEvent = ReturnType<typeof stage>;

/** `value` canonicalised (see canonical.ts), null when absent. */
function text(value: string | null | undefined, maxBytes: number): string | null {
  return value === null || value === undefined ? null : canonicalText(value, maxBytes);
}

/**
 * Canonicalises one event's personal fields and finds whose personal data it carries (no database
 * access). The keyed references are computed from these canonical values, which are the ones stored.
 */
function stage(event: AuditEvent) {
  const base = {
    actorType: text(event.actorType, FIELD_BYTES.actorType) ?? 'anonymous',
    actorId: text(event.actorId, FIELD_BYTES.actorId),
    targetType: text(event.targetType, FIELD_BYTES.targetType),
    targetId: text(event.targetId, FIELD_BYTES.targetId),
    ip: text(event.ip, FIELD_BYTES.ip),
    userAgent: text(event.userAgent, FIELD_BYTES.userAgent),
  };
  const subjects = subjectsOf(base);
  const sanitised = sanitiseDetails(event.details);
  const mentioned = userIdsIn(sanitised, new Set<string>());
  for (const subject of [subjects.actor, subjects.target]) if (subject !== null) mentioned.add(subject);
  return { event, base, subjects, sanitised, mentioned };
}

/** The existing subject keys of `subjectIds` (a plain read: takes no lock, creates nothing). */
async function existingSubjectKeys(tx: DbOrTx, subjectIds: string[]): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  if (subjectIds.length === 0) return keys;
  const rows = await tx
    .select({ subjectId: auditSubjectKeys.subjectId, key: auditSubjectKeys.key })
    .from(auditSubjectKeys)
    .where(inArray(auditSubjectKeys.subjectId, subjectIds));
  for (const row of rows) keys.set(row.subjectId, row.key);
  return keys;
}

/** A staged event with its keyed references: everything of its record except id, seq and hashes. */
function prepare(staged: StagedEvent, chain: string, now: Date, keys: Map<string, string>): PreparedEvent {
  const { event, base, subjects, sanitised, mentioned } = staged;
  return {
    chain,
    orgId: event.orgId,
    createdAt: now,
    ...base,
    actorRef: refOf(keys, subjects.actor, 'actor_id', base.actorId),
    action: text(event.action, FIELD_BYTES.action) ?? '',
    outcome: text(event.outcome, FIELD_BYTES.outcome) ?? 'error',
    targetRef: refOf(keys, subjects.target, 'target_id', base.targetId),
    connectionId: text(event.connectionId, FIELD_BYTES.connectionId),
    operation: text(event.operation, FIELD_BYTES.operation),
    resource: text(event.resource, FIELD_BYTES.resource),
    errorCode: text(event.errorCode, FIELD_BYTES.errorCode),
    requestId: text(event.requestId, FIELD_BYTES.requestId),
    ipRef: refOf(keys, subjects.client, 'ip', base.ip),
    userAgentRef: refOf(keys, subjects.client, 'user_agent', base.userAgent),
    details:
      mentioned.size === 0
        ? sanitised
        : (pseudonymiseUserIds(
            sanitised,
            (userId) => refOf(keys, userId, 'actor_id', userId) ?? '',
          ) as Record<string, unknown>),
  };
}

/** A row to insert: a canonical record and the hash of exactly that record. */
type SealedRecord = CanonicalAuditRecord & { hash: string };

/**
 * Chains prepared events after `head`: ids, seqs and hashes. Each record is canonicalised once
 * here, and that one value is both hashed and inserted (invariant 14).
 */
function link(prepared: PreparedEvent[], ids: string[], head: Head): SealedRecord[] {
  let prev = head;
  return prepared.map((p, i) => {
    const record = canonicaliseRecord({ ...p, id: ids[i]!, seq: prev.seq + 1, prevHash: prev.hash });
    const hash = recordHash(record);
    prev = { seq: record.seq, hash };
    return { ...record, hash };
  });
}

/**
 * Appends events to one chain inside `tx` and returns their ids and the new head. The head row is
 * locked, so concurrent writers of one chain serialise inside the database (on every node) and the
 * chain can never fork; the lock is held until the caller's transaction ends.
 *
 * `expected` is the head this process last wrote. When given, the head is moved with one
 * conditional UPDATE (`WHERE seq = expected.seq AND hash = expected.hash`), which takes the same
 * row lock and proves nobody else appended since; only if another node or transaction did (zero
 * rows) is the head read and locked first. Either way the inserted records link to the head that
 * is locked at that moment.
 */
async function appendMany(
  tx: Tx,
  chain: string,
  events: AuditEvent[],
  clock: Clock,
  expected: Head | null = null,
): Promise<{ ids: string[]; head: Head }> {
  const now = clock.now();
  const staged = events.map(stage);
  const subjectIds = [...new Set(staged.flatMap((e) => [...e.mentioned]))].sort();
  let keys = await existingSubjectKeys(tx, subjectIds);
  const ids = events.map(() => newId('aud'));
  // Subject keys are only ever created while the head is locked (below), so no writer waits for a
  // key row while holding a head another writer needs: no lock-order deadlock.
  const keysComplete = subjectIds.every((id) => keys.has(id));
  if (expected !== null && keysComplete) {
    const records = link(
      staged.map((e) => prepare(e, chain, now, keys)),
      ids,
      expected,
    );
    const last = records[records.length - 1]!;
    const moved = await tx
      .update(auditChainHeads)
      .set({ seq: last.seq, hash: last.hash, updatedAt: now })
      .where(
        and(
          eq(auditChainHeads.chain, chain),
          eq(auditChainHeads.seq, expected.seq),
          eq(auditChainHeads.hash, expected.hash),
        ),
      )
      .returning({ seq: auditChainHeads.seq });
    if (moved.length === 1) {
      await tx.insert(auditEvents).values(records);
      return { ids, head: { seq: last.seq, hash: last.hash } };
    }
  }
  const head = await lockHead(tx, chain, now);
  if (!keysComplete) keys = await subjectKeys(tx, subjectIds, now);
  const records = link(
    staged.map((e) => prepare(e, chain, now, keys)),
    ids,
    head,
  );
  const last = records[records.length - 1]!;
  await tx.insert(auditEvents).values(records);
  await tx
    .update(auditChainHeads)
    .set({ seq: last.seq, hash: last.hash, updatedAt: now })
    .where(eq(auditChainHeads.chain, chain));
  return { ids, head: { seq: last.seq, hash: last.hash } };
}

/**
 * The chain append in one statement (its own implicit transaction, one round trip): the head row
 * is locked only if it still holds the expected seq and hash and nobody else holds it right now
 * (`SKIP LOCKED`: a caller transaction or another node mid-append), moved to the last new record,
 * and the records inserted, all or nothing. Zero rows back means the head was elsewhere or busy and
 * nothing was written. The lock lives for the duration of this one statement inside the database,
 * never across a round trip. The records arrive as one array per column (`unnest`), so the text is
 * the same for any batch size and is prepared once per connection.
 */
const APPEND_STATEMENT = {
  name: 'rolegate_audit_append_v1',
  text: `with head as (
  select chain from audit_chain_heads
  where chain = $1 and seq = $2 and hash = $3
  for update skip locked
), moved as (
  update audit_chain_heads h set seq = $4, hash = $5, updated_at = $6
  from head where h.chain = head.chain
  returning h.chain
)
insert into audit_events (id, chain, org_id, seq, created_at, actor_type, actor_id, actor_ref, action,
  outcome, target_type, target_id, target_ref, connection_id, operation, resource, error_code,
  request_id, ip, ip_ref, user_agent, user_agent_ref, details, prev_hash, hash)
select r.id, moved.chain, $7, r.seq, r.created_at, r.actor_type, r.actor_id, r.actor_ref, r.action,
  r.outcome, r.target_type, r.target_id, r.target_ref, r.connection_id, r.operation, r.resource,
  r.error_code, r.request_id, r.ip, r.ip_ref, r.user_agent, r.user_agent_ref, r.details::jsonb,
  r.prev_hash, r.hash
from moved, unnest($8::text[], $9::bigint[], $10::timestamptz[], $11::text[], $12::text[],
  $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],
  $20::text[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[],
  $27::text[], $28::text[], $29::text[], $30::text[])
  as r(id, seq, created_at, actor_type, actor_id, actor_ref, action, outcome, target_type,
    target_id, target_ref, connection_id, operation, resource, error_code, request_id, ip, ip_ref,
    user_agent, user_agent_ref, details, prev_hash, hash)
returning audit_events.id`,
} as const;

function appendValues(
  chain: string,
  orgId: string | null,
  expected: Head,
  records: SealedRecord[],
  now: Date,
) {
  const last = records[records.length - 1]!;
  const col = <T>(f: (r: SealedRecord) => T): T[] => records.map(f);
  return [
    chain,
    expected.seq,
    expected.hash,
    last.seq,
    last.hash,
    now,
    orgId,
    col((r) => r.id),
    col((r) => r.seq),
    col((r) => r.createdAt.toISOString()),
    col((r) => r.actorType),
    col((r) => r.actorId),
    col((r) => r.actorRef),
    col((r) => r.action),
    col((r) => r.outcome),
    col((r) => r.targetType),
    col((r) => r.targetId),
    col((r) => r.targetRef),
    col((r) => r.connectionId),
    col((r) => r.operation),
    col((r) => r.resource),
    col((r) => r.errorCode),
    col((r) => r.requestId),
    col((r) => r.ip),
    col((r) => r.ipRef),
    col((r) => r.userAgent),
    col((r) => r.userAgentRef),
    col((r) => JSON.stringify(r.details)),
    col((r) => r.prevHash),
    col((r) => r.hash),
  ];
}

/** How often a lone statement may find the head moved or busy before the locking path takes over. */
const MAX_STATEMENT_TRIES = 3;

/**
 * Appends events to one chain with single statements (no transaction held across round trips).
 * `expected` is this process's head hint; without one (or after a conflict) the head is read with a
 * plain select. Returns null when the statement path cannot be used (a subject key to create, a
 * chain without a head yet, or the head kept moving or stayed busy): the caller then takes the
 * locking transaction, which always makes progress. `send` is asked right before each statement
 * reaches the database.
 */
async function appendByStatement(
  run: StatementRunner,
  db: Db,
  chain: string,
  events: AuditEvent[],
  clock: Clock,
  expected: Head | null,
  send: () => boolean,
): Promise<{ ids: string[]; head: Head } | null> {
  const now = clock.now();
  const staged = events.map(stage);
  const subjectIds = [...new Set(staged.flatMap((e) => [...e.mentioned]))].sort();
  const keys = await existingSubjectKeys(db, subjectIds);
  // Creating a subject key takes the locking path (see appendMany): keys are only created under the head lock.
  if (!subjectIds.every((id) => keys.has(id))) return null;
  const prepared = staged.map((e) => prepare(e, chain, now, keys));
  let head = expected;
  for (let attempt = 0; attempt < MAX_STATEMENT_TRIES; attempt++) {
    if (head === null) {
      const read = await readChainHead(db, chain);
      if (read === null) return null;
      head = { seq: read.seq, hash: read.hash };
    }
    const ids = events.map(() => newId('aud'));
    const records = link(prepared, ids, head);
    const rows = await run(
      { ...APPEND_STATEMENT, values: appendValues(chain, events[0]!.orgId, head, records, now) },
      send,
    );
    if (rows.length === records.length) {
      const last = records[records.length - 1]!;
      return { ids, head: { seq: last.seq, hash: last.hash } };
    }
    // Moved by another node or transaction, or locked right now: nothing was written; read again.
    head = null;
  }
  return null;
}

class AuditWriteAborted extends Error {
  constructor() {
    super('audit write aborted');
    this.name = 'AuditWriteAborted';
  }
}

/** Most records one commit carries (a multi-row INSERT of 25 columns stays far below 65,535 parameters). */
const MAX_BATCH = 128;

interface Pending {
  event: AuditEvent;
  signal: AbortSignal | undefined;
  resolve(written: { id: string }): void;
  reject(err: unknown): void;
}

interface ChainState {
  queue: Pending[];
  draining: boolean;
}

const aborted = (p: Pending) => p.signal?.aborted === true;

/** Head hints kept per database: enough for every busy organisation, bounded for memory. */
const MAX_HEAD_HINTS = 10_000;

/**
 * Group commit per chain for writers that open their own transaction. Records of one chain wait
 * in an in-process queue, holding nothing (not a pooled connection, not the head row lock); one
 * drain loop per chain commits everything that queued up while the previous commit ran, in one
 * transaction. Under load that turns N commits into one; a lone record is written at once.
 * Every caller's promise settles only after its own record committed (or definitely did not).
 */
function createGroupCommit(clock: Clock, statementPath: boolean) {
  const perDb = new WeakMap<Db, { chains: Map<string, ChainState>; heads: Map<string, Head> }>();

  function hintsOf(db: Db) {
    let entry = perDb.get(db);
    if (entry === undefined) {
      entry = { chains: new Map(), heads: new Map() };
      perDb.set(db, entry);
    }
    return entry;
  }

  /** The head this process last committed for a chain: a hint only (the conditional UPDATE checks it). */
  function rememberHead(heads: Map<string, Head>, chain: string, head: Head | null): void {
    heads.delete(chain);
    if (head === null) return;
    heads.set(chain, head);
    if (heads.size > MAX_HEAD_HINTS) heads.delete(heads.keys().next().value as string);
  }

  async function commit(db: Db, chain: string, state: ChainState, batch: Pending[]): Promise<void> {
    const { heads } = hintsOf(db);
    try {
      const run = statementPath ? statementRunnerOf(db) : undefined;
      const byStatement =
        run === undefined
          ? null
          : await appendByStatement(
              run,
              db,
              chain,
              batch.map((p) => p.event),
              clock,
              heads.get(chain) ?? null,
              () => !batch.some(aborted),
            ).catch((err: unknown) => {
              throw err instanceof StatementNotSent ? new AuditWriteAborted() : err;
            });
      const written =
        byStatement ??
        (await db.transaction(async (tx) => {
          const out = await appendMany(
            tx,
            chain,
            batch.map((p) => p.event),
            clock,
            heads.get(chain) ?? null,
          );
          // Too late for a caller (e.g. the 2 s bound of a brokered call): roll back, do not commit.
          if (batch.some(aborted)) throw new AuditWriteAborted();
          return out;
        }));
      rememberHead(heads, chain, written.head);
      for (const [i, p] of batch.entries()) p.resolve({ id: written.ids[i]! });
    } catch (err) {
      rememberHead(heads, chain, null);
      if (err instanceof AuditWriteAborted) {
        // Only the callers that gave up are refused; the others go again in the next commit.
        for (const p of batch) if (aborted(p)) p.reject(err);
        state.queue.unshift(...batch.filter((p) => !aborted(p)));
      } else if (batch.length > 1) {
        // One record the database refuses must not take the others down: retry them one by one.
        for (const p of batch) await commit(db, chain, state, [p]);
      } else {
        for (const p of batch) p.reject(err);
      }
    }
  }

  async function drain(db: Db, chain: string, state: ChainState): Promise<void> {
    while (state.queue.length > 0) {
      const taken = state.queue.splice(0, MAX_BATCH);
      for (const p of taken) if (aborted(p)) p.reject(new AuditWriteAborted());
      const batch = taken.filter((p) => !aborted(p));
      if (batch.length > 0) await commit(db, chain, state, batch);
    }
    // Same synchronous step as the empty-queue check above: a record queued from now on starts a
    // new drain, so none can be left behind.
    state.draining = false;
    hintsOf(db).chains.delete(chain);
  }

  return function enqueue(
    db: Db,
    event: AuditEvent,
    signal: AbortSignal | undefined,
  ): Promise<{ id: string }> {
    if (signal?.aborted === true) return Promise.reject(new AuditWriteAborted());
    const { chains } = hintsOf(db);
    const chain = chainKeyOf(event.orgId);
    let state = chains.get(chain);
    if (state === undefined) {
      state = { queue: [], draining: false };
      chains.set(chain, state);
    }
    const queue = state.queue;
    const written = new Promise<{ id: string }>((resolve, reject) => {
      queue.push({ event, signal, resolve, reject });
    });
    if (!state.draining) {
      state.draining = true;
      // commit() settles every caller itself; drain() never rejects.
      void drain(db, chain, state);
    }
    return written;
  };
}

export function createAuditWriter(deps: {
  clock: Clock;
  /**
   * false: every commit takes the locking transaction (BEGIN, head UPDATE, INSERT, COMMIT), the
   * writer before the single-statement append. Kept so the benchmark can measure both in one run.
   */
  statementPath?: boolean;
}): AuditWriter {
  const enqueue = createGroupCommit(deps.clock, deps.statementPath !== false);
  return {
    async record(db, event, options = {}) {
      if (isTx(db)) {
        const { ids } = await appendMany(db, chainKeyOf(event.orgId), [event], deps.clock);
        return { id: ids[0]! };
      }
      return enqueue(db, event, options.signal);
    },
  };
}
