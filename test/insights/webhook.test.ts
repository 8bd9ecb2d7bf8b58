import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { createLoginAlerts } from '../../src/insights/login-alerts.ts';
import {
  createWebhookNotifier,
  notifyThreats,
  signWebhook,
  verifyWebhookSignature,
} from '../../src/insights/webhook.ts';

const SECRET = 'whsec_test_0123456789abcdef';

interface Received {
  at: number;
  body: string;
  signature: string | undefined;
}

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A receiver on 127.0.0.1 answering with the given statuses in turn (the last one repeats). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += String(chunk);
    });
    req.on('end', () => {
      const signature = req.headers['rolegate-signature'];
      received.push({
        at: Date.now(),
        body,
        signature: typeof signature === 'string' ? signature : undefined,
      });
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received };
}

describe('security webhook', () => {
  it('signs the body with HMAC-SHA256 so that a receiver can verify it', async () => {
    const { url, received } = await receiver([200]);
    const notifier = createWebhookNotifier({ url, secret: SECRET, clock: systemClock });
    notifier.notify({
      type: 'login.new_ip',
      orgId: null,
      data: { userId: 'usr_x', ip: '192.0.2.7', newNetwork: true, token: 'must-not-leak' },
    });
    await notifier.flush();
    expect(received).toHaveLength(1);
    const [delivery] = received;
    const now = Math.floor(Date.now() / 1000);
    expect(delivery?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, delivery?.signature, delivery?.body ?? '', now)).toBe(true);
    // Any change to the body, the secret or the timestamp breaks it; old signatures are refused.
    expect(verifyWebhookSignature(SECRET, delivery?.signature, `${delivery?.body} `, now)).toBe(false);
    expect(verifyWebhookSignature('another-secret', delivery?.signature, delivery?.body ?? '', now)).toBe(
      false,
    );
    expect(verifyWebhookSignature(SECRET, delivery?.signature, delivery?.body ?? '', now + 3600)).toBe(false);
    const body = JSON.parse(delivery?.body ?? '{}');
    expect(body).toMatchObject({
      type: 'login.new_ip',
      orgId: null,
      data: { userId: 'usr_x', ip: '192.0.2.7' },
    });
    expect(body.id).toMatch(/^whk_[0-9a-f]{32}$/);
    expect(delivery?.body).not.toContain('must-not-leak');
    expect(signWebhook(SECRET, 1700000000, '{}')).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
  });

  it('retries with exponential backoff on 500 and stops after success', async () => {
    const { url, received } = await receiver([500, 500, 200]);
    const notifier = createWebhookNotifier({ url, secret: SECRET, clock: systemClock, baseDelayMs: 50 });
    const before = Date.now();
    notifier.notify({ type: 'threat.brute_force', orgId: 'org_x', data: { ip: '203.0.113.9', failures: 9 } });
    // notify returned at once: nothing was awaited.
    expect(Date.now() - before).toBeLessThan(50);
    await notifier.flush();
    expect(received).toHaveLength(3);
    const [a, b, c] = received;
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(45);
    expect((c?.at ?? 0) - (b?.at ?? 0)).toBeGreaterThanOrEqual(95);
    // The same alert each time (receivers dedupe by id), each attempt validly signed.
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    for (const r of received) {
      expect(verifyWebhookSignature(SECRET, r.signature, r.body, Math.floor(Date.now() / 1000))).toBe(true);
    }
  });

  it('gives up after the bounded number of attempts, and does not retry a 4xx', async () => {
    const failing = await receiver([503]);
    const warnings: string[] = [];
    const logger = { warn: (_o: object, msg: string) => warnings.push(msg) };
    const notifier = createWebhookNotifier({
      url: failing.url,
      secret: SECRET,
      clock: systemClock,
      baseDelayMs: 5,
      maxAttempts: 3,
      logger,
    });
    notifier.notify({ type: 'threat.connection_unsafe', orgId: 'org_x', data: { connectionId: 'con_x' } });
    await notifier.flush();
    expect(failing.received).toHaveLength(3);
    expect(warnings).toContain('webhook delivery failed; giving up');
    await new Promise<void>((resolve) => server?.close(() => resolve()));

    const rejecting = await receiver([400]);
    const second = createWebhookNotifier({
      url: rejecting.url,
      secret: SECRET,
      clock: systemClock,
      baseDelayMs: 5,
      logger,
    });
    second.notify({ type: 'threat.connection_unsafe', orgId: 'org_x', data: { connectionId: 'con_x' } });
    await second.flush();
    expect(rejecting.received).toHaveLength(1);
  });

  it('survives an unreachable receiver without throwing', async () => {
    const notifier = createWebhookNotifier({
      url: 'http://127.0.0.1:1/hook',
      secret: SECRET,
      clock: systemClock,
      baseDelayMs: 1,
      maxAttempts: 2,
    });
    notifier.notify({ type: 'login.new_ip', orgId: null, data: {} });
    await expect(notifier.flush()).resolves.toBeUndefined();
  });

  it('turns threats into one alert each', async () => {
    const { url, received } = await receiver([200]);
    const notifier = createWebhookNotifier({ url, secret: SECRET, clock: systemClock });
    notifyThreats(notifier, 'org_x', {
      window: { since: 'a', until: 'b' },
      bruteForceSources: [{ ip: '203.0.113.9', failures: 9, users: 1, firstAt: 'a', lastAt: 'b' }],
      accessDeniedBursts: [
        { connectionId: 'con_x', actorType: 'user', actorId: 'usr_x', bucketStart: 'a', count: 7 },
      ],
      unsafeConnections: [
        { connectionId: 'con_x', action: 'connection.unsafe', at: 'a', actorType: 'system', actorId: null },
      ],
    });
    await notifier.flush();
    expect(received.map((r) => JSON.parse(r.body).type).sort()).toEqual([
      'threat.access_denied_burst',
      'threat.brute_force',
      'threat.connection_unsafe',
    ]);
  });

  it('login alerts never throw into the caller', async () => {
    const warnings: string[] = [];
    const alerts = createLoginAlerts({
      db: {
        execute: () => Promise.reject(new Error('database down')),
      } as unknown as Parameters<typeof createLoginAlerts>[0]['db'],
      notifier: { notify: () => {} },
      logger: { warn: (_o, msg) => warnings.push(msg) },
    });
    expect(() => alerts.afterLogin('usr_x', '192.0.2.1')).not.toThrow();
    await new Promise((r) => setTimeout(r, 20));
    expect(warnings).toEqual(['new-IP login check failed']);
  });
});
