import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { Config, KeyEntry } from '../config.ts';
import type { MembershipLookup } from '../core/actor.ts';
import type { Db } from '../db/client.ts';
import { users } from '../db/core-tables.ts';
import type { AuthGuard } from '../http/auth.ts';
import { createOAuthProvider, oauthUrls } from './provider.ts';
import { oauthRoutes } from './routes.ts';
import { createOAuthService, type OAuthService } from './service.ts';

export interface OAuthModule {
  service: OAuthService;
  routes: FastifyPluginAsync<{ guard: AuthGuard }>;
}

/**
 * OAuth 2.1 for MCP clients: null when ROLEGATE_PUBLIC_URL is unset (the issuer and the /mcp
 * resource identifier need the public origin; /mcp then takes API keys only).
 */
export function createOAuthModule(deps: {
  config: Pick<Config, 'http'> & { jwtKeys: KeyEntry[] };
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  memberships: MembershipLookup;
}): OAuthModule | null {
  const { publicUrl, trustProxy, cookieSecure } = deps.config.http;
  if (publicUrl === null) return null;
  const urls = oauthUrls(publicUrl);
  const provider = createOAuthProvider({
    publicUrl,
    db: deps.db,
    clock: deps.clock,
    jwtKeys: deps.config.jwtKeys,
    trustProxy: trustProxy !== false,
    cookieSecure,
    async userExists(userId) {
      const rows = await deps.db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
      return rows.length === 1;
    },
  });
  const service = createOAuthService({
    provider,
    urls,
    db: deps.db,
    clock: deps.clock,
    audit: deps.audit,
    memberships: deps.memberships,
  });
  const routes: FastifyPluginAsync<{ guard: AuthGuard }> = async (app, { guard }) => {
    await app.register(oauthRoutes, { guard, provider, service });
  };
  return { service, routes };
}
