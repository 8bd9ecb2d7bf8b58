import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import { bindingFor } from '../../src/crypto/encrypted-columns.ts';
import { createKeyring, encryptField } from '../../src/crypto/field-encryption.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { organizations } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createWebhookOutbox, GIVE_UP_AFTER_MS, type WebhookOutbox } from '../../src/webhooks/outbox.ts';
import { createWebhookStore } from '../../src/webhooks/store.ts';
import { webhookDeliveries } from '../../src/webhooks/tables.ts';
import { isolatedPostgres } from '../helpers/app.ts';

/**
 * The durable outbox against a real database and a real HTTP receiver on 127.0.0.1, with a clock
 * the test moves. No app runs here, so no other dispatcher claims these rows.
 */

const keyring = createKeyring([{ kid: 'k1', key: Buffer.alloc(32, 7) }]);
const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
let database: Database;
let drop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const iso =
    process.env.DATABASE_URL === undefined ? null : await isolatedPostgres(process.env.DATABASE_URL);
  drop = iso?.drop;
  database = await openDatabase({ url: iso?.url, dataDir: 'memory://' });
  await runMigrations(database);
});
afterAll(async () => {
  await database.close();
  await drop?.();
});

interface Received {
  body: string;
  headers: IncomingHttpHeaders;
}
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A receiver answering with the given statuses in turn (the last repeats); 302 redirects to /moved. */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[]; moved: number[] }> {
  const received: Received[] = [];
  const moved: number[] = [];
  const listening = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += String(c);
    });
    req.on('end', () => {
      if (req.url === '/moved') {
        moved.push(1);
        res.end();
        return;
      }
      received.push({ body, headers: req.headers });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
      res.statusCode = status;
      if (status === 302) res.setHeader('location', '/moved');
      res.end();
    });
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  const { port } = listening.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, moved };
}

function manualClock(start = new Date('2026-11-20T10:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

async function orgWithEndpoint(url: string, eventTypes = ['threat.brute_force', 'webhook.test']) {
  const orgId = newId('org');
  await database.db.insert(organizations).values({ id: orgId, name: 'Webhook test org' });
  const store = createWebhookStore(database.db);
  const endpointId = newId('whe');
  await store.insertEndpoint(database.db, {
    id: endpointId,
    orgId,
    url,
    description: '',
    eventTypes,
    createdBy: null,
    createdAt: new Date(),
    secretEncrypted: encryptField(
      keyring,
      SECRET,
      bindingFor('webhook_endpoints', 'secret_encrypted', endpointId, orgId),
    ),
  });
  return { orgId, endpointId };
}

function outbox(clock: Clock, deployment: { url: string; secret: string } | null = null): WebhookOutbox {
  return createWebhookOutbox({
    db: database.db,
    store: createWebhookStore(database.db),
    keyring,
    clock,
    logger: { warn: () => {}, error: () => {} },
    options: {
      deployment,
      policy: { requireHttps: false, allowPrivateAddresses: true },
      timeoutMs: 2_000,
      pollMs: 50,
      batchSize: 20,
      perOrgInBatch: 4,
    },
  });
}

const rowsOf = (orgId: string) =>
  database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.orgId, orgId));

describe('webhook outbox', () => {
  it('signs by the Standard Webhooks scheme (webhook-id, webhook-timestamp, v1 signature) and records the delivery', async () => {
    const r = await receiver([200]);
    const { orgId } = await orgWithEndpoint(r.url);
    const clock = manualClock();
    const box = outbox(clock);
    expect(
      await box.enqueue(database.db, {
        type: 'threat.brute_force',
        orgId,
        data: { ip: '203.0.113.9', failures: 7 },
      }),
    ).toBe(1);
    expect(await box.runOnce()).toBe(1);
    expect(r.received).toHaveLength(1);
    const got = r.received[0]!;
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    // The library's verify() also checks freshness against the real time, and this clock is in the
    // past; so here the library recomputes the signature at the sent timestamp (the next test runs
    // verify() end to end on the real clock).
    expect(headers['webhook-id']).toMatch(/^msg_/);
    expect(headers['webhook-signature']).toMatch(/^v1,/);
    expect(Number(headers['webhook-timestamp'])).toBe(Math.floor(clock.now().getTime() / 1000));
    expect(new Webhook(SECRET).sign(headers['webhook-id'], clock.now(), got.body)).toBe(
      headers['webhook-signature'],
    );
    expect(JSON.parse(got.body)).toMatchObject({
      type: 'threat.brute_force',
      orgId,
      data: { ip: '203.0.113.9' },
    });
    const [row] = await rowsOf(orgId);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
  });

  it('verifies with the library end to end when the clock is the real one', async () => {
    const r = await receiver([200]);
    const { orgId } = await orgWithEndpoint(r.url);
    const box = outbox({ now: () => new Date() });
    await box.enqueue(database.db, { type: 'threat.brute_force', orgId, data: { ip: '203.0.113.10' } });
    await box.runOnce();
    const got = r.received[0]!;
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    expect(() => new Webhook(SECRET).verify(got.body, headers)).not.toThrow();
    expect(() =>
      new Webhook(SECRET).verify(got.body.replace('203.0.113.10', '203.0.113.11'), headers),
    ).toThrow();
  });

  it('survives a restart: a message queued by one process is delivered by the next', async () => {
    const r = await receiver([200]);
    const { orgId } = await orgWithEndpoint(r.url);
    const clock = manualClock();
    // The first "process" queues and dies before its dispatcher runs.
    await outbox(clock).enqueue(database.db, {
      type: 'threat.brute_force',
      orgId,
      data: { ip: '198.51.100.1' },
    });
    expect(r.received).toHaveLength(0);
    // The next one finds it in the table.
    expect(await outbox(clock).runOnce()).toBe(1);
    expect(r.received).toHaveLength(1);
  });

  it('a process that died mid-send leaves a lease; the message is sent again once it runs out, with the same id', async () => {
    const r = await receiver([200]);
    const { orgId } = await orgWithEndpoint(r.url);
    const clock = manualClock();
    await outbox(clock).enqueue(database.db, {
      type: 'threat.brute_force',
      orgId,
      data: { ip: '198.51.100.2' },
    });
    // Claimed by a process that then died: the lease pushes the row into the future.
    const store = createWebhookStore(database.db);
    const claimed = await store.claimDue(clock.now(), new Date(clock.now().getTime() + 60_000), 100, 100);
    expect(claimed.map((c) => c.orgId)).toContain(orgId);
    const box = outbox(clock);
    expect(await box.runOnce()).toBe(0);
    clock.advance(61_000);
    expect(await box.runOnce()).toBeGreaterThanOrEqual(1);
    expect(r.received).toHaveLength(1);
    const [row] = await rowsOf(orgId);
    expect(r.received[0]?.headers['webhook-id']).toBe(row?.id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('retries 5xx and 429 with back-off (5 s, then 5 min) and stops after success', async () => {
    const r = await receiver([500, 429, 200]);
    const { orgId } = await orgWithEndpoint(r.url);
    const clock = manualClock();
    const box = outbox(clock);
    await box.enqueue(database.db, { type: 'threat.brute_force', orgId, data: { ip: '198.51.100.3' } });
    await box.runOnce();
    let [row] = await rowsOf(orgId);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 });
    const wait1 = row!.nextAttemptAt.getTime() - clock.now().getTime();
    expect(wait1).toBeGreaterThanOrEqual(4_500);
    expect(wait1).toBeLessThanOrEqual(5_500);
    expect(await box.runOnce()).toBe(0); // not due yet
    clock.advance(wait1);
    await box.runOnce();
    [row] = await rowsOf(orgId);
    expect(row).toMatchObject({ status: 'pending', attempts: 2, lastStatus: 429 });
    const wait2 = row!.nextAttemptAt.getTime() - clock.now().getTime();
    expect(wait2).toBeGreaterThanOrEqual(270_000);
    expect(wait2).toBeLessThanOrEqual(330_000);
    clock.advance(wait2);
    await box.runOnce();
    [row] = await rowsOf(orgId);
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200 });
    clock.advance(GIVE_UP_AFTER_MS);
    expect(await box.runOnce()).toBe(0);
    expect(r.received).toHaveLength(3);
    // Every attempt carried the same message id (the receiver's idempotency key).
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
  });

  it('gives up 24 hours after the message was created', async () => {
    const r = await receiver([503]);
    const { orgId } = await orgWithEndpoint(r.url);
    const clock = manualClock();
    const box = outbox(clock);
    await box.enqueue(database.db, { type: 'threat.brute_force', orgId, data: { ip: '198.51.100.4' } });
    for (let i = 0; i < 20; i++) {
      await box.runOnce();
      const [row] = await rowsOf(orgId);
      if (row?.status !== 'pending') break;
      clock.advance(row.nextAttemptAt.getTime() - clock.now().getTime());
    }
    const [row] = await rowsOf(orgId);
    expect(row?.status).toBe('failed');
    expect(clock.now().getTime() - row!.createdAt.getTime()).toBeLessThanOrEqual(GIVE_UP_AFTER_MS);
    expect(r.received.length).toBeGreaterThan(3);
    expect(r.received.length).toBeLessThan(12);
  });

  it('does not retry a 4xx other than 408/409/425/429, and never follows a redirect', async () => {
    const rejecting = await receiver([400]);
    const a = await orgWithEndpoint(rejecting.url);
    const clock = manualClock();
    const box = outbox(clock);
    await box.enqueue(database.db, {
      type: 'threat.brute_force',
      orgId: a.orgId,
      data: { ip: '198.51.100.5' },
    });
    await box.runOnce();
    expect((await rowsOf(a.orgId))[0]).toMatchObject({ status: 'failed', lastStatus: 400 });
    await new Promise<void>((resolve) => server?.close(() => resolve()));

    const redirecting = await receiver([302]);
    const b = await orgWithEndpoint(redirecting.url);
    await box.enqueue(database.db, {
      type: 'threat.brute_force',
      orgId: b.orgId,
      data: { ip: '198.51.100.6' },
    });
    await box.runOnce();
    expect((await rowsOf(b.orgId))[0]).toMatchObject({
      status: 'failed',
      lastStatus: 302,
      lastError: 'redirect not followed',
    });
    expect(redirecting.moved).toHaveLength(0);
  });

  it('delivers only to endpoints subscribed to the event, and a repeated dedupe key once', async () => {
    const r = await receiver([200]);
    const { orgId } = await orgWithEndpoint(r.url, ['threat.connection_unsafe']);
    const clock = manualClock();
    const box = outbox(clock);
    expect(await box.enqueue(database.db, { type: 'threat.brute_force', orgId, data: {} })).toBe(0);
    const event = {
      type: 'threat.connection_unsafe' as const,
      orgId,
      data: {},
      dedupeKey: 'unsafe:con_x:t1',
    };
    expect(await box.enqueue(database.db, event)).toBe(1);
    expect(await box.enqueue(database.db, event)).toBe(0);
    await box.runOnce();
    expect(r.received).toHaveLength(1);
  });

  it('the deployment-wide endpoint gets every organisation’s events and those of no organisation', async () => {
    const r = await receiver([200]);
    const clock = manualClock();
    const box = outbox(clock, { url: r.url, secret: 'a-raw-deployment-secret-0123456789' });
    expect(
      await box.enqueue(database.db, { type: 'login.new_ip', orgId: null, data: { ip: '203.0.113.1' } }),
    ).toBe(1);
    await box.runOnce();
    const got = r.received[0]!;
    expect(JSON.parse(got.body)).toMatchObject({ type: 'login.new_ip', orgId: null });
    expect(
      new Webhook('a-raw-deployment-secret-0123456789', { format: 'raw' }).sign(
        String(got.headers['webhook-id']),
        clock.now(),
        got.body,
      ),
    ).toBe(got.headers['webhook-signature']);
  });

  it('one tenant cannot take every dispatcher slot: a claim holds at most a few messages per organisation', async () => {
    const noisy = await orgWithEndpoint('http://127.0.0.1:9/never');
    const quiet = await orgWithEndpoint('http://127.0.0.1:9/never-either');
    const clock = manualClock(new Date('2026-11-21T10:00:00Z'));
    const box = outbox(clock);
    for (let i = 0; i < 30; i++) {
      await box.enqueue(database.db, {
        type: 'webhook.test',
        orgId: noisy.orgId,
        endpointId: noisy.endpointId,
        data: { i },
      });
      clock.advance(1);
    }
    await box.enqueue(database.db, {
      type: 'webhook.test',
      orgId: quiet.orgId,
      endpointId: quiet.endpointId,
      data: {},
    });
    const store = createWebhookStore(database.db);
    const lease = new Date(clock.now().getTime() + 60_000);
    // Two nodes claiming at once: each message is claimed once, and the quiet tenant's is among them.
    const [a, b] = await Promise.all([
      store.claimDue(clock.now(), lease, 20, 4),
      store.claimDue(clock.now(), lease, 20, 4),
    ]);
    const ids = [...a, ...b].map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...a, ...b].filter((d) => d.orgId === quiet.orgId)).toHaveLength(1);
    expect(a.filter((d) => d.orgId === noisy.orgId).length).toBeLessThanOrEqual(4);
    expect(b.filter((d) => d.orgId === noisy.orgId).length).toBeLessThanOrEqual(4);
  });

  it('redacts secrets in event data before they are stored or sent', async () => {
    const r = await receiver([200]);
    const { orgId } = await orgWithEndpoint(r.url);
    const box = outbox(manualClock());
    await box.enqueue(database.db, {
      type: 'threat.brute_force',
      orgId,
      data: { ip: '203.0.113.2', password: 'hunter2-do-not-send', token: 'tok-do-not-send' },
    });
    await box.runOnce();
    expect(r.received[0]?.body).not.toContain('do-not-send');
    expect(JSON.stringify(await rowsOf(orgId))).not.toContain('do-not-send');
  });
});
