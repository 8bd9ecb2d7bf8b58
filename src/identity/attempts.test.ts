import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../audit/types.ts';
import { ErrorCode } from '../core/errors.ts';
import { createAttempts } from './attempts.ts';
import { createMemoryLockoutStore, type LockoutPolicy } from './lockout.ts';
import type { RequestContext } from './request-context.ts';
import type { IdentityStore, UserRow } from './store.ts';

const policy = (threshold: number): LockoutPolicy => ({
  threshold,
  baseLockMs: 60_000,
  maxLockMs: 60_000,
  hourlyLimit: 1000,
  windowMs: 3_600_000,
});
const ctx: RequestContext = { ip: '203.0.113.7', userAgent: 'test', requestId: 'req_1' };
const user = { id: 'usr_1', email: 'a@example.com', passwordHash: 'h:right' } as UserRow;

function setup(accountThreshold = 3, ipThreshold = 100) {
  const events: Omit<AuditEvent, 'requestId' | 'ip' | 'userAgent'>[] = [];
  let transactions = 0;
  const store: Pick<IdentityStore, 'transaction'> = {
    transaction: async (fn) => {
      transactions += 1;
      return fn({} as Parameters<typeof fn>[0]);
    },
  };
  const attempts = createAttempts({
    store,
    record: async (_q, _ctx, event) => {
      events.push(event);
    },
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    lockout: createMemoryLockoutStore(),
    hasher: { verify: async (hash, password) => hash === `h:${password}` },
    accountPolicy: policy(accountThreshold),
    ipPolicy: policy(ipThreshold),
  });
  return { attempts, events, transactions: () => transactions };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('attempts: the one failure path', () => {
  it('audits a failure in one transaction and throws the error of its reason', async () => {
    const { attempts, events, transactions } = setup();
    const attempt = await attempts.begin(user.email, ctx);
    expect(
      await codeOf(attempt.fail({ userId: null, action: 'auth.login', reason: 'invalid_credentials' })),
    ).toBe(ErrorCode.INVALID_CREDENTIALS);
    expect(events).toEqual([
      {
        orgId: null,
        actorType: 'anonymous',
        actorId: null,
        action: 'auth.login',
        outcome: 'failure',
        errorCode: 'invalid_credentials',
        details: { reason: 'invalid_credentials' },
      },
    ]);
    expect(transactions()).toBe(1);
    const second = await attempts.begin(user.email, ctx);
    expect(
      await codeOf(second.fail({ userId: user.id, action: 'auth.mfa.verify', reason: 'mfa_invalid' })),
    ).toBe(ErrorCode.MFA_INVALID);
    expect(events[1]).toMatchObject({ actorType: 'user', actorId: user.id, action: 'auth.mfa.verify' });
  });

  it('locks the account at the threshold, audits the lock with the failure, and refuses the next attempt', async () => {
    const { attempts, events } = setup(2);
    for (let i = 0; i < 2; i++) {
      const attempt = await attempts.begin(user.email, ctx);
      await codeOf(attempt.fail({ userId: user.id, action: 'auth.login', reason: 'invalid_credentials' }));
    }
    expect(events.map((e) => e.action)).toEqual(['auth.login', 'auth.login', 'auth.lockout']);
    expect(events[2]).toMatchObject({
      outcome: 'denied',
      details: { scope: 'account', retryAfterSeconds: 60 },
    });
    expect(await codeOf(attempts.begin(user.email, ctx))).toBe(ErrorCode.ACCOUNT_LOCKED);
    // Another account from the same address is not locked by this one.
    expect(await codeOf(attempts.begin('b@example.com', ctx))).toBeUndefined();
  });

  it('clears the account count when an attempt succeeds', async () => {
    const { attempts } = setup(2);
    const first = await attempts.begin(user.email, ctx);
    await codeOf(first.fail({ userId: user.id, action: 'auth.login', reason: 'invalid_credentials' }));
    await (await attempts.begin(user.email, ctx)).succeeded();
    const third = await attempts.begin(user.email, ctx);
    await codeOf(third.fail({ userId: user.id, action: 'auth.login', reason: 'invalid_credentials' }));
    expect(await codeOf(attempts.begin(user.email, ctx))).toBeUndefined();
  });

  it('a refusal outside an attempt costs the IP budget, which locks every account from that address', async () => {
    const { attempts, events } = setup(100, 1);
    expect(
      await codeOf(attempts.refuse(ctx, { userId: null, action: 'auth.signup', reason: 'email_taken' })),
    ).toBe(ErrorCode.CONFLICT);
    expect(events.map((e) => [e.action, e.details])).toEqual([
      ['auth.signup', { reason: 'email_taken' }],
      ['auth.lockout', { scope: 'ip', retryAfterSeconds: 60 }],
    ]);
    expect(await codeOf(attempts.assertIpNotLocked(ctx.ip))).toBe(ErrorCode.ACCOUNT_LOCKED);
    expect(await codeOf(attempts.begin('c@example.com', ctx))).toBe(ErrorCode.ACCOUNT_LOCKED);
  });

  it('checkPassword fails through the same path under the caller’s action', async () => {
    const { attempts, events } = setup();
    expect(await codeOf(attempts.checkPassword(user, 'wrong', ctx, 'password.changed'))).toBe(
      ErrorCode.INVALID_CREDENTIALS,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'password.changed',
      actorId: user.id,
      errorCode: 'invalid_credentials',
    });
    const attempt = await attempts.checkPassword(user, 'right', ctx, 'password.changed');
    await attempt.succeeded();
    expect(events).toHaveLength(1);
  });
});
