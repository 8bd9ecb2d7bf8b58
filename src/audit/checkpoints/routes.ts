import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { auditEventFor } from '../../core/audit-event.ts';
import { AppError, ErrorCode } from '../../core/errors.ts';
import type { AuthGuard } from '../../http/auth.ts';
import { requireOrgActor } from '../../http/auth.ts';
import { route } from '../../http/route.ts';
import { orgParamsSchema } from '../schemas.ts';
import type { AuditWriter } from '../types.ts';
import type { KeysDocument } from './format.ts';
import {
  checkpointCreatedSchema,
  checkpointListQuery,
  checkpointListSchema,
  keysDocumentSchema,
} from './schemas.ts';
import type { CheckpointService } from './service.ts';
import { CheckpointSigningError } from './signer.ts';

export interface CheckpointRoutesOptions {
  guard: AuthGuard;
  service: CheckpointService;
  audit: Pick<AuditWriter, 'record'>;
  db: Parameters<AuditWriter['record']>[0];
}

export const checkpointRoutes: FastifyPluginAsyncZod<CheckpointRoutesOptions> = async (
  app,
  { guard, service, audit, db },
) => {
  for (const url of ['/.well-known/rolegate-audit-keys', '/.well-known/rolegate-audit-keys.json']) {
    route(app, guard, {
      // Public keys only, no tenant data: anyone holding a checkpoint must be able to check it.
      method: 'GET',
      url,
      auth: 'public',
      tags: ['audit'],
      summary: 'Public keys that sign audit checkpoints, with their validity periods',
      schema: { response: { 200: keysDocumentSchema } },
      handler: async (_request, reply) => {
        const doc: KeysDocument = await service.keys();
        reply.header('cache-control', 'public, max-age=300');
        return doc as unknown as typeof keysDocumentSchema._output;
      },
    });
  }

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/audit/checkpoints',
    auth: { org: 'audit:read' },
    tags: ['audit'],
    summary: "The organisation's signed checkpoints, oldest first (page with `after`)",
    schema: {
      params: orgParamsSchema,
      querystring: checkpointListQuery,
      response: { 200: checkpointListSchema },
    },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      const items = await service.list(actor.orgId, request.query.after, request.query.limit);
      const last = items[items.length - 1];
      return { items, nextAfter: items.length === request.query.limit && last !== undefined ? last.n : null };
    },
  });

  route(app, guard, {
    // Signing is cheap, but every call adds a record and a checkpoint: the stricter budget.
    method: 'POST',
    url: '/v1/orgs/:orgId/audit/checkpoints',
    auth: { org: 'audit:export' },
    rateLimit: 'expensive',
    tags: ['audit'],
    summary: "Sign a checkpoint of the organisation's chain now (it covers the record of this request)",
    schema: { params: orgParamsSchema, response: { 201: checkpointCreatedSchema } },
    handler: async (request, reply) => {
      const actor = requireOrgActor(request);
      if (!service.enabled) {
        throw new AppError(ErrorCode.CONFLICT, 'Audit checkpoints are not configured on this deployment.');
      }
      // Recorded first, so the checkpoint covers its own request.
      await audit.record(db, auditEventFor(actor, 'audit.checkpoint_requested', null));
      let outcome: Awaited<ReturnType<CheckpointService['checkpointChain']>>;
      try {
        outcome = await service.checkpointChain(actor.orgId, { force: true });
      } catch (err) {
        // Nothing was signed or stored; the scheduled rounds retry once the signer answers.
        if (err instanceof CheckpointSigningError) {
          throw new AppError(
            ErrorCode.SERVICE_UNAVAILABLE,
            'The audit signing key is not reachable; no checkpoint was made. Retry shortly.',
          );
        }
        throw err;
      }
      reply.code(201);
      return {
        status: outcome.status,
        checkpoint:
          outcome.status === 'created' || outcome.status === 'unchanged' ? outcome.checkpoint : null,
      };
    },
  });
};
