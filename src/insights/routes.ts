import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import {
  anomaliesInput,
  anomaliesOutput,
  eventListInput,
  eventListOutput,
  threatsInput,
  threatsOutput,
  trafficSummaryInput,
  trafficSummaryOutput,
} from './schemas.ts';
import type { InsightsService } from './service.ts';

export interface InsightsRoutesOptions {
  guard: AuthGuard;
  service: InsightsService;
}

const params = z.strictObject({ orgId: z.string().regex(idPattern('org')) });
const tags = ['insights'];
const security = [{ bearer: [] }];
const permission = 'insights:read' as const;

/** Read-only security insights over the audit trail: admin and owner only. */
export const insightsRoutes: FastifyPluginAsyncZod<InsightsRoutesOptions> = async (
  app,
  { guard, service },
) => {
  const common = { preHandler: guard.orgPermission(permission), config: { permission } };

  app.get(
    '/v1/orgs/:orgId/insights/access-log',
    {
      ...common,
      schema: {
        tags,
        security,
        summary: 'Recent audit events (access log)',
        params,
        querystring: eventListInput,
        response: { 200: eventListOutput },
      },
    },
    async (request) => service.accessLog(requireOrgActor(request).orgId, request.query),
  );

  app.get(
    '/v1/orgs/:orgId/insights/error-log',
    {
      ...common,
      schema: {
        tags,
        security,
        summary: 'Failed and denied events (error log)',
        params,
        querystring: eventListInput,
        response: { 200: eventListOutput },
      },
    },
    async (request) => service.errorLog(requireOrgActor(request).orgId, request.query),
  );

  app.get(
    '/v1/orgs/:orgId/insights/traffic',
    {
      ...common,
      schema: {
        tags,
        security,
        summary: 'Event counts by action, outcome and actor over a window',
        params,
        querystring: trafficSummaryInput,
        response: { 200: trafficSummaryOutput },
      },
    },
    async (request) => service.trafficSummary(requireOrgActor(request).orgId, request.query),
  );

  app.get(
    '/v1/orgs/:orgId/insights/threats',
    {
      ...common,
      schema: {
        tags,
        security,
        summary: 'Brute-force sources, AccessDenied bursts, connections turned unsafe',
        params,
        querystring: threatsInput,
        response: { 200: threatsOutput },
      },
    },
    async (request) => service.threats(requireOrgActor(request).orgId, request.query),
  );

  app.get(
    '/v1/orgs/:orgId/insights/anomalies',
    {
      ...common,
      schema: {
        tags,
        security,
        summary: 'New-IP logins and unusual brokered-call volume per connection',
        params,
        querystring: anomaliesInput,
        response: { 200: anomaliesOutput },
      },
    },
    async (request) => service.anomalies(requireOrgActor(request).orgId, request.query),
  );
};
