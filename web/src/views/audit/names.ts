import type { ActorDisplay, AuditRecord, Display } from './types.ts';

/** How a person, key or agent is shown: a main line and an optional second one (email, owner). */
export interface Shown {
  primary: string;
  secondary: string | null;
}

function userLine(d: ActorDisplay): Shown {
  const former = d.status === 'former_member' ? ' (former member)' : '';
  if (d.name !== null && d.name !== '') return { primary: `${d.name}${former}`, secondary: d.email };
  return { primary: `${d.email ?? 'A user'}${former}`, secondary: null };
}

function ownerOf(d: ActorDisplay, display: Display, verb: string): string {
  if (d.onBehalfOf === null) return `${verb} an erased user`;
  const owner = display.actors[d.onBehalfOf];
  if (owner === undefined) return `${verb} a user`;
  return `${verb} ${owner.name !== null && owner.name !== '' ? owner.name : (owner.email ?? 'a user')}`;
}

const INACTIVE: Record<string, string> = { revoked: ' (revoked)', expired: ' (expired)' };

/** A user, API key or agent grant id as the organisation may see it (the server resolved it). */
export function principal(kind: string, id: string | null, display: Display): Shown {
  if (kind === 'user' && id === null) return { primary: 'Erased user', secondary: null };
  if (id === null) return { primary: kind === 'system' ? 'Rolegate' : 'Anonymous', secondary: null };
  const d = display.actors[id];
  if (d === undefined) {
    if (kind === 'user') return { primary: 'User not in this organisation', secondary: id };
    if (kind === 'apiKey') return { primary: 'API key', secondary: id };
    if (kind === 'oauth') return { primary: 'AI agent', secondary: id };
    if (kind === 'system') return { primary: 'Rolegate', secondary: id.replace(/^system:/, '') };
    return { primary: kind, secondary: id };
  }
  if (d.kind === 'user') return userLine(d);
  if (d.kind === 'apiKey')
    return {
      primary: `API key “${d.name ?? id}”${INACTIVE[d.status] ?? ''}`,
      secondary: ownerOf(d, display, 'created by'),
    };
  return {
    primary: `AI agent “${d.name ?? id}”${INACTIVE[d.status] ?? ''}`,
    secondary: ownerOf(d, display, 'on behalf of'),
  };
}

export function actorOf(r: AuditRecord, display: Display): Shown {
  if (r.actorType === 'system')
    return { primary: 'Rolegate', secondary: r.actorId?.replace(/^system:/, '') ?? null };
  if (r.actorType === 'anonymous') return { primary: 'Anonymous', secondary: r.ip };
  return principal(r.actorType, r.actorId, display);
}

const TARGET_TYPES: Record<string, string> = {
  connection: 'Connection',
  connection_group: 'AWS Organizations group',
  finding: 'Finding',
  invitation: 'Invitation',
  organization: 'Organisation',
  session: 'Session',
  scan: 'Scan',
  webhook: 'Webhook',
  approval_request: 'Approval request',
  audit_checkpoint: 'Checkpoint',
  reconciliation: 'Reconciliation',
  scim_token: 'SCIM token',
  domain: 'Domain',
};

/** What the record is about: the connection by name, the AWS resource, or the target. */
export function targetOf(
  r: AuditRecord,
  display: Display,
): { connection: string | null; target: Shown | null } {
  const connection =
    r.connectionId === null
      ? null
      : (display.connections[r.connectionId]?.name ?? `${r.connectionId} (deleted)`);
  if (r.resource !== null) return { connection, target: { primary: r.resource, secondary: null } };
  if (r.targetType === null) return { connection, target: null };
  if (r.targetType === 'user') return { connection, target: principal('user', r.targetId, display) };
  if (r.targetType === 'api_key') return { connection, target: principal('apiKey', r.targetId, display) };
  if (r.targetType === 'agent_grant') return { connection, target: principal('oauth', r.targetId, display) };
  if (r.targetType === 'connection' && r.targetId !== null) {
    const name = display.connections[r.targetId]?.name;
    if (name !== undefined && r.connectionId === r.targetId) return { connection, target: null };
    return { connection, target: { primary: name ?? 'Connection (deleted)', secondary: r.targetId } };
  }
  return {
    connection,
    target: { primary: TARGET_TYPES[r.targetType] ?? r.targetType, secondary: r.targetId },
  };
}
