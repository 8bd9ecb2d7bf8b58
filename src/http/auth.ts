import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { can, type Permission, type Role } from '../identity/rbac.ts';
import { AppError, ErrorCode } from './errors.ts';

/** Who is calling, as established by the auth guard; travels into services, audit and the broker. */
export interface Actor {
  type: 'user' | 'apiKey';
  /** usr_… for users, key_… for API keys. */
  id: string;
  /** For API keys: the user who created the key (null if that user was deleted). */
  userId: string | null;
  /** The organisation of the path (or the key's organisation); null on routes outside an organisation. */
  orgId: string | null;
  role: Role | null;
  sessionId: string | null;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

/** The credential's identity, before any organisation is considered. */
export type Principal =
  | { type: 'user'; userId: string; sessionId: string }
  | { type: 'apiKey'; keyId: string; orgId: string; role: Role; createdBy: string | null };

export interface Authenticator {
  /** Returns null for a missing or invalid credential; throws AppError only for rate limits/outages. */
  authenticate(request: FastifyRequest): Promise<Principal | null>;
}

export interface MembershipLookup {
  roleOf(orgId: string, userId: string): Promise<Role | null>;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export interface AuthGuard {
  /** Any authenticated caller; no organisation. */
  authenticated(): preHandlerAsyncHookHandler;
  /**
   * Authenticated, a member of the organisation in `:orgId` (404 otherwise, exactly like a
   * missing organisation), and the role grants `permission` (403 otherwise).
   */
  orgPermission(permission: Permission): preHandlerAsyncHookHandler;
}

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
        ...common,
      }
    : {
        type: 'apiKey',
        id: principal.keyId,
        userId: principal.createdBy,
        orgId: principal.orgId,
        role: principal.role,
        sessionId: null,
        ...common,
      };
}

export function createAuthGuard(deps: {
  authenticator: Authenticator;
  memberships: MembershipLookup;
}): AuthGuard {
  async function principalOf(request: FastifyRequest): Promise<Principal> {
    const principal = await deps.authenticator.authenticate(request);
    if (principal === null) throw new AppError(ErrorCode.UNAUTHENTICATED);
    return principal;
  }
  return {
    authenticated() {
      return async (request: FastifyRequest, _reply: FastifyReply) => {
        request.actor = baseActor(await principalOf(request), request);
      };
    },
    orgPermission(permission: Permission) {
      return async (request: FastifyRequest, _reply: FastifyReply) => {
        const principal = await principalOf(request);
        const params = request.params as Record<string, unknown> | undefined;
        const orgId = params?.orgId;
        if (typeof orgId !== 'string') throw new AppError(ErrorCode.NOT_FOUND);
        const actor = baseActor(principal, request);
        if (principal.type === 'apiKey') {
          if (principal.orgId !== orgId) throw new AppError(ErrorCode.NOT_FOUND);
        } else {
          const role = await deps.memberships.roleOf(orgId, principal.userId);
          if (role === null) throw new AppError(ErrorCode.NOT_FOUND);
          actor.orgId = orgId;
          actor.role = role;
        }
        if (!can(actor.role, permission)) throw new AppError(ErrorCode.FORBIDDEN);
        request.actor = actor;
      };
    },
  };
}
