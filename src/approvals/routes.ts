import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import {
  approvalOrgParams,
  approvalParams,
  createRequestBody,
  decisionBody,
  elevationBody,
  listQuery,
  policyBody,
  policyView,
  requestList,
  requestView,
} from './schemas.ts';
import type { ApprovalsService } from './service.ts';

export interface ApprovalRoutesOptions {
  guard: AuthGuard;
  service: ApprovalsService;
}

const tags = ['approvals'];

export const approvalRoutes: FastifyPluginAsyncZod<ApprovalRoutesOptions> = async (
  app,
  { guard, service },
) => {
  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/approval-policy',
    auth: { org: 'approvals:policy' },
    tags,
    summary: 'The approval policy: which operations need approval, by whom, and how long a grant lasts',
    schema: { params: approvalOrgParams, response: { 200: policyView } },
    handler: async (request) => service.getPolicy(requireOrgActor(request)),
  });

  route(app, guard, {
    method: 'PUT',
    url: '/v1/orgs/:orgId/approval-policy',
    auth: { org: 'approvals:policy' },
    tags,
    summary: 'Replace the approval policy',
    schema: { params: approvalOrgParams, body: policyBody, response: { 200: policyView } },
    handler: async (request) => service.putPolicy(requireOrgActor(request), request.body),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/approvals',
    auth: { org: 'approvals:request' },
    tags,
    summary: 'Approval requests and grants (approvers see all; others their own)',
    schema: { params: approvalOrgParams, querystring: listQuery, response: { 200: requestList } },
    handler: async (request) => service.list(requireOrgActor(request), request.query),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/approvals',
    auth: { org: 'approvals:request' },
    tags,
    summary:
      'Ask for approval of an operation on a connection and resource scope (reused if already pending)',
    schema: {
      params: approvalOrgParams,
      body: createRequestBody,
      response: { 200: requestView, 201: requestView },
    },
    handler: async (request, reply) => {
      const { view, created } = await service.requestOperation(requireOrgActor(request), request.body);
      return reply.code(created ? 201 : 200).send(view);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/approvals/:approvalId',
    auth: { org: 'approvals:request' },
    tags,
    summary: 'One approval request, its decisions and its grant',
    schema: { params: approvalParams, response: { 200: requestView } },
    handler: async (request) => service.get(requireOrgActor(request), request.params.approvalId),
  });

  for (const decision of ['approve', 'deny'] as const) {
    route(app, guard, {
      method: 'POST',
      url: `/v1/orgs/:orgId/approvals/:approvalId/${decision}`,
      auth: { org: 'approvals:decide' },
      tags,
      summary: decision === 'approve' ? 'Approve a request (never one’s own)' : 'Deny a request',
      schema: { params: approvalParams, body: decisionBody, response: { 200: requestView } },
      handler: async (request) =>
        service.decide(requireOrgActor(request), request.params.approvalId, decision, request.body.comment),
    });
  }

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/approvals/:approvalId/revoke',
    auth: { org: 'approvals:request' },
    tags,
    summary: 'Withdraw a request or revoke a grant (the requester, or an approver)',
    schema: { params: approvalParams, body: decisionBody, response: { 200: requestView } },
    handler: async (request) =>
      service.revoke(requireOrgActor(request), request.params.approvalId, request.body.comment),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/elevations',
    auth: { org: 'approvals:request' },
    tags,
    summary: 'Ask for a role for a bounded time (just-in-time elevation); decided like any approval',
    schema: {
      params: approvalOrgParams,
      body: elevationBody,
      response: { 200: requestView, 201: requestView },
    },
    handler: async (request, reply) => {
      const { view, created } = await service.requestElevation(requireOrgActor(request), request.body);
      return reply.code(created ? 201 : 200).send(view);
    },
  });
};
