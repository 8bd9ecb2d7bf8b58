import { type SQL, sql } from 'drizzle-orm';
import { SYSTEM_CHAIN } from '../audit/chain.ts';
import { type DbOrTx, queryRows } from '../db/client.ts';

/**
 * Read-only SQL over the audit trail (and the stored CloudTrail reconciliation results). Every query is scoped to one organisation: its own chain,
 * plus the authentication events (recorded on the system chain, outside any organisation) of users
 * who are currently its members. Nothing here writes.
 */

export interface Window {
  since: Date;
  until: Date;
}

export interface EventRow {
  id: string;
  created_at: Date | string;
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  connection_id: string | null;
  operation: string | null;
  resource: string | null;
  target_type: string | null;
  target_id: string | null;
  error_code: string | null;
  request_id: string | null;
  ip: string | null;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

const members = (orgId: string) => sql`(select m.user_id from memberships m where m.org_id = ${orgId})`;

/** The organisation's chain, or its members' authentication events. */
function scope(orgId: string): SQL {
  return sql`(e.chain = ${orgId} or (e.chain = ${SYSTEM_CHAIN} and e.action like 'auth.%'
    and e.actor_type = 'user' and e.actor_id in ${members(orgId)}))`;
}

const inWindow = (w: Window) => sql`e.created_at >= ${ts(w.since)} and e.created_at < ${ts(w.until)}`;

export interface EventFilter {
  action?: string | undefined;
  actorId?: string | undefined;
  connectionId?: string | undefined;
  failuresOnly: boolean;
  /** Keyset position: events strictly older than (at, id). */
  before?: { at: Date; id: string } | undefined;
  limit: number;
}

export async function listEvents(db: DbOrTx, orgId: string, w: Window, f: EventFilter): Promise<EventRow[]> {
  const conditions: SQL[] = [scope(orgId), inWindow(w)];
  if (f.action !== undefined) conditions.push(sql`e.action = ${f.action}`);
  if (f.actorId !== undefined) conditions.push(sql`e.actor_id = ${f.actorId}`);
  if (f.connectionId !== undefined) conditions.push(sql`e.connection_id = ${f.connectionId}`);
  if (f.failuresOnly) conditions.push(sql`e.outcome in ('failure', 'denied', 'error')`);
  if (f.before !== undefined)
    conditions.push(sql`(e.created_at, e.id) < (${ts(f.before.at)}, ${f.before.id})`);
  return queryRows<EventRow>(
    db,
    sql`select e.id, e.created_at, e.action, e.outcome, e.actor_type, e.actor_id, e.connection_id, e.operation,
          e.resource, e.target_type, e.target_id, e.error_code, e.request_id, e.ip
        from audit_events e
        where ${sql.join(conditions, sql` and `)}
        order by e.created_at desc, e.id desc
        limit ${f.limit}`,
  );
}

export interface TrafficRows {
  total: number;
  byAction: Array<{ action: string; count: number }>;
  byOutcome: Array<{ outcome: string; count: number }>;
  byActor: Array<{ actor_type: string; actor_id: string | null; count: number }>;
}

export async function traffic(db: DbOrTx, orgId: string, w: Window, top: number): Promise<TrafficRows> {
  const where = sql`${scope(orgId)} and ${inWindow(w)}`;
  const [total] = await queryRows<{ count: number }>(
    db,
    sql`select count(*)::int as count from audit_events e where ${where}`,
  );
  const byAction = await queryRows<{ action: string; count: number }>(
    db,
    sql`select e.action, count(*)::int as count from audit_events e where ${where}
        group by e.action order by count desc, e.action limit ${top}`,
  );
  const byOutcome = await queryRows<{ outcome: string; count: number }>(
    db,
    sql`select e.outcome, count(*)::int as count from audit_events e where ${where}
        group by e.outcome order by count desc, e.outcome limit ${top}`,
  );
  const byActor = await queryRows<{ actor_type: string; actor_id: string | null; count: number }>(
    db,
    sql`select e.actor_type, e.actor_id, count(*)::int as count from audit_events e where ${where}
        group by e.actor_type, e.actor_id order by count desc, e.actor_type, e.actor_id limit ${top}`,
  );
  return { total: total?.count ?? 0, byAction, byOutcome, byActor };
}

export interface BruteForceRow {
  ip: string;
  failures: number;
  users: number;
  first_at: Date | string;
  last_at: Date | string;
}

/** Failed logins / MFA checks against the organisation's members, grouped by source IP. */
export async function bruteForceSources(
  db: DbOrTx,
  orgId: string,
  w: Window,
  minFailures: number,
  limit: number,
): Promise<BruteForceRow[]> {
  return queryRows<BruteForceRow>(
    db,
    sql`select e.ip, count(*)::int as failures, count(distinct e.actor_id)::int as users,
          min(e.created_at) as first_at, max(e.created_at) as last_at
        from audit_events e
        where e.chain = ${SYSTEM_CHAIN} and e.action in ('auth.login', 'auth.mfa.verify') and e.outcome = 'failure'
          and e.actor_type = 'user' and e.actor_id in ${members(orgId)} and e.ip is not null and ${inWindow(w)}
        group by e.ip
        having count(*) >= ${minFailures}
        order by failures desc, e.ip
        limit ${limit}`,
  );
}

export interface DeniedBurstRow {
  connection_id: string | null;
  actor_type: string;
  actor_id: string | null;
  /** Bucket number (epoch seconds / bucket length), as text: bigint arrives as a string from pg. */
  bucket: string;
  count: number;
}

/** Brokered AWS calls that AWS (or the session policy) denied, per actor and connection, per time bucket. */
export async function deniedBursts(
  db: DbOrTx,
  orgId: string,
  w: Window,
  bucketSeconds: number,
  minDenied: number,
  limit: number,
): Promise<DeniedBurstRow[]> {
  return queryRows<DeniedBurstRow>(
    db,
    sql`select e.connection_id, e.actor_type, e.actor_id,
          floor(extract(epoch from e.created_at) / ${bucketSeconds})::bigint::text as bucket, count(*)::int as count
        from audit_events e
        where e.chain = ${orgId} and e.action like 'aws.%' and e.outcome = 'denied' and ${inWindow(w)}
        group by e.connection_id, e.actor_type, e.actor_id, 4
        having count(*) >= ${minDenied}
        order by count desc, 4 desc
        limit ${limit}`,
  );
}

export async function unsafeConnectionEvents(
  db: DbOrTx,
  orgId: string,
  w: Window,
  limit: number,
): Promise<EventRow[]> {
  return queryRows<EventRow>(
    db,
    sql`select e.id, e.created_at, e.action, e.outcome, e.actor_type, e.actor_id, e.connection_id, e.operation,
          e.resource, e.target_type, e.target_id, e.error_code, e.request_id, e.ip
        from audit_events e
        where e.chain = ${orgId} and e.action in ('connection.unsafe', 'connection.disabled') and ${inWindow(w)}
        order by e.created_at desc, e.id desc
        limit ${limit}`,
  );
}

export interface LeakedSessionRow {
  reconciliation_id: string;
  connection_id: string;
  finished_at: Date | string;
  window_start: Date | string;
  window_end: Date | string;
  unmatched: number;
  session_names: string[] | null;
  first_event_at: Date | string | null;
  last_event_at: Date | string | null;
  recommended_action: string | null;
}

/**
 * Reconciliations of the organisation finished in the window that found Rolegate sessions used
 * outside Rolegate, from their stored `unmatched_event` items (both tables filtered by org_id, so
 * another organisation's items never join in).
 */
export async function leakedSessions(
  db: DbOrTx,
  orgId: string,
  w: Window,
  limit: number,
): Promise<LeakedSessionRow[]> {
  return queryRows<LeakedSessionRow>(
    db,
    sql`select r.id as reconciliation_id, r.connection_id, r.finished_at, r.window_start, r.window_end,
          r.unmatched::int as unmatched,
          array_agg(distinct i.session_name) filter (where i.session_name is not null) as session_names,
          min(i.event_time) as first_event_at, max(i.event_time) as last_event_at,
          min(i.details->>'recommendedAction') as recommended_action
        from reconciliations r
        join reconciliation_items i on i.reconciliation_id = r.id and i.org_id = ${orgId}
        where r.org_id = ${orgId} and r.status = 'succeeded' and i.kind = 'unmatched_event'
          and r.finished_at >= ${ts(w.since)} and r.finished_at < ${ts(w.until)}
        group by r.id, r.connection_id, r.finished_at, r.window_start, r.window_end, r.unmatched
        order by r.finished_at desc, r.id desc
        limit ${limit}`,
  );
}

export interface LoginRow {
  id: string;
  actor_id: string;
  ip: string;
  created_at: Date | string;
  previous_ips: string[];
}

const successfulLogin = sql`p.chain = ${SYSTEM_CHAIN} and p.action = 'auth.login' and p.outcome = 'success'`;

/**
 * Successful logins of the organisation's members in the window from an IP that user never logged
 * in from before, for users who had logged in before (a first login has no baseline).
 */
export async function newIpLogins(db: DbOrTx, orgId: string, w: Window, limit: number): Promise<LoginRow[]> {
  return queryRows<LoginRow>(
    db,
    sql`select e.id, e.actor_id, e.ip, e.created_at,
          array(select distinct p.ip from audit_events p
                where ${successfulLogin} and p.actor_id = e.actor_id and p.ip is not null
                  and p.created_at < e.created_at limit 100) as previous_ips
        from audit_events e
        where e.chain = ${SYSTEM_CHAIN} and e.action = 'auth.login' and e.outcome = 'success'
          and e.actor_type = 'user' and e.actor_id in ${members(orgId)} and e.ip is not null and ${inWindow(w)}
          and exists (select 1 from audit_events p
                      where ${successfulLogin} and p.actor_id = e.actor_id and p.created_at < e.created_at)
          and not exists (select 1 from audit_events p
                          where ${successfulLogin} and p.actor_id = e.actor_id and p.ip = e.ip
                            and p.created_at < e.created_at)
        order by e.created_at desc, e.id desc
        limit ${limit}`,
  );
}

/** Earlier successful logins of one user: how many, and from how many distinct IPs / this IP. */
export async function priorLogins(
  db: DbOrTx,
  userId: string,
  ip: string,
  before: { at: Date; excludeId: string | null },
): Promise<{ total: number; fromIp: number; ips: string[] }> {
  const notCurrent = (alias: 'p' | 'q') =>
    before.excludeId === null ? sql`true` : sql`${sql.raw(alias)}.id <> ${before.excludeId}`;
  const [row] = await queryRows<{ total: number; from_ip: number; ips: string[] }>(
    db,
    sql`select count(*)::int as total, (count(*) filter (where p.ip = ${ip}))::int as from_ip,
          array(select distinct q.ip from audit_events q
                where q.chain = ${SYSTEM_CHAIN} and q.action = 'auth.login' and q.outcome = 'success'
                  and q.actor_id = ${userId} and q.ip is not null and q.created_at <= ${ts(before.at)}
                  and ${notCurrent('q')} limit 100) as ips
        from audit_events p
        where ${successfulLogin} and p.actor_id = ${userId} and p.created_at <= ${ts(before.at)} and ${notCurrent('p')}`,
  );
  return { total: row?.total ?? 0, fromIp: row?.from_ip ?? 0, ips: row?.ips ?? [] };
}

/** The most recent successful login of a user (the one being checked right after it was recorded). */
export async function latestLogin(db: DbOrTx, userId: string): Promise<{ id: string; at: Date } | null> {
  const [row] = await queryRows<{ id: string; created_at: Date | string }>(
    db,
    sql`select p.id, p.created_at from audit_events p
        where ${successfulLogin} and p.actor_id = ${userId}
        order by p.created_at desc, p.id desc limit 1`,
  );
  return row === undefined ? null : { id: row.id, at: new Date(row.created_at) };
}

export interface VolumeRow {
  connection_id: string;
  window_calls: number;
  baseline_calls: number;
}

/** Brokered-call attempts (each one an AssumeRole or a cached session use) per connection. */
export async function brokeredVolume(
  db: DbOrTx,
  orgId: string,
  w: Window,
  baselineSince: Date,
): Promise<VolumeRow[]> {
  return queryRows<VolumeRow>(
    db,
    sql`select e.connection_id,
          (count(*) filter (where e.created_at >= ${ts(w.since)}))::int as window_calls,
          (count(*) filter (where e.created_at < ${ts(w.since)}))::int as baseline_calls
        from audit_events e
        where e.chain = ${orgId} and e.connection_id is not null and e.action like 'aws.%'
          and e.outcome = 'attempt' and e.created_at >= ${ts(baselineSince)} and e.created_at < ${ts(w.until)}
        group by e.connection_id`,
  );
}
