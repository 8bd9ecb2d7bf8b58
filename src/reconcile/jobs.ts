import { type CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AuditWriter } from '../audit/types.ts';
import type { Broker } from '../broker/broker.ts';
import type { Lanes } from '../broker/lanes.ts';
import type { SessionPolicy } from '../broker/types.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionResolver, UsableConnection } from '../connections/types.ts';
import { auditActorFields } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { newId } from '../db/ids.ts';
import type { JobRegistry } from '../jobs/registry.ts';
import { abortableSleep, withThrottleRetry } from '../jobs/retry.ts';
import {
  createJobRunner,
  type JobContext,
  type JobLogger,
  type JobRunner,
  type JobRunnerOptions,
  jobActor,
} from '../jobs/runner.ts';
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

export interface ReconcileJobOptions extends JobRunnerOptions {
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

/** Saved with each heartbeat, shown while the job runs. */
type Progress = { pages: number; eventsSeen: number };

interface RegionEvents {
  sessions: Array<{ event: TrailEvent; session: RolegateSession; region: string }>;
  imitations: Array<{ event: TrailEvent; sessionName: string; region: string }>;
  assumeRoles: Array<{ event: TrailEvent; reasons: string[]; region: string }>;
  pages: number;
  seen: number;
  truncated: boolean;
}

/** What the reading of a window hands to its completion. */
interface Gathered {
  connection: UsableConnection;
  all: RegionEvents;
  warnings: ReconcileWarning[];
}

/**
 * The reconciliation job: the shared job runner (src/jobs/runner.ts), the one the scans use,
 * schedules, leases, resumes and cancels it; this is only what a reconciliation does. Its AWS work
 * runs inside the organisation's background lane; progress (pages, events) rides on the heartbeats.
 */
export function createReconcileRunner(deps: ReconcileRunnerDeps): ReconcileRunner {
  const { store, clock, options } = deps;
  const sleep = deps.sleep ?? abortableSleep;
  const egress = egressList(deps.egressIps);

  /** Reads every LookupEvents page of the window (padded by the skew) in one region. */
  async function readRegion(
    connection: UsableConnection,
    row: ReconciliationRow,
    region: string,
    signal: AbortSignal,
    onPage: (pages: number, seen: number) => void,
  ): Promise<RegionEvents> {
    const actor = jobActor(row, 'reconcile');
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

  async function work(
    claimed: ReconciliationRow,
    job: JobContext<ReconciliationRow, Progress>,
  ): Promise<Gathered> {
    const progress: Progress = { pages: 0, eventsSeen: 0 };
    job.progress(progress);
    let connection: UsableConnection;
    try {
      connection = await deps.resolver.resolveUsable(claimed.orgId, claimed.connectionId, 'cloudtrail-read');
    } catch (err) {
      // Deleted since it was queued: a cancellation, not a failure.
      if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) job.cancel();
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
          readRegion(connection, claimed, region, job.signal, (pages, seen) => {
            progress.pages = before.pages + pages;
            progress.eventsSeen = before.eventsSeen + seen;
            job.emit({ ...claimed, pages: progress.pages, eventsSeen: progress.eventsSeen });
          }),
        { signal: job.signal, background: true },
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
    return { connection, all, warnings };
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
      // Fenced by the claim: a worker that lost the job stores no items, audit record or events.
      const finished = await store.finish(tx, row, 'succeeded', now, {
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
      const actor = jobActor(row, 'reconcile');
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

  return createJobRunner(
    { clock, logger: deps.logger, options, jobs: deps.jobs },
    {
      noun: 'reconciliation',
      logKey: 'reconciliationId',
      store: {
        claim: store.claim,
        heartbeat: store.heartbeat,
        release: store.release,
        listUnfinished: store.listUnfinished,
        get: store.getForWorker,
        finish: (job, status, now, error) =>
          store.finish(
            store.db,
            job,
            status,
            now,
            error === undefined ? {} : { errorCode: error.code, errorMessage: error.message },
          ),
      },
      view: reconciliationView,
      work,
      succeed: (row, got) => complete(row, got.connection, got.all, got.warnings),
    },
  );
}

export type ReconcileRunner = JobRunner<ReconciliationView>;
