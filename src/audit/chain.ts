import { createHash, createHmac } from 'node:crypto';
import type { CanonicalAuditRecord } from './canonical.ts';

/** Version tag inside every hashed record; a new encoding gets a new tag, old records keep theirs. */
export const AUDIT_FORMAT = 'rolegate.audit.v1';
/** `prev_hash` of the first record of every chain. */
export const GENESIS_HASH = '0'.repeat(64);
/** Chain of events that belong to no organisation (failed logins, signups, account deletions). */
export const SYSTEM_CHAIN = '_system';

export function chainKeyOf(orgId: string | null): string {
  return orgId ?? SYSTEM_CHAIN;
}

/** Every column of a record that the hash covers (raw personal values enter only via their refs). */
export interface ChainedRecord {
  id: string;
  chain: string;
  orgId: string | null;
  seq: number;
  createdAt: Date;
  actorType: string;
  actorId: string | null;
  actorRef: string | null;
  action: string;
  outcome: string;
  targetType: string | null;
  targetId: string | null;
  targetRef: string | null;
  connectionId: string | null;
  operation: string | null;
  resource: string | null;
  errorCode: string | null;
  requestId: string | null;
  ip: string | null;
  ipRef: string | null;
  userAgent: string | null;
  userAgentRef: string | null;
  details: Record<string, unknown>;
  prevHash: string;
}

export type PersonalField = 'actor_id' | 'target_id' | 'ip' | 'user_agent';

/** Keyed commitment to one personal value: HMAC-SHA256(subject key, format \0 field \0 value). */
export function personalRef(key: string, field: PersonalField, value: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64url'))
    .update(`${AUDIT_FORMAT}\u0000${field}\u0000${value}`, 'utf8')
    .digest('hex');
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, strings and finite
 * numbers as JSON.stringify writes them. Only JSON data reaches it (details are normalised first).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('non-finite number in audit record');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  if (typeof value === 'object') {
    // Array.prototype.sort without a comparator orders strings by UTF-16 code unit.
    const keys = Object.keys(value).sort();
    let out = '{';
    let first = true;
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
      first = false;
    }
    return `${out}}`;
  }
  throw new Error(`unsupported value in audit record: ${typeof value}`);
}

/** A personal field as the hash sees it: its keyed ref when it has one, else the plain value. */
function personal(raw: string | null, ref: string | null): { ref: string } | { value: string } | null {
  if (ref !== null) return { ref };
  return raw === null ? null : { value: raw };
}

/**
 * The exact text that is hashed (documented in docs/audit.md). Only a canonical record (see
 * canonical.ts) can be encoded: its strings are well-formed, so this text is valid UTF-8 with no
 * `\udxxx` escapes, and it is what the database gives back.
 */
export function canonicalRecord(r: CanonicalAuditRecord): string {
  // The same text as canonicalJson over the object below ({format, id, chain, orgId, seq,
  // createdAt, actorType, actor, action, outcome, targetType, target, connectionId, operation,
  // resource, errorCode, requestId, ip, userAgent, details, prevHash}), written field by field in
  // sorted key order: verification hashes every record, and sorting the same 21 keys for each one
  // was most of its cost. chain.test.ts checks both encodings agree on arbitrary records.
  const str = (v: string | null) => {
    // A canonical record has no undefined field (the reference would drop the key, we must not differ).
    if (v === undefined) throw new Error('undefined field in audit record');
    return v === null ? 'null' : JSON.stringify(v);
  };
  const pers = (raw: string | null, ref: string | null) =>
    ref !== null
      ? `{"ref":${JSON.stringify(ref)}}`
      : raw === null
        ? 'null'
        : `{"value":${JSON.stringify(raw)}}`;
  if (!Number.isFinite(r.seq)) throw new Error('non-finite number in audit record');
  return (
    `{"action":${str(r.action)}` +
    `,"actor":${pers(r.actorId, r.actorRef)}` +
    `,"actorType":${str(r.actorType)}` +
    `,"chain":${str(r.chain)}` +
    `,"connectionId":${str(r.connectionId)}` +
    `,"createdAt":${JSON.stringify(r.createdAt.toISOString())}` +
    `,"details":${canonicalJson(r.details)}` +
    `,"errorCode":${str(r.errorCode)}` +
    `,"format":${JSON.stringify(AUDIT_FORMAT)}` +
    `,"id":${str(r.id)}` +
    `,"ip":${pers(r.ip, r.ipRef)}` +
    `,"operation":${str(r.operation)}` +
    `,"orgId":${str(r.orgId)}` +
    `,"outcome":${str(r.outcome)}` +
    `,"prevHash":${str(r.prevHash)}` +
    `,"requestId":${str(r.requestId)}` +
    `,"resource":${str(r.resource)}` +
    `,"seq":${JSON.stringify(r.seq)}` +
    `,"target":${pers(r.targetId, r.targetRef)}` +
    `,"targetType":${str(r.targetType)}` +
    `,"userAgent":${pers(r.userAgent, r.userAgentRef)}}`
  );
}

/** The record as one object, encoded by the generic canonicalJson: the reference for canonicalRecord. */
export function canonicalRecordReference(r: CanonicalAuditRecord): string {
  return canonicalJson({
    format: AUDIT_FORMAT,
    id: r.id,
    chain: r.chain,
    orgId: r.orgId,
    seq: r.seq,
    createdAt: r.createdAt.toISOString(),
    actorType: r.actorType,
    actor: personal(r.actorId, r.actorRef),
    action: r.action,
    outcome: r.outcome,
    targetType: r.targetType,
    target: personal(r.targetId, r.targetRef),
    connectionId: r.connectionId,
    operation: r.operation,
    resource: r.resource,
    errorCode: r.errorCode,
    requestId: r.requestId,
    ip: personal(r.ip, r.ipRef),
    userAgent: personal(r.userAgent, r.userAgentRef),
    details: r.details,
    prevHash: r.prevHash,
  });
}

export function recordHash(r: CanonicalAuditRecord): string {
  return createHash('sha256').update(canonicalRecord(r), 'utf8').digest('hex');
}

/**
 * Whose personal data a record carries. The actor's id is the actor's; the target id is the
 * target user's; the IP and user agent belong to the acting user, or (for anonymous/API-key
 * actors) to the user the event is about.
 */
export function subjectsOf(r: {
  actorType: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
}): { actor: string | null; target: string | null; client: string | null } {
  const actor = r.actorType === 'user' && r.actorId !== null ? r.actorId : null;
  const target = r.targetType === 'user' && r.targetId !== null ? r.targetId : null;
  return { actor, target, client: actor ?? target };
}
