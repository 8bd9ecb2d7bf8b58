import { and, asc, count, desc, eq, inArray, isNull, ne, not, or } from 'drizzle-orm';
import { approvalDecisions, approvalPolicies, approvalRequests } from '../approvals/tables.ts';
import { auditEvents, auditSubjectKeys } from '../audit/tables.ts';
import { connectionGroups } from '../connection-groups/tables.ts';
import { connections } from '../connections/tables.ts';
import type { Db, DbOrTx, Tx } from '../db/client.ts';
import { memberships, organizations, users } from '../db/core-tables.ts';
import { apiKeys } from '../identity/api-keys/tables.ts';
import { invitations } from '../identity/orgs/tables.ts';
import { sessions } from '../identity/tables.ts';
import { cleanupTokens, findings, scans } from '../scans/tables.ts';

/**
 * Stands in for an erased user in NOT NULL columns that named them (who requested a scan, who asked
 * for a clean-up token): the same value for everyone, so it links nobody to anything.
 */
export const ERASED_SUBJECT = 'erased';

const exportedEventColumns = {
  id: auditEvents.id,
  orgId: auditEvents.orgId,
  seq: auditEvents.seq,
  createdAt: auditEvents.createdAt,
  action: auditEvents.action,
  outcome: auditEvents.outcome,
  targetType: auditEvents.targetType,
  targetId: auditEvents.targetId,
  connectionId: auditEvents.connectionId,
  operation: auditEvents.operation,
  resource: auditEvents.resource,
  errorCode: auditEvents.errorCode,
  requestId: auditEvents.requestId,
  ip: auditEvents.ip,
  userAgent: auditEvents.userAgent,
  details: auditEvents.details,
};

/** Upper bound of audit events in one personal-data export (the newest ones; the export says so). */
export const MAX_EXPORTED_AUDIT_EVENTS = 10_000;

/**
 * SQL for the data held about one user. Everything is keyed by the user's own id (never by a
 * caller-supplied id); secrets (password hash, TOTP secret, token and key hashes) are never selected.
 */
export function createPrivacyStore(db: Db) {
  return {
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },

    async profile(q: DbOrTx, userId: string) {
      const rows = await q
        .select({
          id: users.id,
          email: users.email,
          name: users.name,
          createdAt: users.createdAt,
          passwordChangedAt: users.passwordChangedAt,
          totpEnabledAt: users.totpEnabledAt,
        })
        .from(users)
        .where(eq(users.id, userId));
      return rows[0] ?? null;
    },

    async lockUser(tx: Tx, userId: string): Promise<{ id: string; email: string } | null> {
      const rows = await tx
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(eq(users.id, userId))
        .for('update');
      return rows[0] ?? null;
    },

    async memberships(q: DbOrTx, userId: string) {
      return q
        .select({
          orgId: memberships.orgId,
          orgName: organizations.name,
          role: memberships.role,
          joinedAt: memberships.createdAt,
        })
        .from(memberships)
        .innerJoin(organizations, eq(organizations.id, memberships.orgId))
        .where(eq(memberships.userId, userId))
        .orderBy(asc(memberships.orgId));
    },

    async sessions(q: DbOrTx, userId: string) {
      return q
        .select({
          id: sessions.id,
          createdAt: sessions.createdAt,
          lastUsedAt: sessions.lastUsedAt,
          expiresAt: sessions.expiresAt,
          revokedAt: sessions.revokedAt,
          revokedReason: sessions.revokedReason,
          ip: sessions.ip,
          userAgent: sessions.userAgent,
        })
        .from(sessions)
        .where(eq(sessions.userId, userId))
        .orderBy(desc(sessions.createdAt));
    },

    async apiKeysCreatedBy(q: DbOrTx, userId: string) {
      return q
        .select({
          id: apiKeys.id,
          orgId: apiKeys.orgId,
          name: apiKeys.name,
          prefix: apiKeys.prefix,
          role: apiKeys.role,
          createdAt: apiKeys.createdAt,
          expiresAt: apiKeys.expiresAt,
          lastUsedAt: apiKeys.lastUsedAt,
          revokedAt: apiKeys.revokedAt,
        })
        .from(apiKeys)
        .where(eq(apiKeys.createdBy, userId))
        .orderBy(asc(apiKeys.createdAt));
    },

    /** Approval requests made by the user or by their keys and agents, without others' decisions. */
    async approvalRequestsOf(q: DbOrTx, userId: string) {
      return q
        .select({
          id: approvalRequests.id,
          orgId: approvalRequests.orgId,
          kind: approvalRequests.kind,
          requesterType: approvalRequests.requesterType,
          requesterId: approvalRequests.requesterId,
          operation: approvalRequests.operation,
          connectionId: approvalRequests.connectionId,
          resource: approvalRequests.resource,
          elevatedRole: approvalRequests.elevatedRole,
          reason: approvalRequests.reason,
          status: approvalRequests.status,
          createdAt: approvalRequests.createdAt,
          expiresAt: approvalRequests.expiresAt,
          usedAt: approvalRequests.usedAt,
        })
        .from(approvalRequests)
        .where(eq(approvalRequests.requesterUserId, userId))
        .orderBy(asc(approvalRequests.createdAt));
    },

    /** The user's own decisions as an approver. */
    async approvalDecisionsBy(q: DbOrTx, userId: string) {
      return q
        .select({
          requestId: approvalDecisions.requestId,
          orgId: approvalDecisions.orgId,
          decision: approvalDecisions.decision,
          comment: approvalDecisions.comment,
          createdAt: approvalDecisions.createdAt,
        })
        .from(approvalDecisions)
        .where(eq(approvalDecisions.approverUserId, userId))
        .orderBy(asc(approvalDecisions.createdAt));
    },

    async invitationsSentBy(q: DbOrTx, userId: string) {
      // The invitee's address is the invitee's data, not the inviter's: it is not exported here.
      return q
        .select({
          id: invitations.id,
          orgId: invitations.orgId,
          role: invitations.role,
          createdAt: invitations.createdAt,
          expiresAt: invitations.expiresAt,
          acceptedAt: invitations.acceptedAt,
          revokedAt: invitations.revokedAt,
        })
        .from(invitations)
        .where(eq(invitations.invitedBy, userId))
        .orderBy(asc(invitations.createdAt));
    },

    /** Audit events the user performed, newest first, at most `limit`. */
    async auditEventsByActor(q: DbOrTx, userId: string, limit: number) {
      return q
        .select(exportedEventColumns)
        .from(auditEvents)
        .where(and(eq(auditEvents.actorType, 'user'), eq(auditEvents.actorId, userId)))
        .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
        .limit(limit);
    },

    /** The user's audit subject key (absent when no record ever named them). */
    async subjectKey(q: DbOrTx, userId: string): Promise<string | null> {
      const rows = await q
        .select({ key: auditSubjectKeys.key })
        .from(auditSubjectKeys)
        .where(eq(auditSubjectKeys.subjectId, userId));
      return rows[0]?.key ?? null;
    },

    /** Audit events performed by the API keys the user created, newest first, at most `limit`. */
    async auditEventsByApiKeys(q: DbOrTx, keyIds: string[], limit: number) {
      if (keyIds.length === 0) return [];
      return q
        .select({ ...exportedEventColumns, actorId: auditEvents.actorId })
        .from(auditEvents)
        .where(and(eq(auditEvents.actorType, 'apiKey'), inArray(auditEvents.actorId, keyIds)))
        .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
        .limit(limit);
    },

    /** Audit events about the user performed by someone else (or by no one: failed logins), newest first. */
    async auditEventsAboutUser(q: DbOrTx, userId: string, limit: number) {
      return q
        .select({ ...exportedEventColumns, actorType: auditEvents.actorType, actorId: auditEvents.actorId })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.targetType, 'user'),
            eq(auditEvents.targetId, userId),
            or(
              ne(auditEvents.actorType, 'user'),
              isNull(auditEvents.actorId),
              not(eq(auditEvents.actorId, userId)),
            ),
          ),
        )
        .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
        .limit(limit);
    },

    /**
     * Erasure beyond the audit trail: columns of other tables that named the user and outlive them
     * (the organisation keeps its scans, findings and connections) are nulled, or set to
     * ERASED_SUBJECT where the column is NOT NULL. Left in place, they would re-link pseudonymised
     * audit records (which keep e.g. the scan id) to the person. Not scoped to one organisation:
     * the user's own erasure reaches every organisation they acted in.
     */
    async eraseUserReferences(tx: Tx, userId: string): Promise<void> {
      await tx
        .update(scans)
        .set({ requestedById: ERASED_SUBJECT })
        .where(and(eq(scans.requestedByType, 'user'), eq(scans.requestedById, userId)));
      await tx.update(scans).set({ requestedByUserId: null }).where(eq(scans.requestedByUserId, userId));
      await tx.update(findings).set({ statusChangedBy: null }).where(eq(findings.statusChangedBy, userId));
      await tx.update(connections).set({ createdBy: null }).where(eq(connections.createdBy, userId));
      await tx
        .update(connectionGroups)
        .set({ createdBy: null })
        .where(eq(connectionGroups.createdBy, userId));
      await tx
        .update(cleanupTokens)
        .set({ actorId: ERASED_SUBJECT })
        .where(eq(cleanupTokens.actorId, userId));
      // Approval requests and decisions stay with the organisation (they explain its audit trail).
      await tx
        .update(approvalRequests)
        .set({ requesterId: ERASED_SUBJECT })
        .where(and(eq(approvalRequests.requesterType, 'user'), eq(approvalRequests.requesterId, userId)));
      await tx
        .update(approvalRequests)
        .set({ requesterUserId: null })
        .where(eq(approvalRequests.requesterUserId, userId));
      await tx
        .update(approvalRequests)
        .set({ revokedBy: null })
        .where(eq(approvalRequests.revokedBy, userId));
      await tx
        .update(approvalDecisions)
        .set({ approverUserId: ERASED_SUBJECT })
        .where(eq(approvalDecisions.approverUserId, userId));
      await tx
        .update(approvalPolicies)
        .set({ updatedBy: null })
        .where(eq(approvalPolicies.updatedBy, userId));
    },

    /** Revokes the user's pending invitations (their authority ends with the account); ids for the audit. */
    async revokeInvitationsSentBy(tx: Tx, userId: string, now: Date) {
      return tx
        .update(invitations)
        .set({ revokedAt: now })
        .where(
          and(
            eq(invitations.invitedBy, userId),
            isNull(invitations.acceptedAt),
            isNull(invitations.revokedAt),
          ),
        )
        .returning({ id: invitations.id, orgId: invitations.orgId, role: invitations.role });
    },

    /** The user's memberships with, per organisation, how many other members and other owners it has (orgs locked). */
    async lockMembershipsWithCounts(tx: Tx, userId: string) {
      const mine = await tx
        .select({ orgId: memberships.orgId, role: memberships.role })
        .from(memberships)
        .where(eq(memberships.userId, userId))
        .orderBy(asc(memberships.orgId));
      const orgIds = mine.map((m) => m.orgId);
      if (orgIds.length === 0) return [];
      // Lock the organisations (in id order) so that nobody joins or leaves while we decide.
      await tx
        .select({ id: organizations.id })
        .from(organizations)
        .where(inArray(organizations.id, orgIds))
        .orderBy(asc(organizations.id))
        .for('update');
      const others = await tx
        .select({ orgId: memberships.orgId, role: memberships.role, n: count() })
        .from(memberships)
        .where(and(inArray(memberships.orgId, orgIds), ne(memberships.userId, userId)))
        .groupBy(memberships.orgId, memberships.role);
      return mine.map((m) => {
        const rows = others.filter((o) => o.orgId === m.orgId);
        return {
          orgId: m.orgId,
          role: m.role,
          otherMembers: rows.reduce((sum, r) => sum + Number(r.n), 0),
          otherOwners: rows.filter((r) => r.role === 'owner').reduce((sum, r) => sum + Number(r.n), 0),
        };
      });
    },

    async revokeApiKeysCreatedBy(tx: Tx, userId: string, now: Date) {
      return tx
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(and(eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id, orgId: apiKeys.orgId });
    },

    /** Organisations go with everything in them (FK ON DELETE CASCADE); their audit chains stay. */
    async deleteOrgs(tx: Tx, orgIds: string[]): Promise<void> {
      if (orgIds.length === 0) return;
      await tx.delete(organizations).where(inArray(organizations.id, orgIds));
    },

    /** Invitations addressed to the user's email hold their personal data. */
    async deleteInvitationsTo(tx: Tx, email: string): Promise<void> {
      await tx.delete(invitations).where(eq(invitations.email, email.trim().toLowerCase()));
    },

    /** Sessions, refresh tokens, memberships and MFA backup codes go with the user (FK ON DELETE CASCADE). */
    async deleteUser(tx: Tx, userId: string): Promise<boolean> {
      const rows = await tx.delete(users).where(eq(users.id, userId)).returning({ id: users.id });
      return rows.length === 1;
    },
  };
}
export type PrivacyStore = ReturnType<typeof createPrivacyStore>;
