import type { AuditEvent, AuditWriter } from '../audit/types.ts';
import type { Actor } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { DbOrTx } from '../db/client.ts';
import type { IdentityStore, UserRow } from './store.ts';

/** Where a request came from, as every identity audit record carries it. */
export interface RequestContext {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export type RecordEvent = (
  q: DbOrTx,
  ctx: RequestContext,
  event: Omit<AuditEvent, 'requestId' | 'ip' | 'userAgent'>,
) => Promise<unknown>;

/** Audits an identity event with the request's address, agent and id. */
export function recorder(audit: Pick<AuditWriter, 'record'>): RecordEvent {
  return (q, ctx, event) =>
    audit.record(q, { ...event, requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent });
}

export function contextOf(actor: Actor): RequestContext {
  return { ip: actor.ip, userAgent: actor.userAgent, requestId: actor.requestId };
}

/** The signed-in user behind `actor`; API keys are refused, a deleted user is unauthenticated. */
export async function requireUser(store: IdentityStore, actor: Actor): Promise<UserRow> {
  if (actor.type !== 'user' || actor.userId === null) throw new AppError(ErrorCode.FORBIDDEN);
  const user = await store.findUserById(store.db, actor.userId);
  if (user === null) throw new AppError(ErrorCode.UNAUTHENTICATED);
  return user;
}
