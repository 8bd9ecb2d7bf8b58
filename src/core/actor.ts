import type { ApiKeyScope } from '../identity/api-keys/scope.ts';
import type { Role } from '../identity/rbac.ts';

/**
 * Who acts: a user, an API key or an MCP client holding a user's OAuth grant (`oauth`; established
 * by the HTTP auth guard), or Rolegate itself
 * (`system`: the scheduler, background jobs, the CLI). Travels into services, audit and the broker.
 */
export type ActorType = 'user' | 'apiKey' | 'oauth' | 'system';

export interface Actor {
  type: ActorType;
  /** usr_… for users, key_… for API keys, agr_… (the agent grant) for OAuth, `system:<component>` for Rolegate. */
  id: string;
  /**
   * For API keys: the user who created the key (null if that user was deleted); for OAuth: the user
   * who granted it. Null for the system.
   */
  userId: string | null;
  /** The organisation of the path (or the key's organisation); null on routes outside an organisation. */
  orgId: string | null;
  role: Role | null;
  /**
   * The role held by membership, without any just-in-time elevation (docs/approvals.md); for an API
   * key or the system, `role` itself. Set by the org guard. Managing who holds which role (members,
   * invitations, API keys, the approval policy) is judged on this, never on an elevated `role`.
   */
  membershipRole?: Role | null;
  sessionId: string | null;
  ip: string;
  userAgent: string | null;
  requestId: string;
  /** For API keys: the key's scope (connections, capabilities, read-only, CIDRs); null/absent = unscoped. */
  keyScope?: ApiKeyScope | null;
  /** For user sessions: the organisation whose SSO opened the session (null for a password sign-in). */
  ssoOrgId?: string | null;
  /** For OAuth: the MCP client acting under the grant (recorded in every audit record it causes). */
  oauthClient?: { id: string; name: string };
}

/** The credential's identity, before any organisation is considered. */
export type Principal =
  | {
      type: 'user';
      userId: string;
      sessionId: string;
      /** The organisation whose SSO opened the session; null for a password sign-in. */
      ssoOrgId: string | null;
    }
  | {
      type: 'apiKey';
      keyId: string;
      orgId: string;
      role: Role;
      createdBy: string | null;
      scope: ApiKeyScope | null;
    }
  /**
   * An OAuth access token for the /mcp resource: an agent grant (agr_…) of `userId` to a client in
   * one organisation, with the user's current role there and the grant's scope (an API key's shape).
   */
  | {
      type: 'oauth';
      grantId: string;
      clientId: string;
      clientName: string;
      userId: string;
      orgId: string;
      role: Role;
      scope: ApiKeyScope | null;
    };

/** Answers which role a user has in an organisation (null: not a member). */
export interface MembershipLookup {
  /** The effective role: the membership raised by an approved, unexpired elevation. */
  roleOf(orgId: string, userId: string): Promise<Role | null>;
  /** Both the role held by membership and the effective one (null: not a member). */
  rolesOf(orgId: string, userId: string): Promise<{ membership: Role; effective: Role } | null>;
}

/**
 * The role the actor holds by membership, not raised by an elevation. A user or OAuth actor whose
 * guard did not record it holds none here (fail closed); keys and the system act with their role.
 */
export function heldRole(actor: Actor): Role | null {
  if (actor.membershipRole !== undefined) return actor.membershipRole;
  return actor.type === 'user' || actor.type === 'oauth' ? null : actor.role;
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
