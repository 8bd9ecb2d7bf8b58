import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createKeyring } from '../../src/crypto/field-encryption.ts';
import { createInsightsService } from '../../src/insights/service.ts';
import { createWebhookOutbox } from '../../src/webhooks/outbox.ts';
import { sendWebhook } from '../../src/webhooks/sender.ts';
import { createWebhookStore } from '../../src/webhooks/store.ts';
import { webhookEndpoints } from '../../src/webhooks/tables.ts';
import { createThreatSweep } from '../../src/webhooks/threat-sweep.ts';
import { checkWebhookUrlShape, isPublicAddress, resolvePublic } from '../../src/webhooks/url-safety.ts';
import { createTestApp, type TestApp, testEnv } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';

/**
 * Per-organisation webhooks over the HTTP API: secrets shown once and stored encrypted, Standard
 * Webhooks signatures that the off-the-shelf verifier accepts, the delivery log and redelivery, SSRF
 * refusals, tenancy, and the threat sweep that gives `notifyThreats` its caller.
 */

interface Received {
  body: string;
  headers: IncomingHttpHeaders;
}
let t: TestApp;
let strict: TestApp;
let server: Server;
let hookUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += String(c);
    });
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  // Receivers on 127.0.0.1 need the development-only switch; `strict` runs with the production rule.
  t = await createTestApp({
    env: { ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' },
    isolatedDatabase: true,
  });
  strict = await createTestApp({ isolatedDatabase: true });
});
afterAll(async () => {
  await t.close();
  await strict.close();
  server.close();
});

async function waitFor<T>(read: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const verifyHeaders = (r: Received) => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

describe('organisation webhooks', () => {
  it('an admin adds an endpoint: the secret is shown once, stored encrypted, and signs a test message any Standard Webhooks verifier accepts', async () => {
    const admin = await createTestUser(t, { role: 'owner' });
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${admin.orgId}/webhooks`,
      headers: admin.headers,
      payload: { url: hookUrl, description: 'SIEM' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const endpoint = created.json();
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint.eventTypes).toContain('threat.brute_force');

    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${admin.orgId}/webhooks`,
      headers: admin.headers,
    });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(endpoint.secret);
    const [stored] = await t.database.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, endpoint.id));
    expect(stored?.secretEncrypted).not.toContain(endpoint.secret.slice(6, 20));

    const test = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${admin.orgId}/webhooks/${endpoint.id}/test`,
      headers: admin.headers,
    });
    expect(test.statusCode).toBe(202);
    const got = await waitFor(() => received.find((r) => r.body.includes(admin.orgId)));
    expect(() => new Webhook(endpoint.secret).verify(got.body, verifyHeaders(got))).not.toThrow();
    expect(JSON.parse(got.body)).toMatchObject({ type: 'webhook.test', orgId: admin.orgId });

    let page: { items: Array<{ id: string; status: string; eventType: string }> } = { items: [] };
    await waitFor(() => {
      void t.app
        .inject({ method: 'GET', url: `/v1/orgs/${admin.orgId}/webhooks/deliveries`, headers: admin.headers })
        .then((r) => {
          page = r.json();
        });
      return page.items.find((d) => d.status === 'delivered');
    });
    const delivered = page.items.find((d) => d.status === 'delivered')!;
    expect(delivered).toMatchObject({ eventType: 'webhook.test' });
    expect(delivered.id).toBe(got.headers['webhook-id']);

    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${admin.orgId}/webhooks/deliveries/${delivered.id}/redeliver`,
      headers: admin.headers,
    });
    expect(again.statusCode).toBe(202);
    await waitFor(() =>
      received.filter((r) => r.headers['webhook-id'] === delivered.id).length === 2 ? true : undefined,
    );

    const audit = await t.database.db.execute(
      sql`select action from audit_events where org_id = ${admin.orgId} and action like 'webhook.%' order by seq`,
    );
    expect((audit as unknown as { rows: Array<{ action: string }> }).rows.map((r) => r.action)).toEqual([
      'webhook.created',
      'webhook.test_sent',
      'webhook.redelivered',
    ]);
  });

  it('refuses URLs that point into the network Rolegate runs in, or that carry credentials', async () => {
    const admin = await createTestUser(strict, { role: 'admin' });
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost:8080/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[::127.0.0.1]/hook',
      'http://[::ffff:0:a9fe:a9fe]/hook',
      'http://2130706433/hook',
      'http://0x7f.1/hook',
      'https://user:pass@example.com/hook',
      'ftp://example.com/hook',
      'not a url',
    ]) {
      const res = await strict.app.inject({
        method: 'POST',
        url: `/v1/orgs/${admin.orgId}/webhooks`,
        headers: admin.headers,
        payload: { url },
      });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.details.fields[0].path).toBe('url');
    }
    const list = await strict.app.inject({
      method: 'GET',
      url: `/v1/orgs/${admin.orgId}/webhooks`,
      headers: admin.headers,
    });
    expect(list.json().items).toEqual([]);
  });

  it('refuses at connect time a name that resolves to a private address (DNS rebinding)', async () => {
    const port = (server.address() as AddressInfo).port;
    const before = received.length;
    const result = await sendWebhook({
      url: `http://localhost:${port}/hook`,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      messageId: 'msg_test',
      timestamp: new Date(),
      body: '{}',
      timeoutMs: 2_000,
      policy: { requireHttps: false, allowPrivateAddresses: false },
    });
    expect(result).toMatchObject({ ok: false, error: 'forbidden address' });
    // An IP literal never goes through the DNS lookup: it is checked at every delivery too.
    const literal = await sendWebhook({
      url: `http://127.0.0.1:${port}/hook`,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      messageId: 'msg_test',
      timestamp: new Date(),
      body: '{}',
      timeoutMs: 2_000,
      policy: { requireHttps: false, allowPrivateAddresses: false },
    });
    expect(literal).toMatchObject({ ok: false, error: 'forbidden address' });
    expect(received.length).toBe(before);
  });

  it('public addresses pass, production requires https, and the private-address switch is refused in production', async () => {
    expect(isPublicAddress('93.184.215.14')).toBe(true);
    expect(isPublicAddress('2606:2800:21f:cb07:6820:80da:af6b:8b2c')).toBe(true);
    for (const ip of [
      '127.0.0.1',
      '10.0.0.1',
      '172.20.1.1',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '0.0.0.0',
    ]) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
    const policy = { requireHttps: true, allowPrivateAddresses: false };
    expect(checkWebhookUrlShape('http://hooks.example.com/x', policy)).toMatchObject({
      ok: false,
      reason: 'must be https',
    });
    const shape = checkWebhookUrlShape('https://hooks.example.com/x', policy);
    expect(shape.ok).toBe(true);
    if (!shape.ok) return;
    expect(
      await resolvePublic(shape.url, policy, async () => [{ address: '93.184.215.14', family: 4 }]),
    ).toMatchObject({ ok: true });
    expect(
      await resolvePublic(shape.url, policy, async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ]),
    ).toMatchObject({ ok: false });
    expect(() =>
      loadConfig(
        testEnv({
          NODE_ENV: 'production',
          ROLEGATE_MASTER_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
          ROLEGATE_JWT_KEYS: `j1:${Buffer.alloc(32, 2).toString('base64')}`,
          ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
        }),
      ),
    ).toThrow(ConfigError);
  });

  it('another organisation’s endpoints and messages answer 404; a member may not manage webhooks', async () => {
    const owner = await createTestUser(t, { role: 'owner' });
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/webhooks`,
      headers: owner.headers,
      payload: { url: hookUrl, eventTypes: ['threat.connection_unsafe'] },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const intruder = await createTestUser(t, { role: 'owner' });
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${intruder.orgId}/webhooks/${id}`,
      headers: intruder.headers,
    });
    expect(del.statusCode).toBe(404);
    const foreignPath = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/webhooks`,
      headers: intruder.headers,
    });
    expect(foreignPath.statusCode).toBe(404);
    const member = await createTestUser(t, { role: 'member', orgId: owner.orgId });
    const refused = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/webhooks`,
      headers: member.headers,
      payload: { url: hookUrl },
    });
    expect(refused.statusCode).toBe(403);
    const ok = await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${owner.orgId}/webhooks/${id}`,
      headers: owner.headers,
    });
    expect(ok.statusCode).toBe(204);
  });

  it('an organisation has at most 10 endpoints', async () => {
    const owner = await createTestUser(t, { role: 'owner' });
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/orgs/${owner.orgId}/webhooks`,
        headers: owner.headers,
        payload: { url: `${hookUrl}?n=${i}`, eventTypes: ['threat.connection_unsafe'] },
      });
      expect(res.statusCode).toBe(201);
    }
    const over = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/webhooks`,
      headers: owner.headers,
      payload: { url: hookUrl },
    });
    expect(over.statusCode).toBe(409);
  });

  it('a tenant cannot fill the shared outbox with test messages to a receiver that never answers', async () => {
    const owner = await createTestUser(t, { role: 'owner' });
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/webhooks`,
      headers: owner.headers,
      // Nothing listens on the discard port: every attempt fails and the message stays pending.
      payload: { url: 'http://127.0.0.1:9/never', eventTypes: ['threat.brute_force'] },
    });
    expect(created.statusCode).toBe(201);
    const url = `/v1/orgs/${owner.orgId}/webhooks/${created.json().id}/test`;
    let refused: {
      statusCode: number;
      json(): { error: { code: string; details: { budget: string } } };
    } | null = null;
    for (let i = 0; i < 150 && refused === null; i++) {
      const res = await t.app.inject({ method: 'POST', url, headers: owner.headers });
      if (res.statusCode !== 202) refused = res;
    }
    expect(refused?.statusCode).toBe(429);
    expect(refused?.json().error).toMatchObject({
      code: 'rate_limited',
      details: { budget: 'webhook_pending' },
    });
  });

  it('the threat sweep turns a brute-force source in the audit trail into one alert per window', async () => {
    const owner = await createTestUser(t, { role: 'owner', password: 'the right passphrase 1234' });
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/webhooks`,
      headers: owner.headers,
      payload: { url: hookUrl, eventTypes: ['threat.brute_force'] },
    });
    expect(created.statusCode).toBe(201);
    const secret = created.json().secret as string;
    const email = `${owner.userId}@example.test`;
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email, password: `wrong passphrase number ${i}` },
        remoteAddress: '203.0.113.66',
      });
      expect(res.statusCode).toBe(401);
    }
    const hour = 3600_000;
    const sweep = createThreatSweep({
      db: t.database.db,
      insights: createInsightsService({ db: t.database.db, clock: { now: () => new Date() } }),
      outbox: {
        enqueue: (tx, event) => outboxOf(t).enqueue(tx, event),
        hasListeners: (orgId) => outboxOf(t).hasListeners(orgId),
      },
      // Just after the hour that contains the failures closes.
      clock: { now: () => new Date(Math.ceil(Date.now() / hour) * hour + 1000) },
      intervalSeconds: 3600,
      logger: { warn: () => {}, error: () => {} },
    });
    expect(await sweep.sweepOnce()).toBe(1);
    expect(await sweep.sweepOnce()).toBe(0);
    const alert = await waitFor(() =>
      received.find((r) => r.body.includes('threat.brute_force') && r.body.includes(owner.orgId)),
    );
    expect(() => new Webhook(secret).verify(alert.body, verifyHeaders(alert))).not.toThrow();
    expect(JSON.parse(alert.body).data).toMatchObject({ ip: '203.0.113.66' });
  });
});

/** An outbox over the app's database and keyring (the app's own dispatcher delivers what it queues). */
function outboxOf(app: TestApp) {
  return createWebhookOutbox({
    db: app.database.db,
    store: createWebhookStore(app.database.db),
    keyring: createKeyring(app.config.masterKeys),
    clock: { now: () => new Date() },
    logger: { warn: () => {}, error: () => {} },
    options: {
      deployment: null,
      policy: { requireHttps: false, allowPrivateAddresses: true },
      timeoutMs: 2_000,
      pollMs: 1_000,
      batchSize: 20,
      perOrgInBatch: 4,
    },
  });
}
