import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
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
const security = [{ bearer: [] }];

function cloudFormationUrl(request: FastifyRequest, orgId: string, connId: string): string {
  return `${request.protocol}://${request.host}/v1/orgs/${orgId}/connections/${connId}/templates/cloudformation.yaml`;
}

export const connectionRoutes: FastifyPluginAsyncZod<ConnectionRoutesOptions> = async (
  app,
  { guard, service },
) => {
  app.post(
    '/v1/orgs/:orgId/connections',
    {
      preHandler: guard.orgPermission('connections:write'),
      schema: {
        tags,
        security,
        summary: 'Create a connection; the response carries the external ID this once',
        params: orgParams,
        body: createConnectionBody,
        response: { 201: createdConnectionView },
      },
    },
    async (request, reply) => {
      const actor = requireOrgActor(request);
      const created = await service.create(actor, request.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/v1/orgs/:orgId/connections',
    {
      preHandler: guard.orgPermission('connections:read'),
      schema: {
        tags,
        security,
        summary: 'List connections (never with external IDs)',
        params: orgParams,
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(connectionView), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const actor = requireOrgActor(request);
      return service.list(actor.orgId, {
        limit: request.query.limit,
        cursor: request.query.cursor,
        only: actor.keyScope?.connectionIds ?? undefined,
      });
    },
  );

  app.get(
    '/v1/orgs/:orgId/connections/:connId',
    {
      preHandler: guard.orgPermission('connections:read'),
      schema: {
        tags,
        security,
        summary: 'One connection',
        params: connectionParams,
        response: { 200: connectionView },
      },
    },
    async (request) => service.get(requireOrgActor(request).orgId, request.params.connId),
  );

  app.patch(
    '/v1/orgs/:orgId/connections/:connId',
    {
      preHandler: guard.orgPermission('connections:write'),
      schema: {
        tags,
        security,
        summary:
          'Rename, set the role ARN, capabilities or scopes (role or capability changes need a new verification)',
        params: connectionParams,
        body: updateConnectionBody,
        response: { 200: connectionView },
      },
    },
    async (request) => service.update(requireOrgActor(request), request.params.connId, request.body),
  );

  app.delete(
    '/v1/orgs/:orgId/connections/:connId',
    {
      preHandler: guard.orgPermission('connections:write'),
      schema: { tags, security, summary: 'Delete a connection', params: connectionParams },
    },
    async (request, reply) => {
      await service.remove(requireOrgActor(request), request.params.connId);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/orgs/:orgId/connections/:connId/templates',
    {
      preHandler: guard.orgPermission('connections:templates'),
      schema: {
        tags,
        security,
        summary: 'Onboarding templates: trust and permission policies, CloudFormation, Terraform, AWS CLI',
        params: connectionParams,
        response: { 200: templatesResponse },
      },
    },
    async (request, reply) => {
      const actor = requireOrgActor(request);
      const url = cloudFormationUrl(request, actor.orgId, request.params.connId);
      const t = await service.templates(actor, request.params.connId);
      reply.header('cache-control', 'no-store');
      return {
        externalId: t.externalId,
        principalArn: t.principalArn,
        roleName: t.roleName,
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
  );

  app.get(
    '/v1/orgs/:orgId/connections/:connId/templates/cloudformation.yaml',
    {
      preHandler: guard.orgPermission('connections:templates'),
      schema: {
        tags,
        security,
        summary: 'The CloudFormation template as a file, to upload in the CloudFormation console',
        params: connectionParams,
        response: { 200: z.string() },
      },
    },
    async (request, reply) => {
      const actor = requireOrgActor(request);
      const t = await service.templates(actor, request.params.connId);
      reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="rolegate-${request.params.connId}.yaml"`)
        .type('application/yaml; charset=utf-8');
      return t.cloudFormation;
    },
  );

  app.post(
    '/v1/orgs/:orgId/connections/:connId/verify',
    {
      preHandler: guard.orgPermission('connections:verify'),
      schema: {
        tags,
        security,
        summary: 'Verify the role: external ID enforced, capabilities work, no visible over-privilege',
        params: connectionParams,
        response: { 200: verifyResponse },
      },
    },
    async (request) => service.verify(requireOrgActor(request), request.params.connId),
  );

  app.post(
    '/v1/orgs/:orgId/connections/:connId/rotate-external-id',
    {
      preHandler: guard.orgPermission('connections:write'),
      schema: {
        tags,
        security,
        summary: 'Issue a new external ID; the previous one stays in use until the role is re-verified',
        params: connectionParams,
        response: { 200: connectionView },
      },
    },
    async (request) => service.rotateExternalId(requireOrgActor(request), request.params.connId),
  );
};
