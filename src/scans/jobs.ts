import { EventEmitter } from 'node:events';
import { partitionOf } from '../aws/arn.ts';
import { awsErrorCode, classifyAwsError, mapAwsError } from '../aws/errors.ts';
import type { Broker } from '../broker/broker.ts';
import type { Lanes } from '../broker/lanes.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionResolver, UsableConnection } from '../connections/types.ts';
import { type Actor, systemActor } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { abortableSleep, actionPolicy, type ScanClientFactory, withThrottleRetry } from './aws.ts';
import type { JobRegistry } from './cancellation.ts';
import { DETECTORS, type DetectedFinding, type Detector } from './detectors.ts';
import type { ScanRow, ScanStore } from './store.ts';
import type { ScanWarning } from './tables.ts';

/** Runs `fn` with the audit record written first (fail closed) and the outcome after. */
export interface ScanJobOptions {
  /** Jobs running at once in this process, all organisations together. */
  maxConcurrentJobs: number;
  /** Jobs of one organisation running at once in this process (the others wait their turn). */
  maxRunningPerOrg: number;
  regionConcurrency: number;
  heartbeatMs: number;
  /** A running job whose heartbeat is older than this belongs to a dead worker. */
  staleAfterMs: number;
  /** Attempts (including resumptions) before an interrupted job is failed instead of resumed. */
  maxAttempts: number;
  snapshotMinAgeDays: number;
  amiMinAgeDays: number;
  throttleAttempts: number;
  throttleBaseDelayMs: number;
}

export const DEFAULT_SCAN_JOB_OPTIONS: ScanJobOptions = {
  maxConcurrentJobs: 4,
  maxRunningPerOrg: 1,
  regionConcurrency: 2,
  heartbeatMs: 5_000,
  staleAfterMs: 30_000,
  maxAttempts: 3,
  snapshotMinAgeDays: 30,
  amiMinAgeDays: 90,
  throttleAttempts: 5,
  throttleBaseDelayMs: 1_000,
};

export interface ScanView {
  id: string;
  connectionId: string;
  status: ScanRow['status'];
  progress: { regionsDone: number; regionsTotal: number; findings: number };
  regions: string[];
  warnings: ScanWarning[];
  attempt: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error?: { code: string; message: string };
}

export function scanView(row: ScanRow): ScanView {
  return {
    id: row.id,
    connectionId: row.connectionId,
    status: row.status,
    progress: {
      regionsDone: row.regionsDone.length,
      regionsTotal: row.regions.length,
      findings: row.findingsCount,
    },
    regions: row.regions,
    warnings: row.warnings,
    attempt: row.attempt,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    ...(row.errorCode === null ? {} : { error: { code: row.errorCode, message: row.errorMessage ?? '' } }),
  };
}

export const TERMINAL: ReadonlySet<ScanRow['status']> = new Set(['succeeded', 'failed', 'cancelled']);

export interface JobLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ScanRunnerDeps {
  store: ScanStore;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  broker: Pick<Broker, 'call'>;
  clients: ScanClientFactory;
  clock: Clock;
  logger: JobLogger;
  options: ScanJobOptions;
  /** Per-organisation AWS concurrency, shared with interactive operations. */
  lanes: Pick<Lanes, 'run'>;
  /** Where running jobs are registered, so delete paths can abort them. */
  jobs: Pick<JobRegistry, 'register'>;
  detectors?: readonly Detector[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

type StopReason = 'cancelled' | 'shutdown';

/** AWS denied a detector's read call (not the AssumeRole): the detector is skipped with a warning. */
class DetectorDenied extends Error {
  readonly denial: unknown;
  constructor(denial: unknown) {
    super('AWS denied a detector call');
    this.denial = denial;
    // Keeps the AWS error name, which the audit outcome records.
    this.name = awsErrorCode(denial) ?? 'AccessDenied';
  }
}

/** The actor a background job acts as: whoever asked for the scan (the system for a CLI scan). */
export function jobActor(row: ScanRow): Actor {
  const requestId = `job:${row.id}`;
  if (row.requestedByType === 'system') return systemActor('scan-job', requestId, row.orgId);
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

/**
 * In-process job runner: bounded concurrency across jobs, a few regions at a time per job, state in
 * the database after every region, heartbeats so another process can tell a dead worker, and
 * resumption of interrupted jobs on start.
 *
 * Scheduling is fair between organisations (issue 25, item 5): each organisation has its own queue,
 * the organisations with queued jobs are served round-robin, and one organisation runs at most
 * `maxRunningPerOrg` jobs at once, so four scans of one tenant cannot keep another tenant's scan
 * waiting behind them.
 */
export function createScanRunner(deps: ScanRunnerDeps) {
  const { store, clock, logger, options } = deps;
  const detectors = deps.detectors ?? DETECTORS;
  const sleep = deps.sleep ?? abortableSleep;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  /** Queued job ids per organisation; Map order is the round-robin order (served ones go last). */
  const queue = new Map<string, string[]>();
  const active = new Map<string, { orgId: string; controller: AbortController; done: Promise<void> }>();
  const runningByOrg = new Map<string, number>();
  let stopped = false;

  function emit(row: ScanRow | null) {
    if (row !== null) events.emit(row.id, scanView(row));
  }

  function queuedCount(): number {
    let n = 0;
    for (const ids of queue.values()) n += ids.length;
    return n;
  }

  /** The next job to start: the first organisation in round-robin order that is under its cap. */
  function next(): { orgId: string; id: string } | null {
    for (const [orgId, ids] of queue) {
      if ((runningByOrg.get(orgId) ?? 0) >= options.maxRunningPerOrg) continue;
      const id = ids.shift() as string;
      // Served: to the back of the line (or out of it, with nothing left to run).
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
        logger.error({ err, scanId: id }, 'scan job crashed');
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

  async function scanRegion(connection: UsableConnection, row: ScanRow, region: string, signal: AbortSignal) {
    const actor = jobActor(row);
    const ctx = {
      region,
      accountId: connection.accountId,
      partition: partitionOf(connection.roleArn),
      now: clock.now(),
      snapshotMinAgeDays: options.snapshotMinAgeDays,
      amiMinAgeDays: options.amiMinAgeDays,
    };
    const found: DetectedFinding[] = [];
    const warnings: ScanWarning[] = [];
    for (const detector of detectors) {
      if (signal.aborted) return { found, warnings };
      const operation = `scan.${detector.type}`;
      let result: DetectedFinding[];
      try {
        result = await withThrottleRetry(
          () =>
            deps.broker.call(
              {
                connection,
                actor,
                policy: actionPolicy(detector.actions),
                operation,
                region,
                audit: {
                  actorType: row.requestedByType,
                  // As auditActorFields: a system requester (the CLI) is recorded without an id.
                  actorId: row.requestedByType === 'system' ? null : row.requestedById,
                  action: `aws.${operation}`,
                  targetType: 'scan',
                  targetId: row.id,
                  resource: `${region}:${detector.actions.join(',')}`,
                  requestId: actor.requestId,
                },
              },
              async (credentials) => {
                // Cancelled (connection deleted) while the attempt record was being written.
                signal.throwIfAborted();
                try {
                  return await detector.run(deps.clients(credentials, region), ctx);
                } catch (err) {
                  throw classifyAwsError(err) === 'access_denied' ? new DetectorDenied(err) : err;
                }
              },
            ),
          {
            attempts: options.throttleAttempts,
            baseDelayMs: options.throttleBaseDelayMs,
            sleep,
            signal,
          },
        );
      } catch (err) {
        // A role made from an older template may lack one detector's actions: report, go on.
        if (!(err instanceof DetectorDenied)) throw err;
        const mapped = mapAwsError(err.denial);
        warnings.push({ region, detector: detector.type, code: mapped.code, message: mapped.message });
        continue;
      }
      found.push(...result);
    }
    return { found, warnings };
  }

  async function run(id: string, controller: AbortController): Promise<void> {
    const now = clock.now();
    const claimed = await store.claim(id, now, new Date(now.getTime() - options.staleAfterMs));
    if (claimed === null) return;
    if (claimed.cancelRequested === 1) {
      // Cancelled while its previous worker was dying: honour the cancellation.
      emit(await store.finish(id, 'cancelled', clock.now()));
      return;
    }
    if (claimed.attempt > options.maxAttempts) {
      emit(
        await store.finish(id, 'failed', clock.now(), {
          code: 'job_interrupted',
          message: `The scan was interrupted ${claimed.attempt - 1} times and was not resumed again.`,
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
    const outcome: { stop: StopReason | null } = { stop: null };
    const stop = (reason: StopReason) => {
      if (outcome.stop === null) outcome.stop = reason;
      controller.abort(new Error(`scan ${reason}`));
    };
    controller.signal.addEventListener('abort', () => {
      if (outcome.stop === null) outcome.stop = stopped ? 'shutdown' : 'cancelled';
    });
    const beat = setInterval(() => {
      store
        .heartbeat(id, clock.now())
        .then((state) => {
          // No row (deleted with its connection or organisation) is a cancellation too.
          if (state === null || state.cancelRequested) stop('cancelled');
        })
        .catch((err: unknown) => logger.warn({ err, scanId: id }, 'scan heartbeat failed'));
    }, options.heartbeatMs);
    beat.unref();
    /**
     * The connection as it is now. It may have been deleted (here or on another node) since the
     * last region: that is a cancellation, not a failure.
     */
    const resolve = async (): Promise<UsableConnection | null> => {
      try {
        return await deps.resolver.resolveUsable(claimed.orgId, claimed.connectionId, 'cost-scan');
      } catch (err) {
        if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) {
          stop('cancelled');
          return null;
        }
        throw err;
      }
    };
    try {
      const pending = claimed.regions.filter((r) => !claimed.regionsDone.includes(r));
      let nextRegion = 0;
      const worker = async () => {
        while (!controller.signal.aborted && nextRegion < pending.length) {
          const region = pending[nextRegion++] as string;
          const connection = await resolve();
          if (connection === null || controller.signal.aborted) return;
          const { found, warnings } = await deps.lanes.run(
            claimed.orgId,
            'short',
            () => scanRegion(connection, claimed, region, controller.signal),
            { signal: controller.signal, background: true },
          );
          if (controller.signal.aborted) return;
          const row = await store.completeRegion(claimed, region, found, warnings, clock.now());
          // No running row left: deleted with its connection, or cancelled elsewhere.
          if (row === null) stop('cancelled');
          emit(row);
        }
      };
      const workers = Array.from({ length: Math.min(options.regionConcurrency, pending.length) }, worker);
      await Promise.all(workers);
      if (outcome.stop === null) {
        const state = await store.heartbeat(id, clock.now());
        if (state === null || state.cancelRequested) outcome.stop = 'cancelled';
      }
      if (outcome.stop === 'shutdown') {
        await store.release(id);
      } else if (outcome.stop === 'cancelled') {
        await finishCancelled();
      } else {
        emit(await store.finish(id, 'succeeded', clock.now()));
      }
    } catch (err) {
      if (outcome.stop === 'shutdown') {
        await store.release(id);
      } else if (outcome.stop === 'cancelled') {
        await finishCancelled();
      } else {
        const mapped = mapAwsError(err);
        const code = mapped.code;
        const message =
          mapped.status < 500 || code !== ErrorCode.INTERNAL
            ? mapped.message
            : 'The scan failed; see the server log.';
        logger.warn({ err, scanId: id }, 'scan job failed');
        emit(await store.finish(id, 'failed', clock.now(), { code, message }));
      }
    } finally {
      clearInterval(beat);
      unregister();
    }

    /** Records the cancellation; with the row already gone, local subscribers still hear the end. */
    async function finishCancelled(): Promise<void> {
      const now = clock.now();
      const row = await store.finish(id, 'cancelled', now);
      emit(row ?? { ...(claimed as ScanRow), status: 'cancelled', finishedAt: now });
    }
  }

  return {
    enqueue(id: string, orgId: string) {
      if (stopped || active.has(id)) return;
      const ids = queue.get(orgId);
      if (ids === undefined) queue.set(orgId, [id]);
      else if (!ids.includes(id)) ids.push(id);
      pump();
    },

    /** On start: every queued job and every running job with a stale heartbeat is resumed or failed. */
    async recover(): Promise<void> {
      const now = clock.now().getTime();
      for (const job of await store.listUnfinished()) {
        const stale =
          job.status === 'queued' ||
          job.heartbeatAt === null ||
          now - job.heartbeatAt.getTime() > options.staleAfterMs;
        if (!stale) continue;
        logger.info({ scanId: job.id, attempt: job.attempt }, 'resuming interrupted scan');
        this.enqueue(job.id, job.orgId);
      }
    },

    /** Stops the local worker of a job (cancellation recorded in the database by the caller). */
    abortLocal(id: string) {
      active.get(id)?.controller.abort(new Error('scan cancelled'));
    },

    subscribe(id: string, listener: (view: ScanView) => void): () => void {
      events.on(id, listener);
      return () => events.off(id, listener);
    },

    /** Clean stop: running jobs go back to `queued` with their regions done, to resume on next start. */
    async stop(): Promise<void> {
      stopped = true;
      queue.clear();
      const running = [...active.values()];
      for (const job of running) job.controller.abort(new Error('shutdown'));
      await Promise.all(running.map((j) => j.done));
    },

    /** Resolves when nothing is running or queued locally (tests, CLI). */
    async idle(): Promise<void> {
      while (active.size > 0 || queuedCount() > 0) await Promise.all([...active.values()].map((j) => j.done));
    },
  };
}

export type ScanRunner = ReturnType<typeof createScanRunner>;
