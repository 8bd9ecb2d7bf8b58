import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { Actor } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Keyring } from '../crypto/field-encryption.ts';
import type { Tx } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import type { AccessTokenIssuer } from './access-tokens.ts';
import { createAttempts } from './attempts.ts';
import type { LockoutPolicy, LockoutStore } from './lockout.ts';
import { createMfa } from './mfa.ts';
import { assertPasswordPolicy, normaliseEmail, type PasswordHasher } from './passwords.ts';
import { type Permission, permissionsOf, type Role } from './rbac.ts';
import { contextOf, type RequestContext, recorder, requireUser } from './request-context.ts';
import { createSessions, type TokenPair } from './sessions.ts';
import type { IdentityStore } from './store.ts';

/**
 * The rules of sign-up, login, sessions, password change and MFA. No HTTP, no SQL.
 * Composed from attempts.ts (lockout and the one failure path), sessions.ts (issue, refresh,
 * revoke) and mfa.ts (TOTP and backup codes); this file holds the flows that use several of them.
 */
export type { RequestContext } from './request-context.ts';
export type { TokenPair } from './sessions.ts';

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
  /**
   * Accepts an invitation inside the sign-up transaction (src/identity/orgs/service.ts), so that an
   * invitee joins the inviting organisation instead of getting one of their own.
   */
  invitations?: {
    acceptInvitationIn(tx: Tx, actor: Actor, token: string): Promise<{ orgId: string; role: Role }>;
  };
  /**
   * Consulted once the password and second factor are accepted, before the session opens: may
   * refuse (an organisation requires SSO) or record a break-glass sign-in (src/sso/password-gate.ts).
   */
  passwordGate?: { afterPassword(user: { id: string; mfa: boolean }, ctx: RequestContext): Promise<void> };
  /** Called after a successful login has committed (e.g. new-IP alerts); must not throw or block. */
  onLogin?: (userId: string, ip: string) => void;
}

export function createIdentityService(deps: IdentityServiceDeps) {
  const { store, clock, hasher } = deps;
  const record = recorder(deps.audit);
  const attempts = createAttempts({
    store,
    record,
    clock,
    lockout: deps.lockout,
    hasher,
    accountPolicy: deps.accountPolicy,
    ipPolicy: deps.ipPolicy,
  });
  const sessions = createSessions({
    store,
    record,
    clock,
    accessTokens: deps.accessTokens,
    auth: deps.auth,
  });
  const mfa = createMfa({ store, record, clock, keyring: deps.keyring, attempts });

  return {
    async signup(
      input: {
        email: string;
        password: string;
        name?: string | undefined;
        organizationName?: string | undefined;
        invitationToken?: string | undefined;
      },
      ctx: RequestContext,
    ): Promise<{ user: { id: string; email: string }; organization: { id: string; name: string } }> {
      const email = normaliseEmail(input.email);
      if (email === null) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'The email address is not valid.', {
          details: { field: 'email' },
        });
      }
      assertPasswordPolicy(input.password);
      await attempts.assertIpNotLocked(ctx.ip);
      // Hash before looking at the email, so a taken address answers in the same time.
      const passwordHash = await hasher.hash(input.password);
      const name = input.name?.trim() || null;
      const now = clock.now();
      const userId = newId('usr');
      const orgId = newId('org');
      const recordSignup = (tx: Tx, inOrg: string | null) =>
        record(tx, ctx, {
          orgId: inOrg,
          actorType: 'user',
          actorId: userId,
          action: 'auth.signup',
          outcome: 'success',
          targetType: 'user',
          targetId: userId,
          ...(input.invitationToken === undefined ? {} : { details: { viaInvitation: true } }),
        });
      // The console asks for the organisation's name; API callers may leave it to this default.
      const orgName =
        input.organizationName?.trim() ||
        `${name ?? email.slice(0, email.indexOf('@'))}'s organisation`.slice(0, 200);
      const invitationToken = input.invitationToken;
      const created = await store.transaction(async (tx): Promise<{ id: string; name: string } | null> => {
        if (invitationToken !== undefined) {
          // Joining by invitation: the user and the membership, no organisation of their own. A
          // refused invitation (404) rolls the whole sign-up back.
          if (deps.invitations === undefined)
            throw new AppError(ErrorCode.NOT_FOUND, 'Invitation not found.');
          if (!(await store.createUser(tx, { userId, email, name, passwordHash, now }))) return null;
          await recordSignup(tx, null);
          const joined = await deps.invitations.acceptInvitationIn(
            tx,
            {
              type: 'user',
              id: userId,
              userId,
              orgId: null,
              role: null,
              sessionId: null,
              ip: ctx.ip,
              userAgent: ctx.userAgent,
              requestId: ctx.requestId,
            },
            invitationToken,
          );
          const org = (await store.organizationsOf(tx, userId)).find((o) => o.id === joined.orgId);
          return { id: joined.orgId, name: org?.name ?? '' };
        }
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
        if (!ok) return null;
        await recordSignup(tx, orgId);
        return { id: orgId, name: orgName };
      });
      // A taken address costs the caller's IP budget like a failed login, so probing for
      // registered addresses is as slow as guessing passwords.
      if (created === null)
        await attempts.refuse(ctx, { userId: null, action: 'auth.signup', reason: 'email_taken' });
      return { user: { id: userId, email }, organization: created! };
    },

    async login(
      input: { email: string; password: string; totp?: string | undefined },
      ctx: RequestContext,
    ): Promise<TokenPair> {
      const email = normaliseEmail(input.email);
      if (email === null) throw new AppError(ErrorCode.INVALID_CREDENTIALS);
      const attempt = await attempts.begin(email, ctx);
      const user = await store.findUserByEmail(store.db, email);
      const passwordOk =
        user === null
          ? await hasher.verifyDummy(input.password)
          : await hasher.verify(user.passwordHash, input.password);
      if (user === null || !passwordOk)
        return attempt.fail({
          userId: user?.id ?? null,
          action: 'auth.login',
          reason: 'invalid_credentials',
        });
      await mfa.requireSecondFactor(user, input.totp, attempt, 'auth.mfa.verify');
      await attempt.succeeded();
      await deps.passwordGate?.afterPassword({ id: user.id, mfa: user.totpEnabledAt !== null }, ctx);
      return sessions.open({ id: user.id, mfa: user.totpEnabledAt !== null }, ctx, () =>
        deps.onLogin?.(user.id, ctx.ip),
      );
    },

    /**
     * The session of a single sign-on the SSO service has accepted (src/sso/service.ts): the same
     * refresh-token family, access tokens and login audit record as a password sign-in.
     */
    async openSsoSession(userId: string, orgId: string, ctx: RequestContext): Promise<TokenPair> {
      return sessions.open({ id: userId, mfa: false, sso: { orgId } }, ctx, () =>
        deps.onLogin?.(userId, ctx.ip),
      );
    },

    refresh: sessions.refresh,
    logout: sessions.logout,
    logoutAll: sessions.logoutAll,
    listSessions: sessions.list,
    revokeSession: sessions.revoke,
    revokeOtherSessions: sessions.revokeOthers,

    /**
     * Proves the caller still holds the password (and the second factor when MFA is on) before a
     * destructive action such as deleting the account, so a stolen access token alone cannot do it.
     * Failures count toward the same lockout as logins.
     */
    async reauthenticate(
      actor: Actor,
      input: { password: string; totp?: string | undefined },
    ): Promise<void> {
      const user = await requireUser(store, actor);
      const attempt = await attempts.checkPassword(
        user,
        input.password,
        contextOf(actor),
        'auth.reauthenticate',
      );
      await mfa.requireSecondFactor(user, input.totp, attempt, 'auth.reauthenticate');
      await attempt.succeeded();
    },

    async changePassword(
      actor: Actor,
      input: { currentPassword: string; newPassword: string },
    ): Promise<void> {
      const user = await requireUser(store, actor);
      const ctx = contextOf(actor);
      const attempt = await attempts.checkPassword(user, input.currentPassword, ctx, 'password.changed');
      await attempt.succeeded();
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

    mfaSetup: mfa.setup,
    mfaEnable: mfa.enable,
    mfaDisable: mfa.disable,

    async me(actor: Actor): Promise<{
      user: { id: string; email: string; name: string | null; mfaEnabled: boolean };
      organizations: Array<{ id: string; name: string; role: Role; permissions: Permission[] }>;
    }> {
      const user = await requireUser(store, actor);
      const organizations = (await store.organizationsOf(store.db, user.id)).map((o) => ({
        ...o,
        permissions: permissionsOf(o.role),
      }));
      return {
        user: { id: user.id, email: user.email, name: user.name, mfaEnabled: user.totpEnabledAt !== null },
        organizations,
      };
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
