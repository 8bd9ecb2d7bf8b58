import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import {
  type CounterStore,
  createMemoryCounterStore,
  createResilientCounterStore,
  decide,
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

describe('memory counter store', () => {
  it('counts per key in fixed windows', async () => {
    let now = 0;
    const store = createMemoryCounterStore({ maxKeys: 10, now: () => now });
    expect(await store.hit('a', 1000)).toEqual({ count: 1, ttlMs: 1000 });
    now = 400;
    expect(await store.hit('a', 1000)).toEqual({ count: 2, ttlMs: 600 });
    expect(await store.hit('b', 1000)).toEqual({ count: 1, ttlMs: 1000 });
    now = 1000;
    expect(await store.hit('a', 1000)).toEqual({ count: 1, ttlMs: 1000 });
  });

  it('keeps at most maxKeys entries, evicting the least recently used', async () => {
    const store = createMemoryCounterStore({ maxKeys: 100, now: () => 0 });
    await store.hit('victim', 60_000);
    await store.hit('victim', 60_000);
    for (let i = 0; i < 100; i++) await store.hit(`spoofed-${i}`, 60_000);
    // The oldest key was evicted: memory stayed bounded.
    expect((await store.hit('victim', 60_000)).count).toBe(1);
  });

  it('peeks at a window without counting', async () => {
    let now = 0;
    const store = createMemoryCounterStore({ maxKeys: 10, now: () => now });
    expect(await store.peek('a')).toEqual({ count: 0, ttlMs: 0 });
    await store.hit('a', 1000);
    now = 300;
    expect(await store.peek('a')).toEqual({ count: 1, ttlMs: 700 });
    expect(await store.peek('a')).toEqual({ count: 1, ttlMs: 700 });
    now = 1000;
    expect(await store.peek('a')).toEqual({ count: 0, ttlMs: 0 });
  });
});

describe('resilient counter store', () => {
  const broken: CounterStore = {
    hit: () => Promise.reject(new Error('connection refused')),
    peek: () => Promise.reject(new Error('connection refused')),
  };

  it('fails closed for authentication budgets and degrades to memory for the rest', async () => {
    const degraded: string[] = [];
    const store = createResilientCounterStore({
      primary: broken,
      fallback: createMemoryCounterStore({ maxKeys: 10, now: () => 0 }),
      onDegraded: (budget) => degraded.push(budget),
    });
    await expect(store.hit('auth:ip:1.2.3.4', 1000)).rejects.toMatchObject({ code: 'service_unavailable' });
    await expect(store.hit('auth:ip:1.2.3.4', 1000)).rejects.toBeInstanceOf(AppError);
    expect(await store.hit('api:user:abc', 1000)).toEqual({ count: 1, ttlMs: 1000 });
    expect(await store.hit('expensive:user:abc', 1000)).toEqual({ count: 1, ttlMs: 1000 });
    expect(await store.hit('failed_auth:ip:1.2.3.4', 1000)).toEqual({ count: 1, ttlMs: 1000 });
    expect(await store.peek('failed_auth:ip:1.2.3.4')).toEqual({ count: 1, ttlMs: 1000 });
    expect(degraded).toEqual(['auth', 'auth', 'api', 'expensive', 'failed_auth', 'failed_auth']);
  });
});
