import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { insightsCatalogue } from './catalogue.ts';
import type { InsightsService } from './service.ts';

export interface InsightsRoutesOptions {
  guard: AuthGuard;
  service: InsightsService;
}

const params = z.strictObject({ orgId: z.string().regex(idPattern('org')) });
const tags = ['insights'];

/** Read-only security insights over the audit trail: admin and owner only. */
export const insightsRoutes: FastifyPluginAsyncZod<InsightsRoutesOptions> = async (
  app,
  { guard, service },
) => {
  // One route per catalogue entry, in catalogue order: the same questions as the intents and MCP tools.
  for (const insight of insightsCatalogue) {
    route(app, guard, {
      method: 'GET',
      url: `/v1/orgs/:orgId/insights${insight.rest.path}`,
      auth: { org: insight.permission },
      tags,
      summary: insight.rest.summary,
      schema: {
        params,
        querystring: insight.input,
        response: { 200: insight.output },
      },
      // The query string is already parsed (defaults applied); the handler's own check passes it as is.
      handler: async (request) => insight.handler(service, requireOrgActor(request).orgId, request.query),
    });
  }
};
