import { randomBytes } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { DbOrTx, Tx } from '../db/client.ts';
import { idPattern, newId } from '../db/ids.ts';
import { redactDeep } from '../logging.ts';
import {
  type ChainedRecord,
  chainKeyOf,
  GENESIS_HASH,
  type PersonalField,
  personalRef,
  recordHash,
  subjectsOf,
} from './chain.ts';
import { auditChainHeads, auditEvents, auditSubjectKeys } from './tables.ts';
import type { AuditEvent, AuditRecordOptions, AuditWriter } from './types.ts';

/** Upper bound of the canonical JSON of `details`; larger details are replaced by a marker. */
export const MAX_DETAILS_BYTES = 4096;
const MAX_DETAIL_STRING = 512;
const MAX_DETAIL_KEYS = 50;
const MAX_DETAIL_ITEMS = 50;
const EMAIL_LIKE = /[^\s@]+@[^\s@]+\.[^\s@]+/;
const USER_ID = idPattern('usr');
const USER_ID_ANYWHERE = /usr_[0-9a-hjkmnp-tv-z]{24}/g;

const LIMITS = {
  actorType: 16,
  actorId: 128,
  action: 128,
  outcome: 16,
  targetType: 64,
  targetId: 256,
  connectionId: 128,
  operation: 128,
  resource: 1024,
  errorCode: 64,
  requestId: 128,
  ip: 64,
  userAgent: 256,
} as const;

/** PostgreSQL text refuses NUL; bounded length keeps one record small. */
function clean(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const text = value.replaceAll('\u0000', '');
  return text.length > max ? text.slice(0, max) : text;
}

/**
 * Turns redacted details into plain, bounded JSON: secrets are already `[REDACTED]` by field name,
 * email addresses are masked (details must not carry personal data, see docs/audit.md), anything
 * that is not JSON data becomes a marker.
 */
function toJsonData(value: unknown, depth: number): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const text = clean(value, MAX_DETAIL_STRING) ?? '';
    return EMAIL_LIKE.test(text) ? '[EMAIL]' : text;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth > 6) return '[TRUNCATED]';
  if (Array.isArray(value)) return value.slice(0, MAX_DETAIL_ITEMS).map((v) => toJsonData(v, depth + 1));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return '[UNSUPPORTED]';
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value).slice(0, MAX_DETAIL_KEYS)) {
      if (v === undefined) continue;
      out[clean(k, 64) ?? ''] = toJsonData(v, depth + 1);
    }
    return out;
  }
  return '[UNSUPPORTED]';
}

/** Redacted by field name, normalised to JSON data and size-bounded: exactly what is stored and hashed. */
export function sanitiseDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (details === undefined) return {};
  const data = toJsonData(redactDeep(details), 0) as Record<string, unknown>;
  const bytes = Buffer.byteLength(JSON.stringify(data), 'utf8');
  return bytes > MAX_DETAILS_BYTES ? { truncated: true, bytes } : data;
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
    for (const [k, v] of Object.entries(value)) out[k] = pseudonymiseUserIds(v, refFor);
    return out;
  }
  return value;
}

function isTx(db: DbOrTx): db is Tx {
  return 'rollback' in db;
}

/** The subject keys of `subjectIds`, creating missing ones (idempotent under concurrency). */
async function subjectKeys(tx: Tx, subjectIds: string[], now: Date): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  if (subjectIds.length === 0) return keys;
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
  const rows = await tx
    .select({ subjectId: auditSubjectKeys.subjectId, key: auditSubjectKeys.key })
    .from(auditSubjectKeys)
    .where(inArray(auditSubjectKeys.subjectId, subjectIds));
  for (const row of rows) keys.set(row.subjectId, row.key);
  return keys;
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

/**
 * Appends one record to its chain. The chain head row is locked `FOR UPDATE` in the caller's
 * transaction, so concurrent writers of one chain serialise inside the database (on every node)
 * and the chain can never fork; the lock is held until the caller's transaction ends.
 */
async function append(tx: Tx, event: AuditEvent, clock: Clock): Promise<{ id: string; seq: number }> {
  const now = clock.now();
  const chain = chainKeyOf(event.orgId);
  // One statement creates the head on first use or locks the existing one (until the caller's
  // transaction ends) and returns the current seq and hash.
  const [head] = await tx
    .insert(auditChainHeads)
    .values({ chain, seq: 0, hash: GENESIS_HASH, updatedAt: now })
    .onConflictDoUpdate({ target: auditChainHeads.chain, set: { chain: sql`excluded.chain` } })
    .returning({ seq: auditChainHeads.seq, hash: auditChainHeads.hash });
  if (head === undefined) throw new Error('audit chain head missing');

  const base = {
    actorType: clean(event.actorType, LIMITS.actorType) ?? 'anonymous',
    actorId: clean(event.actorId, LIMITS.actorId),
    targetType: clean(event.targetType, LIMITS.targetType),
    targetId: clean(event.targetId, LIMITS.targetId),
    ip: clean(event.ip, LIMITS.ip),
    userAgent: clean(event.userAgent, LIMITS.userAgent),
  };
  const subjects = subjectsOf(base);
  const sanitised = sanitiseDetails(event.details);
  const mentioned = userIdsIn(sanitised, new Set<string>());
  for (const subject of [subjects.actor, subjects.target]) if (subject !== null) mentioned.add(subject);
  const keys = await subjectKeys(tx, [...mentioned].sort(), now);
  const details =
    mentioned.size === 0
      ? sanitised
      : (pseudonymiseUserIds(sanitised, (userId) => refOf(keys, userId, 'actor_id', userId) ?? '') as Record<
          string,
          unknown
        >);

  const record: ChainedRecord = {
    id: newId('aud'),
    chain,
    orgId: event.orgId,
    seq: head.seq + 1,
    createdAt: now,
    ...base,
    actorRef: refOf(keys, subjects.actor, 'actor_id', base.actorId),
    action: clean(event.action, LIMITS.action) ?? '',
    outcome: clean(event.outcome, LIMITS.outcome) ?? 'error',
    targetRef: refOf(keys, subjects.target, 'target_id', base.targetId),
    connectionId: clean(event.connectionId, LIMITS.connectionId),
    operation: clean(event.operation, LIMITS.operation),
    resource: clean(event.resource, LIMITS.resource),
    errorCode: clean(event.errorCode, LIMITS.errorCode),
    requestId: clean(event.requestId, LIMITS.requestId),
    ipRef: refOf(keys, subjects.client, 'ip', base.ip),
    userAgentRef: refOf(keys, subjects.client, 'user_agent', base.userAgent),
    details,
    prevHash: head.hash,
  };
  const hash = recordHash(record);
  await tx.insert(auditEvents).values({ ...record, hash });
  await tx
    .update(auditChainHeads)
    .set({ seq: record.seq, hash, updatedAt: now })
    .where(eq(auditChainHeads.chain, chain));
  return { id: record.id, seq: record.seq };
}

class AuditWriteAborted extends Error {
  constructor() {
    super('audit write aborted');
    this.name = 'AuditWriteAborted';
  }
}

/**
 * Per-chain in-process queue for writers that open their own transaction: concurrent writers of
 * one chain wait here, holding nothing, instead of each holding a pooled connection while they
 * wait for the head row lock (which would starve every other request of connections). The
 * database lock still serialises writers across nodes and callers' own transactions.
 */
function createChainQueue() {
  const tails = new Map<string, Promise<void>>();
  return async function run<T>(chain: string, fn: () => Promise<T>): Promise<T> {
    const previous = tails.get(chain) ?? Promise.resolve();
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    tails.set(chain, tail);
    try {
      await previous;
      return await fn();
    } finally {
      release();
      if (tails.get(chain) === tail) tails.delete(chain);
    }
  };
}

export function createAuditWriter(deps: { clock: Clock }): AuditWriter {
  const queue = createChainQueue();
  const ownTransaction = (db: DbOrTx, event: AuditEvent, options: AuditRecordOptions) =>
    queue(chainKeyOf(event.orgId), () => {
      if (options.signal?.aborted) throw new AuditWriteAborted();
      return db.transaction(async (tx) => {
        if (options.signal?.aborted) throw new AuditWriteAborted();
        const written = await append(tx, event, deps.clock);
        // Too late for the caller (e.g. the 2 s bound of a brokered call): roll back, do not commit.
        if (options.signal?.aborted) throw new AuditWriteAborted();
        return written;
      });
    });
  return {
    async record(db, event, options = {}) {
      const { id } = isTx(db)
        ? await append(db, event, deps.clock)
        : await ownTransaction(db, event, options);
      return { id };
    },
  };
}
