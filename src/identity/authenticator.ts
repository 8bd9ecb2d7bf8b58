import type { FastifyRequest } from 'fastify';
import type { Principal } from '../core/actor.ts';
import type { Authenticator } from '../http/auth.ts';
import type { AccessTokenIssuer } from './access-tokens.ts';

export const API_KEY_PREFIX = 'rg_live_';

export interface ApiKeyVerifier {
  /**
   * Principal for a valid, unexpired, unrevoked key; null otherwise. A key whose secret verifies but
   * which was revoked throws AppError(api_key_revoked). Records last use.
   */
  verify(presented: string): Promise<Principal | null>;
}

export interface OAuthTokenVerifier {
  /** The principal of an OAuth access token bound to /mcp; null for anything else. */
  verifyAccessToken(token: string): Promise<Principal | null>;
}

export interface SessionCheck {
  /** True while the session (refresh-token family) is alive; revocation makes it false at once. */
  /** The live session (with the organisation whose SSO opened it), or null if it is not alive. */
  active(sessionId: string, userId: string): Promise<{ ssoOrgId: string | null } | null>;
}

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{10,4096})$/.exec(header);
  return match === null ? null : match[1]!;
}

/**
 * `Authorization: Bearer <access token | API key | OAuth access token>`: the API key prefix marks a
 * key, a JWT (three dot-separated parts) a session access token, anything else an OAuth token
 * (opaque; which routes accept it is the guard's decision, see src/http/auth.ts).
 */
export function createAuthenticator(deps: {
  accessTokens: AccessTokenIssuer;
  sessions: SessionCheck;
  apiKeys: ApiKeyVerifier | null;
  oauthTokens?: OAuthTokenVerifier | null;
}): Authenticator {
  return {
    async authenticate(request) {
      const token = bearerOf(request);
      if (token === null) return null;
      if (token.startsWith(API_KEY_PREFIX)) {
        return deps.apiKeys === null ? null : deps.apiKeys.verify(token);
      }
      if (!token.includes('.')) {
        return deps.oauthTokens == null ? null : deps.oauthTokens.verifyAccessToken(token);
      }
      const claims = await deps.accessTokens.verify(token);
      if (claims === null) return null;
      const session = await deps.sessions.active(claims.sid, claims.sub);
      if (session === null) return null;
      return { type: 'user', userId: claims.sub, sessionId: claims.sid, ssoOrgId: session.ssoOrgId };
    },
  };
}
