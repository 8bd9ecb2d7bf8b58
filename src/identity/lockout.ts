import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { AppError, ErrorCode } from '../core/errors.ts';

/**
 * Brute-force protection for one key (an account's normalised email, or a client IP).
 * A pure decision function over a small state, applied by a memory store (single node, bounded,
 * LRU) or a Redis store (several nodes; one Lua script so each update is atomic).
 *
 * After `threshold` consecutive failures the key is locked for `baseLockMs`, doubling with each
 * further failure up to `maxLockMs`; independently, at most `hourlyLimit` failures per
 * `windowMs`. A success clears the consecutive count (not the hourly one).
 */
export interface LockoutPolicy {
  threshold: number;
  baseLockMs: number;
  maxLockMs: number;
  hourlyLimit: number;
  windowMs: number;
}

export const ACCOUNT_POLICY: LockoutPolicy = {
  threshold: 5,
  baseLockMs: 1_000,
  maxLockMs: 15 * 60_000,
  hourlyLimit: 100,
  windowMs: 3_600_000,
};

/** Per client IP: more generous (shared NATs), but still bounded. */
export const IP_POLICY: LockoutPolicy = {
  threshold: 30,
  baseLockMs: 1_000,
  maxLockMs: 15 * 60_000,
  hourlyLimit: 500,
  windowMs: 3_600_000,
};

export interface LockoutState {
  /** Consecutive failures. */
  failures: number;
  /** Epoch ms until which the key is locked (0 = not locked). */
  lockedUntil: number;
  /** Epoch ms when the current hourly window started. */
  windowStart: number;
  /** Failures in the current window. */
  windowCount: number;
}

export const EMPTY_STATE: LockoutState = { failures: 0, lockedUntil: 0, windowStart: 0, windowCount: 0 };

/** Milliseconds until the key may try again (0 = may try now). */
export function lockRemainingMs(state: LockoutState, now: number, policy: LockoutPolicy): number {
  let remaining = Math.max(0, state.lockedUntil - now);
  if (now - state.windowStart < policy.windowMs && state.windowCount >= policy.hourlyLimit) {
    remaining = Math.max(remaining, state.windowStart + policy.windowMs - now);
  }
  return remaining;
}

export function applyFailure(state: LockoutState, now: number, policy: LockoutPolicy): LockoutState {
  let { windowStart, windowCount } = state;
  if (now - windowStart >= policy.windowMs) {
    windowStart = now;
    windowCount = 0;
  }
  windowCount += 1;
  const failures = state.failures + 1;
  let lockedUntil = state.lockedUntil;
  if (failures >= policy.threshold) {
    const exponent = Math.min(failures - policy.threshold, 30);
    lockedUntil = now + Math.min(policy.baseLockMs * 2 ** exponent, policy.maxLockMs);
  }
  return { failures, lockedUntil, windowStart, windowCount };
}

export interface AttemptDecision {
  allowed: boolean;
  /** State after the decision (unchanged when refused). */
  state: LockoutState;
  /** Refused: ms until the next attempt may be made. Allowed: the lock that applies if this attempt fails. */
  retryAfterMs: number;
}

/**
 * Check and count in one step: a locked key is refused unchanged; otherwise the attempt is
 * counted as a failure up front (a success clears it afterwards). Because the check and the count
 * are one atomic update, a burst of parallel guesses cannot slip past the limit.
 */
export function applyAttempt(state: LockoutState, now: number, policy: LockoutPolicy): AttemptDecision {
  const remaining = lockRemainingMs(state, now, policy);
  if (remaining > 0) return { allowed: false, state, retryAfterMs: remaining };
  const next = applyFailure(state, now, policy);
  return { allowed: true, state: next, retryAfterMs: lockRemainingMs(next, now, policy) };
}

export function applySuccess(state: LockoutState): LockoutState {
  return { ...state, failures: 0, lockedUntil: 0 };
}

/** How long an idle state is kept: past this, it is equivalent to an empty one. */
export function retentionMs(policy: LockoutPolicy): number {
  return policy.windowMs + policy.maxLockMs;
}

export interface LockoutStore {
  /** Current state of the key (EMPTY_STATE when unknown). Throws service_unavailable when the store is down. */
  get(key: string, now: number): Promise<LockoutState>;
  /** Applies one failure atomically and returns the new state. */
  recordFailure(key: string, now: number, policy: LockoutPolicy): Promise<LockoutState>;
  /** `applyAttempt` atomically: refuses a locked key, otherwise counts the attempt as a failure. */
  reserveAttempt(key: string, now: number, policy: LockoutPolicy): Promise<AttemptDecision>;
  /** Clears the consecutive-failure count (after a successful login). */
  recordSuccess(key: string, now: number, policy: LockoutPolicy): Promise<void>;
}

export interface MemoryLockoutStore extends LockoutStore {
  readonly size: number;
}

/** In-process store: bounded (`maxEntries`, least recently used evicted first). */
export function createMemoryLockoutStore(options: { maxEntries?: number } = {}): MemoryLockoutStore {
  const maxEntries = options.maxEntries ?? 100_000;
  // Expiry is checked against the caller's `now` (the injected clock), not lru-cache's own TTL.
  const entries = new LRUCache<string, { state: LockoutState; expiresAt: number }>({ max: maxEntries });
  const read = (key: string, now: number): LockoutState => {
    const entry = entries.get(key);
    if (entry === undefined) return EMPTY_STATE;
    if (entry.expiresAt <= now) {
      entries.delete(key);
      return EMPTY_STATE;
    }
    return entry.state;
  };
  const write = (key: string, state: LockoutState, expiresAt: number) => {
    entries.set(key, { state, expiresAt });
  };
  return {
    async get(key, now) {
      return read(key, now);
    },
    async recordFailure(key, now, policy) {
      const next = applyFailure(read(key, now), now, policy);
      write(key, next, now + retentionMs(policy));
      return next;
    },
    async reserveAttempt(key, now, policy) {
      const decision = applyAttempt(read(key, now), now, policy);
      if (decision.allowed) write(key, decision.state, now + retentionMs(policy));
      return decision;
    },
    async recordSuccess(key, now, policy) {
      const current = read(key, now);
      if (current === EMPTY_STATE) return;
      write(key, applySuccess(current), now + retentionMs(policy));
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * The same rules as `applyFailure` (mode 'fail') and `applyAttempt` (mode 'reserve'), as one
 * atomic Lua script. Returns {allowed, f, lu, ws, wc}.
 */
const FAILURE_SCRIPT = `
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
local maxLock = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local hourly = tonumber(ARGV[6])
local mode = ARGV[7]
local s = redis.call('HMGET', KEYS[1], 'f', 'lu', 'ws', 'wc')
local f = tonumber(s[1]) or 0
local lu = tonumber(s[2]) or 0
local ws = tonumber(s[3]) or 0
local wc = tonumber(s[4]) or 0
if mode == 'reserve' then
  local locked = lu > now or (now - ws < window and wc >= hourly)
  if locked then
    return {0, f, string.format('%.0f', lu), string.format('%.0f', ws), wc}
  end
end
if now - ws >= window then
  ws = now
  wc = 0
end
wc = wc + 1
f = f + 1
if f >= threshold then
  local e = f - threshold
  if e > 30 then e = 30 end
  local lock = base * (2 ^ e)
  if lock > maxLock then lock = maxLock end
  lu = now + lock
end
redis.call('HSET', KEYS[1], 'f', f, 'lu', string.format('%.0f', lu), 'ws', string.format('%.0f', ws), 'wc', wc)
redis.call('PEXPIRE', KEYS[1], window + maxLock)
return {1, f, string.format('%.0f', lu), string.format('%.0f', ws), wc}
`;

const SUCCESS_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'f', 0, 'lu', 0)
end
return 1
`;

function unavailable(cause: unknown): AppError {
  return new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'Sign-in is temporarily unavailable; retry shortly.', {
    retryAfter: 5,
    cause,
  });
}

const num = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

/**
 * Shared store for several nodes. Any Redis error fails closed: the caller gets 503
 * service_unavailable, never a login that skipped the lockout.
 */
export function createRedisLockoutStore(redis: Redis, options: { prefix?: string } = {}): LockoutStore {
  const prefix = options.prefix ?? 'rolegate:lockout:';
  async function run(
    key: string,
    now: number,
    policy: LockoutPolicy,
    mode: 'fail' | 'reserve',
  ): Promise<{ allowed: boolean; state: LockoutState }> {
    let result: unknown;
    try {
      result = await redis.eval(
        FAILURE_SCRIPT,
        1,
        prefix + key,
        now,
        policy.threshold,
        policy.baseLockMs,
        policy.maxLockMs,
        policy.windowMs,
        policy.hourlyLimit,
        mode,
      );
    } catch (err) {
      throw unavailable(err);
    }
    const r = Array.isArray(result) ? result : [];
    return {
      allowed: num(r[0]) === 1,
      state: { failures: num(r[1]), lockedUntil: num(r[2]), windowStart: num(r[3]), windowCount: num(r[4]) },
    };
  }
  return {
    async get(key) {
      try {
        const [f, lu, ws, wc] = await redis.hmget(prefix + key, 'f', 'lu', 'ws', 'wc');
        return { failures: num(f), lockedUntil: num(lu), windowStart: num(ws), windowCount: num(wc) };
      } catch (err) {
        throw unavailable(err);
      }
    },
    async recordFailure(key, now, policy) {
      return (await run(key, now, policy, 'fail')).state;
    },
    async reserveAttempt(key, now, policy) {
      const { allowed, state } = await run(key, now, policy, 'reserve');
      return { allowed, state, retryAfterMs: lockRemainingMs(state, now, policy) };
    },
    async recordSuccess(key) {
      try {
        await redis.eval(SUCCESS_SCRIPT, 1, prefix + key);
      } catch (err) {
        throw unavailable(err);
      }
    },
  };
}
