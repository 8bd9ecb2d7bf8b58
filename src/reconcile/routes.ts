import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { requesterOf } from '../scans/service.ts';
import {
  connParams,
  itemsQuery,
  listQuery,
  reconciliationList,
  reconciliationParams,
  reconciliationResults,
  reconciliationView,
  startBody,
} from './schemas.ts';
import type { ReconcileService } from './service.ts';

export interface ReconcileRoutesOptions {
  guard: AuthGuard;
  service: ReconcileService;
}

const BASE = '/v1/orgs/:orgId/connections/:connId/reconciliations';

export const reconcileRoutes: FastifyPluginAsyncZod<ReconcileRoutesOptions> = async (app, opts) => {
  const { guard, service } = opts;

  route(app, guard, {
    method: 'POST',
    url: BASE,
    auth: { org: 'reconcile:run' },
    rateLimit: 'expensive',
    tags: ['reconciliation'],
    summary: "Reconcile a window of the audit trail with the customer's CloudTrail (runs in the background)",
    schema: { params: connParams, body: startBody, response: { 202: reconciliationView } },
    handler: async (request, reply) => {
      const actor = requireOrgActor(request);
      const view = await service.start(requesterOf(actor), request.params.connId, request.body ?? {});
      return reply.status(202).send(view);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: BASE,
    auth: { org: 'reconcile:read' },
    tags: ['reconciliation'],
    summary: 'Reconciled windows of the connection, newest first, with their counts',
    schema: { params: connParams, querystring: listQuery, response: { 200: reconciliationList } },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return service.list(actor.orgId, request.params.connId, request.query.limit, request.query.cursor);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: `${BASE}/:reconciliationId`,
    auth: { org: 'reconcile:read' },
    tags: ['reconciliation'],
    summary: 'One reconciliation: status, counts and the items that need a look',
    schema: {
      params: reconciliationParams,
      querystring: itemsQuery,
      response: { 200: reconciliationResults },
    },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return service.items(
        actor.orgId,
        request.params.reconciliationId,
        request.query.limit,
        request.query.cursor,
        request.params.connId,
      );
    },
  });
};
