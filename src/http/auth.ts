import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { type Actor, heldRole, type MembershipLookup, type Principal } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { idPattern } from '../db/ids.ts';
import { checkKeyScope } from '../identity/api-keys/scope.ts';
import { can, MEMBERSHIP_BOUND, type Permission, type Role } from '../identity/rbac.ts';

export interface Authenticator {
  /** Returns null for a missing or invalid credential; throws AppError only for rate limits/outages. */
  authenticate(request: FastifyRequest): Promise<Principal | null>;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** The permission the route's guard enforces, set by `route()` (src/http/route.ts). */
    permission?: Permission;
  }
}

export interface AuthGuard {
  /**
   * Any authenticated caller; no organisation. A scoped API key is refused (key_scope_denied) unless
   * `operations` says the route runs operations that check the scope themselves (intents, MCP).
   * An OAuth access token is accepted only where `oauth` says the route is its resource (/mcp):
   * anywhere else it answers exactly like an unknown token (RFC 8707 audience binding).
   */
  authenticated(options?: { operations?: boolean; oauth?: boolean }): onRequestAsyncHookHandler;
  /**
   * Authenticated, a member of the organisation in `:orgId` (404 otherwise, exactly like a
   * missing organisation), and the role grants `permission` (403 otherwise).
   */
  orgPermission(permission: Permission): onRequestAsyncHookHandler;
  /**
   * The "require SSO" check of `orgPermission`, for routes that take the organisation from the
   * body (intents): throws `sso_required` when a user session may not act in `orgId`.
   */
  assertSsoAllows(actor: Actor, orgId: string, role: Role): Promise<void>;
}

/** Routes declare their guard through `route()` (src/http/route.ts), which runs it in `onRequest`. */
const ORG_ID = idPattern('org');

export function requireActor(request: FastifyRequest): Actor {
  if (request.actor === null) throw new AppError(ErrorCode.UNAUTHENTICATED);
  return request.actor;
}

export function requireOrgActor(request: FastifyRequest): Actor & { orgId: string; role: Role } {
  const actor = requireActor(request);
  if (actor.orgId === null || actor.role === null) throw new AppError(ErrorCode.NOT_FOUND);
  return actor as Actor & { orgId: string; role: Role };
}

function baseActor(principal: Principal, request: FastifyRequest): Actor {
  const ua = request.headers['user-agent'];
  const common = {
    ip: request.ip,
    userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null,
    requestId: request.id,
  };
  return principal.type === 'user'
    ? {
        type: 'user',
        id: principal.userId,
        userId: principal.userId,
        orgId: null,
        role: null,
        sessionId: principal.sessionId,
        ssoOrgId: principal.ssoOrgId,
        ...common,
      }
    : principal.type === 'apiKey'
      ? {
          type: 'apiKey',
          id: principal.keyId,
          userId: principal.createdBy,
          orgId: principal.orgId,
          role: principal.role,
          sessionId: null,
          keyScope: principal.scope,
          ...common,
        }
      : {
          type: 'oauth',
          id: principal.grantId,
          userId: principal.userId,
          orgId: principal.orgId,
          role: principal.role,
          sessionId: null,
          // The grant's scope is an API key scope, enforced by the same checkKeyScope everywhere.
          keyScope: principal.scope,
          oauthClient: { id: principal.clientId, name: principal.clientName },
          ...common,
        };
}

/** An organisation's "require SSO" setting, read at the organisation authorisation step. */
export interface SsoRequirementLookup {
  requirementOf(orgId: string): Promise<{ requireSso: boolean; breakGlassUserId: string | null } | null>;
}

export function createAuthGuard(deps: {
  authenticator: Authenticator;
  memberships: MembershipLookup;
  ssoRequirements?: SsoRequirementLookup;
}): AuthGuard {
  async function principalOf(request: FastifyRequest): Promise<Principal> {
    const principal = await deps.authenticator.authenticate(request);
    if (principal === null) throw new AppError(ErrorCode.UNAUTHENTICATED);
    return principal;
  }
  /**
   * A session is valid in every organisation of its user; one that requires SSO accepts only
   * sessions its own provider opened (else signing in through another organisation's provider, or
   * with a password, would bypass it), except the break-glass owner's password session.
   */
  async function assertSsoAllows(actor: Actor, orgId: string, role: Role): Promise<void> {
    if (actor.type !== 'user' || deps.ssoRequirements === undefined) return;
    const sso = await deps.ssoRequirements.requirementOf(orgId);
    const ssoOrgId = actor.ssoOrgId ?? null;
    if (
      sso?.requireSso === true &&
      ssoOrgId !== orgId &&
      !(ssoOrgId === null && sso.breakGlassUserId === actor.id && role === 'owner')
    ) {
      throw new AppError(ErrorCode.SSO_REQUIRED);
    }
  }
  return {
    assertSsoAllows,
    authenticated(options) {
      const hook = async (request: FastifyRequest, _reply: FastifyReply) => {
        const principal = await principalOf(request);
        if (principal.type === 'oauth' && options?.oauth !== true)
          throw new AppError(ErrorCode.UNAUTHENTICATED);
        // A grant narrows like a scoped key; even an unnarrowed grant reaches operations only.
        if (principal.type === 'oauth' && options?.operations !== true) {
          throw new AppError(ErrorCode.UNAUTHENTICATED);
        }
        if (principal.type !== 'user' && principal.scope !== null) {
          checkKeyScope(principal.scope, { ip: request.ip });
          if (options?.operations !== true) {
            throw new AppError(
              ErrorCode.KEY_SCOPE_DENIED,
              'This API key is scoped to operations; this action needs an unscoped key.',
            );
          }
        }
        request.actor = baseActor(principal, request);
      };
      return hook;
    },
    orgPermission(permission: Permission) {
      const hook = async (request: FastifyRequest, _reply: FastifyReply) => {
        const principal = await principalOf(request);
        // OAuth tokens are bound to the /mcp resource: the REST API does not know them.
        if (principal.type === 'oauth') throw new AppError(ErrorCode.UNAUTHENTICATED);
        const params = request.params as Record<string, unknown> | undefined;
        const orgId = params?.orgId;
        // The hook runs in onRequest, before params validation (see route()): check the shape here.
        if (typeof orgId !== 'string' || !ORG_ID.test(orgId)) throw new AppError(ErrorCode.NOT_FOUND);
        const actor = baseActor(principal, request);
        if (principal.type === 'apiKey') {
          if (principal.orgId !== orgId) throw new AppError(ErrorCode.NOT_FOUND);
        } else {
          const roles = await deps.memberships.rolesOf(orgId, principal.userId);
          if (roles === null) throw new AppError(ErrorCode.NOT_FOUND);
          // Break-glass is the owner by membership, not a member elevated for an hour.
          await assertSsoAllows(actor, orgId, roles.membership);
          actor.orgId = orgId;
          actor.role = roles.effective;
          actor.membershipRole = roles.membership;
        }
        if (!can(actor.role, permission)) throw new AppError(ErrorCode.FORBIDDEN);
        if (MEMBERSHIP_BOUND.has(permission) && !can(heldRole(actor), permission)) {
          throw new AppError(
            ErrorCode.FORBIDDEN,
            'This needs the role by membership: a temporary elevation does not grant it.',
          );
        }
        if (principal.type === 'apiKey') {
          const connId = params?.connId;
          checkKeyScope(principal.scope, {
            ip: request.ip,
            permission,
            connectionId: typeof connId === 'string' ? connId : undefined,
          });
        }
        request.actor = actor;
      };
      return hook;
    },
  };
}
