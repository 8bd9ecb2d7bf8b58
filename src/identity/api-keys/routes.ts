import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthGuard, requireOrgActor } from '../../http/auth.ts';
import { route } from '../../http/route.ts';
import {
  apiKeyList,
  apiKeyListQuery,
  apiKeyOrgParams,
  apiKeyParams,
  createApiKeyBody,
  createdApiKeyView,
} from './schemas.ts';
import type { ApiKeyService } from './service.ts';

export interface ApiKeyRoutesOptions {
  guard: AuthGuard;
  service: ApiKeyService;
}

const tags = ['api-keys'];

export const apiKeyRoutes: FastifyPluginAsyncZod<ApiKeyRoutesOptions> = async (app, { guard, service }) => {
  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/api-keys',
    auth: { org: 'api-keys:read' },
    tags,
    summary: 'Active API keys (never with their secret)',
    schema: {
      params: apiKeyOrgParams,
      querystring: apiKeyListQuery,
      response: { 200: apiKeyList },
    },
    handler: async (request) => {
      const page = await service.list(requireOrgActor(request), {
        cursor: request.query.cursor ?? null,
        limit: request.query.limit,
      });
      return {
        items: page.items.map((k) => ({
          id: k.id,
          prefix: k.prefix,
          name: k.name,
          role: k.role,
          createdBy: k.createdBy,
          createdAt: k.createdAt.toISOString(),
          expiresAt: k.expiresAt?.toISOString() ?? null,
          lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
          scope: k.scope,
        })),
        nextCursor: page.nextCursor,
      };
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/api-keys',
    auth: { org: 'api-keys:manage' },
    tags,
    summary: 'Create an API key (role at most your own); the key is shown once',
    schema: {
      params: apiKeyOrgParams,
      body: createApiKeyBody,
      response: { 201: createdApiKeyView },
    },
    handler: async (request, reply) => {
      const { name, role, expiresAt, scope } = request.body;
      const created = await service.create(requireOrgActor(request), {
        name,
        role,
        expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt),
        scope,
      });
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({
        ...created,
        expiresAt: created.expiresAt?.toISOString() ?? null,
        createdAt: created.createdAt.toISOString(),
      });
    },
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/orgs/:orgId/api-keys/:keyId',
    auth: { org: 'api-keys:manage' },
    tags,
    summary: 'Revoke an API key (effective immediately)',
    schema: {
      params: apiKeyParams,
      response: { 204: z.null().describe('No content') },
    },
    handler: async (request, reply) => {
      await service.revoke(requireOrgActor(request), request.params.keyId);
      return reply.code(204).send(null);
    },
  });
};
