import { PassThrough, Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorCode } from '../core/errors.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type { AuthGuard } from '../http/auth.ts';
import { requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import {
  type AuditVerifyView,
  auditExportQuerySchema,
  auditPageSchema,
  auditQuerySchema,
  auditVerifyQuerySchema,
  auditVerifySchema,
  orgParamsSchema,
  signInPageSchema,
  signInQuerySchema,
} from './schemas.ts';
import type { AuditService } from './service.ts';

function wantsNdjson(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*application\/x-ndjson\s*(;|,|$)/i.test(accept);
}

export interface AuditRoutesOptions {
  guard: AuthGuard;
  service: AuditService;
}

export const auditRoutes: FastifyPluginAsyncZod<AuditRoutesOptions> = async (app, { guard, service }) => {
  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/audit',
    auth: { org: 'audit:read' },
    tags: ['audit'],
    summary:
      "Query the organisation's audit trail (newest first), with the names of the people, keys and connections its records name (resolved now, never part of the hashed records)",
    schema: {
      params: orgParamsSchema,
      querystring: auditQuerySchema,
      response: { 200: auditPageSchema },
    },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return service.list(actor.orgId, request.query);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/audit/sign-ins',
    auth: { org: 'audit:read' },
    tags: ['audit'],
    summary:
      "Sign-in events of the organisation's current members since they joined (logins, MFA checks, lock-outs, sign-outs, from the system chain) and of its single sign-on (its own chain), newest first",
    schema: {
      params: orgParamsSchema,
      querystring: signInQuerySchema,
      response: { 200: signInPageSchema },
    },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return service.signIns(actor.orgId, request.query);
    },
  });

  route(app, guard, {
    // Re-hashing a chain is costly: the stricter per-principal budget (docs/abuse-protection.md).
    method: 'GET',
    url: '/v1/orgs/:orgId/audit/verify',
    auth: { org: 'audit:read' },
    rateLimit: 'expensive',
    tags: ['audit'],
    summary:
      "Verify the organisation's hash chain and list every break (incremental from the last verified point unless full=true; `Accept: application/x-ndjson` streams progress, then the result)",
    schema: {
      params: orgParamsSchema,
      querystring: auditVerifyQuerySchema,
      response: { 200: auditVerifySchema },
    },
    handler: async (request, reply) => {
      const actor = requireOrgActor(request);
      const { full, against } = request.query;
      if (!wantsNdjson(request.headers.accept)) return service.verify(actor.orgId, { full, against });

      // Progress lines, then one result line (or one error line: the status is already sent).
      const stream = new PassThrough();
      const line = (value: unknown) => {
        if (!stream.destroyed && !stream.writableEnded) stream.write(`${JSON.stringify(value)}\n`);
      };
      service
        .verify(actor.orgId, {
          full,
          against,
          // Progress is droppable: a client that does not read gets fewer lines, not a growing buffer.
          onProgress: (p) => {
            if (!stream.writableNeedDrain) line({ type: 'progress', checked: p.checked, total: p.total });
          },
        })
        .then(
          (result) => line({ type: 'result', result }),
          (err: unknown) => {
            request.log.error({ err }, 'audit verification failed');
            const unavailable = isDatabaseUnavailable(err);
            line({
              type: 'error',
              error: {
                code: unavailable ? ErrorCode.SERVICE_UNAVAILABLE : ErrorCode.INTERNAL,
                message: unavailable
                  ? 'The database is not reachable; retry shortly.'
                  : 'Verification did not complete; retry.',
                requestId: request.id,
              },
            });
          },
        )
        .finally(() => stream.end());
      return (
        reply
          .type('application/x-ndjson; charset=utf-8')
          .header('cache-control', 'no-store')
          // A stream is sent as is (never serialised); the response schema describes the JSON form.
          .send(stream as unknown as AuditVerifyView)
      );
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/audit/export',
    auth: { org: 'audit:export' },
    tags: ['audit'],
    summary: 'Export the audit trail as NDJSON or CSV (streamed, in chain order)',
    schema: {
      params: orgParamsSchema,
      querystring: auditExportQuerySchema,
    },
    handler: async (request, reply) => {
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
  });
};
