import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';
import { rewriteUrl, startTcpProxy, type TcpProxy, targetOf } from '../helpers/tcp-proxy.ts';
import { expectError, signUpAndLogin, timed, uniqueEmail, uniqueIp, uniquePassword } from './support.ts';

// Redis unreachable, as documented in docs/abuse-protection.md ("When Redis is down"): the
// authentication routes fail closed with 503 + Retry-After (the lockout and the shared per-IP budget
// live there), every other route is still served with per-node memory limits, nothing hangs, and
// when Redis is back the shared limits apply again without a restart.

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/15';

async function reachable(url: string): Promise<boolean> {
  const { targetHost, targetPort } = targetOf(url, 6379);
  return new Promise((resolve) => {
    const socket = createConnection({ host: targetHost, port: targetPort });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const redisUp = await reachable(REDIS_URL);

describe.runIf(redisUp)('Redis unreachable (through a TCP proxy)', () => {
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    proxy = await startTcpProxy(targetOf(REDIS_URL, 6379));
    t = await createTestApp({
      env: {
        REDIS_URL: rewriteUrl(REDIS_URL, proxy),
        ROLEGATE_RATE_LIMIT_PREFIX: `hostile:${randomBytes(6).toString('hex')}:`,
      },
    });
    await untilAuthServed();
  });

  /** Waits until Redis (through the proxy) answers again: auth routes stop answering 503. */
  async function untilAuthServed(): Promise<void> {
    for (let i = 0; i < 80; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress: uniqueIp(),
        payload: { email: uniqueEmail(), password: uniquePassword() },
      });
      if (res.statusCode !== 503) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('auth routes still unavailable');
  }

  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });

  async function loginOnce(email: string, password: string) {
    return timed(() =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress: uniqueIp(),
        payload: { email, password },
      }),
    );
  }

  it('auth routes fail closed (503 + Retry-After), other routes are served; recovery without a restart', async () => {
    const account = await signUpAndLogin(t);
    const member = await createTestUser(t);

    await proxy.stop();
    proxy.resetAll();
    const login = await loginOnce(account.email, account.password);
    expectError(login.value, 503, 'service_unavailable');
    expect(Number(login.value.headers['retry-after'])).toBeGreaterThan(0);
    expect(login.ms).toBeLessThan(5_000);
    const signup = await timed(() =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/signup',
        remoteAddress: uniqueIp(),
        payload: { email: uniqueEmail(), password: uniquePassword() },
      }),
    );
    expectError(signup.value, 503, 'service_unavailable');
    expect(signup.ms).toBeLessThan(5_000);
    const refresh = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      remoteAddress: uniqueIp(),
      payload: { refreshToken: account.refreshToken },
    });
    expectError(refresh, 503, 'service_unavailable');

    // Everything else is served (authenticated, authorised, per-node limits).
    const me = await timed(() => t.app.inject({ method: 'GET', url: '/v1/me', headers: member.headers }));
    expect(me.value.statusCode, me.value.body).toBe(200);
    expect(me.ms).toBeLessThan(5_000);
    const orgs = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${member.orgId}`,
      headers: member.headers,
    });
    expect(orgs.statusCode).toBe(200);
    expect(orgs.headers['ratelimit-limit']).toBeDefined();
    // Unauthenticated requests are still refused, not waved through.
    expectError(await t.app.inject({ method: 'GET', url: `/v1/orgs/${member.orgId}` }), 401);
    expect(t.logs()).toContain('rate-limit store unavailable');

    await proxy.start();
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await loginOnce(account.email, account.password)).value.statusCode;
    }
    expect(status).toBe(200);
  });

  it('a black-holed Redis (no answer) is bounded by the command timeout: auth 503 within seconds', async () => {
    await untilAuthServed();
    const account = await signUpAndLogin(t);
    const member = await createTestUser(t);
    proxy.setMode('blackhole');
    try {
      const login = await loginOnce(account.email, account.password);
      expectError(login.value, 503, 'service_unavailable');
      expect(login.ms).toBeLessThan(5_000);
      const me = await timed(() => t.app.inject({ method: 'GET', url: '/v1/me', headers: member.headers }));
      expect(me.value.statusCode).toBe(200);
      expect(me.ms).toBeLessThan(5_000);
    } finally {
      proxy.setMode('pass');
      proxy.resetAll();
    }
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await loginOnce(account.email, account.password)).value.statusCode;
    }
    expect(status).toBe(200);
  });
});

describe('Redis never reachable (closed port)', () => {
  it('the app starts, auth routes answer 503, other routes are served', async () => {
    const closed = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: 9 });
    const port = closed.port;
    await closed.close();
    const t = await createTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${port}/0` } });
    try {
      const member = await createTestUser(t);
      const login = await timed(() =>
        t.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          remoteAddress: uniqueIp(),
          payload: { email: uniqueEmail(), password: uniquePassword() },
        }),
      );
      expectError(login.value, 503, 'service_unavailable');
      expect(login.ms).toBeLessThan(5_000);
      expect((await t.app.inject({ method: 'GET', url: '/v1/me', headers: member.headers })).statusCode).toBe(
        200,
      );
    } finally {
      await t.close();
    }
  });
});
