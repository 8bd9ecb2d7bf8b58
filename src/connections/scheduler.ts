import type { Clock } from '../clock.ts';
import type { ConnectionService } from './service.ts';

/**
 * Periodic re-verification: every `intervalSeconds` (config.aws.verifyInterval; 0 disables) it
 * expires stale pending connections and re-runs verification — including the probes without and
 * with a wrong external ID — for verified connections last checked longer than one interval ago.
 * A connection that became unsafe is disabled at once (see the service). One run at a time; the
 * timer is unref'd so it never keeps the process alive; each wait is jittered so that several
 * nodes do not probe in lock-step.
 */
export interface ConnectionScheduler {
  start(): void;
  stop(): Promise<void>;
  /** One complete pass; resolves when done. Concurrent calls share the run in progress. */
  runOnce(): Promise<{ expired: number; checked: number; disabled: number }>;
}

export interface SchedulerLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createConnectionScheduler(deps: {
  service: Pick<ConnectionService, 'expirePending' | 'expireRotations' | 'reverifyDue'>;
  clock: Clock;
  intervalSeconds: number;
  logger: SchedulerLogger;
  /** Fraction of the interval added at random to each wait (default 0.1). */
  jitter?: number;
  random?: () => number;
}): ConnectionScheduler {
  const jitter = deps.jitter ?? 0.1;
  const random = deps.random ?? Math.random;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<{ expired: number; checked: number; disabled: number }> | null = null;
  let stopped = true;

  async function pass() {
    const expired = await deps.service.expirePending();
    await deps.service.expireRotations();
    const before = new Date(deps.clock.now().getTime() - deps.intervalSeconds * 1000);
    const { checked, disabled } = await deps.service.reverifyDue(before);
    return { expired, checked, disabled };
  }

  function runOnce() {
    if (running !== null) return running;
    running = pass().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule() {
    if (stopped || deps.intervalSeconds <= 0) return;
    // Checks run at a tenth of the interval (bounded) so a connection is re-verified about once per interval.
    const base = Math.min(Math.max(deps.intervalSeconds * 100, 1000), 3600_000);
    const delay = Math.round(base * (1 + jitter * random()));
    timer = setTimeout(() => {
      timer = null;
      runOnce()
        .then((r) => {
          if (r.expired + r.checked > 0) deps.logger.info(r, 'connection re-verification pass');
        })
        .catch((err: unknown) => deps.logger.error({ err }, 'connection re-verification pass failed'))
        .finally(schedule);
    }, delay);
    timer.unref();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (running !== null) await running.catch(() => undefined);
    },
    runOnce,
  };
}
