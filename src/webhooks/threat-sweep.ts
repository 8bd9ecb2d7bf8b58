import type { Clock } from '../clock.ts';
import type { DbOrTx } from '../db/client.ts';
import type { ThreatsOutput } from '../insights/schemas.ts';
import type { InsightsService } from '../insights/service.ts';
import type { WebhookEvent, WebhookOutbox } from './outbox.ts';
import { recentlyActiveOrgs } from './store.ts';

/**
 * Turns the threats the insights find in the audit trail (brute-force sources, bursts of denied AWS
 * calls, connections found unsafe) into webhook alerts, once per fixed window. Windows are aligned
 * to the interval and every alert carries a dedupe key of its window, so several nodes sweeping the
 * same window (or one node sweeping it twice after a restart) alert once.
 */

/** Organisations looked at per sweep; the rest wait for the next window (logged). */
export const MAX_ORGS_PER_SWEEP = 1_000;

export function threatEvents(orgId: string, windowStart: string, threats: ThreatsOutput): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  for (const s of threats.bruteForceSources) {
    events.push({
      type: 'threat.brute_force',
      orgId,
      dedupeKey: `brute_force:${windowStart}:${s.ip}`,
      data: { ip: s.ip, failures: s.failures, users: s.users, firstAt: s.firstAt, lastAt: s.lastAt },
    });
  }
  for (const b of threats.accessDeniedBursts) {
    events.push({
      type: 'threat.access_denied_burst',
      orgId,
      dedupeKey: `access_denied:${b.bucketStart}:${b.connectionId ?? '-'}:${b.actorType}:${b.actorId ?? '-'}`,
      data: {
        connectionId: b.connectionId,
        actorType: b.actorType,
        actorId: b.actorId,
        bucketStart: b.bucketStart,
        count: b.count,
      },
    });
  }
  for (const u of threats.unsafeConnections) {
    events.push({
      type: 'threat.connection_unsafe',
      orgId,
      dedupeKey: `unsafe:${u.connectionId}:${u.at}`,
      data: { connectionId: u.connectionId, action: u.action, at: u.at },
    });
  }
  return events;
}

export interface ThreatSweep {
  /** Sweeps the last complete window; returns the number of alerts queued. */
  sweepOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createThreatSweep(deps: {
  db: DbOrTx;
  insights: Pick<InsightsService, 'threats'>;
  outbox: Pick<WebhookOutbox, 'enqueue' | 'hasListeners'>;
  clock: Clock;
  intervalSeconds: number;
  logger: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}): ThreatSweep {
  const intervalMs = deps.intervalSeconds * 1000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  async function sweepOnce(): Promise<number> {
    const end = Math.floor(deps.clock.now().getTime() / intervalMs) * intervalMs;
    const since = new Date(end - intervalMs);
    const until = new Date(end);
    const orgs = await recentlyActiveOrgs(deps.db, since, until, MAX_ORGS_PER_SWEEP + 1);
    if (orgs.length > MAX_ORGS_PER_SWEEP) {
      deps.logger.warn({ window: since.toISOString(), limit: MAX_ORGS_PER_SWEEP }, 'threat sweep truncated');
    }
    let queued = 0;
    for (const orgId of orgs.slice(0, MAX_ORGS_PER_SWEEP)) {
      if (!(await deps.outbox.hasListeners(orgId))) continue;
      const threats = await deps.insights.threats(orgId, {
        since: since.toISOString(),
        until: until.toISOString(),
        minFailedLogins: 5,
        minDenied: 5,
        burstMinutes: 10,
        limit: 50,
      });
      for (const event of threatEvents(orgId, since.toISOString(), threats)) {
        queued += await deps.outbox.enqueue(deps.db, event);
      }
    }
    return queued;
  }

  function schedule(): void {
    const now = deps.clock.now().getTime();
    // Shortly after each window closes, so records committed at its end are in.
    const delay = Math.ceil(now / intervalMs) * intervalMs - now + 5_000;
    timer = setTimeout(() => {
      running = sweepOnce()
        .catch((err: unknown) => {
          deps.logger.error({ err }, 'threat sweep failed');
          return 0;
        })
        .finally(() => {
          running = null;
          if (timer !== null) schedule();
        });
    }, delay);
    timer.unref();
  }

  return {
    sweepOnce,
    start() {
      if (intervalMs <= 0 || timer !== null) return;
      schedule();
    },
    async stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
