import { and, eq } from 'drizzle-orm';
import { activeElevation } from '../approvals/store.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { MembershipLookup } from '../core/actor.ts';
import type { DbOrTx } from '../db/client.ts';
import { memberships } from '../db/core-tables.ts';
import { effectiveRole, isRole, type Role } from './rbac.ts';

/**
 * Role lookups are read fresh on every request, so a role change or removal bites immediately —
 * and so does the end of a just-in-time elevation (docs/approvals.md): the role returned is the
 * effective one, the membership raised by an approved, unexpired elevation.
 */
export function createMembershipLookup(db: DbOrTx, clock: Clock = systemClock): MembershipLookup {
  async function rolesOf(
    orgId: string,
    userId: string,
  ): Promise<{ membership: Role; effective: Role } | null> {
    const rows = await db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
      .limit(1);
    const role = rows[0]?.role;
    if (!isRole(role)) return null;
    // Only members are elevated (to admin at most): others need not look further.
    if (role !== 'member') return { membership: role, effective: role };
    const effective = effectiveRole(role, await activeElevation(db, orgId, userId, clock.now())) ?? role;
    return { membership: role, effective };
  }
  return {
    rolesOf,
    async roleOf(orgId: string, userId: string): Promise<Role | null> {
      return (await rolesOf(orgId, userId))?.effective ?? null;
    },
  };
}
