import type { Clock } from '../clock.ts';
import type { Actor } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { randomToken, sha256Hex } from '../crypto/tokens.ts';
import { newId } from '../db/ids.ts';
import type { AccessTokenIssuer } from './access-tokens.ts';
import { contextOf, type RecordEvent, type RequestContext, requireUser } from './request-context.ts';
import type { IdentityStore } from './store.ts';
import { describeUserAgent } from './user-agent.ts';

/**
 * Sessions: one per login, holding a family of single-use refresh tokens. A refresh token presented
 * twice revokes its whole family; an idle one expires; logout revokes one session or all.
 */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface SessionsDeps {
  store: IdentityStore;
  record: RecordEvent;
  clock: Clock;
  accessTokens: Pick<AccessTokenIssuer, 'issue'>;
  auth: { refreshMaxAge: number; refreshIdle: number };
}

const tokenInvalid = () => new AppError(ErrorCode.TOKEN_INVALID);

/** Sign-in history is a short list by nature; more live sessions than this are not shown. */
export const SESSION_LIST_LIMIT = 100;

export interface SessionView {
  id: string;
  device: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  /** The last login or refresh (access tokens are short-lived, so within one token lifetime). */
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}

export function createSessions(deps: SessionsDeps) {
  const { store, record, clock } = deps;

  async function issuePair(userId: string, sessionId: string, refreshToken: string): Promise<TokenPair> {
    const { token, expiresIn } = await deps.accessTokens.issue({ userId, sessionId });
    return { accessToken: token, refreshToken, expiresIn };
  }

  return {
    /**
     * Opens the session of a login whose credentials were all accepted, audited as the login;
     * `committed` runs once that is stored, before the tokens are issued.
     */
    async open(
      user: { id: string; mfa: boolean; sso?: { orgId: string } },
      ctx: RequestContext,
      committed?: () => void,
    ): Promise<TokenPair> {
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
          ssoOrgId: user.sso?.orgId ?? null,
        });
        await record(tx, ctx, {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'auth.login',
          outcome: 'success',
          targetType: 'session',
          targetId: sessionId,
          details:
            user.sso === undefined
              ? { mfa: user.mfa }
              : { mfa: user.mfa, method: 'sso', ssoOrgId: user.sso.orgId },
        });
      });
      committed?.();
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
      const user = await requireUser(store, actor);
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

    /** The caller's live sessions (sign-in history); `current` marks the one making this request. */
    async list(actor: Actor): Promise<{ items: SessionView[]; nextCursor: null }> {
      const user = await requireUser(store, actor);
      const now = clock.now();
      const rows = await store.listLiveSessions(store.db, {
        userId: user.id,
        now,
        idleSince: new Date(now.getTime() - deps.auth.refreshIdle * 1000),
        keepSessionId: actor.sessionId,
        limit: SESSION_LIST_LIMIT,
      });
      return {
        items: rows.map((r) => ({
          id: r.id,
          device: describeUserAgent(r.userAgent),
          userAgent: r.userAgent,
          ip: r.ip,
          createdAt: r.createdAt.toISOString(),
          lastSeenAt: r.lastUsedAt.toISOString(),
          expiresAt: r.expiresAt.toISOString(),
          current: r.id === actor.sessionId,
        })),
        nextCursor: null,
      };
    },

    /**
     * Revokes one of the caller's sessions: its refresh token dies now, its access tokens at their
     * next request (the authenticator checks the session every time). Another user's session, a
     * revoked one and a missing one all answer 404 alike.
     */
    async revoke(actor: Actor, sessionId: string): Promise<void> {
      const user = await requireUser(store, actor);
      const revoked = await store.transaction(async (tx) => {
        const done = await store.revokeSession(tx, {
          sessionId,
          userId: user.id,
          reason: 'user_revoked',
          now: clock.now(),
        });
        if (done) {
          await record(tx, contextOf(actor), {
            orgId: null,
            actorType: 'user',
            actorId: user.id,
            action: 'session.revoked',
            outcome: 'success',
            targetType: 'session',
            targetId: sessionId,
            details: { reason: 'user_revoked', current: sessionId === actor.sessionId },
          });
        }
        return done;
      });
      if (!revoked) throw new AppError(ErrorCode.NOT_FOUND, 'No such session.');
    },

    /** "Sign out everywhere else": every session of the caller but the one making the request. */
    async revokeOthers(actor: Actor): Promise<{ revoked: number }> {
      const user = await requireUser(store, actor);
      if (actor.sessionId === null) throw new AppError(ErrorCode.FORBIDDEN);
      const keepSessionId = actor.sessionId;
      return store.transaction(async (tx) => {
        const revoked = await store.revokeUserSessions(tx, {
          userId: user.id,
          reason: 'revoke_others',
          now: clock.now(),
          keepSessionId,
        });
        await record(tx, contextOf(actor), {
          orgId: null,
          actorType: 'user',
          actorId: user.id,
          action: 'session.revoked',
          outcome: 'success',
          targetType: 'user',
          targetId: user.id,
          details: { reason: 'revoke_others', count: revoked.length },
        });
        return { revoked: revoked.length };
      });
    },

    async logoutAll(actor: Actor): Promise<{ revoked: number }> {
      const user = await requireUser(store, actor);
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
  };
}

export type Sessions = ReturnType<typeof createSessions>;
