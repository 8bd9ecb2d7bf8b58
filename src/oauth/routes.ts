import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { CAPABILITIES } from '../connections/types.ts';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { apiKeyScopeView, MAX_SCOPE_CONNECTIONS } from '../identity/api-keys/scope.ts';
import { orgIdSchema } from '../identity/orgs/schemas.ts';
import { OAUTH_MOUNT } from './provider.ts';
import type { OAuthService } from './service.ts';

export interface OAuthRoutesOptions {
  guard: AuthGuard;
  provider: Provider;
  service: OAuthService;
}

const tags = ['oauth'];
const uidParams = z.strictObject({
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an interaction id'),
});
const grantParams = z.strictObject({
  grantId: z.string().regex(idPattern('agr'), 'must be a grant id (agr_…)'),
});

const approveBody = z.strictObject({
  orgId: orgIdSchema,
  /** Connections the client may act through; absent = every connection of the organisation. */
  connectionIds: z
    .array(z.string().regex(idPattern('con'), 'must be a connection id (con_…)'))
    .min(1)
    .max(MAX_SCOPE_CONNECTIONS)
    .optional(),
  capabilities: z.array(z.enum(CAPABILITIES)).min(1).max(CAPABILITIES.length).optional(),
  /** Read-only unless the user turns it off (no S3 writes, Lambda invoke, clean-up, dismissals). */
  readOnly: z.boolean().default(true),
});

const redirectView = z.object({ redirectTo: z.string() });
const interactionView = z.object({
  uid: z.string(),
  client: z.object({ id: z.string(), name: z.string(), redirectUri: z.string() }),
  resource: z.string(),
});
const grantView = z.object({
  id: z.string(),
  orgId: z.string(),
  clientId: z.string(),
  clientName: z.string(),
  redirectUri: z.string(),
  scope: apiKeyScopeView.nullable(),
  createdAt: z.string(),
});

/**
 * The OAuth 2.1 authorization server for MCP clients (oidc-provider, mounted under /oauth), the
 * RFC 9728 / RFC 8414 discovery documents, and the consent and grant API the console uses.
 */
export const oauthRoutes: FastifyPluginAsyncZod<OAuthRoutesOptions> = async (
  app,
  { guard, provider, service },
) => {
  const callback = provider.callback();
  const { urls } = service;

  /** Hands the raw request to oidc-provider with `path` as the URL it sees (below its mount). */
  function forward(request: FastifyRequest, reply: FastifyReply, path: string): Promise<void> {
    reply.hijack();
    const raw = request.raw as IncomingMessage & { originalUrl?: string };
    // oidc-provider derives its mount path (hence every URL it prints) from originalUrl minus url.
    raw.originalUrl = `${OAUTH_MOUNT}${path}`;
    raw.url = path;
    reply.raw.setHeader('x-request-id', request.id);
    return callback(raw, reply.raw);
  }

  // The provider reads its own bodies (form-encoded token requests, JSON registrations) with its
  // own limits and errors; in this encapsulated plugin Fastify leaves the stream unread.
  await app.register(async (mounted) => {
    mounted.removeAllContentTypeParsers();
    mounted.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    for (const method of ['GET', 'POST'] as const) {
      route(mounted, guard, {
        method,
        url: `${OAUTH_MOUNT}/*`,
        auth: 'public',
        tags,
        summary: 'OAuth 2.1 authorization server (oidc-provider): authorize, token, register, revoke',
        hide: true,
        handler: (request, reply) =>
          forward(request, reply, (request.raw.url ?? '/').slice(OAUTH_MOUNT.length)),
      });
    }
    // RFC 8414 §3: the metadata of issuer `<origin>/oauth` lives at this path-suffixed location.
    route(mounted, guard, {
      method: 'GET',
      url: `/.well-known/oauth-authorization-server${OAUTH_MOUNT}`,
      auth: 'public',
      tags,
      summary: 'OAuth authorization server metadata (RFC 8414)',
      handler: (request, reply) => forward(request, reply, '/.well-known/openid-configuration'),
    });
  });

  // RFC 9728: what protects /mcp and who issues its tokens. Both locations: the path-suffixed one
  // (§3.1) and the root one, for clients that only look there.
  for (const url of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
    route(app, guard, {
      method: 'GET',
      url,
      auth: 'public',
      tags,
      summary: 'OAuth protected resource metadata of /mcp (RFC 9728)',
      handler: async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=3600');
        return {
          resource: urls.resource,
          authorization_servers: [urls.issuer],
          scopes_supported: ['mcp'],
          bearer_methods_supported: ['header'],
          resource_name: 'Rolegate MCP',
        };
      },
    });
  }

  route(app, guard, {
    method: 'GET',
    url: '/v1/oauth/interactions/:uid',
    auth: 'authenticated',
    tags,
    summary: 'A pending MCP client authorization request, for the consent page',
    schema: { params: uidParams, response: { 200: interactionView } },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.interaction(requireActor(request), request.params.uid);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/oauth/interactions/:uid/approve',
    auth: 'authenticated',
    tags,
    summary: 'Approve an MCP client for one organisation and scope (read-only by default)',
    schema: { params: uidParams, body: approveBody, response: { 200: redirectView } },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.approve(requireActor(request), request.params.uid, request.body);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/oauth/interactions/:uid/deny',
    auth: 'authenticated',
    tags,
    summary: 'Decline an MCP client authorization request',
    schema: { params: uidParams, response: { 200: redirectView } },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.deny(requireActor(request), request.params.uid);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/oauth/grants',
    auth: 'authenticated',
    tags,
    summary: 'Your agent grants (MCP clients you authorized)',
    schema: { response: { 200: z.object({ items: z.array(grantView) }) } },
    handler: async (request) => {
      const grants = await service.listGrants(requireActor(request));
      return { items: grants.map((g) => ({ ...g, createdAt: g.createdAt.toISOString() })) };
    },
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/oauth/grants/:grantId',
    auth: 'authenticated',
    tags,
    summary: 'Revoke an agent grant (its tokens stop working at once)',
    schema: { params: grantParams, response: { 204: z.null().describe('No content') } },
    handler: async (request, reply) => {
      await service.revokeGrant(requireActor(request), request.params.grantId);
      return reply.code(204).send(null);
    },
  });
};
