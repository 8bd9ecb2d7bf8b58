import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createTestApp, type TestApp, testEnv } from '../helpers/app.ts';
import { uniqueEmail, uniquePassword } from './support.ts';

/**
 * Issue 14.5: with `ROLEGATE_TRUST_PROXY=true` Fastify trusted every hop and took the left-most
 * X-Forwarded-For entry, so a client chose its own address: per-IP budgets and lockouts were
 * bypassed and audit records carried the forged address. Now `true` is refused; a hop count or a
 * list of proxies makes the client address the right-most untrusted one; IPv6 clients are keyed
 * by their /64, IPv4-mapped IPv6 as IPv4.
 */

const PROXY = '10.0.0.1';
const open: TestApp[] = [];

afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
});

async function appWith(env: Record<string, string>): Promise<TestApp> {
  const t = await createTestApp({ env });
  open.push(t);
  return t;
}

function failedLogin(t: TestApp, options: { remoteAddress: string; forwardedFor?: string }) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    remoteAddress: options.remoteAddress,
    ...(options.forwardedFor === undefined ? {} : { headers: { 'x-forwarded-for': options.forwardedFor } }),
    payload: { email: uniqueEmail(), password: uniquePassword() },
  });
}

/** The address the audit trail recorded for the failed login answered by `res`. */
async function auditedIp(t: TestApp, requestId: string): Promise<string | null | undefined> {
  const rows = await t.database.db
    .select({ ip: auditEvents.ip })
    .from(auditEvents)
    .where(and(eq(auditEvents.requestId, requestId), eq(auditEvents.action, 'auth.login')));
  expect(rows).toHaveLength(1);
  return rows[0]?.ip;
}

describe('ROLEGATE_TRUST_PROXY forms (14.5)', () => {
  it('refuses `true` (and its synonyms) at config parse, naming the variable', () => {
    for (const value of ['true', 'TRUE', 'yes', 'on', '0.0.0.0/0', '::/0']) {
      let error: unknown;
      try {
        loadConfig(testEnv({ ROLEGATE_TRUST_PROXY: value }));
      } catch (err) {
        error = err;
      }
      expect(error, value).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('ROLEGATE_TRUST_PROXY');
      expect((error as ConfigError).message).toMatch(/ROLEGATE_TRUST_PROXY/);
    }
  });

  it('accepts a hop count and a list of addresses or CIDRs', () => {
    expect(loadConfig(testEnv({ ROLEGATE_TRUST_PROXY: '2' })).http.trustProxy).toBe(2);
    expect(loadConfig(testEnv({ ROLEGATE_TRUST_PROXY: 'false' })).http.trustProxy).toBe(false);
    expect(
      loadConfig(testEnv({ ROLEGATE_TRUST_PROXY: '10.0.0.0/8, 192.168.1.7 ,fd00::/8,loopback' })).http
        .trustProxy,
    ).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']);
    for (const bad of ['10.0.0.0/33', 'proxy.example.com', '10.0.0.1,,', '1.2.3', '-1', '1000']) {
      expect(() => loadConfig(testEnv({ ROLEGATE_TRUST_PROXY: bad })), bad).toThrow(/ROLEGATE_TRUST_PROXY/);
    }
  });
});

describe('forged X-Forwarded-For behind a trusted proxy (14.5)', () => {
  it('hop count: forged left-most entries do not change the keyed address; the auth budget holds', async () => {
    const t = await appWith({ ROLEGATE_TRUST_PROXY: '1', ROLEGATE_RATE_LIMIT_AUTH_MAX: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await failedLogin(t, {
        remoteAddress: PROXY,
        forwardedFor: `198.51.100.${i + 1}, 203.0.113.50`,
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429, 429]);
  });

  it('hop count: the audit record carries the right-most address, not the forged one', async () => {
    const t = await appWith({ ROLEGATE_TRUST_PROXY: '1' });
    const res = await failedLogin(t, { remoteAddress: PROXY, forwardedFor: '198.51.100.9, 203.0.113.51' });
    expect(res.statusCode).toBe(401);
    expect(await auditedIp(t, String(res.headers['x-request-id']))).toBe('203.0.113.51');
  });

  it('address list: the client is the right-most untrusted address; an untrusted peer is never believed', async () => {
    const t = await appWith({ ROLEGATE_TRUST_PROXY: '10.0.0.0/8' });
    const behind = await failedLogin(t, {
      remoteAddress: PROXY,
      forwardedFor: '198.51.100.10, 203.0.113.52, 10.9.9.9',
    });
    expect(await auditedIp(t, String(behind.headers['x-request-id']))).toBe('203.0.113.52');
    const direct = await failedLogin(t, { remoteAddress: '192.0.2.80', forwardedFor: '203.0.113.52' });
    expect(await auditedIp(t, String(direct.headers['x-request-id']))).toBe('192.0.2.80');
  });

  it('the per-IP login lockout cannot be bypassed by rotating forged X-Forwarded-For entries', async () => {
    const t = await appWith({ ROLEGATE_TRUST_PROXY: '1' });
    const codes = new Set<string>();
    let locked = 0;
    // IP_POLICY locks an address after 30 consecutive failures.
    for (let i = 0; i < 32; i++) {
      const res = await failedLogin(t, {
        remoteAddress: PROXY,
        forwardedFor: `198.51.${100 + (i % 50)}.${i + 1}, 203.0.113.53`,
      });
      if (res.statusCode === 429) {
        locked += 1;
        codes.add(res.json().error.code);
      }
    }
    expect(locked).toBeGreaterThanOrEqual(1);
    expect([...codes]).toEqual(['account_locked']);
  });
});

describe('IPv6 clients are keyed by their /64 (14.5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await appWith({});
  });

  it('rotating addresses inside one /64 does not escape the per-IP lockout', async () => {
    let locked = 0;
    for (let i = 0; i < 32; i++) {
      const res = await failedLogin(t, { remoteAddress: `2001:db8:14:5::${(i + 1).toString(16)}` });
      if (res.statusCode === 429) {
        locked += 1;
        expect(res.json().error.code).toBe('account_locked');
      }
    }
    expect(locked).toBeGreaterThanOrEqual(1);
    // Another /64 is another client.
    expect((await failedLogin(t, { remoteAddress: '2001:db8:14:6::1' })).statusCode).toBe(401);
  });

  it('an IPv4-mapped IPv6 address shares the budget of its IPv4 address', async () => {
    const limited = await appWith({ ROLEGATE_RATE_LIMIT_AUTH_MAX: '2' });
    expect((await failedLogin(limited, { remoteAddress: '203.0.113.54' })).statusCode).toBe(401);
    expect((await failedLogin(limited, { remoteAddress: '::ffff:203.0.113.54' })).statusCode).toBe(401);
    expect((await failedLogin(limited, { remoteAddress: '::ffff:cb00:7136' })).statusCode).toBe(429);
  });
});
