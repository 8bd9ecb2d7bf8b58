import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { constantTimeEqual, hmacSha256Hex } from '../crypto/tokens.ts';
import { redactDeep } from '../logging.ts';
import type { ThreatsOutput } from './schemas.ts';

/**
 * Security alerts to an operator's webhook (`ROLEGATE_WEBHOOK_URL`, `ROLEGATE_WEBHOOK_SECRET`).
 *
 * Each delivery is a JSON POST with the header
 *   `Rolegate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * A receiver recomputes the HMAC over the exact raw body, compares in constant time, and rejects a
 * timestamp older than a few minutes (replay); `verifyWebhookSignature` below does exactly that.
 * Retries re-sign with a fresh timestamp but keep the same body and `id`, so receivers can dedupe.
 *
 * Delivery never blocks a request: `notify` queues and returns at once; failures (network error,
 * timeout, 429, 5xx) are retried with exponential backoff up to `maxAttempts`, other 4xx are final.
 * The queue is bounded; when full, new alerts are dropped and logged. Event data is limited to
 * primitives and passed through the log redaction, so secrets never leave in an alert.
 */

export const SIGNATURE_HEADER = 'Rolegate-Signature';

export type SecurityEventType =
  | 'login.new_ip'
  | 'threat.brute_force'
  | 'threat.access_denied_burst'
  | 'threat.connection_unsafe';

export interface SecurityEvent {
  type: SecurityEventType;
  orgId: string | null;
  data: Record<string, string | number | boolean | null>;
}

export interface WebhookPayload extends SecurityEvent {
  id: string;
  occurredAt: string;
}

export interface WebhookNotifier {
  /** Queues the alert and returns at once; never throws. */
  notify(event: SecurityEvent): void;
  /** Resolves when every queued delivery has finished (delivered or given up). */
  flush(): Promise<void>;
}

export interface WebhookLogger {
  warn(obj: object, msg: string): void;
}

export interface WebhookNotifierOptions {
  url: string;
  secret: string;
  clock: Clock;
  fetch?: typeof fetch;
  logger?: WebhookLogger;
  /** Total attempts per alert (first try included). */
  maxAttempts?: number;
  /** Delay before the 2nd attempt; doubles each time, capped by maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Alerts in flight at most; more are dropped. */
  maxPending?: number;
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacSha256Hex(secret, `${timestamp}.${body}`)}`;
}

/** What a receiver does: parse the header, check freshness, recompute and compare in constant time. */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  rawBody: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (header === undefined || header.length > 512) return false;
  const parts = new Map(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (t === undefined || v1 === undefined || !/^\d{1,12}$/.test(t) || !/^[0-9a-f]{64}$/.test(v1))
    return false;
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return false;
  return constantTimeEqual(hmacSha256Hex(secret, `${t}.${rawBody}`), v1);
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  const doFetch = options.fetch ?? fetch;
  const maxAttempts = options.maxAttempts ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxPending = options.maxPending ?? 100;
  const pending = new Set<Promise<void>>();

  async function deliver(payload: WebhookPayload): Promise<void> {
    const body = JSON.stringify(payload);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let outcome: string;
      try {
        const t = Math.floor(options.clock.now().getTime() / 1000);
        const res = await doFetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhook(options.secret, t, body),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.body?.cancel();
        if (res.ok) return;
        outcome = `status ${res.status}`;
        if (!retryable(res.status)) {
          options.logger?.warn(
            { webhookId: payload.id, type: payload.type, outcome },
            'webhook rejected the alert',
          );
          return;
        }
      } catch (err) {
        outcome = err instanceof Error ? err.name : 'error';
      }
      if (attempt === maxAttempts) {
        options.logger?.warn(
          { webhookId: payload.id, type: payload.type, attempts: attempt, outcome },
          'webhook delivery failed; giving up',
        );
        return;
      }
      await sleep(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
    }
  }

  return {
    notify(event) {
      if (pending.size >= maxPending) {
        options.logger?.warn({ type: event.type }, 'webhook queue full; alert dropped');
        return;
      }
      const payload: WebhookPayload = {
        id: `whk_${randomUUID().replaceAll('-', '')}`,
        type: event.type,
        occurredAt: options.clock.now().toISOString(),
        orgId: event.orgId,
        data: redactDeep(event.data) as WebhookPayload['data'],
      };
      const delivery = deliver(payload).catch(() => undefined);
      pending.add(delivery);
      void delivery.finally(() => pending.delete(delivery));
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/** One alert per threat found (e.g. by a periodic job over `InsightsService.threats`). */
export function notifyThreats(
  notifier: Pick<WebhookNotifier, 'notify'>,
  orgId: string,
  threats: ThreatsOutput,
): void {
  for (const s of threats.bruteForceSources) {
    notifier.notify({
      type: 'threat.brute_force',
      orgId,
      data: { ip: s.ip, failures: s.failures, users: s.users, firstAt: s.firstAt, lastAt: s.lastAt },
    });
  }
  for (const b of threats.accessDeniedBursts) {
    notifier.notify({
      type: 'threat.access_denied_burst',
      orgId,
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
    notifier.notify({
      type: 'threat.connection_unsafe',
      orgId,
      data: { connectionId: u.connectionId, action: u.action, at: u.at },
    });
  }
}
