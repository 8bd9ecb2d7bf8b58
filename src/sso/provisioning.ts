import { eq } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { organizations, users } from '../db/core-tables.ts';

// Shared by SSO sign-in (just-in-time members) and SCIM provisioning: both create people who have
// no password, and both serialise on the organisation row while they change its members.

/** A user who signs in only through SSO: the password hash is a marker no password verifies. */
export async function insertSsoUser(
  tx: Tx,
  row: { id: string; email: string; name: string | null; now: Date },
): Promise<boolean> {
  const rows = await tx
    .insert(users)
    .values({
      id: row.id,
      email: row.email,
      name: row.name,
      passwordHash: '!sso',
      passwordChangedAt: row.now,
      createdAt: row.now,
    })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id });
  return rows.length > 0;
}

/** Locks the organisation row for the transaction; false when the organisation is gone. */
export async function lockOrg(tx: Tx, orgId: string): Promise<boolean> {
  const rows = await tx
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.id, orgId))
    .for('update');
  return rows.length > 0;
}
