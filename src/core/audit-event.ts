import type { AuditEvent } from '../audit/types.ts';
import type { ActorType } from './actor.ts';

/** What an audit record needs of whoever acted (an Actor, or a scan's requester). */
export interface AuditedActor {
  type: ActorType;
  id: string;
  orgId: string | null;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** For OAuth: the granting user (`userId`) and the MCP client, named in every record. */
  userId?: string | null;
  oauthClient?: { id: string; name: string } | undefined;
}

/**
 * The one way a service builds an audit event for an actor: organisation, actor, request, address
 * and agent (see auditActorFields), `success` unless `extra` says otherwise.
 */
export function auditEventFor(
  actor: AuditedActor,
  action: string,
  target: { type: string; id: string } | null,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  const event: AuditEvent = {
    orgId: actor.orgId,
    ...auditActorFields(actor),
    action,
    outcome: 'success',
    ...(target === null ? {} : { targetType: target.type, targetId: target.id }),
    ...extra,
  };
  if (actor.oauthClient !== undefined) {
    // The actor id is the agent grant (agr_…); the record also names who granted it and to which client.
    event.details = {
      ...event.details,
      oauthClientId: actor.oauthClient.id,
      oauthClientName: actor.oauthClient.name,
      grantedBy: actor.userId ?? null,
    };
  }
  return event;
}

/**
 * Who acted, as an audit record names them. A system actor has no client: no actor id, address
 * or agent (its component is in the request id).
 */
export function auditActorFields(
  actor: Omit<AuditedActor, 'orgId'>,
): Pick<AuditEvent, 'actorType' | 'actorId' | 'requestId' | 'ip' | 'userAgent'> {
  const system = actor.type === 'system';
  return {
    actorType: actor.type,
    actorId: system ? null : actor.id,
    requestId: actor.requestId,
    ip: system ? null : actor.ip,
    userAgent: system ? null : actor.userAgent,
  };
}
