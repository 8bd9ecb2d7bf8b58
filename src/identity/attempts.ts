import type { Clock } from '../clock.ts';
import { addressKey } from '../core/address-key.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { sha256Hex } from '../crypto/tokens.ts';
import {
  ACCOUNT_POLICY,
  IP_POLICY,
  type LockoutPolicy,
  type LockoutStore,
  lockRemainingMs,
} from './lockout.ts';
import type { PasswordHasher } from './passwords.ts';
import type { RecordEvent, RequestContext } from './request-context.ts';
import type { IdentityStore, UserRow } from './store.ts';

/**
 * Credential attempts and their one failure path. Every credential check (login, second factor,
 * re-authentication, password change, MFA enable/disable) consults the lockout store first, per
 * account and per IP; every refusal goes through `fail`, which counts it, audits it and any lock it
 * caused, and throws the refusal's stable error, which never reveals whether an account exists.
 */

/** Why an attempt failed: the audit `errorCode` and the error the caller gets. */
export type FailureReason = 'invalid_credentials' | 'mfa_invalid' | 'mfa_replayed' | 'email_taken';

const FAILURE_ERRORS: Record<FailureReason, () => AppError> = {
  invalid_credentials: () => new AppError(ErrorCode.INVALID_CREDENTIALS),
  mfa_invalid: () => new AppError(ErrorCode.MFA_INVALID),
  // The code was right but its time step is spent (single use); waiting is the only fix, so say so.
  // The caller already proved the password at this point, so this tells an intruder nothing new.
  mfa_replayed: () => new AppError(ErrorCode.MFA_INVALID, 'This code was just used; wait for the next one.'),
  email_taken: () => new AppError(ErrorCode.CONFLICT, 'This email address cannot be used to sign up.'),
};

export interface Failure {
  userId: string | null;
  /** The audit action of the refused operation, e.g. `auth.login`. */
  action: string;
  reason: FailureReason;
}

/** One reserved attempt on an account: it either fails (and throws) or succeeds (and clears the count). */
export interface Attempt {
  fail(failure: Failure): Promise<never>;
  succeeded(): Promise<void>;
}

export interface AttemptsDeps {
  store: Pick<IdentityStore, 'transaction'>;
  record: RecordEvent;
  clock: Clock;
  lockout: LockoutStore;
  hasher: Pick<PasswordHasher, 'verify'>;
  accountPolicy?: LockoutPolicy | undefined;
  ipPolicy?: LockoutPolicy | undefined;
}

function accountKey(email: string): string {
  // Hashed so that the lockout store (possibly Redis) never holds email addresses.
  return `acct:${sha256Hex(email)}`;
}

/** Per client address: an IPv6 client is one /64 (see addressKey), so rotating inside it gains nothing. */
function ipKey(ip: string): string {
  return `ip:${addressKey(ip)}`;
}

const lockedError = (remainingMs: number) =>
  new AppError(ErrorCode.ACCOUNT_LOCKED, undefined, { retryAfter: Math.ceil(remainingMs / 1000) });

export function createAttempts(deps: AttemptsDeps) {
  const { store, record, clock, lockout } = deps;
  const accountPolicy = deps.accountPolicy ?? ACCOUNT_POLICY;
  const ipPolicy = deps.ipPolicy ?? IP_POLICY;

  async function assertIpNotLocked(ip: string): Promise<void> {
    const now = clock.now().getTime();
    const remaining = lockRemainingMs(await lockout.get(ipKey(ip), now), now, ipPolicy);
    if (remaining > 0) throw lockedError(remaining);
  }

  /**
   * The failure path: counts the failure against the IP (the account, if any, was counted when the
   * attempt began and `accountLockMs` is the lock that caused), audits it and any lock, and throws.
   */
  async function fail(ctx: RequestContext, failure: Failure, accountLockMs: number): Promise<never> {
    const now = clock.now().getTime();
    const locks: Array<{ scope: string; retryAfter: number }> = [];
    if (accountLockMs > 0) locks.push({ scope: 'account', retryAfter: Math.ceil(accountLockMs / 1000) });
    const ipState = await lockout.recordFailure(ipKey(ctx.ip), now, ipPolicy);
    const ipRemaining = lockRemainingMs(ipState, now, ipPolicy);
    if (ipRemaining > 0) locks.push({ scope: 'ip', retryAfter: Math.ceil(ipRemaining / 1000) });
    const actorType = failure.userId === null ? 'anonymous' : 'user';
    await store.transaction(async (tx) => {
      await record(tx, ctx, {
        orgId: null,
        actorType,
        actorId: failure.userId,
        action: failure.action,
        outcome: 'failure',
        errorCode: failure.reason,
        details: { reason: failure.reason },
      });
      for (const lock of locks) {
        await record(tx, ctx, {
          orgId: null,
          actorType,
          actorId: failure.userId,
          action: 'auth.lockout',
          outcome: 'denied',
          details: { scope: lock.scope, retryAfterSeconds: lock.retryAfter },
        });
      }
    });
    throw FAILURE_ERRORS[failure.reason]();
  }

  /**
   * Checks the IP budget, then reserves one attempt on the account (refused while locked; counted
   * as a failure until `succeeded` clears it). Unknown emails are counted the same way.
   */
  async function begin(email: string, ctx: RequestContext): Promise<Attempt> {
    await assertIpNotLocked(ctx.ip);
    const decision = await lockout.reserveAttempt(accountKey(email), clock.now().getTime(), accountPolicy);
    if (!decision.allowed) throw lockedError(decision.retryAfterMs);
    const lockIfFailedMs = decision.retryAfterMs;
    return {
      fail: (failure) => fail(ctx, failure, lockIfFailedMs),
      succeeded: () => lockout.recordSuccess(accountKey(email), clock.now().getTime(), accountPolicy),
    };
  }

  return {
    assertIpNotLocked,
    begin,
    /** A refusal outside any account attempt (a taken sign-up address): costs only the IP budget. */
    refuse: (ctx: RequestContext, failure: Failure) => fail(ctx, failure, 0),

    /** A signed-in user proves the password again; failures count toward the lockout like logins. */
    async checkPassword(
      user: UserRow,
      password: string,
      ctx: RequestContext,
      action: string,
    ): Promise<Attempt> {
      const attempt = await begin(user.email, ctx);
      if (!(await deps.hasher.verify(user.passwordHash, password)))
        await attempt.fail({ userId: user.id, action, reason: 'invalid_credentials' });
      return attempt;
    },
  };
}

export type Attempts = ReturnType<typeof createAttempts>;
