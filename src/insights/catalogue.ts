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
 * The security insights as tools, for JSON intents and MCP: one entry per question. The caller
 * authenticates, resolves the organisation from the actor (never from the input) and checks
 * `permission` with `can(actor.role, permission)`; then `handler(service, orgId, input)` validates
 * `input` against `input` (strict; 400 `validation_failed` otherwise) and returns data matching
 * `output`.
 */
export interface InsightTool {
  name: string;
  description: string;
  input: z.ZodType;
  output: z.ZodType;
  permission: Permission;
  handler: (service: InsightsService, orgId: string, input: unknown) => Promise<unknown>;
}

function tool<I extends z.ZodType, O extends z.ZodType>(spec: {
  name: string;
  description: string;
  input: I;
  output: O;
  run: (service: InsightsService, orgId: string, input: z.output<I>) => Promise<z.output<O>>;
}): InsightTool {
  return {
    name: spec.name,
    description: spec.description,
    input: spec.input,
    output: spec.output,
    permission: 'insights:read',
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
    run: (s, orgId, input) => s.accessLog(orgId, input),
  }),
  tool({
    name: 'insights_error_log',
    description:
      'Failed, denied and errored events of the organisation (newest first), e.g. AWS AccessDenied, failed logins.',
    input: eventListInput,
    output: eventListOutput,
    run: (s, orgId, input) => s.errorLog(orgId, input),
  }),
  tool({
    name: 'insights_traffic_summary',
    description: 'Event counts over a window, by action, by outcome and by actor (top N each).',
    input: trafficSummaryInput,
    output: trafficSummaryOutput,
    run: (s, orgId, input) => s.trafficSummary(orgId, input),
  }),
  tool({
    name: 'insights_security_threats',
    description:
      "Brute-force sources (failed logins against the organisation's members, by IP), bursts of AWS access denied per actor and connection, connections found unsafe, and (high severity) Rolegate sessions whose credentials CloudTrail reconciliation found used outside Rolegate, with the recommended action.",
    input: threatsInput,
    output: threatsOutput,
    run: (s, orgId, input) => s.threats(orgId, input),
  }),
  tool({
    name: 'insights_anomalies',
    description:
      'Member logins from an IP (and network) never used by that user before, and connections whose brokered AWS call volume is far above their baseline.',
    input: anomaliesInput,
    output: anomaliesOutput,
    run: (s, orgId, input) => s.anomalies(orgId, input),
  }),
];
