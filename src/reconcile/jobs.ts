import { EventEmitter } from 'node:events';
import { type CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AuditWriter } from '../audit/types.ts';
import { mapAwsError } from '../aws/errors.ts';
import type { Broker } from '../broker/broker.ts';
import type { Lanes } from '../broker/lanes.ts';
import type { SessionPolicy } from '../broker/types.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionResolver, UsableConnection } from '../connections/types.ts';
import { type Actor, systemActor } from '../core/actor.ts';
import { auditActorFields } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { newId } from '../db/ids.ts';
import { abortableSleep, withThrottleRetry } from '../scans/aws.ts';
import type { JobRegistry } from '../scans/cancellation.ts';
import type { WebhookOutbox } from '../webhooks/outbox.ts';
import type { CallPacer } from './limiter.ts';
import type { NewReconcileItem, ReconcileStore, ReconciliationRow } from './store.ts';
import type { ReconcileWarning } from './tables.ts';
import {
  type CallRecord,
  classify,
  dataEventService,
  egressList,
  matchEvents,
  parseTrailEvent,
  principalFromArn,
  type RolegateSession,
  type TrailEvent,
} from './trail.ts';

export interface ReconcileJobOptions {
  maxConcurrentJobs: number;
  maxRunningPerOrg: number;
  heartbeatMs: number;
  staleAfterMs: number;
  maxAttempts: number;
  throttleAttempts: number;
  throttleBaseDelayMs: number;
  /** LookupEvents pages read per region and window (50 events each); beyond: truncated. */
  maxPagesPerRegion: number;
  /** Audit records compared per window; beyond: truncated. */
  maxRecords: number;
  /** Items kept per kind and window (the counts stay exact). */
  maxItemsPerKind: number;
  skewMs: number;
}

export const DEFAULT_RECONCILE_JOB_OPTIONS: ReconcileJobOptions = {
  maxConcurrentJobs: 2,
  maxRunningPerOrg: 1,
  heartbeatMs: 5_000,
  staleAfterMs: 30_000,
  maxAttempts: 3,
  throttleAttempts: 6,
  throttleBaseDelayMs: 1_000,
  maxPagesPerRegion: 400,
  maxRecords: 50_000,
  maxItemsPerKind: 500,
  skewMs: 300_000,
};

export interface ReconciliationView {
  id: string;
  connectionId: string;
  status: ReconciliationRow['status'];
  trigger: ReconciliationRow['trigger'];
  window: { start: string; end: string };
  regions: string[];
  progress: { pages: number; eventsSeen: number };
  counts: { matched: number; unmatched: number; unlogged: number; foreignAssumeRoles: number };
  truncated: boolean;
  warnings: ReconcileWarning[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error?: { code: string; message: string };
}

export function reconciliationView(row: ReconciliationRow): ReconciliationView {
  return {
    id: row.id,
    connectionId: row.connectionId,
    status: row.status,
    trigger: row.trigger,
    window: { start: row.windowStart.toISOString(), end: row.windowEnd.toISOString() },
    regions: row.regions,
    progress: { pages: row.pages, eventsSeen: row.eventsSeen },
    counts: {
      matched: row.matched,
      unmatched: row.unmatched,
      unlogged: row.unlogged,
      foreignAssumeRoles: row.foreignAssumeRoles,
    },
    truncated: row.truncated === 1,
    warnings: row.warnings,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    ...(row.errorCode === null ? {} : { error: { code: row.errorCode, message: row.errorMessage ?? '' } }),
  };
}

export const TERMINAL: ReadonlySet<ReconciliationRow['status']> = new Set([
  'succeeded',
  'failed',
  'cancelled',
]);

/**
 * What to do when a session's credentials were used outside Rolegate: revoke every session of the
 * role issued until now. AWS's "Revoke active sessions" attaches exactly this inline policy.
 */
export function revokeSessionsPolicy(now: Date): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': now.toISOString() } },
        },
      ],
    },
    null,
    2,
  );
}

export function recommendedAction(roleArn: string, now: Date): string {
  const roleName = roleArn.split('/').at(-1) ?? roleArn;
  return (
    `Credentials of a Rolegate session of ${roleArn} were used outside Rolegate. Revoke the role's active sessions: ` +
    `in the IAM console, role ${roleName} → "Revoke active sessions", or attach this inline policy named ` +
    `AWSRevokeOlderSessions (Rolegate's next calls get new sessions and keep working):\n${revokeSessionsPolicy(now)}\n` +
    'Then look for how the credentials left Rolegate (logs, memory dumps, a compromised host) and rotate the external ID.'
  );
}

export interface JobLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ReconcileRunnerDeps {
  store: ReconcileStore;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  broker: Pick<Broker, 'call' | 'resolvePrincipalArn'>;
  cloudtrail: (credentials: AwsCredentialIdentity, region: string) => CloudTrailClient;
  audit: Pick<AuditWriter, 'record'>;
  outbox: Pick<WebhookOutbox, 'enqueue'>;
  clock: Clock;
  logger: JobLogger;
  options: ReconcileJobOptions;
  lanes: Pick<Lanes, 'run'>;
  jobs: Pick<JobRegistry, 'register'>;
  pacer: CallPacer;
  /** `ROLEGATE_EGRESS_IPS` when the deployment sets it; null = the source-IP check is skipped. */
  egressIps: readonly string[] | null;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Whoever asked for the reconciliation, as the job acts (the system for scheduled ones). */
export function jobActor(row: ReconciliationRow): Actor {
  const requestId = `job:${row.id}`;
  if (row.requestedByType === 'system') return systemActor('reconcile', requestId, row.orgId);
  return {
    type: row.requestedByType,
    id: row.requestedById,
    userId: row.requestedByUserId,
    orgId: row.orgId,
    role: null,
    sessionId: null,
    ip: 'background',
    userAgent: null,
    requestId,
  };
}

/** The session policy of one LookupEvents page: that action, in that region only. */
function lookupPolicy(region: string): SessionPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['cloudtrail:LookupEvents'],
        Resource: ['*'],
        Condition: { StringEquals: { 'aws:RequestedRegion': region } },
      },
    ],
  };
}

interface RegionEvents {
  sessions: Array<{ event: TrailEvent; session: RolegateSession; region: string }>;
  imitations: Array<{ event: TrailEvent; sessionName: string; region: string }>;
  assumeRoles: Array<{ event: TrailEvent; reasons: string[]; region: string }>;
  pages: number;
  seen: number;
  truncated: boolean;
}

/**
 * The reconciliation runner. It schedules exactly like the scan runner (src/scans/jobs.ts): per
 * organisation queues served round-robin, at most `maxRunningPerOrg` jobs of one organisation at
 * once, AWS work inside the organisation's background lane, state and heartbeats in the database,
 * resumption of interrupted jobs, cancellation through the shared job registry (deleting the
 * connection or organisation aborts the job).
 */
export function createReconcileRunner(deps: ReconcileRunnerDeps) {
  const { store, clock, logger, options } = deps;
  const sleep = deps.sleep ?? abortableSleep;
  const egress = egressList(deps.egressIps);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const queue = new Map<string, string[]>();
  const active = new Map<string, { orgId: string; controller: AbortController; done: Promise<void> }>();
  const runningByOrg = new Map<string, number>();
  let stopped = false;

  const emit = (row: ReconciliationRow | null) => {
    if (row !== null) events.emit(row.id, reconciliationView(row));
  };

  function next(): { orgId: string; id: string } | null {
    for (const [orgId, ids] of queue) {
      if ((runningByOrg.get(orgId) ?? 0) >= options.maxRunningPerOrg) continue;
      const id = ids.shift() as string;
      queue.delete(orgId);
      if (ids.length > 0) queue.set(orgId, ids);
      return { orgId, id };
    }
    return null;
  }

  function pump() {
    while (!stopped && active.size < options.maxConcurrentJobs) {
      const picked = next();
      if (picked === null) return;
      const { orgId, id } = picked;
      if (active.has(id)) continue;
      const controller = new AbortController();
      runningByOrg.set(orgId, (runningByOrg.get(orgId) ?? 0) + 1);
      const done = run(id, controller).catch((err: unknown) => {
        logger.error({ err, reconciliationId: id }, 'reconciliation job crashed');
      });
      active.set(id, { orgId, controller, done });
      void done.finally(() => {
        active.delete(id);
        const left = (runningByOrg.get(orgId) ?? 1) - 1;
        if (left > 0) runningByOrg.set(orgId, left);
        else runningByOrg.delete(orgId);
        pump();
      });
    }
  }

  /** Reads every LookupEvents page of the window (padded by the skew) in one region. */
  async function readRegion(
    connection: UsableConnection,
    row: ReconciliationRow,
    region: string,
    signal: AbortSignal,
    onPage: (pages: number, seen: number) => void,
  ): Promise<RegionEvents> {
    const actor = jobActor(row);
    const principalArn = await deps.broker.resolvePrincipalArn();
    const ctx = { roleArn: connection.roleArn, principal: principalFromArn(principalArn), egress };
    const out: RegionEvents = {
      sessions: [],
      imitations: [],
      assumeRoles: [],
      pages: 0,
      seen: 0,
      truncated: false,
    };
    const start = new Date(row.windowStart.getTime() - options.skewMs);
    const end = new Date(row.windowEnd.getTime() + options.skewMs);
    let token: string | undefined;
    do {
      if (out.pages >= options.maxPagesPerRegion) {
        out.truncated = true;
        break;
      }
      signal.throwIfAborted();
      const pageToken = token;
      const page = await withThrottleRetry(
        async () => {
          await deps.pacer.wait(`${connection.accountId}:${region}`, signal);
          return deps.broker.call(
            {
              connection,
              actor,
              policy: lookupPolicy(region),
              operation: 'reconcile.lookup_events',
              region,
              audit: {
                ...auditActorFields(actor),
                action: 'aws.reconcile.lookup_events',
                targetType: 'reconciliation',
                targetId: row.id,
                resource: `${region}:${row.windowStart.toISOString()}/${row.windowEnd.toISOString()}`,
                details: { page: out.pages + 1 },
              },
            },
            async (credentials) => {
              signal.throwIfAborted();
              return deps.cloudtrail(credentials, region).send(
                new LookupEventsCommand({
                  StartTime: start,
                  EndTime: end,
                  MaxResults: 50,
                  ...(pageToken === undefined ? {} : { NextToken: pageToken }),
                }),
                { abortSignal: signal },
              );
            },
          );
        },
        { attempts: options.throttleAttempts, baseDelayMs: options.throttleBaseDelayMs, sleep, signal },
      );
      out.pages += 1;
      for (const raw of page.Events ?? []) {
        out.seen += 1;
        const event = raw.CloudTrailEvent === undefined ? null : parseTrailEvent(raw.CloudTrailEvent);
        if (event === null) continue;
        const c = classify(event, ctx);
        if (c.kind === 'session') out.sessions.push({ event, session: c.session, region });
        else if (c.kind === 'foreign_session')
          out.imitations.push({ event, sessionName: c.sessionName, region });
        else if (c.kind === 'assume_role' && c.reasons.length > 0)
          out.assumeRoles.push({ event, reasons: c.reasons, region });
      }
      onPage(out.pages, out.seen);
      // A token repeated by a misbehaving endpoint would loop forever; the page cap also bounds it.
      token = page.NextToken === pageToken ? undefined : page.NextToken;
    } while (token !== undefined && token !== '');
    return out;
  }

  async function run(id: string, controller: AbortController): Promise<void> {
    const now = clock.now();
    const claimed = await store.claim(id, now, new Date(now.getTime() - options.staleAfterMs));
    if (claimed === null) return;
    if (claimed.cancelRequested === 1) {
      emit(await store.finish(store.db, id, 'cancelled', clock.now()));
      return;
    }
    if (claimed.attempt > options.maxAttempts) {
      emit(
        await store.finish(store.db, id, 'failed', clock.now(), {
          errorCode: 'job_interrupted',
          errorMessage: `The reconciliation was interrupted ${claimed.attempt - 1} times and was not resumed again.`,
        }),
      );
      return;
    }
    emit(claimed);
    const unregister = deps.jobs.register({
      id,
      orgId: claimed.orgId,
      connectionId: claimed.connectionId,
      controller,
    });
    let stop: 'cancelled' | 'shutdown' | null = null;
    controller.signal.addEventListener('abort', () => {
      stop ??= stopped ? 'shutdown' : 'cancelled';
    });
    const progress = { pages: 0, eventsSeen: 0 };
    const beat = setInterval(() => {
      store
        .heartbeat(id, clock.now(), progress)
        .then((state) => {
          if (state === null || state.cancelRequested)
            controller.abort(new Error('reconciliation cancelled'));
        })
        .catch((err: unknown) =>
          logger.warn({ err, reconciliationId: id }, 'reconciliation heartbeat failed'),
        );
    }, options.heartbeatMs);
    beat.unref();
    try {
      let connection: UsableConnection;
      try {
        connection = await deps.resolver.resolveUsable(
          claimed.orgId,
          claimed.connectionId,
          'cloudtrail-read',
        );
      } catch (err) {
        if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) controller.abort(err);
        throw err;
      }
      const all: RegionEvents = {
        sessions: [],
        imitations: [],
        assumeRoles: [],
        pages: 0,
        seen: 0,
        truncated: false,
      };
      const warnings: ReconcileWarning[] = [];
      for (const region of claimed.regions) {
        const before = { ...progress };
        const got = await deps.lanes.run(
          claimed.orgId,
          'short',
          () =>
            readRegion(connection, claimed, region, controller.signal, (pages, seen) => {
              progress.pages = before.pages + pages;
              progress.eventsSeen = before.eventsSeen + seen;
              emit({ ...claimed, pages: progress.pages, eventsSeen: progress.eventsSeen });
            }),
          { signal: controller.signal, background: true },
        );
        all.sessions.push(...got.sessions);
        all.imitations.push(...got.imitations);
        all.assumeRoles.push(...got.assumeRoles);
        all.pages += got.pages;
        all.seen += got.seen;
        if (got.truncated) {
          all.truncated = true;
          warnings.push({
            region,
            code: 'window_truncated',
            message: `More than ${options.maxPagesPerRegion * 50} events in this window and region; the rest was not read. Reconcile shorter windows.`,
          });
        }
      }
      const state = await store.heartbeat(id, clock.now(), progress);
      if (state === null || state.cancelRequested) controller.abort(new Error('reconciliation cancelled'));
      controller.signal.throwIfAborted();
      emit(await complete(claimed, connection, all, warnings));
    } catch (err) {
      if (stop === 'shutdown') {
        await store.release(id);
      } else if (stop === 'cancelled') {
        const row = await store.finish(store.db, id, 'cancelled', clock.now());
        emit(row ?? { ...claimed, status: 'cancelled', finishedAt: clock.now() });
      } else {
        const mapped = mapAwsError(err);
        const message =
          mapped.status < 500 || mapped.code !== ErrorCode.INTERNAL
            ? mapped.message
            : 'The reconciliation failed; see the server log.';
        logger.warn({ err, reconciliationId: id }, 'reconciliation failed');
        emit(
          await store.finish(store.db, id, 'failed', clock.now(), {
            errorCode: mapped.code,
            errorMessage: message,
          }),
        );
      }
    } finally {
      clearInterval(beat);
      unregister();
    }
  }

  /** Matches, stores the window's results, and raises the alerts, in one transaction. */
  async function complete(
    row: ReconciliationRow,
    connection: UsableConnection,
    all: RegionEvents,
    warnings: ReconcileWarning[],
  ): Promise<ReconciliationRow | null> {
    const skew = options.skewMs;
    // Calls that may have caused an event of the padded range: they ended after its start and
    // started before its end (the longest brokered call is far below one skew).
    const records: CallRecord[] = await store.callRecords(
      row.orgId,
      row.connectionId,
      new Date(row.windowStart.getTime() - 2 * skew),
      new Date(row.windowEnd.getTime() + 2 * skew),
      options.maxRecords + 1,
    );
    let truncated = all.truncated;
    if (records.length > options.maxRecords) {
      truncated = true;
      records.length = options.maxRecords;
      warnings.push({
        region: '*',
        code: 'records_truncated',
        message: `More than ${options.maxRecords} audit records in this window; reconcile shorter windows.`,
      });
    }
    const window = { start: row.windowStart, end: row.windowEnd };
    const inWindow = (e: TrailEvent) =>
      e.eventTime.getTime() >= window.start.getTime() && e.eventTime.getTime() < window.end.getTime();
    const result = matchEvents(all.sessions, records, window, { skewMs: skew });
    const regionOf = new Map(all.sessions.map((s) => [s.event.eventId, s.region]));
    const sessionOf = new Map(all.sessions.map((s) => [s.event.eventId, s.session.name]));
    const coreIds = new Set(all.sessions.filter((s) => inWindow(s.event)).map((s) => s.event.eventId));
    const matched = result.matched.filter((m) => coreIds.has(m.eventId)).length;
    const unmatched = [
      ...result.unmatched.filter(inWindow).map((e) => ({
        event: e,
        sessionName: sessionOf.get(e.eventId) ?? '',
        region: regionOf.get(e.eventId) ?? null,
        imitation: false,
      })),
      ...all.imitations
        .filter((i) => inWindow(i.event))
        .map((i) => ({ event: i.event, sessionName: i.sessionName, region: i.region, imitation: true })),
    ];
    const foreign = all.assumeRoles.filter((a) => inWindow(a.event));
    const now = clock.now();
    const action = unmatched.length > 0 ? recommendedAction(connection.roleArn, now) : null;

    const items: NewReconcileItem[] = [];
    for (const u of unmatched.slice(0, options.maxItemsPerKind)) {
      items.push({
        id: newId('rci'),
        orgId: row.orgId,
        reconciliationId: row.id,
        kind: 'unmatched_event',
        severity: 'high',
        region: u.region,
        eventId: u.event.eventId,
        eventName: u.event.eventName,
        eventSource: u.event.eventSource,
        eventTime: u.event.eventTime,
        sessionName: u.sessionName,
        sourceIp: u.event.sourceIp,
        principal: u.event.identityArn,
        note: u.imitation
          ? 'A session of this role named like a Rolegate session, but not in Rolegate’s format: someone else assumed the role with an imitated name.'
          : 'No brokered call of this actor was running at that time for that service: the session’s credentials were used outside Rolegate.',
        details: { errorCode: u.event.errorCode, recommendedAction: action },
      });
    }
    for (const r of result.unlogged.slice(0, options.maxItemsPerKind)) {
      const service = dataEventService(r.operation);
      items.push({
        id: newId('rci'),
        orgId: row.orgId,
        reconciliationId: row.id,
        kind: 'unlogged_record',
        severity: 'info',
        auditId: r.id,
        operation: r.operation,
        eventTime: r.endedAt,
        note:
          service === null
            ? 'No CloudTrail management event for this successful call: check that the trail logs management events (read and write) in this region.'
            : `A data event: ${service}. LookupEvents never returns data events; enable data-event logging on a trail (S3 or CloudTrail Lake) to keep them.`,
        details: { dataEvent: service !== null },
      });
    }
    for (const a of foreign.slice(0, options.maxItemsPerKind)) {
      items.push({
        id: newId('rci'),
        orgId: row.orgId,
        reconciliationId: row.id,
        kind: 'foreign_assume_role',
        severity: a.reasons.includes('principal') ? 'high' : 'medium',
        region: a.region,
        eventId: a.event.eventId,
        eventName: a.event.eventName,
        eventSource: a.event.eventSource,
        eventTime: a.event.eventTime,
        sessionName: a.event.requestSessionName,
        sourceIp: a.event.sourceIp,
        principal: a.event.identityArn ?? a.event.identityAccount,
        note: a.reasons.includes('principal')
          ? 'This role was assumed by a principal other than Rolegate.'
          : 'Rolegate’s principal assumed this role from an address outside ROLEGATE_EGRESS_IPS.',
        details: { reasons: a.reasons.join(','), errorCode: a.event.errorCode },
      });
    }
    if (
      unmatched.length > options.maxItemsPerKind ||
      result.unlogged.length > options.maxItemsPerKind ||
      foreign.length > options.maxItemsPerKind
    ) {
      warnings.push({
        region: '*',
        code: 'items_truncated',
        message: `Only the first ${options.maxItemsPerKind} items of each kind are kept; the counts are complete.`,
      });
    }

    return store.db.transaction(async (tx) => {
      const finished = await store.finish(tx, row.id, 'succeeded', now, {
        pages: all.pages,
        eventsSeen: all.seen,
        matched,
        unmatched: unmatched.length,
        unlogged: result.unlogged.length,
        foreignAssumeRoles: foreign.length,
        truncated: truncated ? 1 : 0,
        warnings,
      });
      if (finished === null) return null;
      await store.insertItems(tx, items);
      const actor = jobActor(row);
      await deps.audit.record(tx, {
        orgId: row.orgId,
        ...auditActorFields(actor),
        action: 'reconciliation.completed',
        outcome: 'success',
        targetType: 'reconciliation',
        targetId: row.id,
        connectionId: row.connectionId,
        details: {
          windowStart: row.windowStart.toISOString(),
          windowEnd: row.windowEnd.toISOString(),
          matched,
          unmatched: unmatched.length,
          unlogged: result.unlogged.length,
          foreignAssumeRoles: foreign.length,
        },
      });
      if (unmatched.length > 0) {
        await deps.outbox.enqueue(tx, {
          type: 'threat.session_used_outside_rolegate',
          orgId: row.orgId,
          dedupeKey: `reconcile:${row.id}:unmatched`,
          data: {
            connectionId: row.connectionId,
            reconciliationId: row.id,
            windowStart: row.windowStart.toISOString(),
            windowEnd: row.windowEnd.toISOString(),
            events: unmatched.length,
            severity: 'high',
            recommendedAction: action,
          },
        });
      }
      if (foreign.length > 0) {
        await deps.outbox.enqueue(tx, {
          type: 'threat.role_assumed_outside_rolegate',
          orgId: row.orgId,
          dedupeKey: `reconcile:${row.id}:assume_role`,
          data: {
            connectionId: row.connectionId,
            reconciliationId: row.id,
            windowStart: row.windowStart.toISOString(),
            windowEnd: row.windowEnd.toISOString(),
            events: foreign.length,
          },
        });
      }
      return finished;
    });
  }

  return {
    enqueue(id: string, orgId: string) {
      if (stopped || active.has(id)) return;
      const ids = queue.get(orgId);
      if (ids === undefined) queue.set(orgId, [id]);
      else if (!ids.includes(id)) ids.push(id);
      pump();
    },

    async recover(): Promise<void> {
      const now = clock.now().getTime();
      for (const job of await store.listUnfinished()) {
        const stale =
          job.status === 'queued' ||
          job.heartbeatAt === null ||
          now - job.heartbeatAt.getTime() > options.staleAfterMs;
        if (stale) this.enqueue(job.id, job.orgId);
      }
    },

    subscribe(id: string, listener: (view: ReconciliationView) => void): () => void {
      events.on(id, listener);
      return () => events.off(id, listener);
    },

    abortLocal(id: string) {
      active.get(id)?.controller.abort(new Error('reconciliation cancelled'));
    },

    async stop(): Promise<void> {
      stopped = true;
      queue.clear();
      const running = [...active.values()];
      for (const job of running) job.controller.abort(new Error('shutdown'));
      await Promise.all(running.map((j) => j.done));
    },

    async idle(): Promise<void> {
      const queued = () => [...queue.values()].reduce((n, ids) => n + ids.length, 0);
      while (active.size > 0 || queued() > 0) await Promise.all([...active.values()].map((j) => j.done));
    },
  };
}

export type ReconcileRunner = ReturnType<typeof createReconcileRunner>;
