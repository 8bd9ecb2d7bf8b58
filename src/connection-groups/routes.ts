import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { orgParams } from '../connections/schemas.ts';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import {
  createGroupBody,
  groupListQuery,
  groupParams,
  groupScansResponse,
  groupTemplatesResponse,
  groupView,
  memberListQuery,
  memberView,
  progressSchema,
} from './schemas.ts';
import type { GroupService } from './service.ts';

export interface GroupRoutesOptions {
  guard: AuthGuard;
  service: GroupService;
}

const tags = ['connection-groups'];

export const connectionGroupRoutes: FastifyPluginAsyncZod<GroupRoutesOptions> = async (
  app,
  { guard, service },
) => {
  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/connection-groups',
    auth: { org: 'connections:write' },
    tags,
    summary:
      'Create a connection group over an AWS Organization (management connection with organizations-read)',
    schema: { params: orgParams, body: createGroupBody, response: { 201: groupView } },
    handler: async (request, reply) =>
      reply.code(201).send(await service.create(requireOrgActor(request), request.body)),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connection-groups',
    auth: { org: 'connections:read' },
    tags,
    summary: 'List connection groups',
    schema: {
      params: orgParams,
      querystring: groupListQuery,
      response: { 200: z.object({ items: z.array(groupView), nextCursor: z.string().nullable() }) },
    },
    handler: async (request) =>
      service.list(requireOrgActor(request).orgId, {
        limit: request.query.limit,
        ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
      }),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connection-groups/:groupId',
    auth: { org: 'connections:read' },
    tags,
    summary: 'One connection group, with its sync progress and member status counts',
    schema: { params: groupParams, response: { 200: groupView } },
    handler: async (request) => service.get(requireOrgActor(request).orgId, request.params.groupId),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connection-groups/:groupId/members',
    auth: { org: 'connections:read' },
    tags,
    summary: 'The member accounts of a group and their connections’ status',
    schema: {
      params: groupParams,
      querystring: memberListQuery,
      response: { 200: z.object({ items: z.array(memberView), nextCursor: z.string().nullable() }) },
    },
    handler: async (request) =>
      service.members(requireOrgActor(request).orgId, request.params.groupId, {
        limit: request.query.limit,
        ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
      }),
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/orgs/:orgId/connection-groups/:groupId',
    auth: { org: 'connections:write' },
    tags,
    summary: 'Delete a connection group and its member connections',
    schema: { params: groupParams },
    handler: async (request, reply) => {
      await service.remove(requireOrgActor(request), request.params.groupId);
      return reply.code(204).send();
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connection-groups/:groupId/templates',
    auth: { org: 'connections:templates' },
    tags,
    summary:
      'The StackSet (CloudFormation) and Terraform for every member account, with per-account external IDs',
    schema: { params: groupParams, response: { 200: groupTemplatesResponse } },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const t = await service.templates(requireOrgActor(request), request.params.groupId);
      return { ...t, trustPolicy: { ...t.trustPolicy }, permissionPolicy: { ...t.permissionPolicy } };
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/connection-groups/:groupId/sync',
    auth: { org: 'connections:verify' },
    tags,
    summary: 'Discover the accounts (ListAccounts) and verify new members in the background',
    schema: { params: groupParams, response: { 202: progressSchema } },
    handler: async (request, reply) =>
      reply.code(202).send(await service.sync(requireOrgActor(request), request.params.groupId)),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/connection-groups/:groupId/scans',
    auth: { org: 'scans:run' },
    tags,
    summary: 'Start a cost-waste scan of every verified member account (one scan per account)',
    schema: { params: groupParams, response: { 202: groupScansResponse } },
    handler: async (request, reply) =>
      reply.code(202).send(await service.scanAll(requireOrgActor(request), request.params.groupId)),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/connection-groups/:groupId/verify',
    auth: { org: 'connections:verify' },
    tags,
    summary: 'Verify every active member account again, in the background',
    schema: { params: groupParams, response: { 202: progressSchema } },
    handler: async (request, reply) =>
      reply.code(202).send(await service.verifyAll(requireOrgActor(request), request.params.groupId)),
  });
};
