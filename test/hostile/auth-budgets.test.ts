import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';

/**
 * Issue 14.6: API budgets were keyed by a hash of the raw bearer string, before authentication.
 * Every made-up `rg_live_…` key got a fresh budget (and cost a database lookup), and one valid JWT
 * spelled four ways (the unused bits of its last base64url character) counted as four budgets.
 * Budgets are now keyed by the authenticated principal; failed authentications spend a budget of
 * the client address, which, once spent, is refused before any lookup.
 */

const open: TestApp[] = [];
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
});

async function appWith(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await createTestApp({ env });
  open.push(t);
  return t;
}

const madeUpKey = () => `rg_live_${randomBytes(24).toString('base64url')}`;

/** The same token with each value of the unused low bits of its last base64url character. */
function paddingVariants(token: string): string[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(token.at(-1)!);
  // An HS256 signature is 32 bytes = 43 characters: the last one carries 4 bits and 2 unused ones.
  const base = last & ~0b11;
  return [0, 1, 2, 3].map((low) => token.slice(0, -1) + alphabet[base + low]);
}

describe('rate budgets after authentication (14.6)', () => {
  it('80 made-up API keys from one address get 429 with Retry-After; another address is unaffected', async () => {
    // The default budget of failed authentications (the test helper raises it for other suites).
    const t = await appWith({ ROLEGATE_RATE_LIMIT_FAILED_AUTH_MAX: '30' });
    const statuses: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 80; i++) {
      const res = await t.app.inject({
        url: '/v1/orgs',
        remoteAddress: '198.51.100.66',
        headers: { authorization: `Bearer ${madeUpKey()}` },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        retryAfter ??= res.headers['retry-after'];
        expect(res.json().error.code).toBe('rate_limited');
      }
    }
    const firstRefused = statuses.indexOf(429);
    expect(firstRefused).toBeGreaterThan(0);
    // Only the failures within the address's budget were looked up; once spent, every key is refused.
    expect(statuses.slice(0, firstRefused).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstRefused).every((s) => s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(30);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);

    const other = await t.app.inject({
      url: '/v1/orgs',
      remoteAddress: '198.51.100.67',
      headers: { authorization: `Bearer ${madeUpKey()}` },
    });
    expect(other.statusCode).toBe(401);
  });

  it('one valid JWT spelled with different padding bits shares one budget', async () => {
    const t = await appWith({ ROLEGATE_RATE_LIMIT_API_MAX: '3' });
    const user = await createTestUser(t);
    const variants = paddingVariants(user.accessToken);
    expect(new Set(variants).size).toBe(4);
    const statuses: number[] = [];
    for (const token of [...variants, user.accessToken]) {
      const res = await t.app.inject({ url: '/v1/orgs', headers: { authorization: `Bearer ${token}` } });
      statuses.push(res.statusCode);
    }
    // Whether or not a variant authenticates, no spelling buys a budget of its own.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(3);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });

  it('a real user’s budget follows the user, not the spelling of the token, and another user is unaffected', async () => {
    const t = await appWith({ ROLEGATE_RATE_LIMIT_API_MAX: '2' });
    const alice = await createTestUser(t);
    const bob = await createTestUser(t);
    expect((await t.app.inject({ url: '/v1/orgs', headers: alice.headers })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/orgs', headers: alice.headers })).statusCode).toBe(200);
    const denied = await t.app.inject({ url: '/v1/orgs', headers: alice.headers });
    expect(denied.statusCode).toBe(429);
    expect(denied.json().error.details).toEqual({ budget: 'api' });
    expect((await t.app.inject({ url: '/v1/orgs', headers: bob.headers })).statusCode).toBe(200);
  });
});
