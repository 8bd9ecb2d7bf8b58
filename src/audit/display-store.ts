import { and, eq, inArray } from 'drizzle-orm';
import { connections } from '../connections/tables.ts';
import type { DbOrTx } from '../db/client.ts';
import { memberships, users } from '../db/core-tables.ts';
import { apiKeys } from '../identity/api-keys/tables.ts';
import { agentGrants } from '../oauth/tables.ts';
import { auditEvents } from './tables.ts';

/**
 * SQL for the display data of an audit page (src/audit/display.ts): the people, keys, agent grants
 * and connections its records name, as they are now. Every lookup of an organisation's resources
 * takes the organisation id; only `usersById` does not, and its caller resolves nobody it has not
 * first tied to the organisation with `memberIds` or `formerMemberIds`.
 */
export function createDisplayStore(db: DbOrTx) {
  return {
    /** The organisation's API keys among `ids` (another organisation's key is not found). */
    async apiKeys(orgId: string, ids: string[]) {
      if (ids.length === 0) return [];
      return db
        .select({
          id: apiKeys.id,
          name: apiKeys.name,
          createdBy: apiKeys.createdBy,
          expiresAt: apiKeys.expiresAt,
          revokedAt: apiKeys.revokedAt,
        })
        .from(apiKeys)
        .where(and(eq(apiKeys.orgId, orgId), inArray(apiKeys.id, ids)));
    },

    /** The organisation's agent grants among `ids`. */
    async agentGrants(orgId: string, ids: string[]) {
      if (ids.length === 0) return [];
      return db
        .select({
          id: agentGrants.id,
          clientName: agentGrants.clientName,
          userId: agentGrants.userId,
          revokedAt: agentGrants.revokedAt,
        })
        .from(agentGrants)
        .where(and(eq(agentGrants.orgId, orgId), inArray(agentGrants.id, ids)));
    },

    /** The organisation's connections among `ids` (a deleted one is gone). */
    async connections(orgId: string, ids: string[]) {
      if (ids.length === 0) return [];
      return db
        .select({ id: connections.id, name: connections.name })
        .from(connections)
        .where(and(eq(connections.orgId, orgId), inArray(connections.id, ids)));
    },

    /** Which of `userIds` are members of the organisation now. */
    async memberIds(orgId: string, userIds: string[]): Promise<Set<string>> {
      if (userIds.length === 0) return new Set();
      const rows = await db
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), inArray(memberships.userId, userIds)));
      return new Set(rows.map((r) => r.userId));
    },

    /**
     * Which of `userIds` the organisation provably had as members: they acted successfully in its
     * chain as a user (only a member can: the org guard admits no one else, and SSO and invitations
     * record the joining itself), created one of its API keys, or hold one of its agent grants.
     * An id merely named as the target of a refused request is not evidence.
     */
    async formerMemberIds(orgId: string, userIds: string[]): Promise<Set<string>> {
      const out = new Set<string>();
      if (userIds.length === 0) return out;
      const acted = await db
        .selectDistinct({ id: auditEvents.actorId })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.chain, orgId),
            eq(auditEvents.actorType, 'user'),
            eq(auditEvents.outcome, 'success'),
            inArray(auditEvents.actorId, userIds),
          ),
        );
      const keyCreators = await db
        .selectDistinct({ id: apiKeys.createdBy })
        .from(apiKeys)
        .where(and(eq(apiKeys.orgId, orgId), inArray(apiKeys.createdBy, userIds)));
      const grantors = await db
        .selectDistinct({ id: agentGrants.userId })
        .from(agentGrants)
        .where(and(eq(agentGrants.orgId, orgId), inArray(agentGrants.userId, userIds)));
      for (const r of [...acted, ...keyCreators, ...grantors]) if (r.id !== null) out.add(r.id);
      return out;
    },

    /** Name and email of existing users among `ids` (an erased user no longer exists). */
    async usersById(ids: string[]) {
      if (ids.length === 0) return [];
      return db
        .select({ id: users.id, name: users.name, email: users.email })
        .from(users)
        .where(inArray(users.id, ids));
    },
  };
}
export type DisplayStore = ReturnType<typeof createDisplayStore>;
