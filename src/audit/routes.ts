import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthGuard } from '../http/auth.ts';
import { requireOrgActor } from '../http/auth.ts';
import {
  auditExportQuerySchema,
  auditPageSchema,
  auditQuerySchema,
  auditVerifySchema,
  orgParamsSchema,
} from './schemas.ts';
import type { AuditService } from './service.ts';

export interface AuditRoutesOptions {
  guard: AuthGuard;
  service: AuditService;
}

export const auditRoutes: FastifyPluginAsyncZod<AuditRoutesOptions> = async (app, { guard, service }) => {
  app.get(
    '/v1/orgs/:orgId/audit',
    {
      preHandler: guard.orgPermission('audit:read'),
      schema: {
        tags: ['audit'],
        summary: "Query the organisation's audit trail (newest first)",
        security: [{ bearer: [] }],
        params: orgParamsSchema,
        querystring: auditQuerySchema,
        response: { 200: auditPageSchema },
      },
    },
    async (request) => {
      const actor = requireOrgActor(request);
      return service.list(actor.orgId, request.query);
    },
  );

  app.get(
    '/v1/orgs/:orgId/audit/verify',
    {
      preHandler: guard.orgPermission('audit:read'),
      schema: {
        tags: ['audit'],
        summary: "Verify the organisation's hash chain and report the first broken link",
        security: [{ bearer: [] }],
        params: orgParamsSchema,
        response: { 200: auditVerifySchema },
      },
    },
    async (request) => {
      const actor = requireOrgActor(request);
      const { chain: _chain, ...result } = await service.verify(actor.orgId);
      return result;
    },
  );

  app.get(
    '/v1/orgs/:orgId/audit/export',
    {
      preHandler: guard.orgPermission('audit:export'),
      schema: {
        tags: ['audit'],
        summary: 'Export the audit trail as NDJSON or CSV (streamed, in chain order)',
        security: [{ bearer: [] }],
        params: orgParamsSchema,
        querystring: auditExportQuerySchema,
      },
    },
    async (request, reply) => {
      const actor = requireOrgActor(request);
      const { format } = request.query;
      const lines = await service.export(actor, request.query);
      const stream = Readable.from(lines, { objectMode: false });
      stream.on('error', (err) => request.log.error({ err }, 'audit export stream failed'));
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${actor.orgId}.${format}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
};
