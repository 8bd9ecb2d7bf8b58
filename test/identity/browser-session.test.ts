import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCookies, REFRESH_COOKIE } from '../../src/identity/browser-session.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CORS_ORIGINS: 'https://console.example.com' } });
});
afterAll(async () => {
  await t.close();
});

const PASSWORD = 'correct horse battery staple 42';
const BROWSER = { 'x-rolegate-client': 'browser', origin: 'http://localhost:80', host: 'localhost:80' };

async function signup(): Promise<string> {
  const email = `b-${randomUUID()}@example.com`;
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/signup',
    payload: { email, password: PASSWORD },
  });
  expect(res.statusCode).toBe(201);
  return email;
}

function setCookieOf(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const value = Array.isArray(raw) ? raw.join('\n') : String(raw ?? '');
  return value;
}

async function browserLogin() {
  const email = await signup();
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    headers: BROWSER,
    payload: { email, password: PASSWORD },
  });
  expect(res.statusCode).toBe(200);
  const cookie = setCookieOf(res);
  const token = /rolegate_refresh=([^;]+)/.exec(cookie)?.[1] ?? '';
  return { res, cookie, token, body: res.json() as Record<string, unknown> };
}

describe('parseCookies', () => {
  it('parses pairs, trims, unquotes, keeps the first duplicate and skips junk', () => {
    const c = parseCookies(' a=1; b="two" ; a=3; junk; =x; c=');
    expect(c.get('a')).toBe('1');
    expect(c.get('b')).toBe('two');
    expect(c.get('c')).toBe('');
    expect(c.has('junk')).toBe(false);
    expect(parseCookies(undefined).size).toBe(0);
    expect(parseCookies(`x=${'y'.repeat(9000)}`).size).toBe(0);
  });
});

describe('browser sessions', () => {
  it('login as a browser sets an httpOnly, SameSite=Strict cookie on /v1/auth and omits the refresh token', async () => {
    const { cookie, token, body } = await browserLogin();
    expect(body.accessToken).toEqual(expect.any(String));
    expect(body.refreshToken).toBeUndefined();
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/v1/auth');
    expect(cookie).toMatch(/Max-Age=\d+/);
    // NODE_ENV=test without ROLEGATE_COOKIE_SECURE: not Secure (plain http on 127.0.0.1).
    expect(cookie).not.toContain('Secure');
  });

  it('API clients without the header still get the refresh token in the body and no cookie', async () => {
    const email = await signup();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().refreshToken).toEqual(expect.any(String));
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refresh from the cookie rotates it, and the old cookie value stops working', async () => {
    const { token } = await browserLogin();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...BROWSER, cookie: `${REFRESH_COOKIE}=${token}` },
      payload: {},
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().refreshToken).toBeUndefined();
    const next = /rolegate_refresh=([^;]+)/.exec(setCookieOf(res))?.[1];
    expect(next).toBeDefined();
    expect(next).not.toBe(token);
    const reuse = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...BROWSER, cookie: `${REFRESH_COOKIE}=${token}` },
      payload: {},
    });
    expect(reuse.statusCode).toBe(401);
    expect(setCookieOf(reuse)).toContain('Max-Age=0');
  });

  it('accepts a configured CORS origin and a same-origin Referer', async () => {
    const { token } = await browserLogin();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: {
        'x-rolegate-client': 'browser',
        host: 'api.example.com',
        origin: 'https://console.example.com',
        cookie: `${REFRESH_COOKIE}=${token}`,
      },
      payload: {},
    });
    expect(res.statusCode).toBe(200);
    const next = /rolegate_refresh=([^;]+)/.exec(setCookieOf(res))?.[1] ?? '';
    const viaReferer = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: {
        'x-rolegate-client': 'browser',
        host: 'localhost:80',
        referer: 'http://localhost:80/connections',
        cookie: `${REFRESH_COOKIE}=${next}`,
      },
      payload: {},
    });
    expect(viaReferer.statusCode).toBe(200);
  });

  it('refuses cookie refresh without the custom header (CSRF)', async () => {
    const { token } = await browserLogin();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { origin: 'http://localhost:80', host: 'localhost:80', cookie: `${REFRESH_COOKIE}=${token}` },
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('x-rolegate-client');
  });

  it('refuses cookie refresh from a foreign Origin, or with no Origin/Referer at all', async () => {
    const { token } = await browserLogin();
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...BROWSER, origin: 'https://evil.example', cookie: `${REFRESH_COOKIE}=${token}` },
      payload: {},
    });
    expect(foreign.statusCode).toBe(403);
    const none = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { 'x-rolegate-client': 'browser', host: 'localhost:80', cookie: `${REFRESH_COOKIE}=${token}` },
      payload: {},
    });
    expect(none.statusCode).toBe(403);
    // The refused attempts did not burn the token: a proper request still works.
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...BROWSER, cookie: `${REFRESH_COOKIE}=${token}` },
      payload: {},
    });
    expect(ok.statusCode).toBe(200);
  });

  it('refresh with neither body token nor cookie: 204 for the console (signed-out load), 401 for an API client', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: BROWSER,
      payload: {},
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers['set-cookie']).toBeUndefined();
    const api = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: {} });
    expect(api.statusCode).toBe(401);
    // A cookie that is present but not valid is still refused (and cleared).
    const stale = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...BROWSER, cookie: `${REFRESH_COOKIE}=${'x'.repeat(43)}` },
      payload: {},
    });
    expect(stale.statusCode).toBe(401);
  });

  it('logout clears the cookie and revokes the session behind it', async () => {
    const { token, body } = await browserLogin();
    const out = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: { ...BROWSER, authorization: `Bearer ${String(body.accessToken)}` },
    });
    expect(out.statusCode).toBe(204);
    expect(setCookieOf(out)).toMatch(/rolegate_refresh=;.*Max-Age=0/);
    const after = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...BROWSER, cookie: `${REFRESH_COOKIE}=${token}` },
      payload: {},
    });
    expect(after.statusCode).toBe(401);
  });

  it('sets Secure when ROLEGATE_COOKIE_SECURE is on', async () => {
    const secure = await createTestApp({ env: { ROLEGATE_COOKIE_SECURE: 'true' }, database: t.database });
    try {
      const email = `s-${randomUUID()}@example.com`;
      await secure.app.inject({
        method: 'POST',
        url: '/v1/auth/signup',
        payload: { email, password: PASSWORD },
      });
      const res = await secure.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: BROWSER,
        payload: { email, password: PASSWORD },
      });
      expect(res.statusCode).toBe(200);
      expect(setCookieOf(res)).toMatch(/; Secure/);
    } finally {
      await secure.close();
    }
  });
});
