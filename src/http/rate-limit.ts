import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { createRedis } from '../redis.ts';
import type { Authenticator, Principal } from './auth.ts';
import { addressKey } from './client-address.ts';
import { AppError, ErrorCode } from './errors.ts';

/**
 * Rate limiting: three budget classes, plus a budget of failed authentications.
 *
 * - `auth`: per client address (`addressKey`: IPv6 by /64) on `/v1/auth/*` — sign-up, login,
 *   refresh, MFA — charged in `onRequest`, before anything else.
 * - `api`: everywhere else, per **authenticated principal** (`user:<usr_…>` or `key:<key_…>`),
 *   charged right after the auth guard has authenticated the caller (see `authenticator`), so no
 *   spelling of a credential buys a budget of its own (issue 14.6). A request without a credential,
 *   or on a route without a guard, is charged per client address instead.
 * - `expensive`: a stricter per-principal budget for costly operations. A route opts in with
 *   `config: { rateLimitClass: 'expensive' }` (scans, Logs Insights queries, Lambda invoke …);
 *   such a request counts against both its `api` and its `expensive` budget.
 * - `failed_auth`: per client address, every presented credential that fails authentication.
 *   Once spent, a request carrying a credential is refused in `onRequest`, before the credential
 *   is looked up: a flood of made-up API keys costs no database work beyond the budget.
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
/** Every counter's namespace: the classes above plus the per-address failed-authentication budget. */
export type BudgetName = RateLimitClass | 'failed_auth';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Puts the route into a stricter rate-limit budget (see src/http/rate-limit.ts). */
    rateLimitClass?: 'expensive';
  }
}

/** Routes that are never limited: orchestrators and load balancers poll them. */
export const RATE_LIMIT_EXEMPT = new Set(['/healthz', '/readyz']);

/** Budgets that deny (503) rather than degrade when the shared store is unavailable. */
const FAIL_CLOSED: ReadonlySet<BudgetName> = new Set(['auth']);

const AUTH_PREFIX = '/v1/auth/';

export interface HitResult {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  ttlMs: number;
}

/** A fixed-window counter; implementations: bounded memory, Redis, and the resilient pair. */
export interface CounterStore {
  hit(key: string, windowMs: number): Promise<HitResult>;
  /** The current window's count without counting (0 when there is none). */
  peek(key: string): Promise<HitResult>;
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
    async peek(key) {
      const now = options.now();
      const entry = entries.get(key);
      if (entry === undefined || entry.resetAt <= now) return { count: 0, ttlMs: 0 };
      return { count: entry.count, ttlMs: entry.resetAt - now };
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

const PEEK_SCRIPT = `
local count = redis.call('GET', KEYS[1])
if not count then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {tonumber(count), ttl}
`;

export function createRedisCounterStore(redis: Pick<Redis, 'eval'>, prefix: string): CounterStore {
  const run = async (script: string, key: string, ...args: string[]): Promise<HitResult> => {
    const result = (await redis.eval(script, 1, `${prefix}${key}`, ...args)) as unknown;
    if (!Array.isArray(result) || result.length !== 2) throw new Error('unexpected rate-limit script result');
    return { count: Number(result[0]), ttlMs: Number(result[1]) };
  };
  return {
    hit: (key, windowMs) => run(HIT_SCRIPT, key, String(windowMs)),
    peek: (key) => run(PEEK_SCRIPT, key),
  };
}

/**
 * Redis first; on failure, keys of fail-closed budgets raise a 503 and the others count in memory.
 * The budget is the key's first segment (`auth:…`, `api:…`, `expensive:…`).
 */
export function createResilientCounterStore(deps: {
  primary: CounterStore;
  fallback: CounterStore;
  onDegraded: (budget: BudgetName, err: unknown) => void;
}): CounterStore {
  const degrade = (key: string, err: unknown): void => {
    const budget = key.slice(0, key.indexOf(':')) as BudgetName;
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
  };
  return {
    async peek(key) {
      try {
        return await deps.primary.peek(key);
      } catch (err) {
        degrade(key, err);
        return deps.fallback.peek(key);
      }
    },
    async hit(key, windowMs) {
      try {
        return await deps.primary.hit(key, windowMs);
      } catch (err) {
        degrade(key, err);
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

/** The budget identity of an authenticated principal: its id, never anything from the credential. */
export function principalIdentity(principal: Principal): string {
  return principal.type === 'user' ? `user:${principal.userId}` : `key:${principal.keyId}`;
}

/** Whether the request presents a credential at all (any Authorization header). */
function presentsCredential(request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined;
}

interface Budget {
  name: BudgetName;
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
): Promise<RateLimits> {
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
    const lastDegradedLog = new Map<BudgetName, number>();
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
  const failedAuth: Budget = {
    name: 'failed_auth',
    max: rl.failedAuth.max,
    windowMs: rl.failedAuth.windowSeconds * 1000,
  };
  const ipKey = (request: FastifyRequest) => `ip:${addressKey(request.ip)}`;
  /** The authenticated principal's budget identity, set by the authenticator below. */
  const principals = new WeakMap<FastifyRequest, string>();
  /** Requests already charged their class's budgets (once per request, by principal or by address). */
  const charged = new WeakSet<FastifyRequest>();
  /** The tightest decision of a request's budgets, for the RateLimit-* headers. */
  const tightestOf = new WeakMap<FastifyRequest, Decision>();
  const identityOf = (request: FastifyRequest) => principals.get(request) ?? ipKey(request);
  const limiter = (budget: Budget): Limiter =>
    app.createRateLimit({
      max: budget.max,
      timeWindow: budget.windowMs,
      keyGenerator: (request) =>
        `${budget.name}:${budget.name === 'auth' ? ipKey(request) : identityOf(request)}`,
    });
  const limiters: Record<RateLimitClass, Limiter> = {
    auth: limiter(budgets.auth),
    api: limiter(budgets.api),
    expensive: limiter(budgets.expensive),
  };
  const chains: Record<RateLimitClass, RateLimitClass[]> = {
    auth: ['auth'],
    api: ['api'],
    expensive: ['api', 'expensive'],
  };
  const refused = (decision: Decision, budget: BudgetName) =>
    new AppError(ErrorCode.RATE_LIMITED, undefined, {
      retryAfter: decision.resetSeconds,
      details: { budget },
    });

  /** Charges each budget of the chain under the request's identity; throws rate_limited when one is spent. */
  async function charge(request: FastifyRequest, chain: RateLimitClass[]): Promise<void> {
    charged.add(request);
    for (const name of chain) {
      const result = await limiters[name](request);
      if (result.isAllowed) continue;
      // The plugin counted the hit; re-derive the decision from its count and TTL with the pure rule.
      const count = result.isExceeded ? result.max + 1 : result.max - result.remaining;
      const decision = decide({ count, ttlMs: result.ttl }, result.max);
      const tightest = tightestOf.get(request);
      if (!decision.allowed || tightest === undefined || decision.remaining < tightest.remaining) {
        tightestOf.set(request, decision);
      }
      if (!decision.allowed) throw refused(decision, name);
    }
  }

  const applyHeaders = (request: FastifyRequest, reply: FastifyReply) => {
    const decision = tightestOf.get(request);
    if (decision !== undefined) setHeaders(reply, decision);
  };

  // Intents and MCP pick their operation from the body, after onRequest has chosen a budget: they
  // charge the expensive budget themselves when the operation is an expensive one.
  app.decorate('chargeExpensive', async (request: FastifyRequest) => {
    const result = await limiters.expensive(request);
    if (result.isAllowed) return;
    const count = result.isExceeded ? result.max + 1 : result.max - result.remaining;
    const decision = decide({ count, ttlMs: result.ttl }, result.max);
    if (!decision.allowed) throw refused(decision, 'expensive');
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const cls = classify(request);
    if (cls === null) return;
    if (cls === 'auth' || !presentsCredential(request)) {
      await charge(request, chains[cls]);
      applyHeaders(request, reply);
      return;
    }
    // A credential: its budgets are charged once it is authenticated (or, on a route without a
    // guard, in preParsing). Refuse here, before any lookup, once this address's failed
    // authentications are spent.
    const failures = await store.peek(`${failedAuth.name}:${ipKey(request)}`);
    if (failures.count >= failedAuth.max) {
      const decision = decide({ count: failures.count + 1, ttlMs: failures.ttlMs }, failedAuth.max);
      setHeaders(reply, decision);
      throw refused(decision, failedAuth.name);
    }
  });

  // After the route's guard (hoisted into its onRequest hooks) has run: a credential on a route
  // without a guard, or whose guard did not authenticate, is charged per address.
  app.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply) => {
    const cls = classify(request);
    if (cls !== null && !charged.has(request)) await charge(request, chains[cls]);
    applyHeaders(request, reply);
  });
  // Error responses (including a refusal thrown by the authenticator) carry the headers too.
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply) => {
    applyHeaders(request, reply);
  });

  return {
    authenticator(inner: Authenticator): Authenticator {
      return {
        async authenticate(request) {
          const principal = await inner.authenticate(request);
          if (principal === null) {
            if (presentsCredential(request)) {
              const hit = await store.hit(`${failedAuth.name}:${ipKey(request)}`, failedAuth.windowMs);
              const decision = decide(hit, failedAuth.max);
              // Parallel failures can overshoot the pre-check; those beyond the budget are refused too.
              if (!decision.allowed) {
                tightestOf.set(request, decision);
                throw refused(decision, failedAuth.name);
              }
            }
            return null;
          }
          principals.set(request, principalIdentity(principal));
          const cls = classify(request);
          if ((cls === 'api' || cls === 'expensive') && !charged.has(request))
            await charge(request, chains[cls]);
          return principal;
        },
      };
    },
  };
}

/** What the rate limiter offers the rest of the app. */
export interface RateLimits {
  /**
   * Wraps the authenticator the auth guard uses: a success charges the route's budgets to the
   * principal; a presented credential that fails spends the client address's `failed_auth` budget.
   */
  authenticator(inner: Authenticator): Authenticator;
}

function setHeaders(reply: FastifyReply, decision: Decision): void {
  reply.header('ratelimit-limit', String(decision.limit));
  reply.header('ratelimit-remaining', String(decision.remaining));
  reply.header('ratelimit-reset', String(decision.resetSeconds));
}
