import { and, eq } from 'drizzle-orm';
import { activeElevation } from '../approvals/store.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { MembershipLookup } from '../core/actor.ts';
import type { DbOrTx } from '../db/client.ts';
import { memberships } from '../db/core-tables.ts';
import { effectiveRole, isRole, ROLE_RANK, type Role } from './rbac.ts';

/**
 * Role lookups are read fresh on every request, so a role change or removal bites immediately —
 * and so does the end of a just-in-time elevation (docs/approvals.md): the role returned is the
 * effective one, the membership raised by an approved, unexpired elevation.
 */
export function createMembershipLookup(db: DbOrTx, clock: Clock = systemClock): MembershipLookup {
  return {
    async roleOf(orgId: string, userId: string): Promise<Role | null> {
      const rows = await db
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
        .limit(1);
      const role = rows[0]?.role;
      if (!isRole(role)) return null;
      // Only members are elevated (to admin at most): admins and owners need not look further.
      if (ROLE_RANK[role] >= ROLE_RANK.admin) return role;
      return effectiveRole(role, await activeElevation(db, orgId, userId, clock.now()));
    },
  };
}
