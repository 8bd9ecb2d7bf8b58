import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { DbOrTx } from '../db/client.ts';
import type { SessionCheck } from './authenticator.ts';
import { sessions } from './tables.ts';

/**
 * Checked on every authenticated request (one indexed primary-key read), so a revoked session's
 * access tokens stop working immediately rather than at `exp`.
 */
export function createSessionCheck(db: DbOrTx, clock: Clock): SessionCheck {
  return {
    async active(sessionId, userId) {
      const rows = await db
        .select({ ssoOrgId: sessions.ssoOrgId })
        .from(sessions)
        .where(
          and(
            eq(sessions.id, sessionId),
            eq(sessions.userId, userId),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, clock.now()),
          ),
        )
        .limit(1);
      return rows[0] ?? null;
    },
  };
}
