import type { ApiKeyScope } from '../identity/api-keys/scope.ts';
import type { Role } from '../identity/rbac.ts';

/**
 * Who acts: a user or an API key (established by the HTTP auth guard), or Rolegate itself
 * (`system`: the scheduler, background jobs, the CLI). Travels into services, audit and the broker.
 */
export type ActorType = 'user' | 'apiKey' | 'system';

export interface Actor {
  type: ActorType;
  /** usr_… for users, key_… for API keys, `system:<component>` for Rolegate itself. */
  id: string;
  /** For API keys: the user who created the key (null if that user was deleted). Null for the system. */
  userId: string | null;
  /** The organisation of the path (or the key's organisation); null on routes outside an organisation. */
  orgId: string | null;
  role: Role | null;
  sessionId: string | null;
  ip: string;
  userAgent: string | null;
  requestId: string;
  /** For API keys: the key's scope (connections, capabilities, read-only, CIDRs); null/absent = unscoped. */
  keyScope?: ApiKeyScope | null;
}

/** The credential's identity, before any organisation is considered. */
export type Principal =
  | { type: 'user'; userId: string; sessionId: string }
  | {
      type: 'apiKey';
      keyId: string;
      orgId: string;
      role: Role;
      createdBy: string | null;
      scope: ApiKeyScope | null;
    };

/** Answers which role a user has in an organisation (null: not a member). */
export interface MembershipLookup {
  roleOf(orgId: string, userId: string): Promise<Role | null>;
}

/** A component name as it goes into a system actor's id: short and within AWS's session-name alphabet. */
const COMPONENT = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The actor for work Rolegate does on its own (`component`: e.g. `connections`, `scan-cli`). It has
 * no client, so it is recorded without address or agent (see auditEventFor); `ip` is the loopback
 * only because the type needs one. Its id never collides with a user or key id (`usr_`/`key_`).
 */
export function systemActor(component: string, requestId: string, orgId: string | null = null): Actor {
  if (!COMPONENT.test(component)) throw new Error(`invalid system component name: ${component}`);
  return {
    type: 'system',
    id: `system:${component}`,
    userId: null,
    orgId,
    role: null,
    sessionId: null,
    ip: '127.0.0.1',
    userAgent: null,
    requestId,
  };
}
