import { and, asc, count, eq, gt, isNull, min, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../../db/client.ts';
import { memberships, organizations, users } from '../../db/core-tables.ts';
import { ssoConfigs } from '../../sso/tables.ts';
import type { Role } from '../rbac.ts';
import { invitations, orgCreations } from './tables.ts';

/** SQL for organisations, memberships and invitations; every tenant query takes the orgId. */
export interface OrgRow {
  id: string;
  name: string;
  createdAt: Date;
}

export interface MemberRow {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: Date;
}

export interface InvitationRow {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

const invitationColumns = {
  id: invitations.id,
  orgId: invitations.orgId,
  email: invitations.email,
  role: invitations.role,
  invitedBy: invitations.invitedBy,
  createdAt: invitations.createdAt,
  expiresAt: invitations.expiresAt,
  acceptedAt: invitations.acceptedAt,
  revokedAt: invitations.revokedAt,
};

/**
 * A break-glass owner keeps password sign-in while the organisation requires SSO; that privilege
 * ends with their ownership, in the same transaction (the organisation's owner then names another).
 */
async function clearBreakGlass(tx: Tx, orgId: string, userId: string): Promise<void> {
  await tx
    .update(ssoConfigs)
    .set({ breakGlassUserId: null })
    .where(and(eq(ssoConfigs.orgId, orgId), eq(ssoConfigs.breakGlassUserId, userId)));
}

export function createOrgStore(db: Db) {
  return {
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },

    async organizationsOf(userId: string): Promise<Array<OrgRow & { role: Role }>> {
      return db
        .select({
          id: organizations.id,
          name: organizations.name,
          createdAt: organizations.createdAt,
          role: memberships.role,
        })
        .from(memberships)
        .innerJoin(organizations, eq(organizations.id, memberships.orgId))
        .where(eq(memberships.userId, userId))
        .orderBy(asc(organizations.createdAt), asc(organizations.id))
        .limit(1000);
    },

    async findOrg(orgId: string, q: DbOrTx = db): Promise<OrgRow | null> {
      const rows = await q
        .select({ id: organizations.id, name: organizations.name, createdAt: organizations.createdAt })
        .from(organizations)
        .where(eq(organizations.id, orgId))
        .limit(1);
      return rows[0] ?? null;
    },

    /** Locks the organisation row: membership changes of one organisation serialise on it. */
    async lockOrg(tx: Tx, orgId: string): Promise<boolean> {
      const rows = await tx
        .select({ id: organizations.id })
        .from(organizations)
        .where(eq(organizations.id, orgId))
        .for('update');
      return rows.length === 1;
    },

    /** Locks the user's row: organisation creations of one user serialise on it (budget checks). */
    async lockUser(tx: Tx, userId: string): Promise<boolean> {
      const rows = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
      return rows.length === 1;
    },

    async countOwned(tx: Tx, userId: string): Promise<number> {
      const rows = await tx
        .select({ n: count() })
        .from(memberships)
        .where(and(eq(memberships.userId, userId), eq(memberships.role, 'owner')));
      return Number(rows[0]?.n ?? 0);
    },

    /** Organisations the user created through the API after `since` (deleted ones included), and the oldest time. */
    async creationsSince(
      tx: Tx,
      userId: string,
      since: Date,
    ): Promise<{ count: number; oldest: Date | null }> {
      const rows = await tx
        .select({ n: count(), oldest: min(orgCreations.createdAt) })
        .from(orgCreations)
        .where(and(eq(orgCreations.userId, userId), gt(orgCreations.createdAt, since)));
      return { count: Number(rows[0]?.n ?? 0), oldest: rows[0]?.oldest ?? null };
    },

    async recordCreation(tx: Tx, input: { orgId: string; userId: string; now: Date }): Promise<void> {
      await tx
        .insert(orgCreations)
        .values({ orgId: input.orgId, userId: input.userId, createdAt: input.now });
    },

    async createOrg(
      tx: Tx,
      input: { orgId: string; name: string; ownerId: string; membershipId: string; now: Date },
    ) {
      await tx.insert(organizations).values({ id: input.orgId, name: input.name, createdAt: input.now });
      await tx.insert(memberships).values({
        id: input.membershipId,
        orgId: input.orgId,
        userId: input.ownerId,
        role: 'owner',
        createdAt: input.now,
      });
    },

    async renameOrg(tx: Tx, orgId: string, name: string): Promise<OrgRow | null> {
      const rows = await tx
        .update(organizations)
        .set({ name })
        .where(eq(organizations.id, orgId))
        .returning({ id: organizations.id, name: organizations.name, createdAt: organizations.createdAt });
      return rows[0] ?? null;
    },

    /** Memberships, invitations, API keys and every feature table go with it (FK ON DELETE CASCADE). */
    async deleteOrg(tx: Tx, orgId: string): Promise<boolean> {
      const rows = await tx
        .delete(organizations)
        .where(eq(organizations.id, orgId))
        .returning({ id: organizations.id });
      return rows.length === 1;
    },

    async listMembers(orgId: string, page: { after: string | null; limit: number }): Promise<MemberRow[]> {
      return db
        .select({
          userId: memberships.userId,
          email: users.email,
          name: users.name,
          role: memberships.role,
          joinedAt: memberships.createdAt,
        })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(
          page.after === null
            ? eq(memberships.orgId, orgId)
            : and(eq(memberships.orgId, orgId), gt(memberships.userId, page.after)),
        )
        .orderBy(asc(memberships.userId))
        .limit(page.limit);
    },

    async roleOf(q: DbOrTx, orgId: string, userId: string): Promise<Role | null> {
      const rows = await q
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
        .limit(1);
      return rows[0]?.role ?? null;
    },

    async countOwners(tx: Tx, orgId: string): Promise<number> {
      const rows = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.role, 'owner')));
      return Number(rows[0]?.n ?? 0);
    },

    async setRole(tx: Tx, orgId: string, userId: string, role: Role): Promise<void> {
      await tx
        .update(memberships)
        .set({ role })
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
      if (role !== 'owner') await clearBreakGlass(tx, orgId, userId);
    },

    async removeMember(tx: Tx, orgId: string, userId: string): Promise<void> {
      await tx.delete(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
      await clearBreakGlass(tx, orgId, userId);
    },

    async addMember(
      tx: Tx,
      input: { membershipId: string; orgId: string; userId: string; role: Role; now: Date },
    ) {
      await tx.insert(memberships).values({
        id: input.membershipId,
        orgId: input.orgId,
        userId: input.userId,
        role: input.role,
        createdAt: input.now,
      });
    },

    async isMemberByEmail(q: DbOrTx, orgId: string, email: string): Promise<boolean> {
      const rows = await q
        .select({ id: memberships.id })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.orgId, orgId), eq(sql`lower(${users.email})`, email)))
        .limit(1);
      return rows.length === 1;
    },

    async emailOf(q: DbOrTx, userId: string): Promise<string | null> {
      const rows = await q.select({ email: users.email }).from(users).where(eq(users.id, userId)).limit(1);
      return rows[0]?.email ?? null;
    },

    async insertInvitation(
      tx: Tx,
      input: {
        id: string;
        orgId: string;
        email: string;
        role: Role;
        tokenHash: string;
        invitedBy: string | null;
        now: Date;
        expiresAt: Date;
      },
    ): Promise<void> {
      await tx.insert(invitations).values({
        id: input.id,
        orgId: input.orgId,
        email: input.email,
        role: input.role,
        tokenHash: input.tokenHash,
        invitedBy: input.invitedBy,
        createdAt: input.now,
        expiresAt: input.expiresAt,
      });
    },

    async listPendingInvitations(
      orgId: string,
      now: Date,
      page: { after: string | null; limit: number },
    ): Promise<InvitationRow[]> {
      const pending = and(
        eq(invitations.orgId, orgId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, now),
      );
      return db
        .select(invitationColumns)
        .from(invitations)
        .where(page.after === null ? pending : and(pending, gt(invitations.id, page.after)))
        .orderBy(asc(invitations.id))
        .limit(page.limit);
    },

    async findInvitation(q: DbOrTx, orgId: string, invitationId: string): Promise<InvitationRow | null> {
      const rows = await q
        .select(invitationColumns)
        .from(invitations)
        .where(and(eq(invitations.orgId, orgId), eq(invitations.id, invitationId)))
        .limit(1);
      return rows[0] ?? null;
    },

    /** Revokes a pending invitation; false when it is unknown in this org, used or already revoked. */
    async revokeInvitation(tx: Tx, orgId: string, invitationId: string, now: Date): Promise<boolean> {
      const rows = await tx
        .update(invitations)
        .set({ revokedAt: now })
        .where(
          and(
            eq(invitations.orgId, orgId),
            eq(invitations.id, invitationId),
            isNull(invitations.acceptedAt),
            isNull(invitations.revokedAt),
          ),
        )
        .returning({ id: invitations.id });
      return rows.length === 1;
    },

    /**
     * Revokes every pending invitation `inviterId` sent in this organisation (their authority is
     * about to shrink or end); returns the revoked ids and roles, for the audit records.
     */
    async revokeInvitationsBy(
      tx: Tx,
      orgId: string,
      inviterId: string,
      now: Date,
    ): Promise<Array<{ id: string; role: Role }>> {
      return tx
        .update(invitations)
        .set({ revokedAt: now })
        .where(
          and(
            eq(invitations.orgId, orgId),
            eq(invitations.invitedBy, inviterId),
            isNull(invitations.acceptedAt),
            isNull(invitations.revokedAt),
          ),
        )
        .returning({ id: invitations.id, role: invitations.role });
    },

    /** Token lookup (the hash is of 32 random bytes: no organisation is known before it is found). */
    async findInvitationByTokenHash(q: DbOrTx, tokenHash: string): Promise<InvitationRow | null> {
      const rows = await q
        .select(invitationColumns)
        .from(invitations)
        .where(eq(invitations.tokenHash, tokenHash))
        .limit(1);
      return rows[0] ?? null;
    },

    /** Compare-and-set: only one acceptance can ever succeed. */
    async markInvitationAccepted(
      tx: Tx,
      orgId: string,
      invitationId: string,
      userId: string,
      now: Date,
    ): Promise<boolean> {
      const rows = await tx
        .update(invitations)
        .set({ acceptedAt: now, acceptedBy: userId })
        .where(
          and(
            eq(invitations.orgId, orgId),
            eq(invitations.id, invitationId),
            isNull(invitations.acceptedAt),
            isNull(invitations.revokedAt),
            gt(invitations.expiresAt, now),
          ),
        )
        .returning({ id: invitations.id });
      return rows.length === 1;
    },
  };
}

export type OrgStore = ReturnType<typeof createOrgStore>;
