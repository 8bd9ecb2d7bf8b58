import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.ts';

/**
 * Per-organisation STS call budget: a token bucket of `burst` calls refilled at `perMinute`.
 * One tenant (or one broken connection retried in a loop) cannot spend Rolegate's STS quota,
 * which every tenant shares. When STS itself throttles an organisation's call, its bucket is
 * drained, so the organisation backs off for the refill time.
 */
export interface StsBudgetOptions {
  perMinute: number;
  burst: number;
  /** Organisations tracked at once (least recently active forgotten first). */
  maxOrganizations?: number;
}

export type BudgetDecision =
  | { allowed: true }
  | {
      allowed: false;
      retryAfterSeconds: number;
      /** Whose budget is spent: the organisation's, or the whole deployment's. */
      scope: 'organization' | 'deployment';
    };

export interface StsBudget {
  take(orgId: string): BudgetDecision;
  /** STS throttled this organisation's call: empty its bucket. */
  penalize(orgId: string): void;
  /** Gives back a token taken by `take` (a call that was not made after all). */
  refund(orgId: string): void;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export function createStsBudget(options: StsBudgetOptions, clock: Clock): StsBudget {
  const ratePerMs = options.perMinute / 60_000;
  const buckets = new LRUCache<string, Bucket>({ max: options.maxOrganizations ?? 10_000 });

  const current = (orgId: string): Bucket => {
    const now = clock.now().getTime();
    const bucket = buckets.get(orgId) ?? { tokens: options.burst, updatedMs: now };
    const elapsed = Math.max(0, now - bucket.updatedMs);
    bucket.tokens = Math.min(options.burst, bucket.tokens + elapsed * ratePerMs);
    bucket.updatedMs = now;
    buckets.set(orgId, bucket);
    return bucket;
  };

  return {
    take(orgId) {
      const bucket = current(orgId);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      const waitMs = (1 - bucket.tokens) / ratePerMs;
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        scope: 'organization',
      };
    },
    penalize(orgId) {
      current(orgId).tokens = 0;
    },
    refund(orgId) {
      const bucket = current(orgId);
      bucket.tokens = Math.min(options.burst, bucket.tokens + 1);
    },
  };
}

const DEPLOYMENT = '*';

/**
 * The per-organisation budget with a deployment-wide one above it (issue 14.9): organisations are
 * cheap to create, so per-organisation budgets alone multiply with their number. A call needs a
 * token from both; when the deployment's bucket is empty, the organisation's token is given back.
 * STS throttling penalises only the organisation whose call was throttled.
 */
export function createLayeredStsBudget(
  options: { perOrganization: StsBudgetOptions; deployment: Pick<StsBudgetOptions, 'perMinute' | 'burst'> },
  clock: Clock,
): StsBudget {
  const perOrganization = createStsBudget(options.perOrganization, clock);
  const deployment = createStsBudget({ ...options.deployment, maxOrganizations: 1 }, clock);
  return {
    take(orgId) {
      const own = perOrganization.take(orgId);
      if (!own.allowed) return own;
      const shared = deployment.take(DEPLOYMENT);
      if (shared.allowed) return shared;
      perOrganization.refund(orgId);
      return { ...shared, scope: 'deployment' };
    },
    penalize(orgId) {
      perOrganization.penalize(orgId);
    },
    refund(orgId) {
      perOrganization.refund(orgId);
      deployment.refund(DEPLOYMENT);
    },
  };
}
