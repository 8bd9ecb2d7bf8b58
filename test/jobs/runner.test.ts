import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EMPTY_SCOPES } from '../../src/connections/schemas.ts';
import { connections } from '../../src/connections/tables.ts';
import { AppError, ErrorCode } from '../../src/core/errors.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { organizations } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createJobRegistry, type JobRegistry } from '../../src/jobs/registry.ts';
import {
  createJobRunner,
  type JobContext,
  type JobLogger,
  type JobRunner,
  type JobRunnerOptions,
} from '../../src/jobs/runner.ts';
import { createReconcileStore } from '../../src/reconcile/store.ts';
import { createScanStore, type ScanRow, type ScanStore } from '../../src/scans/store.ts';
import { scans } from '../../src/scans/tables.ts';
import { isolatedPostgres, testEnv } from '../helpers/app.ts';

/**
 * The shared job runner (src/jobs/runner.ts) on its own: a real job table (the scans' one, with its
 * lease SQL) and a test job whose work the test drives step by step. Heartbeats never fire on their
 * own here (a one-hour interval); lease expiry is a fake clock moved past `staleAfterMs`.
 */

const OPTIONS: JobRunnerOptions = {
  maxConcurrentJobs: 3,
  maxRunningPerOrg: 1,
  heartbeatMs: 3_600_000,
  staleAfterMs: 30_000,
  maxAttempts: 3,
};

const quiet: JobLogger = { info: () => {}, warn: () => {}, error: () => {} };

let database: Database;
let isolated: { url: string; drop(): Promise<void> } | null = null;
let store: ScanStore;
let nowMs = Date.parse('2026-11-30T00:00:00Z');
const clock = { now: () => new Date(nowMs) };

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** What the test job does, per job id: by default it succeeds at once. */
type Step = (row: ScanRow, ctx: JobContext<ScanRow, never>) => Promise<void>;

interface Harness {
  runner: JobRunner<{ id: string; status: string }>;
  registry: JobRegistry;
  /** Job ids in the order their work started (the attempt each ran as). */
  started: Array<{ id: string; attempt: number }>;
  steps: Map<string, Step>;
  succeeded: string[];
}

function harness(options: Partial<JobRunnerOptions> = {}): Harness {
  const registry = createJobRegistry();
  const started: Harness['started'] = [];
  const steps = new Map<string, Step>();
  const succeeded: string[] = [];
  const runner = createJobRunner(
    { clock, logger: quiet, options: { ...OPTIONS, ...options }, jobs: registry },
    {
      noun: 'job',
      logKey: 'jobId',
      store: {
        claim: store.claim,
        heartbeat: store.heartbeat,
        finish: store.finish,
        release: store.release,
        listUnfinished: store.listUnfinished,
        get: store.getScanForWorker,
      },
      view: (row: ScanRow) => ({ id: row.id, status: row.status }),
      async work(row, ctx) {
        started.push({ id: row.id, attempt: row.attempt });
        await steps.get(row.id)?.(row, ctx);
      },
      async succeed(row) {
        succeeded.push(row.id);
        return store.finish(row, 'succeeded', clock.now());
      },
    },
  );
  return { runner, registry, started, steps, succeeded };
}

async function newOrg(): Promise<{ orgId: string; connectionId: string }> {
  const orgId = newId('org');
  const connectionId = newId('con');
  await database.db.insert(organizations).values({ id: orgId, name: 'runner test' });
  // Never resolved here: the test job does not call AWS, so the external ID is a placeholder.
  await database.db.insert(connections).values({
    id: connectionId,
    orgId,
    name: 'runner test',
    externalId: 'unused',
    capabilities: ['cost-scan'],
    scopes: EMPTY_SCOPES,
  });
  return { orgId, connectionId };
}

async function newJob(
  org: { orgId: string; connectionId: string },
  values: Partial<typeof scans.$inferInsert> = {},
): Promise<string> {
  const id = newId('scn');
  await store.insertScan(database.db, {
    id,
    orgId: org.orgId,
    connectionId: org.connectionId,
    status: 'queued',
    regions: ['us-east-1'],
    requestedByType: 'system',
    requestedById: 'test',
    createdAt: clock.now(),
    ...values,
  });
  return id;
}

async function rowOf(id: string): Promise<ScanRow> {
  const row = await store.getScanForWorker(id);
  if (row === null) throw new Error(`no job ${id}`);
  return row;
}

/** A step that reports it started, then waits for the test's go. */
function gated() {
  const began = deferred();
  const go = deferred();
  const step: Step = async () => {
    began.resolve();
    await go.promise;
  };
  return { step, began: began.promise, go: go.resolve };
}

/** A step that runs until its job is aborted, then ends the way an aborted AWS call does. */
function untilAborted(after?: () => Promise<void>) {
  const began = deferred();
  const step: Step = async (_row, ctx) => {
    began.resolve();
    if (!ctx.signal.aborted) {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
    }
    await after?.();
    ctx.signal.throwIfAborted();
  };
  return { step, began: began.promise };
}

beforeAll(async () => {
  const env = testEnv();
  // recover() reads every unfinished job of the table: on PostgreSQL, a database of this file's own.
  isolated = env.DATABASE_URL === undefined ? null : await isolatedPostgres(env.DATABASE_URL);
  database = await openDatabase({ url: isolated?.url ?? env.DATABASE_URL, dataDir: 'memory://' });
  await runMigrations(database);
  store = createScanStore(database.db);
});

afterAll(async () => {
  await database?.close();
  await isolated?.drop();
});

describe('the shared job runner', () => {
  it('runs one job per organisation at a time (the cap), while another organisation’s job runs beside it', async () => {
    const h = harness();
    const a = await newOrg();
    const b = await newOrg();
    const a1 = await newJob(a);
    const a2 = await newJob(a);
    const b1 = await newJob(b);
    const gates = new Map([a1, a2, b1].map((id) => [id, gated()]));
    for (const [id, g] of gates) h.steps.set(id, g.step);

    h.runner.enqueue(a1, a.orgId);
    h.runner.enqueue(a2, a.orgId);
    h.runner.enqueue(b1, b.orgId);
    await gates.get(a1)?.began;
    await gates.get(b1)?.began;
    // A free slot (3 allowed in all) does not go to a2: its organisation is at its cap.
    expect(h.started.map((s) => s.id)).toEqual([a1, b1]);
    expect((await rowOf(a2)).status).toBe('queued');

    gates.get(a1)?.go();
    await gates.get(a2)?.began;
    expect(h.started.map((s) => s.id)).toEqual([a1, b1, a2]);
    gates.get(a2)?.go();
    gates.get(b1)?.go();
    await h.runner.idle();
    for (const id of [a1, a2, b1]) expect((await rowOf(id)).status).toBe('succeeded');
  });

  it('resumes a job whose worker died once its lease expired, in another runner instance', async () => {
    const dying = harness();
    const org = await newOrg();
    const id = await newJob(org);
    const hung = untilAborted();
    dying.steps.set(id, hung.step);
    dying.runner.enqueue(id, org.orgId);
    await hung.began;
    expect(await rowOf(id)).toMatchObject({ status: 'running', attempt: 1 });

    // The worker stops heart-beating (its process hangs or died). While the lease is fresh, another
    // process leaves the job alone.
    const other = harness();
    await other.runner.recover();
    await other.runner.idle();
    expect(other.started).toEqual([]);

    nowMs += OPTIONS.staleAfterMs + 1;
    await other.runner.recover();
    await other.runner.idle();
    expect(other.started).toEqual([{ id, attempt: 2 }]);
    expect(await rowOf(id)).toMatchObject({ status: 'succeeded', attempt: 2 });

    // The old worker, stopped late, cannot hand the finished job back to the queue.
    await dying.runner.stop();
    expect((await rowOf(id)).status).toBe('succeeded');
    expect(dying.succeeded).toEqual([]);
  });

  it('fails a job interrupted more than maxAttempts times instead of resuming it again', async () => {
    const h = harness();
    const org = await newOrg();
    const id = await newJob(org, {
      status: 'running',
      attempt: OPTIONS.maxAttempts,
      heartbeatAt: new Date(nowMs - OPTIONS.staleAfterMs - 1),
    });
    await h.runner.recover();
    await h.runner.idle();
    expect(h.started).toEqual([]);
    expect(await rowOf(id)).toMatchObject({
      status: 'failed',
      errorCode: 'job_interrupted',
      errorMessage: `The job was interrupted ${OPTIONS.maxAttempts} times and was not resumed again.`,
    });
  });

  it('cancels: through the job registry (a deleted connection), from another node (database flag), and from the work itself', async () => {
    const h = harness();
    const org = await newOrg();

    // 1. The delete path aborts the registered job; subscribers hear the end.
    const viaRegistry = await newJob(org);
    const hung = untilAborted();
    h.steps.set(viaRegistry, hung.step);
    const views: string[] = [];
    const unsubscribe = h.runner.subscribe(viaRegistry, (v) => views.push(v.status));
    h.runner.enqueue(viaRegistry, org.orgId);
    await hung.began;
    expect(h.registry.cancelConnection(org.orgId, org.connectionId)).toBe(1);
    await h.runner.idle();
    unsubscribe();
    expect((await rowOf(viaRegistry)).status).toBe('cancelled');
    expect(views).toEqual(['running', 'cancelled']);
    // Unregistered when it ended: nothing left to abort.
    expect(h.registry.cancelConnection(org.orgId, org.connectionId)).toBe(0);

    // 2. Cancelled on another node while the work ran: its result is not recorded.
    const viaDatabase = await newJob(org);
    const gate = gated();
    h.steps.set(viaDatabase, gate.step);
    h.runner.enqueue(viaDatabase, org.orgId);
    await gate.began;
    await store.requestCancel(org.orgId, viaDatabase, clock.now());
    gate.go();
    await h.runner.idle();
    expect((await rowOf(viaDatabase)).status).toBe('cancelled');
    expect(h.succeeded).not.toContain(viaDatabase);

    // 3. The work finds its connection gone.
    const viaWork = await newJob(org);
    h.steps.set(viaWork, async (_row, ctx) => {
      ctx.cancel();
      ctx.signal.throwIfAborted();
    });
    h.runner.enqueue(viaWork, org.orgId);
    await h.runner.idle();
    expect((await rowOf(viaWork)).status).toBe('cancelled');
  });

  it('on shutdown waits for running work, hands the job back to the queue, and the next start finishes it', async () => {
    const h = harness();
    const org = await newOrg();
    const id = await newJob(org);
    const order: string[] = [];
    const hung = untilAborted(async () => {
      // Work still going on after the abort (a database write): stop() must wait for it.
      await store.getScanForWorker(id);
      order.push('work ended');
    });
    h.steps.set(id, hung.step);
    h.runner.enqueue(id, org.orgId);
    await hung.began;

    await h.runner.stop().then(() => order.push('stopped'));
    expect(order).toEqual(['work ended', 'stopped']);
    expect(await rowOf(id)).toMatchObject({ status: 'queued', heartbeatAt: null, attempt: 1 });
    // A stopped runner takes nothing new.
    h.runner.enqueue(await newJob(org), org.orgId);
    await h.runner.idle();
    expect(h.started.map((s) => s.id)).toEqual([id]);

    const next = harness();
    await next.runner.recover();
    await next.runner.idle();
    expect(next.started.find((s) => s.id === id)).toEqual({ id, attempt: 2 });
    expect((await rowOf(id)).status).toBe('succeeded');
  });

  it('records a failing job as failed with a stable code, never loses it, and runs the organisation’s next job', async () => {
    const h = harness();
    const org = await newOrg();
    const crashes = await newJob(org);
    const internal = await newJob(org);
    const refused = await newJob(org);
    const after = await newJob(org);
    h.steps.set(crashes, async () => {
      throw new Error('secret internal detail');
    });
    h.steps.set(internal, async () => {
      throw new AppError(ErrorCode.INTERNAL, 'secret internal detail');
    });
    h.steps.set(refused, async () => {
      throw new AppError(ErrorCode.CONNECTION_DISABLED, 'The connection is disabled.');
    });
    for (const id of [crashes, internal, refused, after]) h.runner.enqueue(id, org.orgId);
    await h.runner.idle();

    // An error of no known kind is recorded as a failed AWS request, without its own message.
    expect(await rowOf(crashes)).toMatchObject({
      status: 'failed',
      errorCode: ErrorCode.AWS_REQUEST_FAILED,
      errorMessage: 'AWS rejected the request.',
    });
    expect(await rowOf(internal)).toMatchObject({
      status: 'failed',
      errorCode: ErrorCode.INTERNAL,
      errorMessage: 'The job failed; see the server log.',
    });
    expect(await rowOf(refused)).toMatchObject({
      status: 'failed',
      errorCode: ErrorCode.CONNECTION_DISABLED,
      errorMessage: 'The connection is disabled.',
    });
    expect((await rowOf(after)).status).toBe('succeeded');
    expect(h.succeeded).toEqual([after]);
    const unfinished = await database.db.select().from(scans).where(eq(scans.orgId, org.orgId));
    expect(unfinished.every((r) => r.finishedAt !== null)).toBe(true);
  });
  describe('a stale worker (its lease expired and another node took the job over)', () => {
    /**
     * Worker A claims the job (attempt 1) and its work hangs; its lease expires; worker B claims it
     * (attempt 2) and runs it. A is still alive: whatever it does next must not touch B's job.
     */
    async function takenOver(staleStep: Step, stale: Harness = harness()) {
      const org = await newOrg();
      const id = await newJob(org);
      const signals: AbortSignal[] = [];
      const aBegan = deferred();
      stale.steps.set(id, async (row, ctx) => {
        signals.push(ctx.signal);
        aBegan.resolve();
        await staleStep(row, ctx);
      });
      stale.runner.enqueue(id, org.orgId);
      await aBegan.promise;

      nowMs += OPTIONS.staleAfterMs + 1;
      const takeover = harness();
      const gate = gated();
      takeover.steps.set(id, gate.step);
      await takeover.runner.recover();
      await gate.began;
      const claimedAt = new Date(nowMs);
      expect(await rowOf(id)).toMatchObject({ status: 'running', attempt: 2, heartbeatAt: claimedAt });
      // Later than B's claim, so a write by A would show in the heartbeat.
      nowMs += 1_000;
      return { org, id, stale, takeover, gate, claimedAt, staleSignal: () => signals[0] as AbortSignal };
    }

    /** B's job is untouched by A, then B's own outcome is recorded. */
    async function takeoverStands(t: Awaited<ReturnType<typeof takenOver>>) {
      expect(await rowOf(t.id)).toMatchObject({
        status: 'running',
        attempt: 2,
        heartbeatAt: t.claimedAt,
        finishedAt: null,
        errorCode: null,
      });
      t.gate.go();
      await t.takeover.runner.idle();
      expect(await rowOf(t.id)).toMatchObject({ status: 'succeeded', attempt: 2, errorCode: null });
      expect(t.takeover.succeeded).toEqual([t.id]);
    }

    it('cannot hand the job back to the queue on shutdown', async () => {
      const hung = untilAborted();
      const t = await takenOver(hung.step);
      await t.stale.runner.stop();
      await takeoverStands(t);
    });

    it('cannot record its success, and is aborted when its last heartbeat finds the job taken', async () => {
      const aGate = gated();
      const t = await takenOver(aGate.step);
      aGate.go();
      await t.stale.runner.idle();
      expect(t.stale.succeeded).toEqual([]);
      expect(t.staleSignal().aborted).toBe(true);
      await takeoverStands(t);
    });

    it('cannot record its failure', async () => {
      const fails = deferred();
      const t = await takenOver(async () => {
        await fails.promise;
        throw new AppError(ErrorCode.CONNECTION_DISABLED, 'The connection is disabled.');
      });
      fails.resolve();
      await t.stale.runner.idle();
      await takeoverStands(t);
    });

    it('cannot record a cancellation (its connection deleted on its node)', async () => {
      const hung = untilAborted();
      const t = await takenOver(hung.step);
      const views: string[] = [];
      t.stale.runner.subscribe(t.id, (v) => views.push(v.status));
      expect(t.stale.registry.cancelConnection(t.org.orgId, t.org.connectionId)).toBe(1);
      await t.stale.runner.idle();
      // Its subscribers hear the job as it is (running on the other node), not a made-up end.
      expect(views).toEqual(['running']);
      await takeoverStands(t);
    });

    it('cannot renew the lease with its periodic heartbeat, and stops its work when that matches nothing', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const hung = untilAborted();
        // Only A heart-beats on the fake timer; B's interval is an hour.
        const t = await takenOver(hung.step, harness({ heartbeatMs: 1_000 }));
        vi.advanceTimersByTime(1_000);
        await t.stale.runner.idle();
        expect(t.staleSignal().aborted).toBe(true);
        expect(t.stale.succeeded).toEqual([]);
        await takeoverStands(t);
      } finally {
        vi.useRealTimers();
      }
    });

    it('cannot store a scan region’s results in the job (the fenced write matches nothing)', async () => {
      const hung = untilAborted();
      const t = await takenOver(hung.step);
      const staleRow = { id: t.id, orgId: t.org.orgId, connectionId: t.org.connectionId, attempt: 1 };
      expect(await store.completeRegion(staleRow, 'us-east-1', [], [], clock.now())).toBeNull();
      expect((await rowOf(t.id)).regionsDone).toEqual([]);
      await t.stale.runner.stop();
      await takeoverStands(t);
    });

    it('the reconciliation table’s writes are fenced the same way (heartbeat, release, outcome)', async () => {
      const reconcile = createReconcileStore(database.db);
      const org = await newOrg();
      const id = newId('rec');
      await reconcile.insert(database.db, {
        id,
        orgId: org.orgId,
        connectionId: org.connectionId,
        status: 'queued',
        trigger: 'manual',
        windowStart: new Date(nowMs - 3_600_000),
        windowEnd: new Date(nowMs),
        regions: ['us-east-1'],
        warnings: [],
        requestedByType: 'system',
        requestedById: 'test',
        createdAt: clock.now(),
      });
      const stale = await reconcile.claim(id, clock.now(), new Date(nowMs - OPTIONS.staleAfterMs));
      expect(stale?.attempt).toBe(1);
      nowMs += OPTIONS.staleAfterMs + 1;
      const current = await reconcile.claim(id, clock.now(), new Date(nowMs - OPTIONS.staleAfterMs));
      expect(current?.attempt).toBe(2);
      const takenAt = new Date(nowMs);
      nowMs += 1_000;
      const old = { id, attempt: 1 };
      expect(await reconcile.heartbeat(old, clock.now(), { pages: 9, eventsSeen: 9 })).toBeNull();
      expect(await reconcile.finish(database.db, old, 'succeeded', clock.now(), { matched: 9 })).toBeNull();
      expect(await reconcile.release(old)).toBe(false);
      expect(await reconcile.getForWorker(id)).toMatchObject({
        status: 'running',
        attempt: 2,
        heartbeatAt: takenAt,
        pages: 0,
        matched: 0,
      });
      expect(await reconcile.finish(database.db, { id, attempt: 2 }, 'succeeded', clock.now())).toMatchObject(
        {
          status: 'succeeded',
        },
      );
    });
  });
});
