import { and, eq } from 'drizzle-orm';
import type { MembershipLookup } from '../core/actor.ts';
import type { DbOrTx } from '../db/client.ts';
import { memberships } from '../db/core-tables.ts';
import { isRole, type Role } from './rbac.ts';

/** Role lookups are read fresh on every request, so a role change or removal bites immediately. */
export function createMembershipLookup(db: DbOrTx): MembershipLookup {
  return {
    async roleOf(orgId: string, userId: string): Promise<Role | null> {
      const rows = await db
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
        .limit(1);
      const role = rows[0]?.role;
      return isRole(role) ? role : null;
    },
  };
}
