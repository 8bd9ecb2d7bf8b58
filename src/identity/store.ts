import { and, desc, eq, gt, isNull, ne, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client.ts';
import { memberships, organizations, users } from '../db/core-tables.ts';
import type { Role } from './rbac.ts';
import { mfaBackupCodes, refreshTokens, sessions } from './tables.ts';

/** SQL for users, sessions, refresh tokens and MFA; no rules here (see service.ts). */
export interface UserRow {
  id: string;
  email: string;
  name: string | null;
  passwordHash: string;
  totpSecret: string | null;
  totpEnabledAt: Date | null;
  totpLastStep: string | null;
}

export interface SessionRow {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface RefreshRow {
  tokenHash: string;
  sessionId: string;
  usedAt: Date | null;
  userId: string;
  sessionCreatedAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

const userColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  passwordHash: users.passwordHash,
  totpSecret: users.totpSecret,
  totpEnabledAt: users.totpEnabledAt,
  totpLastStep: users.totpLastStep,
};

export function createIdentityStore(db: Db) {
  return {
    db,
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },

    async findUserByEmail(q: DbOrTx, email: string): Promise<UserRow | null> {
      const rows = await q.select(userColumns).from(users).where(eq(users.email, email)).limit(1);
      return rows[0] ?? null;
    },

    async findUserById(q: DbOrTx, userId: string): Promise<UserRow | null> {
      const rows = await q.select(userColumns).from(users).where(eq(users.id, userId)).limit(1);
      return rows[0] ?? null;
    },

    /** Inserts the user unless the email is taken (false then). */
    async createUser(
      q: DbOrTx,
      input: { userId: string; email: string; name: string | null; passwordHash: string; now: Date },
    ): Promise<boolean> {
      const inserted = await q
        .insert(users)
        .values({
          id: input.userId,
          email: input.email,
          name: input.name,
          passwordHash: input.passwordHash,
          passwordChangedAt: input.now,
          createdAt: input.now,
        })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id });
      return inserted.length === 1;
    },

    async createUserWithOrganization(
      q: DbOrTx,
      input: {
        userId: string;
        email: string;
        name: string | null;
        passwordHash: string;
        orgId: string;
        orgName: string;
        membershipId: string;
        now: Date;
      },
    ): Promise<boolean> {
      if (!(await this.createUser(q, input))) return false;
      await q.insert(organizations).values({ id: input.orgId, name: input.orgName, createdAt: input.now });
      await q.insert(memberships).values({
        id: input.membershipId,
        orgId: input.orgId,
        userId: input.userId,
        role: 'owner',
        createdAt: input.now,
      });
      return true;
    },

    async organizationsOf(
      q: DbOrTx,
      userId: string,
    ): Promise<Array<{ id: string; name: string; role: Role }>> {
      return q
        .select({ id: organizations.id, name: organizations.name, role: memberships.role })
        .from(memberships)
        .innerJoin(organizations, eq(organizations.id, memberships.orgId))
        .where(eq(memberships.userId, userId))
        .orderBy(memberships.createdAt, organizations.id);
    },

    async updatePassword(q: DbOrTx, userId: string, passwordHash: string, now: Date): Promise<void> {
      await q.update(users).set({ passwordHash, passwordChangedAt: now }).where(eq(users.id, userId));
    },

    async createSession(
      q: DbOrTx,
      input: {
        sessionId: string;
        userId: string;
        tokenHash: string;
        now: Date;
        expiresAt: Date;
        ip: string | null;
        userAgent: string | null;
        ssoOrgId: string | null;
      },
    ): Promise<void> {
      await q.insert(sessions).values({
        ssoOrgId: input.ssoOrgId,
        id: input.sessionId,
        userId: input.userId,
        createdAt: input.now,
        lastUsedAt: input.now,
        expiresAt: input.expiresAt,
        ip: input.ip,
        userAgent: input.userAgent,
      });
      await q
        .insert(refreshTokens)
        .values({ tokenHash: input.tokenHash, sessionId: input.sessionId, createdAt: input.now });
    },

    async findRefreshToken(q: DbOrTx, tokenHash: string): Promise<RefreshRow | null> {
      const rows = await q
        .select({
          tokenHash: refreshTokens.tokenHash,
          sessionId: refreshTokens.sessionId,
          usedAt: refreshTokens.usedAt,
          userId: sessions.userId,
          sessionCreatedAt: sessions.createdAt,
          lastUsedAt: sessions.lastUsedAt,
          expiresAt: sessions.expiresAt,
          revokedAt: sessions.revokedAt,
        })
        .from(refreshTokens)
        .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
        .where(eq(refreshTokens.tokenHash, tokenHash))
        .limit(1);
      return rows[0] ?? null;
    },

    /** Compare-and-set: true for exactly one caller per token. */
    async markRefreshTokenUsed(q: DbOrTx, tokenHash: string, now: Date): Promise<boolean> {
      const rows = await q
        .update(refreshTokens)
        .set({ usedAt: now })
        .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt)))
        .returning({ tokenHash: refreshTokens.tokenHash });
      return rows.length === 1;
    },

    /** Rotation: records the new token and the session's activity, only while the session is alive. */
    async rotateInto(
      q: DbOrTx,
      input: { sessionId: string; tokenHash: string; now: Date },
    ): Promise<boolean> {
      const touched = await q
        .update(sessions)
        .set({ lastUsedAt: input.now })
        .where(
          and(
            eq(sessions.id, input.sessionId),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, input.now),
          ),
        )
        .returning({ id: sessions.id });
      if (touched.length === 0) return false;
      await q
        .insert(refreshTokens)
        .values({ tokenHash: input.tokenHash, sessionId: input.sessionId, createdAt: input.now });
      return true;
    },

    /**
     * The user's live sessions, most recently used first: not revoked, not past `expiresAt`, and
     * used since `idleSince` (an idle session can no longer refresh) unless it is `keepSessionId`.
     */
    async listLiveSessions(
      q: DbOrTx,
      input: { userId: string; now: Date; idleSince: Date; keepSessionId: string | null; limit: number },
    ): Promise<SessionRow[]> {
      return q
        .select({
          id: sessions.id,
          createdAt: sessions.createdAt,
          lastUsedAt: sessions.lastUsedAt,
          expiresAt: sessions.expiresAt,
          ip: sessions.ip,
          userAgent: sessions.userAgent,
        })
        .from(sessions)
        .where(
          and(
            eq(sessions.userId, input.userId),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, input.now),
            input.keepSessionId === null
              ? gt(sessions.lastUsedAt, input.idleSince)
              : or(gt(sessions.lastUsedAt, input.idleSince), eq(sessions.id, input.keepSessionId)),
          ),
        )
        .orderBy(desc(sessions.lastUsedAt), desc(sessions.id))
        .limit(input.limit);
    },

    /** Revokes one session of the user; true when it was alive. */
    async revokeSession(
      q: DbOrTx,
      input: { sessionId: string; userId: string; reason: string; now: Date },
    ): Promise<boolean> {
      const rows = await q
        .update(sessions)
        .set({ revokedAt: input.now, revokedReason: input.reason })
        .where(
          and(
            eq(sessions.id, input.sessionId),
            eq(sessions.userId, input.userId),
            isNull(sessions.revokedAt),
          ),
        )
        .returning({ id: sessions.id });
      return rows.length === 1;
    },

    /** Revokes every live session of the user except `keepSessionId`; returns the revoked ids. */
    async revokeUserSessions(
      q: DbOrTx,
      input: { userId: string; reason: string; now: Date; keepSessionId?: string },
    ): Promise<string[]> {
      const rows = await q
        .update(sessions)
        .set({ revokedAt: input.now, revokedReason: input.reason })
        .where(
          and(
            eq(sessions.userId, input.userId),
            isNull(sessions.revokedAt),
            input.keepSessionId === undefined ? undefined : ne(sessions.id, input.keepSessionId),
          ),
        )
        .returning({ id: sessions.id });
      return rows.map((r) => r.id);
    },

    async setPendingTotpSecret(q: DbOrTx, userId: string, encryptedSecret: string): Promise<boolean> {
      const rows = await q
        .update(users)
        .set({ totpSecret: encryptedSecret, totpLastStep: null })
        .where(and(eq(users.id, userId), isNull(users.totpEnabledAt)))
        .returning({ id: users.id });
      return rows.length === 1;
    },

    /**
     * Compare-and-set on the last accepted TOTP step: succeeds only if `step` is later than every
     * step accepted before, so a code (or an older one) can never be used twice.
     */
    async acceptTotpStep(q: DbOrTx, userId: string, step: number): Promise<boolean> {
      const rows = await q
        .update(users)
        .set({ totpLastStep: String(step) })
        .where(
          and(
            eq(users.id, userId),
            or(isNull(users.totpLastStep), sql`cast(${users.totpLastStep} as bigint) < ${step}`),
          ),
        )
        .returning({ id: users.id });
      return rows.length === 1;
    },

    async enableTotp(q: DbOrTx, userId: string, now: Date): Promise<boolean> {
      const rows = await q
        .update(users)
        .set({ totpEnabledAt: now })
        .where(and(eq(users.id, userId), isNull(users.totpEnabledAt), sql`${users.totpSecret} is not null`))
        .returning({ id: users.id });
      return rows.length === 1;
    },

    async disableTotp(q: DbOrTx, userId: string): Promise<void> {
      await q
        .update(users)
        .set({ totpEnabledAt: null, totpSecret: null, totpLastStep: null })
        .where(eq(users.id, userId));
      await q.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, userId));
    },

    async replaceBackupCodes(q: DbOrTx, userId: string, codeHashes: string[], now: Date): Promise<void> {
      await q.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, userId));
      await q
        .insert(mfaBackupCodes)
        .values(codeHashes.map((codeHash) => ({ codeHash, userId, createdAt: now })));
    },

    /** Compare-and-set: a backup code is accepted once. */
    async consumeBackupCode(q: DbOrTx, userId: string, codeHash: string, now: Date): Promise<boolean> {
      const rows = await q
        .update(mfaBackupCodes)
        .set({ usedAt: now })
        .where(
          and(
            eq(mfaBackupCodes.codeHash, codeHash),
            eq(mfaBackupCodes.userId, userId),
            isNull(mfaBackupCodes.usedAt),
          ),
        )
        .returning({ codeHash: mfaBackupCodes.codeHash });
      return rows.length === 1;
    },
  };
}

export type IdentityStore = ReturnType<typeof createIdentityStore>;
