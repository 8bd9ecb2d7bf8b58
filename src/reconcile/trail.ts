import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * Pure functions of the reconciliation (docs/reconciliation.md): which CloudTrail events concern a
 * connection, and how they match Rolegate's audit records. No I/O, so every rule is tested directly.
 */

/** The part of a `CloudTrailEvent` document Rolegate reads; everything else is ignored. */
const trailDocument = z.object({
  eventID: z.string().max(128),
  eventName: z.string().max(128),
  eventSource: z.string().max(128),
  eventTime: z.string().max(64),
  sourceIPAddress: z.string().max(256).optional(),
  errorCode: z.string().max(128).optional(),
  userIdentity: z
    .object({
      type: z.string().max(64).optional(),
      arn: z.string().max(2048).optional(),
      accountId: z.string().max(32).optional(),
      principalId: z.string().max(512).optional(),
      sessionContext: z
        .object({
          sessionIssuer: z.object({ arn: z.string().max(2048).optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
  requestParameters: z
    .object({
      roleArn: z.string().max(2048).optional(),
      roleSessionName: z.string().max(128).optional(),
    })
    .nullable()
    .optional(),
});

/** A CloudTrail document larger than this is not parsed (AWS's own events stay far below it). */
export const MAX_EVENT_CHARS = 256 * 1024;

export interface TrailEvent {
  eventId: string;
  eventName: string;
  eventSource: string;
  eventTime: Date;
  sourceIp: string | null;
  errorCode: string | null;
  identityType: string | null;
  identityArn: string | null;
  identityAccount: string | null;
  issuerArn: string | null;
  /** For AssumeRole: the role and session name asked for. */
  requestRoleArn: string | null;
  requestSessionName: string | null;
}

/** Parses one `CloudTrailEvent` JSON string; null when it is not a CloudTrail event Rolegate can read. */
export function parseTrailEvent(json: string): TrailEvent | null {
  if (json.length > MAX_EVENT_CHARS) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  const parsed = trailDocument.safeParse(raw);
  if (!parsed.success) return null;
  const d = parsed.data;
  const eventTime = new Date(d.eventTime);
  if (Number.isNaN(eventTime.getTime())) return null;
  return {
    eventId: d.eventID,
    eventName: d.eventName,
    eventSource: d.eventSource,
    eventTime,
    sourceIp: d.sourceIPAddress ?? null,
    errorCode: d.errorCode ?? null,
    identityType: d.userIdentity?.type ?? null,
    identityArn: d.userIdentity?.arn ?? null,
    identityAccount: d.userIdentity?.accountId ?? null,
    issuerArn: d.userIdentity?.sessionContext?.sessionIssuer?.arn ?? null,
    requestRoleArn: d.requestParameters?.roleArn ?? null,
    requestSessionName: d.requestParameters?.roleSessionName ?? null,
  };
}

/** A Rolegate session name, `rg.<u|k|s>.<actor>.<request>` (src/broker/session.ts). */
export interface RolegateSession {
  name: string;
  actorType: 'user' | 'apiKey' | 'system';
  actorPart: string;
  requestPart: string;
}

const SESSION_NAME = /^rg\.([uks])\.([\w+=,@-]{1,32})\.([\w+=,@-]{1,26})$/;
const ACTOR_TYPES = { u: 'user', k: 'apiKey', s: 'system' } as const;

export function parseSessionName(name: string): RolegateSession | null {
  const m = SESSION_NAME.exec(name);
  if (m === null) return null;
  return {
    name,
    actorType: ACTOR_TYPES[m[1] as keyof typeof ACTOR_TYPES],
    actorPart: m[2] as string,
    requestPart: m[3] as string,
  };
}

/** The same cleaning the broker applies to a session-name part (src/broker/session.ts). */
export function sessionPart(value: string, max: number): string {
  const cleaned = value.replace(/[^\w+=,@-]/g, '-').slice(0, max);
  return cleaned === '' ? 'none' : cleaned;
}

/** `arn:aws:sts::123:assumed-role/Role/session` → `session`; null for any other shape. */
function assumedRoleSession(arn: string | null): { account: string; role: string; session: string } | null {
  if (arn === null) return null;
  const m = /^arn:[\w-]+:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)$/.exec(arn);
  return m === null ? null : { account: m[1] as string, role: m[2] as string, session: m[3] as string };
}

/** Rolegate's principal as the customer's account sees it calling AssumeRole. */
export interface RolegatePrincipal {
  account: string;
  /** `role/<name>` or `user/<name>` (path dropped, as assumed-role ARNs drop it); null when unknown. */
  name: string | null;
}

export function principalFromArn(arn: string): RolegatePrincipal | null {
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || !/^\d{12}$/.test(parts[4] ?? '')) return null;
  const [kind, ...rest] = (parts[5] as string).split('/');
  if (rest.length === 0) return null;
  if (kind === 'assumed-role') return { account: parts[4] as string, name: `role/${rest[0] as string}` };
  if (kind === 'role' || kind === 'user')
    return { account: parts[4] as string, name: `${kind}/${rest.at(-1) as string}` };
  return null;
}

/** Which principal made an AssumeRole event, as far as the event says. */
function callerOf(e: TrailEvent): RolegatePrincipal {
  const assumed = assumedRoleSession(e.identityArn);
  if (assumed !== null) return { account: assumed.account, name: `role/${assumed.role}` };
  if (e.identityArn !== null) {
    const p = principalFromArn(e.identityArn);
    if (p !== null) return p;
  }
  // Cross-account callers appear as `AWSAccount` with the account only.
  return { account: e.identityAccount ?? 'unknown', name: null };
}

/** `ROLEGATE_EGRESS_IPS`: addresses and CIDR ranges Rolegate calls AWS from; null = not configured. */
export function egressList(values: readonly string[] | null): BlockList | null {
  if (values === null || values.length === 0) return null;
  const list = new BlockList();
  for (const v of values) {
    const [address, bits] = v.split('/');
    const family = isIP(address ?? '');
    if (family === 0) continue;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address as string, type);
    else list.addSubnet(address as string, Number(bits), type);
  }
  return list;
}

export type Classified =
  | { kind: 'session'; event: TrailEvent; session: RolegateSession }
  | { kind: 'foreign_session'; event: TrailEvent; sessionName: string }
  | { kind: 'assume_role'; event: TrailEvent; reasons: Array<'principal' | 'source_ip'> }
  | { kind: 'other' };

export interface ClassifyContext {
  roleArn: string;
  principal: RolegatePrincipal | null;
  egress: BlockList | null;
}

/**
 * What an event is for this connection:
 * - `session`: a call made with a session of exactly this role whose name is a Rolegate one;
 * - `foreign_session`: a call with a session of this role whose name looks like Rolegate's but is
 *   malformed (a hand-made imitation): reported like an unmatched event;
 * - `assume_role`: an AssumeRole of this role; `reasons` empty when Rolegate made it;
 * - `other`: anything else (other roles, including sessions of other roles named `rg.…`).
 */
export function classify(e: TrailEvent, ctx: ClassifyContext): Classified {
  if (
    e.eventSource === 'sts.amazonaws.com' &&
    e.eventName === 'AssumeRole' &&
    e.requestRoleArn === ctx.roleArn
  ) {
    const reasons: Array<'principal' | 'source_ip'> = [];
    const caller = callerOf(e);
    const fromRolegate =
      ctx.principal !== null &&
      caller.account === ctx.principal.account &&
      (caller.name === null || ctx.principal.name === null || caller.name === ctx.principal.name);
    if (!fromRolegate) reasons.push('principal');
    if (ctx.egress !== null && e.sourceIp !== null && isIP(e.sourceIp) !== 0) {
      if (!ctx.egress.check(e.sourceIp, isIP(e.sourceIp) === 4 ? 'ipv4' : 'ipv6')) reasons.push('source_ip');
    }
    return { kind: 'assume_role', event: e, reasons };
  }
  if (e.identityType !== 'AssumedRole' || e.issuerArn !== ctx.roleArn) return { kind: 'other' };
  const assumed = assumedRoleSession(e.identityArn);
  if (assumed === null) return { kind: 'other' };
  const session = parseSessionName(assumed.session);
  if (session !== null) return { kind: 'session', event: e, session };
  if (assumed.session.startsWith('rg.'))
    return { kind: 'foreign_session', event: e, sessionName: assumed.session };
  return { kind: 'other' };
}

/** A brokered call of the connection as its outcome record tells it. */
export interface CallRecord {
  id: string;
  actorType: string;
  actorId: string | null;
  requestId: string | null;
  operation: string;
  outcome: string;
  /** When the call started (attempt) and ended (outcome). */
  startedAt: Date;
  endedAt: Date;
}

/** The AWS services (CloudTrail `eventSource`) an operation's calls are logged under; null = any. */
const SERVICE_SOURCES: Record<string, readonly string[]> = {
  s3: ['s3.amazonaws.com'],
  logs: ['logs.amazonaws.com'],
  dynamodb: ['dynamodb.amazonaws.com'],
  lambda: ['lambda.amazonaws.com'],
  ec2: ['ec2.amazonaws.com'],
  cloudtrail: ['cloudtrail.amazonaws.com'],
  reconcile: ['cloudtrail.amazonaws.com'],
  scan: ['ec2.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'rds.amazonaws.com'],
  cleanup: ['ec2.amazonaws.com', 'elasticloadbalancing.amazonaws.com'],
};

export function sourcesOf(operation: string): readonly string[] | null {
  for (const part of operation.split('.')) {
    const sources = SERVICE_SOURCES[part];
    if (sources !== undefined) return sources;
  }
  return null;
}

/**
 * Operations whose AWS calls are CloudTrail data events: LookupEvents never returns them, and a
 * trail logs them only when data events are enabled for that service. Their records are expected
 * to have no event here.
 */
const DATA_EVENT_OPERATIONS: ReadonlyArray<{ pattern: RegExp; service: string }> = [
  { pattern: /(^|\.)s3\.(list_objects|get_object|put_object)/, service: 'S3 (object-level data events)' },
  { pattern: /(^|\.)s3\.presign_/, service: 'S3 (a presigned URL is used later, by its holder)' },
  { pattern: /(^|\.)lambda\.invoke/, service: 'Lambda (Invoke data events)' },
  { pattern: /(^|\.)dynamodb\.(get_item|query)/, service: 'DynamoDB (item-level data events)' },
  { pattern: /(^|\.)logs\.(filter_events|insights_results)/, service: 'CloudWatch Logs (read data events)' },
];

export function dataEventService(operation: string): string | null {
  return DATA_EVENT_OPERATIONS.find((d) => d.pattern.test(operation))?.service ?? null;
}

function actorMatches(record: CallRecord, session: RolegateSession): boolean {
  if (record.actorType !== session.actorType) return false;
  // The audit trail keeps no id for a system actor; its session name says `system-<component>`.
  if (record.actorId === null)
    return session.actorType === 'system' && session.actorPart.startsWith('system-');
  return sessionPart(record.actorId, 32) === session.actorPart;
}

export interface MatchOptions {
  /** Clock skew tolerated between Rolegate's clock and AWS's, each side of a call. */
  skewMs: number;
}

export interface MatchResult {
  matched: Array<{ eventId: string; recordId: string }>;
  /** Session events with no audit record: the session's credentials were used outside Rolegate. */
  unmatched: TrailEvent[];
  /** Successful calls with no event (only those that ended inside the window). */
  unlogged: CallRecord[];
}

/**
 * Matches each Rolegate session event to the brokered call that made it: same actor (session name),
 * a service the operation calls, and an event time inside the call (± skew). The request part of
 * the session name is preferred but not required: with the memory credential cache one session
 * serves the same actor's later calls under the same session policy. One call may cause several
 * events (pagination, SDK retries), so a record may match more than one event.
 */
export function matchEvents(
  events: readonly { event: TrailEvent; session: RolegateSession }[],
  records: readonly CallRecord[],
  window: { start: Date; end: Date },
  options: MatchOptions,
): MatchResult {
  const matched: MatchResult['matched'] = [];
  const unmatched: TrailEvent[] = [];
  const used = new Set<string>();
  const sorted = [...records].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  for (const { event, session } of events) {
    const t = event.eventTime.getTime();
    let best: CallRecord | null = null;
    for (const r of sorted) {
      if (r.startedAt.getTime() - options.skewMs > t) break;
      if (r.endedAt.getTime() + options.skewMs < t) continue;
      if (!actorMatches(r, session)) continue;
      const sources = sourcesOf(r.operation);
      if (sources !== null && !sources.includes(event.eventSource)) continue;
      const sameRequest = r.requestId !== null && sessionPart(r.requestId, 26) === session.requestPart;
      if (best === null || sameRequest) best = r;
      if (sameRequest) break;
    }
    if (best === null) unmatched.push(event);
    else {
      matched.push({ eventId: event.eventId, recordId: best.id });
      used.add(best.id);
    }
  }
  const unlogged = records.filter(
    (r) =>
      r.outcome === 'success' &&
      !used.has(r.id) &&
      r.endedAt.getTime() >= window.start.getTime() &&
      r.endedAt.getTime() < window.end.getTime(),
  );
  return { matched, unmatched, unlogged };
}
