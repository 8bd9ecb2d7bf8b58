import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const SECRET = 'webhook-secret-for-tests-0123456789';
let t: TestApp;
let server: Server;
const received: Array<{ body: string; headers: Record<string, string> }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      received.push({ body, headers });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  t = await createTestApp({
    env: { ROLEGATE_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`, ROLEGATE_WEBHOOK_SECRET: SECRET },
    // Its own database on PostgreSQL: no other suite's dispatcher claims its outbox rows.
    isolatedDatabase: true,
  });
});
afterAll(async () => {
  await t.close();
  server.close();
});

async function waitFor(predicate: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('new-IP login alerts', () => {
  it('a login from a new IP sends a signed login.new_ip event; the first and repeated IPs do not', async () => {
    const email = `alert-${Date.now()}@example.test`;
    const password = 'correct horse battery staple 42';
    const signup = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      payload: { email, password },
      remoteAddress: '198.51.100.7',
    });
    expect(signup.statusCode).toBe(201);
    const login = (ip: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email, password },
        remoteAddress: ip,
      });
    expect((await login('198.51.100.7')).statusCode).toBe(200);
    expect((await login('198.51.100.7')).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(received.filter((r) => r.body.includes('login.new_ip'))).toHaveLength(0);

    expect((await login('203.0.113.99')).statusCode).toBe(200);
    await waitFor(() => received.some((r) => r.body.includes('login.new_ip')));
    const alert = received.find((r) => r.body.includes('login.new_ip'))!;
    // Any Standard Webhooks verifier accepts it (a non-whsec_ deployment secret is used raw).
    expect(() => new Webhook(SECRET, { format: 'raw' }).verify(alert.body, alert.headers)).not.toThrow();
    expect(alert.headers['webhook-id']).toMatch(/^msg_/);
    const payload = JSON.parse(alert.body);
    expect(payload.data).toMatchObject({ ip: '203.0.113.99', newNetwork: true });
    expect(alert.body).not.toContain(password);
  });
});
