import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
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
const permission = 'insights:read' as const;

/** Read-only security insights over the audit trail: admin and owner only. */
export const insightsRoutes: FastifyPluginAsyncZod<InsightsRoutesOptions> = async (
  app,
  { guard, service },
) => {
  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/insights/access-log',
    auth: { org: permission },
    tags,
    summary: 'Recent audit events (access log)',
    schema: {
      params,
      querystring: eventListInput,
      response: { 200: eventListOutput },
    },
    handler: async (request) => service.accessLog(requireOrgActor(request).orgId, request.query),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/insights/error-log',
    auth: { org: permission },
    tags,
    summary: 'Failed and denied events (error log)',
    schema: {
      params,
      querystring: eventListInput,
      response: { 200: eventListOutput },
    },
    handler: async (request) => service.errorLog(requireOrgActor(request).orgId, request.query),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/insights/traffic',
    auth: { org: permission },
    tags,
    summary: 'Event counts by action, outcome and actor over a window',
    schema: {
      params,
      querystring: trafficSummaryInput,
      response: { 200: trafficSummaryOutput },
    },
    handler: async (request) => service.trafficSummary(requireOrgActor(request).orgId, request.query),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/insights/threats',
    auth: { org: permission },
    tags,
    summary: 'Brute-force sources, AccessDenied bursts, connections turned unsafe',
    schema: {
      params,
      querystring: threatsInput,
      response: { 200: threatsOutput },
    },
    handler: async (request) => service.threats(requireOrgActor(request).orgId, request.query),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/insights/anomalies',
    auth: { org: permission },
    tags,
    summary: 'New-IP logins and unusual brokered-call volume per connection',
    schema: {
      params,
      querystring: anomaliesInput,
      response: { 200: anomaliesOutput },
    },
    handler: async (request) => service.anomalies(requireOrgActor(request).orgId, request.query),
  });
};
