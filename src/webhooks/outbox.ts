import type { Clock } from '../clock.ts';
import { bindingFor } from '../crypto/encrypted-columns.ts';
import { decryptField, type Keyring } from '../crypto/field-encryption.ts';
import type { DbOrTx } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import { redactDeep } from '../logging.ts';
import { sendWebhook } from './sender.ts';
import type { DeliveryRow, NewDelivery, WebhookStore } from './store.ts';
import type { UrlPolicy } from './url-safety.ts';

/**
 * The durable webhook outbox. `enqueue` writes one row per destination (the organisation's
 * subscribed endpoints, and the deployment-wide endpoint when configured) — in the caller's
 * transaction when it has one, so an event and its alert commit together. A dispatcher on every
 * node claims due rows (SKIP LOCKED, with a lease), sends them, and records each attempt. Nothing
 * is held only in memory: a restart loses no alert, and an alert whose node died mid-send is sent
 * again when its lease runs out (at-least-once; `webhook-id` lets receivers drop the duplicate).
 */

export const WEBHOOK_EVENT_TYPES = [
  'login.new_ip',
  'threat.brute_force',
  'threat.access_denied_burst',
  'threat.connection_unsafe',
  'threat.session_used_outside_rolegate',
  'threat.role_assumed_outside_rolegate',
  'audit.checkpoint',
  'sso.break_glass_login',
  'approval.requested',
  'approval.decided',
  'approval.policy_updated',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookEvent {
  type: WebhookEventType;
  /** The organisation concerned; null for events outside any organisation (deployment endpoint only). */
  orgId: string | null;
  data: Record<string, string | number | boolean | null>;
  /** The same fact enqueued twice for one destination is delivered once. */
  dedupeKey?: string;
  /** Only this endpoint of the organisation (a test message), not every subscriber. */
  endpointId?: string;
}

/** Seconds before attempt n+1 (Standard Webhooks' recommended shape); then every 10 h until give-up. */
export const RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000] as const;
export const GIVE_UP_AFTER_MS = 24 * 3600 * 1000;
const LEASE_MS = 60_000;
const DEPLOYMENT = 'deployment';

export interface OutboxOptions {
  /** The deployment-wide endpoint (operator-configured, so not subject to the tenant URL policy). */
  deployment: { url: string; secret: string } | null;
  policy: UrlPolicy;
  timeoutMs: number;
  pollMs: number;
  batchSize: number;
  /** Messages of one organisation in one batch at most (fairness between tenants). */
  perOrgInBatch: number;
}

export interface OutboxLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WebhookOutbox {
  /** Writes the messages (in `tx` when given); returns how many were new. */
  enqueue(tx: DbOrTx, event: WebhookEvent): Promise<number>;
  /** Fire and forget for callers outside a transaction; a failed write is logged, never thrown. */
  notify(event: WebhookEvent): void;
  /** Claims and sends one batch; returns how many messages were attempted. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  /** Any destination at all for this organisation (skips work when nobody listens). */
  hasListeners(orgId: string | null): Promise<boolean>;
}

export function nextDelayMs(attempts: number, random: () => number = Math.random): number {
  const seconds = RETRY_SCHEDULE_SECONDS[attempts - 1] ?? 36_000;
  // ±10 % jitter so that one receiver's outage does not come back as one thundering herd.
  return Math.round(seconds * 1000 * (0.9 + 0.2 * random()));
}

export function createWebhookOutbox(deps: {
  db: DbOrTx;
  store: WebhookStore;
  keyring: Keyring;
  clock: Clock;
  logger: OutboxLogger;
  options: OutboxOptions;
}): WebhookOutbox {
  const { store, keyring, clock, logger, options } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let stopped = true;

  function payloadOf(event: WebhookEvent, at: Date): Record<string, unknown> {
    return {
      type: event.type,
      timestamp: at.toISOString(),
      orgId: event.orgId,
      data: redactDeep(event.data) as Record<string, unknown>,
    };
  }

  async function enqueue(tx: DbOrTx, event: WebhookEvent): Promise<number> {
    const now = clock.now();
    const payload = payloadOf(event, now);
    const row = (destination: string, endpointId: string | null): NewDelivery => ({
      id: newId('msg'),
      orgId: event.orgId,
      endpointId,
      destination,
      eventType: event.type,
      dedupeKey: event.dedupeKey ?? null,
      payload,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      giveUpAt: new Date(now.getTime() + GIVE_UP_AFTER_MS),
    });
    const rows: NewDelivery[] = [];
    if (options.deployment !== null && event.endpointId === undefined) rows.push(row(DEPLOYMENT, null));
    if (event.orgId !== null) {
      const endpoints = await store.endpointsFor(tx, event.orgId, event.type, event.endpointId);
      for (const e of endpoints) rows.push(row(e.id, e.id));
    }
    const created = await store.insertDeliveries(tx, rows);
    if (created > 0) wake();
    return created;
  }

  function secretOf(
    delivery: DeliveryRow,
    endpoints: Map<string, { secretEncrypted: string; orgId: string; url: string }>,
  ) {
    if (delivery.endpointId === null) return options.deployment;
    const endpoint = endpoints.get(delivery.endpointId);
    if (endpoint === undefined) return null;
    const secret = decryptField(
      keyring,
      endpoint.secretEncrypted,
      bindingFor('webhook_endpoints', 'secret_encrypted', delivery.endpointId, endpoint.orgId),
    );
    return { url: endpoint.url, secret };
  }

  async function attempt(
    delivery: DeliveryRow,
    endpoints: Map<string, { secretEncrypted: string; orgId: string; url: string }>,
  ): Promise<void> {
    const target = secretOf(delivery, endpoints);
    if (target === null) {
      if (delivery.endpointId !== null) return; // deleted after the claim: its rows cascade away
      await store.recordAttempt(delivery.id, {
        status: 'failed',
        nextAttemptAt: clock.now(),
        httpStatus: null,
        error: 'no deployment webhook configured on this node',
      });
      return;
    }
    const result = await sendWebhook({
      url: target.url,
      secret: target.secret,
      messageId: delivery.id,
      timestamp: clock.now(),
      body: JSON.stringify(delivery.payload),
      timeoutMs: options.timeoutMs,
      // The deployment endpoint is the operator's own choice: it may live on a private network.
      policy:
        delivery.endpointId === null ? { requireHttps: false, allowPrivateAddresses: true } : options.policy,
    });
    const now = clock.now();
    if (result.ok) {
      await store.recordAttempt(delivery.id, { status: 'delivered', at: now, httpStatus: result.status });
      return;
    }
    const next = new Date(now.getTime() + nextDelayMs(delivery.attempts));
    const giveUp = !result.retryable || next.getTime() > delivery.giveUpAt.getTime();
    await store.recordAttempt(delivery.id, {
      status: giveUp ? 'failed' : 'pending',
      nextAttemptAt: giveUp ? now : next,
      httpStatus: result.status,
      error: result.error,
    });
    if (giveUp) {
      logger.warn(
        {
          webhookId: delivery.id,
          type: delivery.eventType,
          attempts: delivery.attempts,
          outcome: result.error,
        },
        'webhook delivery failed; giving up',
      );
    }
  }

  async function runOnce(): Promise<number> {
    const now = clock.now();
    const claimed = await store.claimDue(
      now,
      new Date(now.getTime() + LEASE_MS),
      options.batchSize,
      options.perOrgInBatch,
    );
    if (claimed.length === 0) return 0;
    const ids = [...new Set(claimed.flatMap((d) => (d.endpointId === null ? [] : [d.endpointId])))];
    const endpoints = await store.endpointSecrets(ids);
    await Promise.all(
      claimed.map((d) =>
        attempt(d, endpoints).catch((err: unknown) => {
          // The row stays pending with its lease; it is tried again when the lease runs out.
          logger.error({ err, webhookId: d.id }, 'webhook attempt could not be recorded');
        }),
      ),
    );
    return claimed.length;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
    timer.unref();
  }

  function tick(): void {
    timer = null;
    if (stopped || running !== null) return;
    running = runOnce()
      .catch((err: unknown) => {
        logger.error({ err }, 'webhook dispatcher failed; retrying');
        return 0;
      })
      .finally(() => {
        running = null;
      });
    void running.then((n) => schedule(n === options.batchSize ? 0 : options.pollMs));
  }

  function wake(): void {
    if (!stopped && running === null) schedule(0);
  }

  return {
    enqueue,
    notify(event) {
      enqueue(deps.db, event).catch((err: unknown) => {
        logger.error({ err, type: event.type }, 'webhook message could not be queued');
      });
    },
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
    async hasListeners(orgId) {
      if (options.deployment !== null) return true;
      return orgId !== null && (await store.countEndpoints(orgId)) > 0;
    },
  };
}
