import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../core/errors.ts';
import { createRedis } from '../redis.ts';
import {
  BoundedMemoryLimiter,
  type BudgetLimit,
  type BudgetName,
  createBudgetLimiters,
  decide,
  KeyBound,
} from './rate-limit.ts';

describe('rate-limit decision', () => {
  it('allows up to max hits in a window and reports the remaining budget', () => {
    expect(decide({ count: 1, ttlMs: 60_000 }, 3)).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetSeconds: 60,
    });
    expect(decide({ count: 3, ttlMs: 1 }, 3)).toEqual({
      allowed: true,
      limit: 3,
      remaining: 0,
      resetSeconds: 1,
    });
    expect(decide({ count: 4, ttlMs: 0 }, 3)).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 1,
    });
  });
});

const budgets = (max: number, windowSeconds: number): Record<BudgetName, BudgetLimit> => ({
  auth: { max, windowSeconds },
  api: { max, windowSeconds },
  expensive: { max, windowSeconds },
  failed_auth: { max, windowSeconds },
});

describe('memory limiters (rate-limiter-flexible)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('count per key and budget in fixed windows', async () => {
    vi.useFakeTimers({ now: 0 });
    const limits = createBudgetLimiters({
      budgets: budgets(3, 1),
      redis: null,
      keyPrefix: 'test:',
      maxKeys: 10,
      onDegraded: () => {},
    });
    expect(await limits.consume('api', 'a')).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetSeconds: 1,
    });
    vi.advanceTimersByTime(400);
    expect(await limits.consume('api', 'a')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limits.consume('api', 'b')).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limits.consume('expensive', 'a')).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limits.consume('api', 'a')).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limits.consume('api', 'a')).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 1,
    });
    vi.advanceTimersByTime(600);
    expect(await limits.consume('api', 'a')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('keep at most maxKeys keys in all, evicting the least recently charged', async () => {
    const limits = createBudgetLimiters({
      budgets: budgets(5, 60),
      redis: null,
      keyPrefix: 'test:',
      maxKeys: 100,
      onDegraded: () => {},
    });
    await limits.consume('api', 'victim');
    await limits.consume('api', 'victim');
    for (let i = 0; i < 100; i++) await limits.consume(i % 2 === 0 ? 'api' : 'failed_auth', `spoofed-${i}`);
    // The oldest key was evicted: memory stayed bounded.
    expect((await limits.consume('api', 'victim')).remaining).toBe(4);
  });

  it('a flood of distinct keys leaves at most the bound in the limiters’ storage', async () => {
    const bound = new KeyBound(100);
    const a = new BoundedMemoryLimiter({ points: 5, durationSeconds: 60, keyPrefix: 'a', bound });
    const b = new BoundedMemoryLimiter({ points: 5, durationSeconds: 60, keyPrefix: 'b', bound });
    for (let i = 0; i < 1_000; i++) await (i % 3 === 0 ? a : b).consume(`198.51.100.${i}`).catch(() => {});
    expect(a.dump().storage.length + b.dump().storage.length).toBe(100);
    // The most recent keys are the ones kept.
    expect(await b.get('198.51.100.998')).not.toBeNull();
    expect(await a.get('198.51.100.0')).toBeNull();
  });

  it('peek at a window without counting', async () => {
    vi.useFakeTimers({ now: 0 });
    const limits = createBudgetLimiters({
      budgets: budgets(3, 1),
      redis: null,
      keyPrefix: 'test:',
      maxKeys: 10,
      onDegraded: () => {},
    });
    expect(await limits.peek('failed_auth', 'a')).toEqual({ count: 0, ttlMs: 0 });
    await limits.consume('failed_auth', 'a');
    vi.advanceTimersByTime(300);
    expect(await limits.peek('failed_auth', 'a')).toEqual({ count: 1, ttlMs: 700 });
    expect(await limits.peek('failed_auth', 'a')).toEqual({ count: 1, ttlMs: 700 });
    vi.advanceTimersByTime(700);
    expect(await limits.peek('failed_auth', 'a')).toEqual({ count: 0, ttlMs: 0 });
  });
});

describe('Redis limiters when Redis is unreachable', () => {
  it('fail closed for the auth budget and fall back to the memory insurance limiter for the rest', async () => {
    // Nothing listens on port 1: the connection is never ready.
    const redis = createRedis('redis://127.0.0.1:1');
    try {
      const degraded: string[] = [];
      const limits = createBudgetLimiters({
        budgets: budgets(10, 1),
        redis,
        keyPrefix: 'test:',
        maxKeys: 10,
        onDegraded: (budget) => degraded.push(budget),
      });
      await expect(limits.consume('auth', 'ip:1.2.3.4')).rejects.toMatchObject({
        code: 'service_unavailable',
        retryAfter: 5,
      });
      await expect(limits.peek('auth', 'ip:1.2.3.4')).rejects.toBeInstanceOf(AppError);
      expect(await limits.consume('api', 'user:abc')).toMatchObject({ allowed: true, remaining: 9 });
      expect(await limits.consume('expensive', 'user:abc')).toMatchObject({ allowed: true, remaining: 9 });
      expect(await limits.consume('failed_auth', 'ip:1.2.3.4')).toMatchObject({
        allowed: true,
        remaining: 9,
      });
      expect(await limits.peek('failed_auth', 'ip:1.2.3.4')).toMatchObject({ count: 1 });
      expect(degraded).toEqual(['auth', 'auth', 'api', 'expensive', 'failed_auth', 'failed_auth']);
    } finally {
      redis.disconnect();
    }
  });
});
