import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT_POLICY,
  applyFailure,
  createMemoryLockoutStore,
  createRedisLockoutStore,
  EMPTY_STATE,
  type LockoutStore,
  lockRemainingMs,
} from '../../src/identity/lockout.ts';
import { createRedis } from '../../src/redis.ts';
import { createTestApp } from '../helpers/app.ts';
import { GOOD_PASSWORD, uniqueEmail, uniqueIp } from './support.ts';

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/15';
const T0 = 1_700_000_000_000;

describe('lockout decision', () => {
  it('1 s after the 5th failure, doubling, capped at 15 min', () => {
    let state = EMPTY_STATE;
    const locks: number[] = [];
    for (let i = 1; i <= 20; i += 1) {
      state = applyFailure(state, T0, ACCOUNT_POLICY);
      locks.push(lockRemainingMs(state, T0, ACCOUNT_POLICY));
    }
    expect(locks.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(locks.slice(4, 9)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(locks[19]).toBe(15 * 60_000);
  });

  it('never more than 100 failures an hour, whatever the spacing', () => {
    const policy = { ...ACCOUNT_POLICY, maxLockMs: 1 }; // isolate the hourly budget
    let state = EMPTY_STATE;
    let now = T0;
    for (let i = 0; i < 100; i += 1) {
      now += 10;
      state = applyFailure(state, now, policy);
    }
    expect(lockRemainingMs(state, now + 5, policy)).toBe(T0 + 10 + 3_600_000 - (now + 5));
    expect(lockRemainingMs(state, T0 + 10 + 3_600_000, policy)).toBe(0);
  });
});

function contract(name: string, make: () => LockoutStore) {
  describe(`${name} lockout store`, () => {
    it('matches the pure decision', async () => {
      const store = make();
      const key = `acct:${randomBytes(8).toString('hex')}`;
      let expected = EMPTY_STATE;
      for (let i = 0; i < 7; i += 1) {
        const now = T0 + i * 100;
        expected = applyFailure(expected, now, ACCOUNT_POLICY);
        expect(await store.recordFailure(key, now, ACCOUNT_POLICY)).toEqual(expected);
      }
      expect(await store.get(key, T0 + 700)).toEqual(expected);
      await store.recordSuccess(key, T0 + 800, ACCOUNT_POLICY);
      const after = await store.get(key, T0 + 800);
      expect(after.failures).toBe(0);
      expect(after.lockedUntil).toBe(0);
      expect(after.windowCount).toBe(7);
    });

    it('counts concurrent failures exactly', async () => {
      const store = make();
      const key = `ip:${randomBytes(8).toString('hex')}`;
      await Promise.all(Array.from({ length: 25 }, () => store.recordFailure(key, T0, ACCOUNT_POLICY)));
      expect((await store.get(key, T0)).failures).toBe(25);
    });

    it('reserveAttempt counts, refuses while locked, and never lets a parallel burst past the limit', async () => {
      const store = make();
      const key = `acct:${randomBytes(8).toString('hex')}`;
      const burst = await Promise.all(
        Array.from({ length: 30 }, () => store.reserveAttempt(key, T0, ACCOUNT_POLICY)),
      );
      expect(burst.filter((d) => d.allowed)).toHaveLength(ACCOUNT_POLICY.threshold);
      const refused = burst.find((d) => !d.allowed)!;
      expect(refused.retryAfterMs).toBe(1_000);
      expect((await store.get(key, T0)).failures).toBe(ACCOUNT_POLICY.threshold);
      // After the lock, one more attempt is allowed (and, if it fails, doubles the lock).
      const next = await store.reserveAttempt(key, T0 + 1_000, ACCOUNT_POLICY);
      expect(next).toMatchObject({ allowed: true, retryAfterMs: 2_000 });
      await store.recordSuccess(key, T0 + 1_000, ACCOUNT_POLICY);
      expect((await store.reserveAttempt(key, T0 + 1_000, ACCOUNT_POLICY)).allowed).toBe(true);
    });

    it('reserveAttempt honours the hourly budget', async () => {
      const store = make();
      const key = `acct:${randomBytes(8).toString('hex')}`;
      const policy = { ...ACCOUNT_POLICY, threshold: 1_000, hourlyLimit: 3 };
      const results = [];
      for (let i = 0; i < 4; i += 1) results.push((await store.reserveAttempt(key, T0 + i, policy)).allowed);
      expect(results).toEqual([true, true, true, false]);
      expect((await store.reserveAttempt(key, T0 + 3_600_000, policy)).allowed).toBe(true);
    });

    it('an unknown key is empty', async () => {
      expect(await make().get(`acct:${randomBytes(8).toString('hex')}`, T0)).toEqual(EMPTY_STATE);
    });
  });
}

contract('memory', () => createMemoryLockoutStore());

let redis: Redis;
const prefix = `test:lockout:${randomBytes(6).toString('hex')}:`;
beforeAll(async () => {
  redis = createRedis(REDIS_URL);
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});
contract('redis', () => createRedisLockoutStore(redis, { prefix }));

describe('memory store bounds', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = createMemoryLockoutStore({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) await store.recordFailure(k, T0, ACCOUNT_POLICY);
    await store.get('a', T0); // touch a: b is now the oldest
    await store.recordFailure('d', T0, ACCOUNT_POLICY);
    expect(store.size).toBe(3);
    expect((await store.get('b', T0)).failures).toBe(0);
    expect((await store.get('a', T0)).failures).toBe(1);
  });

  it('forgets a key after the window and the longest lock have passed', async () => {
    const store = createMemoryLockoutStore();
    await store.recordFailure('k', T0, ACCOUNT_POLICY);
    expect((await store.get('k', T0 + 3_600_000 + 15 * 60_000)).failures).toBe(0);
  });
});

describe('Redis unavailable', () => {
  it('store operations fail closed with service_unavailable', async () => {
    const dead = createRedis('redis://127.0.0.1:1');
    const store = createRedisLockoutStore(dead);
    await expect(store.get('k', T0)).rejects.toMatchObject({ code: 'service_unavailable' });
    await expect(store.recordFailure('k', T0, ACCOUNT_POLICY)).rejects.toMatchObject({
      code: 'service_unavailable',
    });
    dead.disconnect();
  });

  it('login and sign-up answer 503, never a login that skipped the lockout', async () => {
    const t = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const signup = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/signup',
        remoteAddress: uniqueIp(),
        payload: { email: uniqueEmail(), password: GOOD_PASSWORD },
      });
      expect(signup.statusCode).toBe(503);
      expect(signup.json().error.code).toBe('service_unavailable');
      expect(signup.headers['retry-after']).toBeDefined();
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress: uniqueIp(),
        payload: { email: uniqueEmail(), password: GOOD_PASSWORD },
      });
      expect(res.statusCode).toBe(503);
    } finally {
      await t.close();
    }
  }, 90_000);

  it('two app instances sharing Redis share one lockout', async () => {
    const env = { REDIS_URL: REDIS_URL };
    const a = await createTestApp({ env });
    const b = await createTestApp({ env, database: a.database });
    try {
      const email = uniqueEmail();
      const signup = await a.app.inject({
        method: 'POST',
        url: '/v1/auth/signup',
        remoteAddress: uniqueIp(),
        payload: { email, password: GOOD_PASSWORD },
      });
      expect(signup.statusCode).toBe(201);
      for (let i = 0; i < 5; i += 1) {
        const app = i % 2 === 0 ? a : b;
        await app.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          remoteAddress: uniqueIp(),
          payload: { email, password: 'wrong wrong wrong wrong' },
        });
      }
      const locked = await b.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress: uniqueIp(),
        payload: { email, password: GOOD_PASSWORD },
      });
      expect(locked.statusCode).toBe(429);
      expect(locked.json().error.code).toBe('account_locked');
    } finally {
      await b.close();
      await a.close();
    }
  }, 90_000);
});
