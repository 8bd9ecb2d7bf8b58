import type { z } from 'zod';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Permission } from '../identity/rbac.ts';
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

/**
 * The security insights: one entry per question, exposed as a REST route (`rest`; routes.ts
 * generates them), a JSON intent and an MCP tool. The caller authenticates, resolves the
 * organisation from the actor (never from the input) and checks `permission` with
 * `can(actor.role, permission)`; then `handler(service, orgId, input)` validates
 * `input` against `input` (strict; 400 `validation_failed` otherwise) and returns data matching
 * `output`.
 */
export interface InsightTool {
  name: string;
  description: string;
  input: z.ZodType;
  output: z.ZodType;
  permission: Permission;
  /** `GET /v1/orgs/:orgId/insights<path>`, with `input` as its query string and `output` as its answer. */
  rest: { path: string; summary: string };
  handler: (service: InsightsService, orgId: string, input: unknown) => Promise<unknown>;
}

function tool<I extends z.ZodType, O extends z.ZodType>(spec: {
  name: string;
  description: string;
  input: I;
  output: O;
  rest: { path: string; summary: string };
  run: (service: InsightsService, orgId: string, input: z.output<I>) => Promise<z.output<O>>;
}): InsightTool {
  return {
    name: spec.name,
    description: spec.description,
    input: spec.input,
    output: spec.output,
    permission: 'insights:read',
    rest: spec.rest,
    async handler(service, orgId, raw) {
      const parsed = spec.input.safeParse(raw ?? {});
      if (!parsed.success) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, undefined, {
          details: {
            fields: parsed.error.issues.map((i) => ({
              location: 'input',
              path: i.path.join('.'),
              message: i.message,
            })),
          },
        });
      }
      return spec.run(service, orgId, parsed.data);
    },
  };
}

export const insightsCatalogue: readonly InsightTool[] = [
  tool({
    name: 'insights_access_log',
    description:
      "Recent audit events of the organisation (newest first), including its members' sign-ins. Filter by action, actor or connection; window at most 30 days (default last 24 h).",
    input: eventListInput,
    output: eventListOutput,
    rest: { path: '/access-log', summary: 'Recent audit events (access log)' },
    run: (s, orgId, input) => s.accessLog(orgId, input),
  }),
  tool({
    name: 'insights_error_log',
    description:
      'Failed, denied and errored events of the organisation (newest first), e.g. AWS AccessDenied, failed logins.',
    input: eventListInput,
    output: eventListOutput,
    rest: { path: '/error-log', summary: 'Failed and denied events (error log)' },
    run: (s, orgId, input) => s.errorLog(orgId, input),
  }),
  tool({
    name: 'insights_traffic_summary',
    description: 'Event counts over a window, by action, by outcome and by actor (top N each).',
    input: trafficSummaryInput,
    output: trafficSummaryOutput,
    rest: { path: '/traffic', summary: 'Event counts by action, outcome and actor over a window' },
    run: (s, orgId, input) => s.trafficSummary(orgId, input),
  }),
  tool({
    name: 'insights_security_threats',
    description:
      "Brute-force sources (failed logins against the organisation's members, by IP), bursts of AWS access denied per actor and connection, connections found unsafe, and (high severity) Rolegate sessions whose credentials CloudTrail reconciliation found used outside Rolegate, with the recommended action.",
    input: threatsInput,
    output: threatsOutput,
    rest: {
      path: '/threats',
      summary: 'Brute-force sources, AccessDenied bursts, connections turned unsafe',
    },
    run: (s, orgId, input) => s.threats(orgId, input),
  }),
  tool({
    name: 'insights_anomalies',
    description:
      'Member logins from an IP (and network) never used by that user before, and connections whose brokered AWS call volume is far above their baseline.',
    input: anomaliesInput,
    output: anomaliesOutput,
    rest: { path: '/anomalies', summary: 'New-IP logins and unusual brokered-call volume per connection' },
    run: (s, orgId, input) => s.anomalies(orgId, input),
  }),
];
