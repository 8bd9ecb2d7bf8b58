import type { AuditWriter } from '../audit/types.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { type RequestContext, recorder } from '../identity/request-context.ts';
import type { WebhookOutbox } from '../webhooks/outbox.ts';
import { createSsoStore } from './store.ts';

/**
 * "Require SSO" at password sign-in (docs/sso.md, Enforcement). Consulted after the password and
 * the second factor were accepted, so the answer reveals nothing to someone who does not hold them.
 * A member of an organisation that requires SSO is refused (`sso_required`, naming where to sign
 * in instead) unless they are its break-glass owner with MFA on; each break-glass sign-in is audited
 * in that organisation's chain and alerts its webhooks, in one transaction.
 */
export interface PasswordGate {
  afterPassword(user: { id: string; mfa: boolean }, ctx: RequestContext): Promise<void>;
}

export function createPasswordGate(deps: {
  db: Db;
  audit: Pick<AuditWriter, 'record'>;
  outbox: Pick<WebhookOutbox, 'enqueue'>;
}): PasswordGate {
  const store = createSsoStore(deps.db);
  const record = recorder(deps.audit);
  return {
    async afterPassword(user, ctx) {
      const requiring = await store.requiringSsoFor(deps.db, user.id);
      if (requiring.length === 0) return;
      // The break-glass exception holds only while that person is still an owner (a demoted one
      // may have been left named by an older code path; their current role decides).
      const blocking = requiring.find(
        (r) => r.breakGlassUserId !== user.id || r.role !== 'owner' || !user.mfa,
      );
      if (blocking !== undefined) {
        await record(deps.db, ctx, {
          orgId: blocking.orgId,
          actorType: 'user',
          actorId: user.id,
          action: 'auth.login',
          outcome: 'denied',
          targetType: 'user',
          targetId: user.id,
          details: { reason: 'sso_required' },
        });
        throw new AppError(
          ErrorCode.SSO_REQUIRED,
          'Your organisation requires single sign-on: use "Sign in with SSO" instead of your password.',
          {
            details: {
              orgId: blocking.orgId,
              ssoStart: `/v1/auth/sso/start?org=${blocking.orgId}`,
            },
          },
        );
      }
      await store.transaction(async (tx) => {
        for (const { orgId } of requiring) {
          await record(tx, ctx, {
            orgId,
            actorType: 'user',
            actorId: user.id,
            action: 'auth.break_glass',
            outcome: 'success',
            targetType: 'user',
            targetId: user.id,
            details: { mfa: true },
          });
          await deps.outbox.enqueue(tx, {
            type: 'sso.break_glass_login',
            orgId,
            data: { userId: user.id, ip: ctx.ip, requestId: ctx.requestId },
          });
        }
      });
    },
  };
}
