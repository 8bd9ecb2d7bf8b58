import { and, eq, ne } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { auditEvents, auditSubjectKeys } from './tables.ts';

/**
 * Pseudonymises a deleted user in the audit trail without breaking any chain: the raw personal
 * values (their id as actor or target, and the IP address and user agent of events about them)
 * are set to null and their subject key is deleted. The hash covers only the keyed references
 * (`*_ref`), which stay, so every chain still verifies, and without the key nobody can link a
 * reference back to the person. Runs in the caller's transaction (the account deletion).
 */
export async function eraseAuditSubject(tx: Tx, userId: string): Promise<{ records: number }> {
  const asActor = await tx
    .update(auditEvents)
    .set({ actorId: null, ip: null, userAgent: null })
    .where(and(eq(auditEvents.actorType, 'user'), eq(auditEvents.actorId, userId)))
    .returning({ id: auditEvents.id });
  // Events about the user by someone who is not a user (e.g. a failed login): the client data is theirs.
  const asTargetOfNonUser = await tx
    .update(auditEvents)
    .set({ targetId: null, ip: null, userAgent: null })
    .where(
      and(
        eq(auditEvents.targetType, 'user'),
        eq(auditEvents.targetId, userId),
        ne(auditEvents.actorType, 'user'),
      ),
    )
    .returning({ id: auditEvents.id });
  const asTarget = await tx
    .update(auditEvents)
    .set({ targetId: null })
    .where(and(eq(auditEvents.targetType, 'user'), eq(auditEvents.targetId, userId)))
    .returning({ id: auditEvents.id });
  await tx.delete(auditSubjectKeys).where(eq(auditSubjectKeys.subjectId, userId));
  const ids = new Set([...asActor, ...asTargetOfNonUser, ...asTarget].map((r) => r.id));
  return { records: ids.size };
}
