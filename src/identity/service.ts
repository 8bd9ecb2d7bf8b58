import { renderSVG } from 'uqr';
import type { AuditEvent, AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import { bindingFor } from '../crypto/encrypted-columns.ts';
import { decryptField, encryptField, type Keyring } from '../crypto/field-encryption.ts';
import { randomToken, sha256Hex } from '../crypto/tokens.ts';
import type { DbOrTx } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import type { Actor } from '../http/auth.ts';
import { addressKey } from '../http/client-address.ts';
import { AppError, ErrorCode } from '../http/errors.ts';
import type { AccessTokenIssuer } from './access-tokens.ts';
import {
  ACCOUNT_POLICY,
  IP_POLICY,
  type LockoutPolicy,
  type LockoutStore,
  lockRemainingMs,
} from './lockout.ts';
import { assertPasswordPolicy, normaliseEmail, type PasswordHasher } from './passwords.ts';
import type { Role } from './rbac.ts';
import type { IdentityStore, UserRow } from './store.ts';
import {
  backupCodeHash,
  generateBackupCodes,
  generateTotpSecret,
  isTotpCodeShape,
  matchTotpStep,
  normaliseBackupCode,
  otpauthUri,
} from './totp.ts';

/**
 * The rules of sign-up, login, sessions, password change and MFA. No HTTP, no SQL.
 * Every credential check consults the lockout store first (per account and per IP) and feeds
 * failures back into it; expected refusals are AppErrors with stable codes that never reveal
 * whether an account exists.
 */
export interface RequestContext {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface IdentityServiceDeps {
  store: IdentityStore;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  hasher: PasswordHasher;
  lockout: LockoutStore;
  accessTokens: Pick<AccessTokenIssuer, 'issue'>;
  keyring: Keyring;
  auth: { refreshMaxAge: number; refreshIdle: number };
  accountPolicy?: LockoutPolicy;
  ipPolicy?: LockoutPolicy;
  /** Called after a successful login has committed (e.g. new-IP alerts); must not throw or block. */
  onLogin?: (userId: string, ip: string) => void;
}

const invalidCredentials = () => new AppError(ErrorCode.INVALID_CREDENTIALS);
const tokenInvalid = () => new AppError(ErrorCode.TOKEN_INVALID);
const totpBinding = (userId: string) => bindingFor('users', 'totp_secret', userId, userId);

function accountKey(email: string): string {
  // Hashed so that the lockout store (possibly Redis) never holds email addresses.
  return `acct:${sha256Hex(email)}`;
}

/** Per client address: an IPv6 client is one /64 (see addressKey), so rotating inside it gains nothing. */
function ipKey(ip: string): string {
  return `ip:${addressKey(ip)}`;
}

export function createIdentityService(deps: IdentityServiceDeps) {
  const { store, audit, clock, hasher, lockout, keyring } = deps;
  const accountPolicy = deps.accountPolicy ?? ACCOUNT_POLICY;
  const ipPolicy = deps.ipPolicy ?? IP_POLICY;

  const record = (
    q: DbOrTx,
    ctx: RequestContext,
    event: Omit<AuditEvent, 'requestId' | 'ip' | 'userAgent'>,
  ) => audit.record(q, { ...event, requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent });

  const lockedError = (remainingMs: number) =>
    new AppError(ErrorCode.ACCOUNT_LOCKED, undefined, { retryAfter: Math.ceil(remainingMs / 1000) });

  async function assertIpNotLocked(ip: string): Promise<void> {
    const now = clock.now().getTime();
    const remaining = lockRemainingMs(await lockout.get(ipKey(ip), now), now, ipPolicy);
    if (remaining > 0) throw lockedError(remaining);
  }

  /**
   * Checks the IP budget, then reserves one attempt on the account (refused while locked; counted
   * as a failure until `accountSucceeded` clears it). Unknown emails are counted the same way.
   */
  async function beginAttempt(email: string, ip: string): Promise<{ lockIfFailedMs: number }> {
    await assertIpNotLocked(ip);
    const decision = await lockout.reserveAttempt(accountKey(email), clock.now().getTime(), accountPolicy);
    if (!decision.allowed) throw lockedError(decision.retryAfterMs);
    return { lockIfFailedMs: decision.retryAfterMs };
  }

  async function accountSucceeded(email: string): Promise<void> {
    await lockout.recordSuccess(accountKey(email), clock.now().getTime(), accountPolicy);
  }

  /** Counts a failed attempt against the IP (the account was counted by `beginAttempt`); audits it and any lock. */
  async function recordFailure(input: {
    userId: string | null;
    ctx: RequestContext;
    action: string;
    reason: string;
    accountLockMs: number;
  }): Promise<void> {
    const now = clock.now().getTime();
    const locks: Array<{ scope: string; retryAfter: number }> = [];
    if (input.accountLockMs > 0)
      locks.push({ scope: 'account', retryAfter: Math.ceil(input.accountLockMs / 1000) });
    const ipState = await lockout.recordFailure(ipKey(input.ctx.ip), now, ipPolicy);
    const ipRemaining = lockRemainingMs(ipState, now, ipPolicy);
    if (ipRemaining > 0) locks.push({ scope: 'ip', retryAfter: Math.ceil(ipRemaining / 1000) });
    const actorType = input.userId === null ? 'anonymous' : 'user';
    await store.transaction(async (tx) => {
      await record(tx, input.ctx, {
        orgId: null,
        actorType,
        actorId: input.userId,
        action: input.action,
        outcome: 'failure',
        errorCode: input.reason,
        details: { reason: input.reason },
      });
      for (const lock of locks) {
        await record(tx, input.ctx, {
          orgId: null,
          actorType,
          actorId: input.userId,
          action: 'auth.lockout',
          outcome: 'denied',
          details: { scope: lock.scope, retryAfterSeconds: lock.retryAfter },
        });
      }
    });
  }

  async function issuePair(userId: string, sessionId: string, refreshToken: string): Promise<TokenPair> {
    const { token, expiresIn } = await deps.accessTokens.issue({ userId, sessionId });
    return { accessToken: token, refreshToken, expiresIn };
  }

  /** Checks a TOTP code (single use via compare-and-set on the step) or a backup code (single use). */
  /** A signed-in user proves the password again; failures count toward the lockout like logins. */
  async function checkCurrentPassword(user: UserRow, password: string, ctx: RequestContext, action: string) {
    const attempt = await beginAttempt(user.email, ctx.ip);
    if (!(await hasher.verify(user.passwordHash, password))) {
      await recordFailure({
        userId: user.id,
        ctx,
        action,
        reason: 'invalid_credentials',
        accountLockMs: attempt.lockIfFailedMs,
      });
      throw invalidCredentials();
    }
    return attempt;
  }

  async function verifySecondFactor(user: UserRow, code: string): Promise<'totp' | 'backup' | null> {
    if (user.totpSecret === null) return null;
    const now = clock.now();
    if (isTotpCodeShape(code)) {
      const secret = decryptField(keyring, user.totpSecret, totpBinding(user.id));
      const step = matchTotpStep(secret, code, now.getTime());
      if (step === null) return null;
      return (await store.acceptTotpStep(store.db, user.id, step)) ? 'totp' : null;
    }
    const backup = normaliseBackupCode(code);
    if (backup === null || user.totpEnabledAt === null) return null;
    return (await store.consumeBackupCode(store.db, user.id, backupCodeHash(user.id, backup), now))
      ? 'backup'
      : null;
  }

  async function requireUser(actor: Actor): Promise<UserRow> {
    if (actor.type !== 'user' || actor.userId === null) throw new AppError(ErrorCode.FORBIDDEN);
    const user = await store.findUserById(store.db, actor.userId);
    if (user === null) throw new AppError(ErrorCode.UNAUTHENTICATED);
    return user;
  }

  function contextOf(actor: Actor): RequestContext {
    return { ip: actor.ip, userAgent: actor.userAgent, requestId: actor.requestId };
  }

  return {
    async signup(
      input: { email: string; password: string; name?: string | undefined },
      ctx: RequestContext,
    ): Promise<{ user: { id: string; email: string }; organization: { id: string; name: string } }> {
      const email = normaliseEmail(input.email);
      if (email === null) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'The email address is not valid.', {
          details: { field: 'email' },
        });
      }
      assertPasswordPolicy(input.password);
      await assertIpNotLocked(ctx.ip);
      // Hash before looking at the email, so a taken address answers in the same time.
      const passwordHash = await hasher.hash(input.password);
      const name = input.name?.trim() || null;
      const now = clock.now();
      const userId = newId('usr');
      const orgId = newId('org');
      const orgName = `${name ?? email.slice(0, email.indexOf('@'))}'s organization`.slice(0, 200);
      const created = await store.transaction(async (tx) => {
        const ok = await store.createUserWithOrganization(tx, {
          userId,
          email,
          name,
          passwordHash,
          orgId,
          orgName,
          membershipId: newId('mem'),
          now,
        });
        if (!ok) return false;
        await record(tx, ctx, {
          orgId,
          actorType: 'user',
          actorId: userId,
          action: 'auth.signup',
          outcome: 'success',
          targetType: 'user',
          targetId: userId,
        });
        return true;
      });
      if (!created) {
        // A taken address costs the caller's IP budget like a failed login, so probing for
        // registered addresses is as slow as guessing passwords.
        await recordFailure({
          userId: null,
          ctx,
          action: 'auth.signup',
          reason: 'email_taken',
          accountLockMs: 0,
        });
        throw new AppError(ErrorCode.CONFLICT, 'This email address cannot be used to sign up.');
      }
      return { user: { id: userId, email }, organization: { id: orgId, name: orgName } };
    },

    async login(
      input: { email: string; password: string; totp?: string | undefined },
      ctx: RequestContext,
    ): Promise<TokenPair> {
      const email = normaliseEmail(input.email);
      if (email === null) throw invalidCredentials();
      const attempt = await beginAttempt(email, ctx.ip);
      const user = await store.findUserByEmail(store.db, email);
      const passwordOk =
        user === null
          ? await hasher.verifyDummy(input.password)
          : await hasher.verify(user.passwordHash, input.password);
      if (user === null || !passwordOk) {
        await recordFailure({
          userId: user?.id ?? null,
          ctx,
          action: 'auth.login',
          reason: 'invalid_credentials',
          accountLockMs: attempt.lockIfFailedMs,
        });
        throw invalidCredentials();
      }
      if (user.totpEnabledAt !== null) {
        if (input.totp === undefined || input.totp.length === 0) throw new AppError(ErrorCode.MFA_REQUIRED);
        const factor = await verifySecondFactor(user, input.totp);
        if (factor === null) {
          await recordFailure({
            userId: user.id,
            ctx,
            action: 'auth.mfa.verify',
            reason: 'mfa_invalid',
            accountLockMs: attempt.lockIfFailedMs,
          });
          throw new AppError(ErrorCode.MFA_INVALID);
        }
      }
      await accountSucceeded(email);
      const now = clock.now();
      const sessionId = newId('ses');
      const refreshToken = randomToken(32);
      await store.transaction(async (tx) => {
        await store.createSession(tx, {
          sessionId,
          userId: user.id,
          tokenHash: sha256Hex(refreshToken),
          now,
          expiresAt: new Date(now.getTime() + deps.auth.refreshMaxAge * 1000),
          ip: ctx.ip,
          userAgent: ctx.userAgent,
        });
        await record(tx, ctx, {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'auth.login',
          outcome: 'success',
          targetType: 'session',
          targetId: sessionId,
          details: { mfa: user.totpEnabledAt !== null },
        });
      });
      deps.onLogin?.(user.id, ctx.ip);
      return issuePair(user.id, sessionId, refreshToken);
    },

    async refresh(presented: string, ctx: RequestContext): Promise<TokenPair> {
      const tokenHash = sha256Hex(presented);
      const now = clock.now();
      const row = await store.findRefreshToken(store.db, tokenHash);
      if (row === null || row.revokedAt !== null || row.expiresAt.getTime() <= now.getTime()) {
        throw tokenInvalid();
      }
      if (now.getTime() - row.lastUsedAt.getTime() >= deps.auth.refreshIdle * 1000) {
        await store.transaction(async (tx) => {
          if (
            await store.revokeSession(tx, {
              sessionId: row.sessionId,
              userId: row.userId,
              reason: 'idle',
              now,
            })
          ) {
            await record(tx, ctx, {
              orgId: null,
              actorType: 'system',
              actorId: null,
              action: 'session.revoked',
              outcome: 'success',
              targetType: 'session',
              targetId: row.sessionId,
              details: { reason: 'idle' },
            });
          }
        });
        throw tokenInvalid();
      }
      const newToken = randomToken(32);
      const outcome = await store.transaction(async (tx): Promise<'rotated' | 'reused' | 'dead'> => {
        const first = row.usedAt === null && (await store.markRefreshTokenUsed(tx, tokenHash, now));
        if (!first) {
          // Presented twice: whoever holds the other copy may be a thief. Kill the whole family.
          await store.revokeSession(tx, {
            sessionId: row.sessionId,
            userId: row.userId,
            reason: 'refresh_reuse',
            now,
          });
          await record(tx, ctx, {
            orgId: null,
            actorType: 'anonymous',
            actorId: null,
            action: 'session.refresh_reuse_detected',
            outcome: 'denied',
            targetType: 'session',
            targetId: row.sessionId,
            details: { userId: row.userId },
          });
          return 'reused';
        }
        const alive = await store.rotateInto(tx, {
          sessionId: row.sessionId,
          tokenHash: sha256Hex(newToken),
          now,
        });
        if (!alive) return 'dead';
        await record(tx, ctx, {
          orgId: null,
          actorType: 'user',
          actorId: row.userId,
          action: 'session.refreshed',
          outcome: 'success',
          targetType: 'session',
          targetId: row.sessionId,
        });
        return 'rotated';
      });
      if (outcome !== 'rotated') throw tokenInvalid();
      return issuePair(row.userId, row.sessionId, newToken);
    },

    async logout(actor: Actor): Promise<void> {
      const user = await requireUser(actor);
      if (actor.sessionId === null) throw new AppError(ErrorCode.FORBIDDEN);
      const sessionId = actor.sessionId;
      await store.transaction(async (tx) => {
        const now = clock.now();
        if (await store.revokeSession(tx, { sessionId, userId: user.id, reason: 'logout', now })) {
          await record(tx, contextOf(actor), {
            orgId: null,
            actorType: 'user',
            actorId: user.id,
            action: 'session.revoked',
            outcome: 'success',
            targetType: 'session',
            targetId: sessionId,
            details: { reason: 'logout' },
          });
        }
      });
    },

    async logoutAll(actor: Actor): Promise<{ revoked: number }> {
      const user = await requireUser(actor);
      return store.transaction(async (tx) => {
        const revoked = await store.revokeUserSessions(tx, {
          userId: user.id,
          reason: 'logout_all',
          now: clock.now(),
        });
        await record(tx, contextOf(actor), {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'session.revoked',
          outcome: 'success',
          targetType: 'user',
          targetId: user.id,
          details: { reason: 'logout_all', count: revoked.length },
        });
        return { revoked: revoked.length };
      });
    },

    /**
     * Proves the caller still holds the password (and the second factor when MFA is on) before a
     * destructive action such as deleting the account, so a stolen access token alone cannot do it.
     * Failures count toward the same lockout as logins.
     */
    async reauthenticate(
      actor: Actor,
      input: { password: string; totp?: string | undefined },
    ): Promise<void> {
      const user = await requireUser(actor);
      const ctx = contextOf(actor);
      const attempt = await checkCurrentPassword(user, input.password, ctx, 'auth.reauthenticate');
      if (user.totpEnabledAt !== null) {
        if (input.totp === undefined || input.totp.length === 0) throw new AppError(ErrorCode.MFA_REQUIRED);
        if ((await verifySecondFactor(user, input.totp)) === null) {
          await recordFailure({
            userId: user.id,
            ctx,
            action: 'auth.reauthenticate',
            reason: 'mfa_invalid',
            accountLockMs: attempt.lockIfFailedMs,
          });
          throw new AppError(ErrorCode.MFA_INVALID);
        }
      }
      await accountSucceeded(user.email);
    },

    async changePassword(
      actor: Actor,
      input: { currentPassword: string; newPassword: string },
    ): Promise<void> {
      const user = await requireUser(actor);
      const ctx = contextOf(actor);
      await checkCurrentPassword(user, input.currentPassword, ctx, 'password.changed');
      await accountSucceeded(user.email);
      assertPasswordPolicy(input.newPassword, 'newPassword');
      const passwordHash = await hasher.hash(input.newPassword);
      await store.transaction(async (tx) => {
        const now = clock.now();
        await store.updatePassword(tx, user.id, passwordHash, now);
        const revoked = await store.revokeUserSessions(tx, {
          userId: user.id,
          reason: 'password_changed',
          now,
          ...(actor.sessionId === null ? {} : { keepSessionId: actor.sessionId }),
        });
        await record(tx, ctx, {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'password.changed',
          outcome: 'success',
          targetType: 'user',
          targetId: user.id,
          details: { sessionsRevoked: revoked.length },
        });
      });
    },

    async mfaSetup(actor: Actor): Promise<{ secret: string; otpauthUri: string; qrCodeDataUrl: string }> {
      const user = await requireUser(actor);
      if (user.totpEnabledAt !== null) throw new AppError(ErrorCode.CONFLICT, 'MFA is already enabled.');
      const secret = generateTotpSecret();
      const encrypted = encryptField(keyring, secret, totpBinding(user.id));
      const ok = await store.transaction(async (tx) => {
        if (!(await store.setPendingTotpSecret(tx, user.id, encrypted))) return false;
        await record(tx, contextOf(actor), {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'auth.mfa.setup',
          outcome: 'success',
          targetType: 'user',
          targetId: user.id,
        });
        return true;
      });
      if (!ok) throw new AppError(ErrorCode.CONFLICT, 'MFA is already enabled.');
      const uri = otpauthUri(secret, user.email);
      // An SVG (dependency-free encoder) rather than a PNG: crisp at any size, and served as a
      // data: URL, which the console's CSP allows for images.
      const svg = renderSVG(uri, { ecc: 'M', border: 1 });
      const qrCodeDataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      return { secret, otpauthUri: uri, qrCodeDataUrl };
    },

    async mfaEnable(actor: Actor, code: string): Promise<{ backupCodes: string[] }> {
      const user = await requireUser(actor);
      if (user.totpEnabledAt !== null) throw new AppError(ErrorCode.CONFLICT, 'MFA is already enabled.');
      if (user.totpSecret === null) throw new AppError(ErrorCode.CONFLICT, 'Start MFA setup first.');
      const ctx = contextOf(actor);
      const attempt = await beginAttempt(user.email, ctx.ip);
      if (!isTotpCodeShape(code) || (await verifySecondFactor(user, code)) !== 'totp') {
        await recordFailure({
          userId: user.id,
          ctx,
          action: 'auth.mfa.enabled',
          reason: 'mfa_invalid',
          accountLockMs: attempt.lockIfFailedMs,
        });
        throw new AppError(ErrorCode.MFA_INVALID);
      }
      await accountSucceeded(user.email);
      const backupCodes = generateBackupCodes();
      const ok = await store.transaction(async (tx) => {
        const now = clock.now();
        if (!(await store.enableTotp(tx, user.id, now))) return false;
        await store.replaceBackupCodes(
          tx,
          user.id,
          backupCodes.map((c) => backupCodeHash(user.id, normaliseBackupCode(c)!)),
          now,
        );
        await record(tx, ctx, {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'auth.mfa.enabled',
          outcome: 'success',
          targetType: 'user',
          targetId: user.id,
        });
        return true;
      });
      if (!ok) throw new AppError(ErrorCode.CONFLICT, 'MFA is already enabled.');
      return { backupCodes };
    },

    async mfaDisable(actor: Actor, code: string): Promise<void> {
      const user = await requireUser(actor);
      if (user.totpEnabledAt === null) throw new AppError(ErrorCode.CONFLICT, 'MFA is not enabled.');
      const ctx = contextOf(actor);
      const attempt = await beginAttempt(user.email, ctx.ip);
      if ((await verifySecondFactor(user, code)) === null) {
        await recordFailure({
          userId: user.id,
          ctx,
          action: 'auth.mfa.disabled',
          reason: 'mfa_invalid',
          accountLockMs: attempt.lockIfFailedMs,
        });
        throw new AppError(ErrorCode.MFA_INVALID);
      }
      await accountSucceeded(user.email);
      await store.transaction(async (tx) => {
        await store.disableTotp(tx, user.id);
        await record(tx, ctx, {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'auth.mfa.disabled',
          outcome: 'success',
          targetType: 'user',
          targetId: user.id,
        });
      });
    },

    async me(actor: Actor): Promise<{
      user: { id: string; email: string; name: string | null; mfaEnabled: boolean };
      organizations: Array<{ id: string; name: string; role: Role }>;
    }> {
      const user = await requireUser(actor);
      const organizations = await store.organizationsOf(store.db, user.id);
      return {
        user: { id: user.id, email: user.email, name: user.name, mfaEnabled: user.totpEnabledAt !== null },
        organizations,
      };
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
