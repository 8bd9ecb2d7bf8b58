import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client.ts';
import { memberships, users } from '../db/core-tables.ts';
import type { Role } from '../identity/rbac.ts';
import { sessions } from '../identity/tables.ts';
import { insertSsoUser, lockOrg } from '../sso/provisioning.ts';
import { scimTokens, scimUsers } from './tables.ts';

export type ScimTokenRow = typeof scimTokens.$inferSelect;
export type ScimUserRow = typeof scimUsers.$inferSelect;

/** SQL of SCIM provisioning; every tenant query takes the organisation id. */
export function createScimStore(db: Db) {
  return {
    db,
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },

    // Tokens

    async insertToken(
      tx: Tx,
      row: {
        id: string;
        orgId: string;
        tokenHash: string;
        name: string;
        createdBy: string | null;
        now: Date;
      },
    ): Promise<void> {
      await tx.insert(scimTokens).values({ ...row, createdAt: row.now });
    },

    async listTokens(q: DbOrTx, orgId: string): Promise<ScimTokenRow[]> {
      return q
        .select()
        .from(scimTokens)
        .where(eq(scimTokens.orgId, orgId))
        .orderBy(asc(scimTokens.createdAt));
    },

    async countLiveTokens(q: DbOrTx, orgId: string): Promise<number> {
      const rows = await q
        .select({ n: sql<number>`count(*)::int` })
        .from(scimTokens)
        .where(and(eq(scimTokens.orgId, orgId), isNull(scimTokens.revokedAt)));
      return rows[0]?.n ?? 0;
    },

    async revokeToken(tx: Tx, orgId: string, tokenId: string, now: Date): Promise<boolean> {
      const rows = await tx
        .update(scimTokens)
        .set({ revokedAt: now })
        .where(and(eq(scimTokens.orgId, orgId), eq(scimTokens.id, tokenId), isNull(scimTokens.revokedAt)))
        .returning({ id: scimTokens.id });
      return rows.length > 0;
    },

    async findLiveToken(q: DbOrTx, tokenHash: string): Promise<ScimTokenRow | null> {
      const rows = await q
        .select()
        .from(scimTokens)
        .where(and(eq(scimTokens.tokenHash, tokenHash), isNull(scimTokens.revokedAt)))
        .limit(1);
      return rows[0] ?? null;
    },

    async touchToken(q: DbOrTx, tokenId: string, now: Date): Promise<void> {
      await q.update(scimTokens).set({ lastUsedAt: now }).where(eq(scimTokens.id, tokenId));
    },

    // Users

    async findUser(q: DbOrTx, orgId: string, id: string): Promise<ScimUserRow | null> {
      const rows = await q
        .select()
        .from(scimUsers)
        .where(and(eq(scimUsers.orgId, orgId), eq(scimUsers.id, id), isNull(scimUsers.deletedAt)))
        .limit(1);
      return rows[0] ?? null;
    },

    /** Including a deleted (tombstoned) one. */
    async findByUserName(q: DbOrTx, orgId: string, userName: string): Promise<ScimUserRow | null> {
      const rows = await q
        .select()
        .from(scimUsers)
        .where(and(eq(scimUsers.orgId, orgId), eq(scimUsers.userName, userName)))
        .limit(1);
      return rows[0] ?? null;
    },

    async findByUserId(q: DbOrTx, orgId: string, userId: string): Promise<ScimUserRow | null> {
      const rows = await q
        .select()
        .from(scimUsers)
        .where(and(eq(scimUsers.orgId, orgId), eq(scimUsers.userId, userId)))
        .limit(1);
      return rows[0] ?? null;
    },

    async listUsers(
      q: DbOrTx,
      orgId: string,
      page: { offset: number; limit: number; userName?: string | undefined },
    ): Promise<{ total: number; rows: ScimUserRow[] }> {
      const where = and(
        eq(scimUsers.orgId, orgId),
        isNull(scimUsers.deletedAt),
        page.userName === undefined ? undefined : eq(scimUsers.userName, page.userName),
      );
      const [count] = await q.select({ n: sql<number>`count(*)::int` }).from(scimUsers).where(where);
      const rows = await q
        .select()
        .from(scimUsers)
        .where(where)
        .orderBy(asc(scimUsers.createdAt), asc(scimUsers.id))
        .offset(page.offset)
        .limit(page.limit);
      return { total: count?.n ?? 0, rows };
    },

    async insertUser(
      tx: Tx,
      row: {
        id: string;
        orgId: string;
        userId: string;
        userName: string;
        externalId: string | null;
        displayName: string | null;
        active: boolean;
        now: Date;
      },
    ): Promise<ScimUserRow> {
      const [saved] = await tx
        .insert(scimUsers)
        .values({ ...row, createdAt: row.now, updatedAt: row.now })
        .returning();
      return saved!;
    },

    async updateUser(
      tx: Tx,
      orgId: string,
      id: string,
      set: {
        active?: boolean;
        externalId?: string | null;
        displayName?: string | null;
        deletedAt?: Date | null;
        now: Date;
      },
    ): Promise<ScimUserRow | null> {
      const { now, ...fields } = set;
      const [saved] = await tx
        .update(scimUsers)
        .set({ ...fields, updatedAt: now })
        .where(and(eq(scimUsers.orgId, orgId), eq(scimUsers.id, id)))
        .returning();
      return saved ?? null;
    },

    // People and access

    async findUserIdByEmail(q: DbOrTx, email: string): Promise<string | null> {
      const rows = await q.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
      return rows[0]?.id ?? null;
    },

    insertSsoUser,
    lockOrg,

    async roleOf(q: DbOrTx, orgId: string, userId: string): Promise<Role | null> {
      const rows = await q
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
        .limit(1);
      return rows[0]?.role ?? null;
    },

    async isMember(q: DbOrTx, orgId: string, userId: string): Promise<boolean> {
      const rows = await q
        .select({ id: memberships.id })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
        .limit(1);
      return rows.length > 0;
    },

    async addMember(
      tx: Tx,
      row: { id: string; orgId: string; userId: string; role: Role; now: Date },
    ): Promise<void> {
      await tx
        .insert(memberships)
        .values({ id: row.id, orgId: row.orgId, userId: row.userId, role: row.role, createdAt: row.now })
        .onConflictDoNothing();
    },

    /**
     * Revokes the sessions this organisation's SSO opened for the user. Other sessions stay: the
     * removed membership already shuts this organisation to them, and they may serve other
     * organisations this provider has no say over.
     */
    async revokeSessions(tx: Tx, orgId: string, userId: string, now: Date): Promise<number> {
      const rows = await tx
        .update(sessions)
        .set({ revokedAt: now, revokedReason: 'scim_deprovisioned' })
        .where(and(eq(sessions.userId, userId), eq(sessions.ssoOrgId, orgId), isNull(sessions.revokedAt)))
        .returning({ id: sessions.id });
      return rows.length;
    },
  };
}

export type ScimStore = ReturnType<typeof createScimStore>;
