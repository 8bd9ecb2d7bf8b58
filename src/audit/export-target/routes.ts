import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthGuard } from '../../http/auth.ts';
import { requireOrgActor } from '../../http/auth.ts';
import { route } from '../../http/route.ts';
import { orgParamsSchema } from '../schemas.ts';
import { exportTargetResponse, putExportTargetBody } from './schemas.ts';
import type { ExportTargetService } from './service.ts';

export interface ExportTargetRoutesOptions {
  guard: AuthGuard;
  service: ExportTargetService;
}

/** The organisation's audit export target: where its signed checkpoints are delivered (docs/audit.md). */
export const exportTargetRoutes: FastifyPluginAsyncZod<ExportTargetRoutesOptions> = async (
  app,
  { guard, service },
) => {
  const url = '/v1/orgs/:orgId/audit/export-target';
  const tags = ['audit'];

  route(app, guard, {
    method: 'GET',
    url,
    auth: { org: 'audit:read' },
    tags,
    summary: 'Where signed checkpoints are delivered, and how far delivery got (target null when none)',
    schema: { params: orgParamsSchema, response: { 200: exportTargetResponse } },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return { target: await service.get(actor.orgId) };
    },
  });

  route(app, guard, {
    method: 'PUT',
    url,
    auth: { org: 'audit:export' },
    tags,
    summary:
      'Deliver signed checkpoints to an S3 bucket through a connection with the audit-export capability',
    schema: { params: orgParamsSchema, body: putExportTargetBody, response: { 200: exportTargetResponse } },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return { target: await service.set(actor, request.body) };
    },
  });

  route(app, guard, {
    method: 'DELETE',
    url,
    auth: { org: 'audit:export' },
    tags,
    summary: 'Stop delivering checkpoints (what was delivered stays in the bucket)',
    schema: { params: orgParamsSchema, response: { 204: z.null().describe('No content') } },
    handler: async (request, reply) => {
      await service.remove(requireOrgActor(request));
      return reply.code(204).send(null);
    },
  });

  route(app, guard, {
    // Writes to the customer's bucket now, without waiting for the back-off: the stricter budget.
    method: 'POST',
    url: `${url}/deliveries`,
    auth: { org: 'audit:export' },
    rateLimit: 'expensive',
    tags,
    summary: 'Deliver pending checkpoints now (retry after a failure without waiting for the back-off)',
    schema: { params: orgParamsSchema, response: { 200: exportTargetResponse } },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return { target: await service.deliverNow(actor.orgId) };
    },
  });
};
