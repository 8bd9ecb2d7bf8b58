import type { DisplayStore } from './display-store.ts';
import type { AuditActorDisplay } from './schemas.ts';

/** What of a record names someone or something the console shows by name. */
export interface DisplayRefs {
  actorType: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  connectionId: string | null;
}

export interface AuditDisplay {
  actors: Record<string, AuditActorDisplay>;
  connections: Record<string, { name: string }>;
}

function keyStatus(revokedAt: Date | null, expiresAt: Date | null, now: Date): AuditActorDisplay['status'] {
  if (revokedAt !== null) return 'revoked';
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/**
 * Resolves the names a page of records needs, at read time and for this organisation only:
 *
 * - a user is named (name and email) when they are a member now or provably were one
 *   (`formerMemberIds`); any other user id — an erased person (whose id the erasure already
 *   removed from the records, and whose row is gone), someone of another organisation named as the
 *   target of a refused request — stays unresolved: absent from the map;
 * - API keys and agent grants only when they belong to the organisation, with the user who created
 *   or granted them (resolved by the same rule; null when that person was erased);
 * - connections of the organisation only.
 *
 * Nothing here is written anywhere: the hashed records are untouched, and a name changed or erased
 * tomorrow is shown changed or gone tomorrow.
 */
export async function resolveDisplay(
  store: DisplayStore,
  orgId: string,
  records: readonly DisplayRefs[],
  now: Date,
): Promise<AuditDisplay> {
  const userIds = new Set<string>();
  const keyIds = new Set<string>();
  const grantIds = new Set<string>();
  const connectionIds = new Set<string>();
  for (const r of records) {
    if (r.actorId !== null) {
      if (r.actorType === 'user') userIds.add(r.actorId);
      else if (r.actorType === 'apiKey') keyIds.add(r.actorId);
      else if (r.actorType === 'oauth') grantIds.add(r.actorId);
    }
    if (r.targetId !== null) {
      if (r.targetType === 'user') userIds.add(r.targetId);
      else if (r.targetType === 'api_key') keyIds.add(r.targetId);
      else if (r.targetType === 'agent_grant') grantIds.add(r.targetId);
      else if (r.targetType === 'connection') connectionIds.add(r.targetId);
    }
    if (r.connectionId !== null) connectionIds.add(r.connectionId);
  }

  const keys = await store.apiKeys(orgId, [...keyIds]);
  const grants = await store.agentGrants(orgId, [...grantIds]);
  for (const k of keys) if (k.createdBy !== null) userIds.add(k.createdBy);
  for (const g of grants) userIds.add(g.userId);

  const candidates = [...userIds];
  const members = await store.memberIds(orgId, candidates);
  const former = await store.formerMemberIds(
    orgId,
    candidates.filter((id) => !members.has(id)),
  );
  const visible = candidates.filter((id) => members.has(id) || former.has(id));
  const people = await store.usersById(visible);

  const actors: Record<string, AuditActorDisplay> = {};
  const resolvedUsers = new Set<string>();
  for (const u of people) {
    resolvedUsers.add(u.id);
    actors[u.id] = {
      kind: 'user',
      status: members.has(u.id) ? 'member' : 'former_member',
      name: u.name,
      email: u.email,
      onBehalfOf: null,
    };
  }
  const onBehalfOf = (userId: string | null) =>
    userId !== null && resolvedUsers.has(userId) ? userId : null;
  for (const k of keys) {
    actors[k.id] = {
      kind: 'apiKey',
      status: keyStatus(k.revokedAt, k.expiresAt, now),
      name: k.name,
      email: null,
      onBehalfOf: onBehalfOf(k.createdBy),
    };
  }
  for (const g of grants) {
    actors[g.id] = {
      kind: 'agent',
      status: keyStatus(g.revokedAt, null, now),
      name: g.clientName,
      email: null,
      onBehalfOf: onBehalfOf(g.userId),
    };
  }

  const connections: Record<string, { name: string }> = {};
  for (const c of await store.connections(orgId, [...connectionIds])) connections[c.id] = { name: c.name };
  return { actors, connections };
}
