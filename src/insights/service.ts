import { isIPv4, isIPv6 } from 'node:net';
import type { Clock } from '../clock.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { DbOrTx } from '../db/client.ts';
import {
  type AnomaliesInput,
  type AnomaliesOutput,
  DEFAULT_WINDOW_MS,
  type EventListInput,
  type EventListOutput,
  type InsightEvent,
  MAX_WINDOW_DAYS,
  MAX_WINDOW_MS,
  type ThreatsInput,
  type ThreatsOutput,
  type TrafficSummaryInput,
  type TrafficSummaryOutput,
} from './schemas.ts';
import * as store from './store.ts';

/**
 * Security insights: read-only questions over the audit trail of one organisation. The caller (REST
 * route, intent or MCP tool) has already checked `insights:read` for `orgId`.
 */
export interface InsightsService {
  accessLog(orgId: string, input: EventListInput): Promise<EventListOutput>;
  errorLog(orgId: string, input: EventListInput): Promise<EventListOutput>;
  trafficSummary(orgId: string, input: TrafficSummaryInput): Promise<TrafficSummaryOutput>;
  threats(orgId: string, input: ThreatsInput): Promise<ThreatsOutput>;
  anomalies(orgId: string, input: AnomaliesInput): Promise<AnomaliesOutput>;
}

const iso = (value: Date | string) => new Date(value).toISOString();

function invalid(field: string, message: string): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, undefined, {
    details: { fields: [{ location: 'querystring', path: field, message }] },
  });
}

/** Defaults: until = now, since = until − 24 h; at most 30 days. */
export function resolveWindow(
  input: { since?: string | undefined; until?: string | undefined },
  now: Date,
): store.Window {
  const until = input.until === undefined ? now : new Date(input.until);
  const since =
    input.since === undefined ? new Date(until.getTime() - DEFAULT_WINDOW_MS) : new Date(input.since);
  if (since.getTime() >= until.getTime()) throw invalid('since', 'must be before until');
  if (until.getTime() - since.getTime() > MAX_WINDOW_MS) {
    throw invalid('since', `the window may span at most ${MAX_WINDOW_DAYS} days`);
  }
  return { since, until };
}

export function encodeCursor(at: Date | string, id: string): string {
  return Buffer.from(`${new Date(at).getTime()}.${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,15})\.([A-Za-z0-9_]{1,64})$/.exec(text);
  if (match?.[1] === undefined || match[2] === undefined) throw invalid('cursor', 'is not a valid cursor');
  return { at: new Date(Number(match[1])), id: match[2] };
}

/** The network an address belongs to for "new network" checks: /24 for IPv4, /48 for IPv6. */
export function networkOf(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  const v4 = mapped?.[1] ?? (isIPv4(ip) ? ip : null);
  if (v4 !== null) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - headParts.length - tailParts.length).fill('0');
  const groups = [...headParts, ...fill, ...tailParts].map((g) => Number.parseInt(g, 16).toString(16));
  return `${groups.slice(0, 3).join(':')}::/48`;
}

function toEvent(row: store.EventRow): InsightEvent {
  return {
    id: row.id,
    at: iso(row.created_at),
    action: row.action,
    outcome: row.outcome,
    actorType: row.actor_type,
    actorId: row.actor_id,
    connectionId: row.connection_id,
    operation: row.operation,
    resource: row.resource,
    targetType: row.target_type,
    targetId: row.target_id,
    errorCode: row.error_code,
    requestId: row.request_id,
    ip: row.ip,
  };
}

export function createInsightsService(deps: { db: DbOrTx; clock: Clock }): InsightsService {
  const { db, clock } = deps;
  const windowOut = (w: store.Window) => ({ since: w.since.toISOString(), until: w.until.toISOString() });

  async function events(
    orgId: string,
    input: EventListInput,
    failuresOnly: boolean,
  ): Promise<EventListOutput> {
    const w = resolveWindow(input, clock.now());
    const rows = await store.listEvents(db, orgId, w, {
      action: input.action,
      actorId: input.actorId,
      connectionId: input.connectionId,
      failuresOnly,
      before: input.cursor === undefined ? undefined : decodeCursor(input.cursor),
      limit: input.limit + 1,
    });
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return {
      window: windowOut(w),
      items: page.map(toEvent),
      nextCursor:
        rows.length > input.limit && last !== undefined ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  return {
    accessLog: (orgId, input) => events(orgId, input, false),
    errorLog: (orgId, input) => events(orgId, input, true),

    async trafficSummary(orgId, input) {
      const w = resolveWindow(input, clock.now());
      const rows = await store.traffic(db, orgId, w, input.top);
      return {
        window: windowOut(w),
        total: rows.total,
        byAction: rows.byAction.map((r) => ({ action: r.action, count: r.count })),
        byOutcome: rows.byOutcome.map((r) => ({ outcome: r.outcome, count: r.count })),
        byActor: rows.byActor.map((r) => ({ actorType: r.actor_type, actorId: r.actor_id, count: r.count })),
      };
    },

    async threats(orgId, input) {
      const w = resolveWindow(input, clock.now());
      const bucketSeconds = input.burstMinutes * 60;
      const [brute, bursts, unsafe] = [
        await store.bruteForceSources(db, orgId, w, input.minFailedLogins, input.limit),
        await store.deniedBursts(db, orgId, w, bucketSeconds, input.minDenied, input.limit),
        await store.unsafeConnectionEvents(db, orgId, w, input.limit),
      ];
      const leaked = await store.leakedSessions(db, orgId, w, input.limit);
      return {
        window: windowOut(w),
        bruteForceSources: brute.map((r) => ({
          ip: r.ip,
          failures: r.failures,
          users: r.users,
          firstAt: iso(r.first_at),
          lastAt: iso(r.last_at),
        })),
        accessDeniedBursts: bursts.map((r) => ({
          connectionId: r.connection_id,
          actorType: r.actor_type,
          actorId: r.actor_id,
          bucketStart: new Date(Number(r.bucket) * bucketSeconds * 1000).toISOString(),
          count: r.count,
        })),
        unsafeConnections: unsafe.map((r) => ({
          connectionId: r.connection_id,
          action: r.action,
          at: iso(r.created_at),
          actorType: r.actor_type,
          actorId: r.actor_id,
        })),
        sessionsUsedOutsideRolegate: leaked.map((r) => ({
          severity: 'high' as const,
          reconciliationId: r.reconciliation_id,
          connectionId: r.connection_id,
          detectedAt: iso(r.finished_at),
          windowStart: iso(r.window_start),
          windowEnd: iso(r.window_end),
          events: r.unmatched,
          sessionNames: (r.session_names ?? []).sort(),
          firstEventAt: r.first_event_at === null ? null : iso(r.first_event_at),
          lastEventAt: r.last_event_at === null ? null : iso(r.last_event_at),
          recommendedAction: r.recommended_action,
        })),
      };
    },

    async anomalies(orgId, input) {
      const w = resolveWindow(input, clock.now());
      const baselineMs = input.baselineDays * 24 * 3600_000;
      const baselineSince = new Date(w.since.getTime() - baselineMs);
      const logins = await store.newIpLogins(db, orgId, w, input.limit);
      const volume = await store.brokeredVolume(db, orgId, w, baselineSince);
      const windowMs = w.until.getTime() - w.since.getTime();
      const unusual = volume
        .map((r) => ({
          connectionId: r.connection_id,
          windowCalls: r.window_calls,
          baselineCalls: r.baseline_calls,
          expectedCalls: Math.round(((r.baseline_calls * windowMs) / baselineMs) * 100) / 100,
        }))
        .filter(
          (r) =>
            r.windowCalls >= input.minCalls && r.windowCalls > input.factor * Math.max(r.expectedCalls, 1),
        )
        .sort((a, b) => b.windowCalls - a.windowCalls || a.connectionId.localeCompare(b.connectionId))
        .slice(0, input.limit);
      return {
        window: windowOut(w),
        newIpLogins: logins.map((r) => {
          const network = networkOf(r.ip);
          return {
            eventId: r.id,
            userId: r.actor_id,
            ip: r.ip,
            at: iso(r.created_at),
            newNetwork: !r.previous_ips.some((p) => networkOf(p) === network),
          };
        }),
        brokeredVolume: unusual,
      };
    },
  };
}
