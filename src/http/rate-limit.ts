import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { sha256Hex } from '../crypto/tokens.ts';
import { createRedis } from '../redis.ts';
import { addressKey } from './client-address.ts';
import { AppError, ErrorCode } from './errors.ts';

/**
 * Rate limiting: three budgets, applied in one `onRequest` hook before authentication.
 *
 * - `auth`: per client IP (IPv6 grouped by /64) on `/v1/auth/*` — sign-up, login, refresh, MFA.
 * - `api`: per principal on everything else. The hook runs before authentication, so the key is a
 *   hash of the bearer credential (access token or API key; never the raw value), falling back to
 *   the client IP for anonymous requests.
 * - `expensive`: a stricter per-principal budget for costly operations. A route opts in with
 *   `config: { rateLimitClass: 'expensive' }` (scans, Logs Insights queries, Lambda invoke …);
 *   such a request counts against both its `api` and its `expensive` budget.
 *
 * `/healthz` and `/readyz` are exempt. A denied request is a 429 `rate_limited` with `Retry-After`;
 * every limited response carries the draft `RateLimit-Limit/-Remaining/-Reset` headers of its
 * tightest budget.
 *
 * Storage: a bounded in-memory LRU on a single node; Redis when `REDIS_URL` is set, so budgets hold
 * across nodes. When Redis fails, authentication routes fail closed (503 `service_unavailable`) and
 * all other routes fall back to this node's memory limits; the degradation is logged. Why: see
 * docs/abuse-protection.md.
 */

export type RateLimitClass = 'auth' | 'api' | 'expensive';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Puts the route into a stricter rate-limit budget (see src/http/rate-limit.ts). */
    rateLimitClass?: 'expensive';
  }
}

/** Routes that are never limited: orchestrators and load balancers poll them. */
export const RATE_LIMIT_EXEMPT = new Set(['/healthz', '/readyz']);

/** Budgets that deny (503) rather than degrade when the shared store is unavailable. */
const FAIL_CLOSED: ReadonlySet<RateLimitClass> = new Set(['auth']);

const AUTH_PREFIX = '/v1/auth/';
const BEARER = /^Bearer[ \t]+([\x21-\x7e]{1,4096})$/i;

export interface HitResult {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  ttlMs: number;
}

/** A fixed-window counter; implementations: bounded memory, Redis, and the resilient pair. */
export interface CounterStore {
  hit(key: string, windowMs: number): Promise<HitResult>;
}

export interface Decision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1 when denied, so Retry-After is never 0). */
  resetSeconds: number;
}

/** The pure rule: a hit is allowed while the window's count (this hit included) is within `max`. */
export function decide(hit: HitResult, max: number): Decision {
  const allowed = hit.count <= max;
  const resetSeconds = Math.max(allowed ? 0 : 1, Math.ceil(hit.ttlMs / 1000));
  return { allowed, limit: max, remaining: Math.max(0, max - hit.count), resetSeconds };
}

/**
 * Per-node counters in a Map used as an LRU: at most `maxKeys` entries, the least recently used is
 * evicted first, so a flood of distinct (spoofed) keys costs bounded memory.
 */
export function createMemoryCounterStore(options: { maxKeys: number; now: () => number }): CounterStore {
  const entries = new Map<string, { count: number; resetAt: number }>();
  return {
    async hit(key, windowMs) {
      const now = options.now();
      let entry = entries.get(key);
      if (entry === undefined || entry.resetAt <= now) {
        entry = { count: 0, resetAt: now + windowMs };
      }
      entry.count += 1;
      entries.delete(key);
      entries.set(key, entry);
      if (entries.size > options.maxKeys) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      return { count: entry.count, ttlMs: Math.max(0, entry.resetAt - now) };
    },
  };
}

/** One atomic script: increment, start the window on the first hit, report the remaining TTL. */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

export function createRedisCounterStore(redis: Pick<Redis, 'eval'>, prefix: string): CounterStore {
  return {
    async hit(key, windowMs) {
      const result = (await redis.eval(HIT_SCRIPT, 1, `${prefix}${key}`, String(windowMs))) as unknown;
      if (!Array.isArray(result) || result.length !== 2)
        throw new Error('unexpected rate-limit script result');
      return { count: Number(result[0]), ttlMs: Number(result[1]) };
    },
  };
}

/**
 * Redis first; on failure, keys of fail-closed budgets raise a 503 and the others count in memory.
 * The budget is the key's first segment (`auth:…`, `api:…`, `expensive:…`).
 */
export function createResilientCounterStore(deps: {
  primary: CounterStore;
  fallback: CounterStore;
  onDegraded: (budget: RateLimitClass, err: unknown) => void;
}): CounterStore {
  return {
    async hit(key, windowMs) {
      try {
        return await deps.primary.hit(key, windowMs);
      } catch (err) {
        const budget = key.slice(0, key.indexOf(':')) as RateLimitClass;
        deps.onDegraded(budget, err);
        if (FAIL_CLOSED.has(budget)) {
          throw new AppError(
            ErrorCode.SERVICE_UNAVAILABLE,
            'Sign-in is temporarily unavailable; retry shortly.',
            {
              retryAfter: 5,
              cause: err,
            },
          );
        }
        return deps.fallback.hit(key, windowMs);
      }
    },
  };
}

/** The route's budget class; null for exempt routes. */
export function classify(request: FastifyRequest): RateLimitClass | null {
  const url = request.routeOptions.url ?? request.url.split('?', 1)[0] ?? '';
  if (RATE_LIMIT_EXEMPT.has(url)) return null;
  if (url.startsWith(AUTH_PREFIX)) return 'auth';
  return request.routeOptions.config?.rateLimitClass === 'expensive' ? 'expensive' : 'api';
}

/** `ip:<address>` or `cred:<hash of the bearer credential>`; the raw credential never becomes a key. */
export function principalKey(request: FastifyRequest, ipKey: string): string {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? BEARER.exec(header) : null;
  if (match?.[1] === undefined) return ipKey;
  return `cred:${sha256Hex(`rolegate-rate-limit:${match[1]}`).slice(0, 40)}`;
}

interface Budget {
  name: RateLimitClass;
  max: number;
  windowMs: number;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** Adapts a CounterStore to the plugin's callback store contract. */
function pluginStore(store: CounterStore): fastifyRateLimit.FastifyRateLimitStoreCtor {
  return class CounterStoreAdapter implements fastifyRateLimit.FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      store.hit(key, timeWindow).then(
        (r) => callback(null, { current: r.count, ttl: r.ttlMs }),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }
    child(): fastifyRateLimit.FastifyRateLimitStore {
      return this;
    }
  };
}

const DEGRADED_LOG_INTERVAL_MS = 30_000;
/** How long start-up waits for Redis before serving (degraded) anyway. */
const STARTUP_WAIT_MS = 1_000;

/** Resolves when the connection is ready or after `ms`, whichever comes first; never throws. */
async function waitUntilReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  await new Promise<void>((resolve) => {
    onReady = resolve;
    redis.once('ready', onReady);
    timer = setTimeout(resolve, ms);
  });
  clearTimeout(timer);
  if (onReady !== undefined) redis.off('ready', onReady);
}

/**
 * Registers @fastify/rate-limit and the hook that applies the budgets. Call before feature routes
 * are registered. Opens (and on close, drops) its own Redis connection when `config.redisUrl` is set.
 */
declare module 'fastify' {
  interface FastifyInstance {
    /** Counts one call against the caller's expensive-operation budget; throws rate_limited when spent. */
    chargeExpensive(request: FastifyRequest): Promise<void>;
  }
}

export async function registerRateLimiting(
  app: FastifyInstance,
  deps: { config: Pick<Config, 'rateLimit' | 'redisUrl'>; clock: Clock; logger: Logger },
): Promise<void> {
  const { rateLimit: rl, redisUrl } = deps.config;
  const memory = createMemoryCounterStore({ maxKeys: rl.cacheSize, now: () => deps.clock.now().getTime() });
  let store: CounterStore = memory;
  let redis: Redis | null = null;
  if (redisUrl !== undefined) {
    let lastConnectionLog = 0;
    redis = createRedis(redisUrl, (err) => {
      const now = Date.now();
      if (now - lastConnectionLog < DEGRADED_LOG_INTERVAL_MS) return;
      lastConnectionLog = now;
      deps.logger.warn({ err: { message: err.message } }, 'rate-limit Redis connection error');
    });
    const lastDegradedLog = new Map<RateLimitClass, number>();
    store = createResilientCounterStore({
      primary: createRedisCounterStore(redis, rl.keyPrefix),
      fallback: memory,
      onDegraded(budget, err) {
        const now = Date.now();
        if (now - (lastDegradedLog.get(budget) ?? 0) < DEGRADED_LOG_INTERVAL_MS) return;
        lastDegradedLog.set(budget, now);
        deps.logger.warn(
          {
            budget,
            failClosed: FAIL_CLOSED.has(budget),
            err: { message: err instanceof Error ? err.message : 'error' },
          },
          FAIL_CLOSED.has(budget)
            ? 'rate-limit store unavailable: failing closed'
            : 'rate-limit store unavailable: degrading to per-node memory limits',
        );
      },
    });
    const connection = redis;
    app.addHook('onClose', async () => {
      connection.disconnect();
    });
    await waitUntilReady(redis, STARTUP_WAIT_MS);
  }

  await app.register(fastifyRateLimit, {
    global: false,
    store: pluginStore(store),
    skipOnError: false,
  });

  const budgets: Record<RateLimitClass, Budget> = {
    auth: { name: 'auth', max: rl.auth.max, windowMs: rl.auth.windowSeconds * 1000 },
    api: { name: 'api', max: rl.api.max, windowMs: rl.api.windowSeconds * 1000 },
    expensive: { name: 'expensive', max: rl.expensive.max, windowMs: rl.expensive.windowSeconds * 1000 },
  };
  const ipKey = (request: FastifyRequest) => `ip:${addressKey(request.ip)}`;
  const limiter = (budget: Budget, identity: (request: FastifyRequest) => string): Limiter =>
    app.createRateLimit({
      max: budget.max,
      timeWindow: budget.windowMs,
      keyGenerator: (request) => `${budget.name}:${identity(request)}`,
    });
  const limiters: Record<RateLimitClass, Limiter> = {
    auth: limiter(budgets.auth, ipKey),
    api: limiter(budgets.api, (request) => principalKey(request, ipKey(request))),
    expensive: limiter(budgets.expensive, (request) => principalKey(request, ipKey(request))),
  };
  const chains: Record<RateLimitClass, RateLimitClass[]> = {
    auth: ['auth'],
    api: ['api'],
    expensive: ['api', 'expensive'],
  };

  // Intents and MCP pick their operation from the body, after onRequest has chosen a budget: they
  // charge the expensive budget themselves when the operation is an expensive one.
  app.decorate('chargeExpensive', async (request: FastifyRequest) => {
    const result = await limiters.expensive(request);
    if (result.isAllowed) return;
    const count = result.isExceeded ? result.max + 1 : result.max - result.remaining;
    const decision = decide({ count, ttlMs: result.ttl }, result.max);
    if (!decision.allowed) {
      throw new AppError(ErrorCode.RATE_LIMITED, undefined, {
        retryAfter: decision.resetSeconds,
        details: { budget: 'expensive' },
      });
    }
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const cls = classify(request);
    if (cls === null) return;
    let tightest: Decision | null = null;
    for (const name of chains[cls]) {
      const result = await limiters[name](request);
      if (result.isAllowed) continue;
      // The plugin counted the hit; re-derive the decision from its count and TTL with the pure rule.
      const count = result.isExceeded ? result.max + 1 : result.max - result.remaining;
      const decision = decide({ count, ttlMs: result.ttl }, result.max);
      if (!decision.allowed) {
        setHeaders(reply, decision);
        throw new AppError(ErrorCode.RATE_LIMITED, undefined, {
          retryAfter: decision.resetSeconds,
          details: { budget: name },
        });
      }
      if (tightest === null || decision.remaining < tightest.remaining) tightest = decision;
    }
    if (tightest !== null) setHeaders(reply, tightest);
  });
}

function setHeaders(reply: FastifyReply, decision: Decision): void {
  reply.header('ratelimit-limit', String(decision.limit));
  reply.header('ratelimit-remaining', String(decision.remaining));
  reply.header('ratelimit-reset', String(decision.resetSeconds));
}
