import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import type { Principal } from '../core/actor.ts';
import { addressKey } from '../core/address-key.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Authenticator } from './auth.ts';

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
 *   `rateLimit: 'expensive'` in its `route()` declaration (scans, Logs Insights queries, Lambda
 *   invoke …); such a request counts against both its `api` and its `expensive` budget.
 * - `failed_auth`: per client address, every presented credential that fails authentication.
 *   Once spent, a request carrying a credential is refused in `onRequest`, before the credential
 *   is looked up: a flood of made-up API keys costs no database work beyond the budget.
 *
 * `/healthz` and `/readyz` are exempt. A denied request is a 429 `rate_limited` with `Retry-After`;
 * every limited response carries the draft `RateLimit-Limit/-Remaining/-Reset` headers of its
 * tightest budget.
 *
 * Counting is rate-limiter-flexible's (fixed windows): `RateLimiterMemory` on a single node, kept
 * to a bounded number of keys (`BoundedMemoryLimiter`); `RateLimiterRedis` on the app's shared
 * Redis connection when `REDIS_URL` is set, so budgets hold across nodes. When Redis fails, the
 * `auth` budget has no insurance limiter and fails closed (503 `service_unavailable`); the other
 * budgets have a bounded per-node memory limiter as insurance and degrade to it; the degradation
 * is logged. Why: see docs/abuse-protection.md.
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

/**
 * Budgets that deny (503) rather than degrade when the shared store is unavailable: they get no
 * insurance limiter. `failed_auth` is not one of them: it is peeked on every request that carries
 * a credential, so failing it closed would refuse the whole authenticated API while Redis is down.
 */
const FAIL_CLOSED: ReadonlySet<BudgetName> = new Set(['auth']);

const AUTH_PREFIX = '/v1/auth/';

export interface HitResult {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  ttlMs: number;
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
 * At most `maxKeys` keys across every memory limiter that shares this bound, least recently
 * charged evicted first.
 */
export class KeyBound {
  readonly #entries = new Map<string, { limiter: RateLimiterMemory; key: string }>();
  readonly #maxKeys: number;

  constructor(maxKeys: number) {
    this.#maxKeys = maxKeys;
  }

  touch(limiter: RateLimiterMemory, key: string): void {
    const id = `${limiter.keyPrefix}:${key}`;
    this.#entries.delete(id);
    this.#entries.set(id, { limiter, key });
    if (this.#entries.size <= this.#maxKeys) return;
    const oldest = this.#entries.entries().next();
    if (oldest.done === true) return;
    this.#entries.delete(oldest.value[0]);
    void oldest.value[1].limiter.delete(oldest.value[1].key);
  }
}

/**
 * rate-limiter-flexible's RateLimiterMemory keeps every key (with a timer each) in a Map without a
 * size bound until its window ends, so a flood of distinct spoofed addresses within one window
 * would grow it without limit. This subclass records every key it charges in a `KeyBound` (shared
 * by all memory limiters of an app, so the bound is `ROLEGATE_RATE_LIMIT_CACHE_SIZE` keys in all)
 * and, past the bound, deletes the least recently charged key through the limiter's public
 * `delete`. An evicted key starts a fresh window: the same trade the old LRU made. Only `consume`
 * adds keys here (`penalty`, `set` and `block` are not used).
 */
export class BoundedMemoryLimiter extends RateLimiterMemory {
  readonly #bound: KeyBound;
  readonly #onUse: (() => void) | undefined;

  constructor(options: {
    points: number;
    durationSeconds: number;
    keyPrefix: string;
    bound: KeyBound;
    /** Called on every use: an insurance limiter reports that the shared store has failed. */
    onUse?: () => void;
  }) {
    super({ points: options.points, duration: options.durationSeconds, keyPrefix: options.keyPrefix });
    this.#bound = options.bound;
    this.#onUse = options.onUse;
  }

  override consume(
    key: string | number,
    pointsToConsume?: number,
    options?: { [key: string]: unknown },
  ): Promise<RateLimiterRes> {
    this.#onUse?.();
    this.#bound.touch(this, String(key));
    return super.consume(key, pointsToConsume, options);
  }

  override get(key: string | number, options?: { [key: string]: unknown }): Promise<RateLimiterRes | null> {
    this.#onUse?.();
    return super.get(key, options);
  }
}

export interface BudgetLimit {
  max: number;
  windowSeconds: number;
}

/** The limiters of all budgets, behind the two questions the hooks ask. */
export interface BudgetLimiters {
  /** Counts one hit of `identity` against the budget. A spent budget is a denied decision. */
  consume(budget: BudgetName, identity: string): Promise<Decision>;
  /** The budget's current window for `identity`, without counting (count 0 when there is none). */
  peek(budget: BudgetName, identity: string): Promise<HitResult>;
}

/**
 * One rate-limiter-flexible limiter per budget. Without Redis: a bounded memory limiter. With
 * Redis: a `RateLimiterRedis` (its atomic Lua script; keys `<prefix><budget>:<identity>`), with a
 * bounded memory limiter as `insuranceLimiter` except for fail-closed budgets, whose store errors
 * become 503 `service_unavailable`.
 */
export function createBudgetLimiters(deps: {
  budgets: Record<BudgetName, BudgetLimit>;
  redis: Redis | null;
  keyPrefix: string;
  maxKeys: number;
  /** The shared store failed for `budget` (`err` when known; an insurance limiter is not told). */
  onDegraded: (budget: BudgetName, err?: unknown) => void;
}): BudgetLimiters {
  const bound = new KeyBound(deps.maxKeys);
  const memory = (name: BudgetName, onUse?: () => void) =>
    new BoundedMemoryLimiter({
      points: deps.budgets[name].max,
      durationSeconds: deps.budgets[name].windowSeconds,
      keyPrefix: name,
      bound,
      ...(onUse === undefined ? {} : { onUse }),
    });
  const limiterFor = (name: BudgetName): RateLimiterAbstract => {
    if (deps.redis === null) return memory(name);
    return new RateLimiterRedis({
      storeClient: deps.redis,
      // Straight to the insurance limiter (or the 503) while disconnected, without a round trip.
      rejectIfRedisNotReady: true,
      points: deps.budgets[name].max,
      duration: deps.budgets[name].windowSeconds,
      keyPrefix: `${deps.keyPrefix}${name}`,
      ...(FAIL_CLOSED.has(name) ? {} : { insuranceLimiter: memory(name, () => deps.onDegraded(name)) }),
    });
  };
  const limiters: Record<BudgetName, RateLimiterAbstract> = {
    auth: limiterFor('auth'),
    api: limiterFor('api'),
    expensive: limiterFor('expensive'),
    failed_auth: limiterFor('failed_auth'),
  };
  // Reached only when a budget without insurance could not be counted.
  const unavailable = (name: BudgetName, err: unknown): AppError => {
    deps.onDegraded(name, err);
    return new AppError(
      ErrorCode.SERVICE_UNAVAILABLE,
      name === 'auth'
        ? 'Sign-in is temporarily unavailable; retry shortly.'
        : 'Rate limiting is temporarily unavailable; retry shortly.',
      { retryAfter: 5, cause: err },
    );
  };
  return {
    async consume(name, identity) {
      let res: RateLimiterRes;
      try {
        res = await limiters[name].consume(identity);
      } catch (err) {
        // rate-limiter-flexible rejects with the RateLimiterRes when the budget is spent, and with
        // the store's error when it could not count.
        if (!(err instanceof RateLimiterRes)) throw unavailable(name, err);
        res = err;
      }
      return decide({ count: res.consumedPoints, ttlMs: res.msBeforeNext }, deps.budgets[name].max);
    },
    async peek(name, identity) {
      let res: RateLimiterRes | null;
      try {
        res = await limiters[name].get(identity);
      } catch (err) {
        throw unavailable(name, err);
      }
      // A window that has run out (its timer not yet fired) or has no expiry counts as none.
      if (res === null || res.msBeforeNext <= 0) return { count: 0, ttlMs: 0 };
      return { count: res.consumedPoints, ttlMs: res.msBeforeNext };
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
  if (principal.type === 'user') return `user:${principal.userId}`;
  return principal.type === 'apiKey' ? `key:${principal.keyId}` : `grant:${principal.grantId}`;
}

/** Whether the request presents a credential at all (any Authorization header). */
function presentsCredential(request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined;
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

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts one call against the caller's expensive-operation budget; throws rate_limited when spent. */
    chargeExpensive(request: FastifyRequest): Promise<void>;
  }
}

/**
 * Registers the hooks that apply the budgets. Call before feature routes are registered. `redis`
 * is the app's shared connection (null without `REDIS_URL`); its owner closes it.
 */
export async function registerRateLimiting(
  app: FastifyInstance,
  deps: { config: Pick<Config, 'rateLimit'>; redis: Redis | null; logger: Logger },
): Promise<RateLimits> {
  const rl = deps.config.rateLimit;
  const lastDegradedLog = new Map<BudgetName, number>();
  const limits = createBudgetLimiters({
    budgets: { auth: rl.auth, api: rl.api, expensive: rl.expensive, failed_auth: rl.failedAuth },
    redis: deps.redis,
    keyPrefix: rl.keyPrefix,
    maxKeys: rl.cacheSize,
    onDegraded(budget, err) {
      const now = Date.now();
      if (now - (lastDegradedLog.get(budget) ?? 0) < DEGRADED_LOG_INTERVAL_MS) return;
      lastDegradedLog.set(budget, now);
      deps.logger.warn(
        {
          budget,
          failClosed: FAIL_CLOSED.has(budget),
          ...(err === undefined ? {} : { err: { message: err instanceof Error ? err.message : 'error' } }),
        },
        FAIL_CLOSED.has(budget)
          ? 'rate-limit store unavailable: failing closed'
          : 'rate-limit store unavailable: degrading to per-node memory limits',
      );
    },
  });
  if (deps.redis !== null) await waitUntilReady(deps.redis, STARTUP_WAIT_MS);

  const ipKey = (request: FastifyRequest) => `ip:${addressKey(request.ip)}`;
  /** The authenticated principal's budget identity, set by the authenticator below. */
  const principals = new WeakMap<FastifyRequest, string>();
  /** Requests already charged their class's budgets (once per request, by principal or by address). */
  const charged = new WeakSet<FastifyRequest>();
  /** The tightest decision of a request's budgets, for the RateLimit-* headers. */
  const tightestOf = new WeakMap<FastifyRequest, Decision>();
  const identityOf = (request: FastifyRequest) => principals.get(request) ?? ipKey(request);
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
      const decision = await limits.consume(name, name === 'auth' ? ipKey(request) : identityOf(request));
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
    const decision = await limits.consume('expensive', identityOf(request));
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
    const failures = await limits.peek('failed_auth', ipKey(request));
    if (failures.count >= rl.failedAuth.max) {
      const decision = decide({ count: failures.count + 1, ttlMs: failures.ttlMs }, rl.failedAuth.max);
      setHeaders(reply, decision);
      throw refused(decision, 'failed_auth');
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
              const decision = await limits.consume('failed_auth', ipKey(request));
              // Parallel failures can overshoot the pre-check; those beyond the budget are refused too.
              if (!decision.allowed) {
                tightestOf.set(request, decision);
                throw refused(decision, 'failed_auth');
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
