import { EventEmitter } from 'node:events';
import { mapAwsError } from '../aws/errors.ts';
import type { Clock } from '../clock.ts';
import { type Actor, systemActor } from '../core/actor.ts';
import { ErrorCode } from '../core/errors.ts';
import type { JobRegistry } from './registry.ts';

/**
 * The one background-job runner (scans, CloudTrail reconciliation). A feature hands it a job table
 * (through `JobStore`) and the job's own work (`JobHandler`); the runner owns everything else:
 * claiming with the database lease, fair per-organisation scheduling, heartbeats, resumption of
 * interrupted jobs, cancellation, the recorded outcome, progress events and clean shutdown.
 */

export interface JobRunnerOptions {
  /** Jobs running at once in this process, all organisations together. */
  maxConcurrentJobs: number;
  /** Jobs of one organisation running at once in this process (the others wait their turn). */
  maxRunningPerOrg: number;
  heartbeatMs: number;
  /** A running job whose heartbeat is older than this belongs to a dead worker. */
  staleAfterMs: number;
  /** Attempts (including resumptions) before an interrupted job is failed instead of resumed. */
  maxAttempts: number;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** The columns every job table has. */
export interface JobRow {
  id: string;
  orgId: string;
  connectionId: string;
  status: JobStatus;
  attempt: number;
  cancelRequested: number;
  finishedAt: Date | null;
  requestedByType: 'user' | 'apiKey' | 'oauth' | 'system';
  requestedById: string;
  requestedByUserId: string | null;
}

/**
 * One claim of a job: the fencing token. Every claim increments `attempt`; every later write of
 * that worker matches only `status = 'running' and attempt = <its attempt>`, so a worker whose lease
 * expired and was taken over (attempt + 1) but which is still alive cannot touch the job any more.
 */
export type JobClaim = Pick<JobRow, 'id' | 'attempt'>;

/**
 * A job table's state transitions. The claim is conditional on the status; every write after it
 * is fenced by the claim (`JobClaim`), so two nodes never both own a job, and a write that matches
 * no row means this worker lost the job (taken over, or deleted with its connection).
 */
export interface JobStore<Row extends JobRow, Progress> {
  /** Takes a queued job, or a running one whose worker stopped heart-beating (attempt + 1). Null if someone else has it. */
  claim(id: string, now: Date, staleBefore: Date): Promise<Row | null>;
  /** Renews the lease (saving `progress` if given); null when the claim no longer owns the job. */
  heartbeat(job: JobClaim, now: Date, progress?: Progress): Promise<{ cancelRequested: boolean } | null>;
  /** Records a final status; null when the claim no longer owns the job (ended, taken over or gone). */
  finish(
    job: JobClaim,
    status: 'succeeded' | 'failed' | 'cancelled',
    now: Date,
    error?: { code: string; message: string },
  ): Promise<Row | null>;
  /** Hands a running job back to the queue (clean shutdown); false when the claim no longer owned it. */
  release(job: JobClaim): Promise<boolean>;
  /** The job as it is now (null: gone), read when a fenced write matched nothing. */
  get(id: string): Promise<Row | null>;
  /** Every queued or running job, oldest first. */
  listUnfinished(): Promise<
    Array<Pick<JobRow, 'id' | 'orgId' | 'status' | 'attempt'> & { heartbeatAt: Date | null }>
  >;
}

export interface JobContext<Row, Progress> {
  /** Aborted on cancellation (any cause) and on shutdown; the work stops as soon as it can. */
  readonly signal: AbortSignal;
  /** Publishes the job's state to subscribers (null: nothing to publish). */
  emit(row: Row | null): void;
  /** The job turned out to be cancelled (its connection deleted): it ends as cancelled. */
  cancel(): void;
  /**
   * A fenced write of the work (`attempt = <this claim>`) matched no row: the job was taken over by
   * another worker or is gone. The work stops and the runner writes nothing more.
   */
  lost(): void;
  /** Saved with every later heartbeat. */
  progress(progress: Progress): void;
}

/** What one kind of job does; everything around it is the runner's. */
export interface JobHandler<Row extends JobRow, View, Result, Progress> {
  /** The job in messages ("scan", "reconciliation"). */
  noun: string;
  /** The log field that names the job ("scanId"). */
  logKey: string;
  store: JobStore<Row, Progress>;
  view(row: Row): View;
  /**
   * The job's work. Throwing fails the job with the error's stable code, unless the job was
   * cancelled or the runner is stopping; returning hands `succeed` what to record.
   */
  work(job: Row, ctx: JobContext<Row, Progress>): Promise<Result>;
  /**
   * Records the success (the final status with the job's results, in one transaction), fenced by
   * `job.attempt` like every write of the worker; null if the claim no longer owns the job.
   */
  succeed(job: Row, result: Result): Promise<Row | null>;
}

export interface JobLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobRunnerDeps {
  clock: Clock;
  logger: JobLogger;
  options: JobRunnerOptions;
  /** Where running jobs are registered, so delete paths can abort them. */
  jobs: Pick<JobRegistry, 'register'>;
}

/** Why the work stopped early; 'lost': this worker no longer owns the job, so it writes nothing. */
type StopReason = 'cancelled' | 'shutdown' | 'lost';

/** What a feature (its service, routes, CLI, app start/stop) sees of its runner. */
export interface JobRunner<View> {
  enqueue(id: string, orgId: string): void;
  recover(): Promise<void>;
  abortLocal(id: string): void;
  subscribe(id: string, listener: (view: View) => void): () => void;
  stop(): Promise<void>;
  idle(): Promise<void>;
}

/** Whoever asked for the job, as the job acts (`component` names the system actor of scheduled and CLI jobs). */
export function jobActor(row: JobRow, component: string): Actor {
  const requestId = `job:${row.id}`;
  if (row.requestedByType === 'system') return systemActor(component, requestId, row.orgId);
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
 * In-process runner: bounded concurrency across jobs, state and heartbeats in the database so
 * another process can tell a dead worker, and resumption of interrupted jobs on start.
 *
 * Scheduling is fair between organisations (issue 25, item 5; DESIGN invariant 15): each
 * organisation has its own queue, the organisations with queued jobs are served round-robin, and
 * one organisation runs at most `maxRunningPerOrg` jobs at once, so four jobs of one tenant cannot
 * keep another tenant's job waiting behind them.
 */
export function createJobRunner<Row extends JobRow, View, Result, Progress = never>(
  deps: JobRunnerDeps,
  handler: JobHandler<Row, View, Result, Progress>,
): JobRunner<View> {
  const { clock, logger, options } = deps;
  const { store, noun, logKey } = handler;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  /** Queued job ids per organisation; Map order is the round-robin order (served ones go last). */
  const queue = new Map<string, string[]>();
  const active = new Map<string, { orgId: string; controller: AbortController; done: Promise<void> }>();
  const runningByOrg = new Map<string, number>();
  let stopped = false;

  function emit(row: Row | null) {
    if (row !== null) events.emit(row.id, handler.view(row));
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
        logger.error({ err, [logKey]: id }, `${noun} job crashed`);
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

  async function run(id: string, controller: AbortController): Promise<void> {
    const now = clock.now();
    const claimed = await store.claim(id, now, new Date(now.getTime() - options.staleAfterMs));
    if (claimed === null) return;
    if (claimed.cancelRequested === 1) {
      // Cancelled while its previous worker was dying: honour the cancellation.
      emit(await store.finish(claimed, 'cancelled', clock.now()));
      return;
    }
    if (claimed.attempt > options.maxAttempts) {
      emit(
        await store.finish(claimed, 'failed', clock.now(), {
          code: 'job_interrupted',
          message: `The ${noun} was interrupted ${claimed.attempt - 1} times and was not resumed again.`,
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
    // An object, not a `let`: closures set it, and narrowing would not see that.
    const outcome: { stop: StopReason | null } = { stop: null };
    let progress: Progress | undefined;
    const cancel = () => {
      outcome.stop ??= 'cancelled';
      controller.abort(new Error(`${noun} cancelled`));
    };
    // Overrides any earlier reason: whatever it was, this worker may no longer write it.
    const lost = () => {
      if (outcome.stop !== 'lost') {
        logger.warn(
          { [logKey]: id, attempt: claimed.attempt },
          `${noun} no longer owned by this worker; stopping`,
        );
      }
      outcome.stop = 'lost';
      controller.abort(new Error(`${noun} taken over by another worker, or gone`));
    };
    controller.signal.addEventListener('abort', () => {
      outcome.stop ??= stopped ? 'shutdown' : 'cancelled';
    });
    const beat = setInterval(() => {
      if (outcome.stop === 'lost') return;
      store
        .heartbeat(claimed, clock.now(), progress)
        .then((state) => {
          if (state === null) lost();
          else if (state.cancelRequested) cancel();
        })
        .catch((err: unknown) => logger.warn({ err, [logKey]: id }, `${noun} heartbeat failed`));
    }, options.heartbeatMs);
    beat.unref();
    const ctx: JobContext<Row, Progress> = {
      signal: controller.signal,
      emit,
      cancel,
      lost,
      progress(p) {
        progress = p;
      },
    };
    try {
      const result = await handler.work(claimed, ctx);
      // Cancelled on another node, or taken over, since the last heartbeat: the result is not recorded.
      if (outcome.stop !== 'lost') {
        const state = await store.heartbeat(claimed, clock.now(), progress);
        if (state === null) lost();
        else if (state.cancelRequested) outcome.stop ??= 'cancelled';
      }
      if (outcome.stop === null) {
        const row = await handler.succeed(claimed, result);
        if (row === null) lost();
        emit(row);
      } else {
        await end(outcome.stop);
      }
    } catch (err) {
      if (outcome.stop !== null) {
        await end(outcome.stop);
      } else {
        const mapped = mapAwsError(err);
        const message =
          mapped.status < 500 || mapped.code !== ErrorCode.INTERNAL
            ? mapped.message
            : `The ${noun} failed; see the server log.`;
        logger.warn({ err, [logKey]: id }, `${noun} job failed`);
        const row = await store.finish(claimed, 'failed', clock.now(), { code: mapped.code, message });
        if (row === null) lost();
        emit(row);
      }
    } finally {
      clearInterval(beat);
      unregister();
    }

    async function end(reason: StopReason): Promise<void> {
      if (reason === 'shutdown') {
        if (!(await store.release(claimed as Row))) lost();
        return;
      }
      const at = clock.now();
      const row = reason === 'lost' ? null : await store.finish(claimed as Row, 'cancelled', at);
      if (row !== null) {
        emit(row);
        return;
      }
      // Not ours any more. Local subscribers hear the job as it is now (running elsewhere, or its
      // outcome there), or its end if the row is gone (deleted with its connection).
      const current = await store.get(id);
      emit(current ?? { ...(claimed as Row), status: 'cancelled', finishedAt: at });
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
        logger.info({ [logKey]: job.id, attempt: job.attempt }, `resuming interrupted ${noun}`);
        this.enqueue(job.id, job.orgId);
      }
    },

    /** Stops the local worker of a job (cancellation recorded in the database by the caller). */
    abortLocal(id: string) {
      active.get(id)?.controller.abort(new Error(`${noun} cancelled`));
    },

    subscribe(id: string, listener: (view: View) => void): () => void {
      events.on(id, listener);
      return () => events.off(id, listener);
    },

    /** Clean stop: running jobs go back to `queued` (with what they saved), to resume on next start. */
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
