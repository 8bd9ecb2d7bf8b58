import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import {
  connectionParams,
  connectionView,
  createConnectionBody,
  createdConnectionView,
  listQuery,
  orgParams,
  templatesResponse,
  updateConnectionBody,
  verifyResponse,
} from './schemas.ts';
import type { ConnectionService } from './service.ts';

export interface ConnectionRoutesOptions {
  guard: AuthGuard;
  service: ConnectionService;
}

const tags = ['connections'];

function cloudFormationUrl(request: FastifyRequest, orgId: string, connId: string): string {
  return `${request.protocol}://${request.host}/v1/orgs/${orgId}/connections/${connId}/templates/cloudformation.yaml`;
}

export const connectionRoutes: FastifyPluginAsyncZod<ConnectionRoutesOptions> = async (
  app,
  { guard, service },
) => {
  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/connections',
    auth: { org: 'connections:write' },
    tags,
    summary: 'Create a connection; the response carries the external ID this once',
    schema: {
      params: orgParams,
      body: createConnectionBody,
      response: { 201: createdConnectionView },
    },
    handler: async (request, reply) => {
      const actor = requireOrgActor(request);
      const created = await service.create(actor, request.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(created);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connections',
    auth: { org: 'connections:read' },
    tags,
    summary: 'List connections (never with external IDs)',
    schema: {
      params: orgParams,
      querystring: listQuery,
      response: { 200: z.object({ items: z.array(connectionView), nextCursor: z.string().nullable() }) },
    },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return service.list(actor.orgId, {
        limit: request.query.limit,
        cursor: request.query.cursor,
        only: actor.keyScope?.connectionIds ?? undefined,
      });
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connections/:connId',
    auth: { org: 'connections:read' },
    tags,
    summary: 'One connection',
    schema: {
      params: connectionParams,
      response: { 200: connectionView },
    },
    handler: async (request) => service.get(requireOrgActor(request).orgId, request.params.connId),
  });

  route(app, guard, {
    method: 'PATCH',
    url: '/v1/orgs/:orgId/connections/:connId',
    auth: { org: 'connections:write' },
    tags,
    summary:
      'Rename, set the role ARN, capabilities or scopes (role or capability changes need a new verification)',
    schema: {
      params: connectionParams,
      body: updateConnectionBody,
      response: { 200: connectionView },
    },
    handler: async (request) => service.update(requireOrgActor(request), request.params.connId, request.body),
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/orgs/:orgId/connections/:connId',
    auth: { org: 'connections:write' },
    tags,
    summary: 'Delete a connection',
    schema: {
      params: connectionParams,
    },
    handler: async (request, reply) => {
      await service.remove(requireOrgActor(request), request.params.connId);
      return reply.code(204).send();
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connections/:connId/templates',
    auth: { org: 'connections:templates' },
    tags,
    summary: 'Onboarding templates: trust and permission policies, CloudFormation, Terraform, AWS CLI',
    schema: {
      params: connectionParams,
      response: { 200: templatesResponse },
    },
    handler: async (request, reply) => {
      const actor = requireOrgActor(request);
      const url = cloudFormationUrl(request, actor.orgId, request.params.connId);
      const t = await service.templates(actor, request.params.connId);
      reply.header('cache-control', 'no-store');
      return {
        externalId: t.externalId,
        principalArn: t.principalArn,
        roleName: t.roleName,
        sourceIpPin: t.sourceIpPin,
        trustPolicy: { ...t.trustPolicy },
        permissionPolicy: { ...t.permissionPolicy },
        cloudFormation: t.cloudFormation,
        cloudFormationUrl: url,
        quickCreateUrl: t.quickCreateUrl,
        cloudFormationSteps: t.cloudFormationSteps,
        terraform: t.terraform,
        awsCli: t.awsCli,
      };
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connections/:connId/templates/cloudformation.yaml',
    auth: { org: 'connections:templates' },
    tags,
    summary: 'The CloudFormation template as a file, to upload in the CloudFormation console',
    schema: {
      params: connectionParams,
      response: { 200: z.string() },
    },
    handler: async (request, reply) => {
      const actor = requireOrgActor(request);
      const t = await service.templates(actor, request.params.connId);
      reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="rolegate-${request.params.connId}.yaml"`)
        .type('application/yaml; charset=utf-8');
      return t.cloudFormation;
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/connections/:connId/verify',
    auth: { org: 'connections:verify' },
    tags,
    summary: 'Verify the role: external ID enforced, capabilities work, no visible over-privilege',
    schema: {
      params: connectionParams,
      response: { 200: verifyResponse },
    },
    handler: async (request) => service.verify(requireOrgActor(request), request.params.connId),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/connections/:connId/rotate-external-id',
    auth: { org: 'connections:write' },
    tags,
    summary: 'Issue a new external ID; the previous one stays in use until the role is re-verified',
    schema: {
      params: connectionParams,
      response: { 200: connectionView },
    },
    handler: async (request) => service.rotateExternalId(requireOrgActor(request), request.params.connId),
  });
};
