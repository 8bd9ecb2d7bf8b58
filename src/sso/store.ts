import { and, eq, inArray, isNotNull, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client.ts';
import { memberships, users } from '../db/core-tables.ts';
import type { Role } from '../identity/rbac.ts';
import { sessions } from '../identity/tables.ts';
import { scimUsers } from '../scim/tables.ts';
import { insertSsoUser, lockOrg } from './provisioning.ts';
import { type RoleMapping, ssoConfigs, ssoDomains, ssoIdentities, ssoLogins } from './tables.ts';

export type SsoConfigRow = typeof ssoConfigs.$inferSelect;
export type SsoDomainRow = typeof ssoDomains.$inferSelect;
export type SsoLoginRow = typeof ssoLogins.$inferSelect;
export type SsoIdentityRow = typeof ssoIdentities.$inferSelect;

/** SQL of single sign-on; every tenant query takes the organisation id. */
export function createSsoStore(db: Db) {
  return {
    db,
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },

    async findConfig(q: DbOrTx, orgId: string): Promise<SsoConfigRow | null> {
      const rows = await q.select().from(ssoConfigs).where(eq(ssoConfigs.orgId, orgId)).limit(1);
      return rows[0] ?? null;
    },

    async upsertConfig(
      tx: Tx,
      row: {
        id: string;
        orgId: string;
        issuer: string;
        clientId: string;
        clientSecretEnc: string;
        scopes: string[];
        allowedDomains: string[];
        roleMapping: RoleMapping;
        requireSso: boolean;
        trustUnverifiedEmail: boolean;
        breakGlassUserId: string | null;
        now: Date;
      },
    ): Promise<SsoConfigRow> {
      const values = {
        issuer: row.issuer,
        clientId: row.clientId,
        clientSecretEnc: row.clientSecretEnc,
        scopes: row.scopes,
        allowedDomains: row.allowedDomains,
        roleMapping: row.roleMapping,
        requireSso: row.requireSso,
        trustUnverifiedEmail: row.trustUnverifiedEmail,
        breakGlassUserId: row.breakGlassUserId,
        updatedAt: row.now,
      };
      const [saved] = await tx
        .insert(ssoConfigs)
        .values({ id: row.id, orgId: row.orgId, createdAt: row.now, ...values })
        .onConflictDoUpdate({ target: ssoConfigs.orgId, set: values })
        .returning();
      return saved!;
    },

    async deleteConfig(tx: Tx, orgId: string): Promise<boolean> {
      const rows = await tx
        .delete(ssoConfigs)
        .where(eq(ssoConfigs.orgId, orgId))
        .returning({ id: ssoConfigs.id });
      return rows.length > 0;
    },

    /** Organisations that require SSO among those the user belongs to, with their break-glass owner. */
    async requiringSsoFor(
      q: DbOrTx,
      userId: string,
    ): Promise<Array<{ orgId: string; breakGlassUserId: string | null; role: Role }>> {
      return q
        .select({
          orgId: ssoConfigs.orgId,
          breakGlassUserId: ssoConfigs.breakGlassUserId,
          role: memberships.role,
        })
        .from(ssoConfigs)
        .innerJoin(memberships, and(eq(memberships.orgId, ssoConfigs.orgId), eq(memberships.userId, userId)))
        .where(eq(ssoConfigs.requireSso, true));
    },

    // Domains

    async listDomains(q: DbOrTx, orgId: string): Promise<SsoDomainRow[]> {
      return q.select().from(ssoDomains).where(eq(ssoDomains.orgId, orgId)).orderBy(ssoDomains.domain);
    },

    async findDomain(q: DbOrTx, orgId: string, domainId: string): Promise<SsoDomainRow | null> {
      const rows = await q
        .select()
        .from(ssoDomains)
        .where(and(eq(ssoDomains.orgId, orgId), eq(ssoDomains.id, domainId)))
        .limit(1);
      return rows[0] ?? null;
    },

    async countDomains(q: DbOrTx, orgId: string): Promise<number> {
      const rows = await q
        .select({ n: sql<number>`count(*)::int` })
        .from(ssoDomains)
        .where(eq(ssoDomains.orgId, orgId));
      return rows[0]?.n ?? 0;
    },

    async insertDomain(
      tx: Tx,
      row: { id: string; orgId: string; domain: string; token: string; now: Date },
    ): Promise<SsoDomainRow | null> {
      const rows = await tx
        .insert(ssoDomains)
        .values({ id: row.id, orgId: row.orgId, domain: row.domain, token: row.token, createdAt: row.now })
        .onConflictDoNothing()
        .returning();
      return rows[0] ?? null;
    },

    /** The organisation that verified `domain`, if any (at most one, by the partial unique index). */
    async verifiedOwnerOf(q: DbOrTx, domain: string): Promise<string | null> {
      const rows = await q
        .select({ orgId: ssoDomains.orgId })
        .from(ssoDomains)
        .where(and(eq(ssoDomains.domain, domain), isNotNull(ssoDomains.verifiedAt)))
        .limit(1);
      return rows[0]?.orgId ?? null;
    },

    async markDomainVerified(tx: Tx, orgId: string, domainId: string, now: Date): Promise<boolean> {
      const rows = await tx
        .update(ssoDomains)
        .set({ verifiedAt: now })
        .where(and(eq(ssoDomains.orgId, orgId), eq(ssoDomains.id, domainId), isNull(ssoDomains.verifiedAt)))
        .returning({ id: ssoDomains.id });
      return rows.length > 0;
    },

    async deleteDomain(tx: Tx, orgId: string, domainId: string): Promise<SsoDomainRow | null> {
      const rows = await tx
        .delete(ssoDomains)
        .where(and(eq(ssoDomains.orgId, orgId), eq(ssoDomains.id, domainId)))
        .returning();
      return rows[0] ?? null;
    },

    // Sign-ins in flight

    async insertLogin(
      q: DbOrTx,
      row: {
        stateHash: string;
        orgId: string;
        nonce: string;
        codeVerifier: string;
        now: Date;
        expiresAt: Date;
      },
    ): Promise<void> {
      await q.insert(ssoLogins).values({
        stateHash: row.stateHash,
        orgId: row.orgId,
        nonce: row.nonce,
        codeVerifier: row.codeVerifier,
        createdAt: row.now,
        expiresAt: row.expiresAt,
      });
    },

    /** Takes the pending sign-in once: the compare-and-set on usedAt makes a replay find nothing. */
    async consumeLogin(q: DbOrTx, stateHash: string, now: Date): Promise<SsoLoginRow | null> {
      const rows = await q
        .update(ssoLogins)
        .set({ usedAt: now })
        .where(and(eq(ssoLogins.stateHash, stateHash), isNull(ssoLogins.usedAt)))
        .returning();
      const row = rows[0];
      if (row === undefined || row.expiresAt.getTime() <= now.getTime()) return null;
      return row;
    },

    async purgeLogins(q: DbOrTx, before: Date): Promise<void> {
      await q.delete(ssoLogins).where(lt(ssoLogins.expiresAt, before));
    },

    // People

    async findIdentity(
      q: DbOrTx,
      orgId: string,
      issuer: string,
      subject: string,
    ): Promise<SsoIdentityRow | null> {
      const rows = await q
        .select()
        .from(ssoIdentities)
        .where(
          and(
            eq(ssoIdentities.orgId, orgId),
            eq(ssoIdentities.issuer, issuer),
            eq(ssoIdentities.subject, subject),
          ),
        )
        .limit(1);
      return rows[0] ?? null;
    },

    async insertIdentity(
      tx: Tx,
      row: { id: string; orgId: string; issuer: string; subject: string; userId: string; now: Date },
    ): Promise<boolean> {
      const rows = await tx
        .insert(ssoIdentities)
        .values({ ...row, createdAt: row.now, lastLoginAt: row.now })
        .onConflictDoNothing()
        .returning({ id: ssoIdentities.id });
      return rows.length > 0;
    },

    /** Drops the links asserted by any issuer other than `issuer` (the provider was replaced). */
    async deleteIdentitiesNotFrom(tx: Tx, orgId: string, issuer: string): Promise<number> {
      const rows = await tx
        .delete(ssoIdentities)
        .where(and(eq(ssoIdentities.orgId, orgId), ne(ssoIdentities.issuer, issuer)))
        .returning({ id: ssoIdentities.id });
      return rows.length;
    },

    async touchIdentity(tx: Tx, id: string, now: Date): Promise<void> {
      await tx.update(ssoIdentities).set({ lastLoginAt: now }).where(eq(ssoIdentities.id, id));
    },

    async findUserByEmail(
      q: DbOrTx,
      email: string,
    ): Promise<{ id: string; email: string; passwordHash: string; totpEnabledAt: Date | null } | null> {
      const rows = await q
        .select({
          id: users.id,
          email: users.email,
          passwordHash: users.passwordHash,
          totpEnabledAt: users.totpEnabledAt,
        })
        .from(users)
        .where(eq(users.email, email))
        .limit(1);
      return rows[0] ?? null;
    },

    /**
     * Revokes the password sessions of the organisation's members (not the break-glass owner's)
     * when it starts requiring SSO; returns how many.
     */
    async revokePasswordSessions(
      tx: Tx,
      input: { orgId: string; breakGlassUserId: string | null; now: Date },
    ): Promise<number> {
      const members = tx
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(eq(memberships.orgId, input.orgId));
      const rows = await tx
        .update(sessions)
        .set({ revokedAt: input.now, revokedReason: 'sso_required' })
        .where(
          and(
            inArray(sessions.userId, members),
            isNull(sessions.ssoOrgId),
            isNull(sessions.revokedAt),
            ...(input.breakGlassUserId === null ? [] : [ne(sessions.userId, input.breakGlassUserId)]),
          ),
        )
        .returning({ id: sessions.id });
      return rows.length;
    },

    /** Whether the user owns any organisation (an owner account is never linked by email alone). */
    async ownsAnyOrg(q: DbOrTx, userId: string): Promise<boolean> {
      const rows = await q
        .select({ id: memberships.id })
        .from(memberships)
        .where(and(eq(memberships.userId, userId), eq(memberships.role, 'owner')))
        .limit(1);
      return rows.length > 0;
    },

    async userExists(q: DbOrTx, userId: string): Promise<boolean> {
      const rows = await q.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
      return rows.length > 0;
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

    async addMember(
      tx: Tx,
      row: { id: string; orgId: string; userId: string; role: Role; now: Date },
    ): Promise<void> {
      await tx
        .insert(memberships)
        .values({ id: row.id, orgId: row.orgId, userId: row.userId, role: row.role, createdAt: row.now });
    },

    async setRole(tx: Tx, orgId: string, userId: string, role: Role): Promise<void> {
      await tx
        .update(memberships)
        .set({ role })
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    },

    /** Whether SCIM has deactivated or deleted this person in the organisation (src/scim). */
    async isDeprovisioned(q: DbOrTx, orgId: string, userId: string): Promise<boolean> {
      const rows = await q
        .select({ active: scimUsers.active })
        .from(scimUsers)
        .where(and(eq(scimUsers.orgId, orgId), eq(scimUsers.userId, userId)))
        .limit(1);
      return rows[0] !== undefined && !rows[0].active;
    },

    async userMfaEnabled(q: DbOrTx, userId: string): Promise<boolean> {
      const rows = await q
        .select({ at: users.totpEnabledAt })
        .from(users)
        .where(eq(users.id, userId))
        .limit(1);
      return rows[0]?.at != null;
    },
  };
}

export type SsoStore = ReturnType<typeof createSsoStore>;
