import { partitionOf } from '../aws/arn.ts';
import { awsErrorCode, classifyAwsError, mapAwsError } from '../aws/errors.ts';
import type { Broker } from '../broker/broker.ts';
import type { Lanes } from '../broker/lanes.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionResolver, UsableConnection } from '../connections/types.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
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
import { actionPolicy, type ScanClientFactory } from './aws.ts';
import { DETECTORS, type DetectedFinding, type Detector } from './detectors.ts';
import type { ScanRow, ScanStore } from './store.ts';
import type { ScanWarning } from './tables.ts';

export interface ScanJobOptions extends JobRunnerOptions {
  /** Regions of one scan read at once. */
  regionConcurrency: number;
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

/**
 * The scan job: the shared job runner (src/jobs/runner.ts) schedules, leases, resumes and cancels
 * it; this is only what a scan does. A few regions at a time, each region's findings and its
 * "done" mark stored together, so a resumed scan skips the regions already done.
 */
export function createScanRunner(deps: ScanRunnerDeps): ScanRunner {
  const { store, clock, options } = deps;
  const detectors = deps.detectors ?? DETECTORS;
  const sleep = deps.sleep ?? abortableSleep;

  async function scanRegion(connection: UsableConnection, row: ScanRow, region: string, signal: AbortSignal) {
    const actor = jobActor(row, 'scan-job');
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
                  return await detector.run(await deps.clients(credentials, region), ctx);
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

  async function work(claimed: ScanRow, job: JobContext<ScanRow, never>): Promise<void> {
    const { signal } = job;
    /**
     * The connection as it is now. It may have been deleted (here or on another node) since the
     * last region: that is a cancellation, not a failure.
     */
    const resolve = async (): Promise<UsableConnection | null> => {
      try {
        return await deps.resolver.resolveUsable(claimed.orgId, claimed.connectionId, 'cost-scan');
      } catch (err) {
        if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) {
          job.cancel();
          return null;
        }
        throw err;
      }
    };
    const pending = claimed.regions.filter((r) => !claimed.regionsDone.includes(r));
    let nextRegion = 0;
    const worker = async () => {
      while (!signal.aborted && nextRegion < pending.length) {
        const region = pending[nextRegion++] as string;
        const connection = await resolve();
        if (connection === null || signal.aborted) return;
        const { found, warnings } = await deps.lanes.run(
          claimed.orgId,
          'short',
          () => scanRegion(connection, claimed, region, signal),
          { signal, background: true },
        );
        if (signal.aborted) return;
        const row = await store.completeRegion(claimed, region, found, warnings, clock.now());
        // Not this claim's job any more (taken over by another worker, or deleted with its connection).
        if (row === null) {
          job.lost();
          return;
        }
        job.emit(row);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.regionConcurrency, pending.length) }, worker));
  }

  return createJobRunner(
    { clock, logger: deps.logger, options, jobs: deps.jobs },
    {
      noun: 'scan',
      logKey: 'scanId',
      store: {
        claim: store.claim,
        heartbeat: store.heartbeat,
        finish: store.finish,
        release: store.release,
        listUnfinished: store.listUnfinished,
        get: store.getScanForWorker,
      },
      view: scanView,
      work,
      succeed: (row) => store.finish(row, 'succeeded', clock.now()),
    },
  );
}

export type ScanRunner = JobRunner<ScanView>;
