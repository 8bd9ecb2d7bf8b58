import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';
import { rewriteUrl, startTcpProxy, targetOf } from '../helpers/tcp-proxy.ts';

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/15';

let database: Database;
const open: TestApp[] = [];

beforeAll(async () => {
  database = await openDatabase({ url: process.env.DATABASE_URL, dataDir: 'memory://' });
  await runMigrations(database);
});

afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
  await database.close();
});

/** Test-only routes: one per budget class. */
function probes(app: App): void {
  app.get('/v1/auth/_probe', async () => ({ ok: true }));
  app.get('/v1/_probe', async () => ({ ok: true }));
  app.post('/v1/_expensive', { config: { rateLimitClass: 'expensive' } }, async () => ({ ok: true }));
}

async function appWith(env: Record<string, string>): Promise<TestApp> {
  const t = await createTestApp({ env, database, extend: probes });
  open.push(t);
  return t;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const uniquePrefix = () => `rolegate-test:${randomUUID()}:`;

describe('rate limiting (in memory)', () => {
  it('answers 429 at the configured count with Retry-After and RateLimit headers, and resets after the window', async () => {
    const t = await appWith({ ROLEGATE_RATE_LIMIT_AUTH_MAX: '3', ROLEGATE_RATE_LIMIT_AUTH_WINDOW: '1' });
    for (let i = 1; i <= 3; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/auth/_probe' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('3');
      expect(res.headers['ratelimit-remaining']).toBe(String(3 - i));
    }
    const denied = await t.app.inject({ method: 'GET', url: '/v1/auth/_probe' });
    expect(denied.statusCode).toBe(429);
    expect(Number(denied.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(denied.headers['ratelimit-remaining']).toBe('0');
    expect(denied.headers['ratelimit-reset']).toBeDefined();
    const body = denied.json();
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.requestId).toBe(denied.headers['x-request-id']);

    await new Promise((r) => setTimeout(r, 1_100));
    const again = await t.app.inject({ method: 'GET', url: '/v1/auth/_probe' });
    expect(again.statusCode).toBe(200);
  });

  it('keeps separate budgets per client IP on authentication routes', async () => {
    const t = await appWith({ ROLEGATE_RATE_LIMIT_AUTH_MAX: '1' });
    expect((await t.app.inject({ url: '/v1/auth/_probe', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/auth/_probe', remoteAddress: '10.0.0.1' })).statusCode).toBe(429);
    expect((await t.app.inject({ url: '/v1/auth/_probe', remoteAddress: '10.0.0.2' })).statusCode).toBe(200);
  });

  it('keys the API budget by authenticated principal, and by address for anonymous calls and unguarded routes', async () => {
    const t = await appWith({ ROLEGATE_RATE_LIMIT_API_MAX: '2' });
    const a = await createTestUser(t);
    const b = await createTestUser(t);
    expect((await t.app.inject({ url: '/v1/orgs', headers: a.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/orgs', headers: a.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/orgs', headers: a.headers })).statusCode).toBe(429);
    expect((await t.app.inject({ url: '/v1/orgs', headers: b.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/orgs', headers: b.headers })).statusCode).toBe(200);
    // An unguarded route authenticates nobody: any bearer, made up or not, spends the address's budget.
    const remoteAddress = '192.0.2.31';
    expect((await t.app.inject({ url: '/v1/_probe', remoteAddress })).statusCode).toBe(200);
    const fake = bearer('token-of-principal-a');
    expect((await t.app.inject({ url: '/v1/_probe', remoteAddress, headers: fake })).statusCode).toBe(200);
    const denied = await t.app.inject({ url: '/v1/_probe', remoteAddress, headers: bearer('another') });
    expect(denied.statusCode).toBe(429);
    expect(denied.headers['ratelimit-remaining']).toBe('0');
    // The raw credential never appears in logs as a limiter key.
    expect(t.logs()).not.toContain('token-of-principal-a');
  });

  it('gives real users independent budgets on real routes', async () => {
    const t = await appWith({ ROLEGATE_RATE_LIMIT_API_MAX: '2' });
    const alice = await createTestUser(t);
    const bob = await createTestUser(t);
    const url = (orgId: string) => `/v1/orgs/${orgId}/insights/traffic`;
    expect((await t.app.inject({ url: url(alice.orgId), headers: alice.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ url: url(alice.orgId), headers: alice.headers })).statusCode).toBe(200);
    const denied = await t.app.inject({ url: url(alice.orgId), headers: alice.headers });
    expect(denied.statusCode).toBe(429);
    expect(denied.json().error.code).toBe('rate_limited');
    expect((await t.app.inject({ url: url(bob.orgId), headers: bob.headers })).statusCode).toBe(200);
    expect(t.logs()).not.toContain(alice.accessToken);
  });

  it('applies the stricter expensive budget on routes that opt in, on top of the API budget', async () => {
    const t = await appWith({ ROLEGATE_RATE_LIMIT_API_MAX: '5', ROLEGATE_RATE_LIMIT_EXPENSIVE_MAX: '1' });
    const a = await createTestUser(t);
    const b = await createTestUser(t);
    const scan = (user: typeof a) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/orgs/${user.orgId}/connections/con_00000000000000000000000000/scans`,
        headers: user.headers,
        payload: {},
      });
    expect((await scan(a)).statusCode).not.toBe(429);
    const denied = await scan(a);
    expect(denied.statusCode).toBe(429);
    expect(denied.json().error.details).toEqual({ budget: 'expensive' });
    expect(Number(denied.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await t.app.inject({ url: '/v1/orgs', headers: a.headers })).statusCode).toBe(200);
    expect((await scan(b)).statusCode).not.toBe(429);
  });

  it('never limits /healthz and /readyz', async () => {
    const t = await appWith({ ROLEGATE_RATE_LIMIT_API_MAX: '1' });
    for (let i = 0; i < 5; i++) {
      expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    }
  });
});

describe('rate limiting (Redis)', () => {
  it('holds one global limit across two app instances sharing Redis, and resets after the window', async () => {
    const env = {
      REDIS_URL,
      ROLEGATE_RATE_LIMIT_PREFIX: uniquePrefix(),
      ROLEGATE_RATE_LIMIT_AUTH_MAX: '3',
      ROLEGATE_RATE_LIMIT_AUTH_WINDOW: '1',
    };
    const one = await appWith(env);
    const two = await appWith(env);
    expect((await one.app.inject({ url: '/v1/auth/_probe' })).statusCode).toBe(200);
    expect((await two.app.inject({ url: '/v1/auth/_probe' })).statusCode).toBe(200);
    const third = await one.app.inject({ url: '/v1/auth/_probe' });
    expect(third.statusCode).toBe(200);
    expect(third.headers['ratelimit-remaining']).toBe('0');
    const denied = await two.app.inject({ url: '/v1/auth/_probe' });
    expect(denied.statusCode).toBe(429);
    expect(Number(denied.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await one.app.inject({ url: '/v1/auth/_probe' })).statusCode).toBe(429);

    await new Promise((r) => setTimeout(r, 1_100));
    expect((await two.app.inject({ url: '/v1/auth/_probe' })).statusCode).toBe(200);
  });

  it('shares per-principal API budgets across instances', async () => {
    const keys = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;
    const env = {
      REDIS_URL,
      ROLEGATE_RATE_LIMIT_PREFIX: uniquePrefix(),
      ROLEGATE_RATE_LIMIT_API_MAX: '2',
      ROLEGATE_MASTER_KEYS: keys('m1'),
      ROLEGATE_JWT_KEYS: keys('j1'),
    };
    const one = await appWith(env);
    const two = await appWith(env);
    const a = await createTestUser(one);
    const b = await createTestUser(one);
    expect((await one.app.inject({ url: '/v1/orgs', headers: a.headers })).statusCode).toBe(200);
    expect((await two.app.inject({ url: '/v1/orgs', headers: a.headers })).statusCode).toBe(200);
    expect((await one.app.inject({ url: '/v1/orgs', headers: a.headers })).statusCode).toBe(429);
    expect((await two.app.inject({ url: '/v1/orgs', headers: b.headers })).statusCode).toBe(200);
  });

  it('counts failed authentications per address across instances, and refuses before the lookup once spent', async () => {
    const env = {
      REDIS_URL,
      ROLEGATE_RATE_LIMIT_PREFIX: uniquePrefix(),
      ROLEGATE_RATE_LIMIT_FAILED_AUTH_MAX: '2',
    };
    const one = await appWith(env);
    const two = await appWith(env);
    const madeUp = () => bearer(`rg_live_${randomBytes(24).toString('base64url')}`);
    const remoteAddress = '192.0.2.77';
    expect((await one.app.inject({ url: '/v1/orgs', remoteAddress, headers: madeUp() })).statusCode).toBe(
      401,
    );
    expect((await two.app.inject({ url: '/v1/orgs', remoteAddress, headers: madeUp() })).statusCode).toBe(
      401,
    );
    const refused = await one.app.inject({ url: '/v1/orgs', remoteAddress, headers: madeUp() });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.details).toEqual({ budget: 'failed_auth' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Requests without a credential are not failed authentications: the address's api budget applies.
    expect((await two.app.inject({ url: '/v1/orgs', remoteAddress })).statusCode).toBe(401);
  });

  it('opens one Redis connection per app, shared by the rate limits and the login lockout', async () => {
    const proxy = await startTcpProxy(targetOf(REDIS_URL, 6379));
    try {
      const t = await appWith({
        REDIS_URL: rewriteUrl(REDIS_URL, proxy),
        ROLEGATE_RATE_LIMIT_PREFIX: uniquePrefix(),
      });
      const login = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: `${randomUUID()}@example.com`, password: randomUUID() },
      });
      expect(login.statusCode).toBe(401);
      expect((await t.app.inject({ url: '/v1/_probe' })).statusCode).toBe(200);
      expect(proxy.accepted).toBe(1);
      expect(proxy.open).toBe(1);
      await t.close();
      open.splice(open.indexOf(t), 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(proxy.open).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('when Redis is down: authentication routes fail closed with 503 within a second, the rest degrades to memory limits', async () => {
    const t = await appWith({
      REDIS_URL: 'redis://127.0.0.1:1',
      ROLEGATE_RATE_LIMIT_PREFIX: uniquePrefix(),
      ROLEGATE_RATE_LIMIT_API_MAX: '2',
    });
    const started = Date.now();
    const auth = await t.app.inject({ url: '/v1/auth/_probe' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(auth.statusCode).toBe(503);
    expect(auth.json().error.code).toBe('service_unavailable');
    expect(auth.json().error.requestId).toBe(auth.headers['x-request-id']);
    expect(auth.headers['retry-after']).toBeDefined();

    const a = bearer('degraded-principal');
    const first = Date.now();
    expect((await t.app.inject({ url: '/v1/_probe', headers: a })).statusCode).toBe(200);
    expect(Date.now() - first).toBeLessThan(1_500);
    expect((await t.app.inject({ url: '/v1/_probe', headers: a })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/_probe', headers: a })).statusCode).toBe(429);
    expect(t.logs()).toContain('degrading to per-node memory limits');
    expect(t.logs()).toContain('failing closed');
  });
});

describe('load shedding', () => {
  it('answers 503 with Retry-After in the standard shape when a threshold is exceeded; /healthz stays up', async () => {
    const t = await appWith({
      ROLEGATE_PRESSURE_MAX_HEAP_BYTES: '1',
      ROLEGATE_PRESSURE_SAMPLE_INTERVAL: '10',
      ROLEGATE_PRESSURE_RETRY_AFTER: '7',
    });
    await new Promise((r) => setTimeout(r, 100));
    const res = await t.app.inject({ url: '/v1/_probe' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json().error.code).toBe('service_unavailable');
    expect(res.json().error.requestId).toBe(res.headers['x-request-id']);
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
