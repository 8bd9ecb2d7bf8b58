import { z } from 'zod';
import { connectionView } from '../connections/schemas.ts';
import type { ConnectionService } from '../connections/service.ts';
import type { Capability } from '../connections/types.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { idPattern } from '../db/ids.ts';
import { apiKeyScopeView, checkKeyScope } from '../identity/api-keys/scope.ts';
import { can, type Permission } from '../identity/rbac.ts';
import { reconciliationResults, reconciliationView } from '../reconcile/schemas.ts';
import type { ReconcileService } from '../reconcile/service.ts';
import { findingsList, findingsQuery, scanView } from '../scans/schemas.ts';
import { requesterOf, type ScanService } from '../scans/service.ts';
import { validationError } from './define.ts';
import type { OrgActor } from './service.ts';

/** What the agent tools need of the connections and scans features (the services REST uses). */
export interface AgentServices {
  connections: Pick<ConnectionService, 'list' | 'get'>;
  scans: Pick<ScanService, 'start' | 'get' | 'listFindings'>;
  /** CloudTrail reconciliation (docs/reconciliation.md); its tools exist only when given. */
  reconcile?: Pick<ReconcileService, 'start' | 'items'>;
}

/** What every tool (catalogue operation, agent tool, insight query) declares about itself. */
export interface ToolMeta {
  name: string;
  description: string;
  permission: Permission;
  capability: Capability | null;
  requiresConnection: boolean;
  expensive: boolean;
}

/**
 * Tools an agent uses to find its way before (and besides) calling AWS: which connections it may
 * use, and the cost-waste scans and findings. Each runs through the same service as its REST route,
 * after the same role check and the same API key scope check.
 */
export interface AgentTool extends ToolMeta {
  input: z.ZodType;
  output: z.ZodType;
  run(actor: OrgActor, connectionId: string | undefined, params: unknown): Promise<unknown>;
}

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error, 'params');
  return parsed.data;
}

function authorise(actor: OrgActor, permission: Permission, connectionId?: string): void {
  if (!can(actor.role, permission)) throw new AppError(ErrorCode.FORBIDDEN);
  checkKeyScope(actor.keyScope, { ip: actor.ip, permission, connectionId });
}

const connectionsInput = z.strictObject({
  limit: z.number().int().min(1).max(100).default(50).describe('Page size (1–100).'),
  cursor: z
    .string()
    .regex(idPattern('con'))
    .optional()
    .describe('nextCursor of the previous page, to read the next one.'),
});
const scanInput = z.strictObject({});
const scanStatusInput = z.strictObject({
  scanId: z.string().regex(idPattern('scn')).describe('The scan id (scn_…) returned by scans_start.'),
});
const reconcileRunInput = z.strictObject({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Window start; default: end of the last window.'),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Window end, at least 20 minutes ago; at most 24 h long.'),
});
const reconcileResultsInput = z.strictObject({
  reconciliationId: z.string().regex(idPattern('rec')).describe('The id (rec_…) returned by reconcile_run.'),
  cursor: z.string().regex(idPattern('rci')).optional().describe('nextCursor of the previous page.'),
  limit: z.number().int().min(1).max(200).default(50).describe('Page size (1–200).'),
});
const findingsInput = findingsQuery.extend({
  limit: z.number().int().min(1).max(200).default(50).describe('Page size (1–200).'),
});

function reconcileTools(reconcile: NonNullable<AgentServices['reconcile']>): AgentTool[] {
  return [
    {
      name: 'reconcile.run',
      description:
        "Reconcile a window of Rolegate's audit trail with the connection's CloudTrail (needs the " +
        'cloudtrail-read capability): finds Rolegate session credentials used outside Rolegate and ' +
        'AssumeRole by other principals. Runs in the background: poll reconcile_results with the id.',
      permission: 'reconcile:run',
      capability: 'cloudtrail-read',
      requiresConnection: true,
      expensive: true,
      input: reconcileRunInput,
      output: reconciliationView,
      async run(actor, connectionId, raw) {
        const params = parse(reconcileRunInput, raw ?? {});
        if (connectionId === undefined)
          throw new AppError(ErrorCode.VALIDATION_FAILED, 'connectionId is required.');
        authorise(actor, 'reconcile:run', connectionId);
        return reconcile.start(requesterOf(actor), connectionId, params);
      },
    },
    {
      name: 'reconcile.results',
      description:
        'A reconciliation’s status, counts (matched, unmatched, unlogged, foreign AssumeRole) and items; ' +
        'unmatched events come with the recommended action. Paginated: pass nextCursor as cursor.',
      permission: 'reconcile:read',
      capability: 'cloudtrail-read',
      requiresConnection: false,
      expensive: false,
      input: reconcileResultsInput,
      output: reconciliationResults,
      async run(actor, _connectionId, raw) {
        authorise(actor, 'reconcile:read');
        const params = parse(reconcileResultsInput, raw);
        return reconcile.items(actor.orgId, params.reconciliationId, params.limit, params.cursor);
      },
    },
  ];
}

export function createAgentTools(services: AgentServices): AgentTool[] {
  return [
    ...(services.reconcile === undefined ? [] : reconcileTools(services.reconcile)),
    {
      name: 'connections.list',
      description:
        'The AWS connections this key may use: id (con_…), name, status (only "verified" ones can run ' +
        'operations), capabilities and scopes (regions, buckets, log groups, tables, functions), plus ' +
        'keyScope (this key’s own limits, null when unlimited). Call this first; every other tool takes ' +
        'a connectionId from here. Paginated: pass nextCursor as cursor.',
      permission: 'connections:read',
      capability: null,
      requiresConnection: false,
      expensive: false,
      input: connectionsInput,
      output: z.object({
        items: z.array(connectionView),
        nextCursor: z.string().nullable(),
        /** The calling key's own limits, so an agent knows what it may do before it tries. */
        keyScope: apiKeyScopeView.nullable(),
      }),
      async run(actor, _connectionId, raw) {
        authorise(actor, 'connections:read');
        const params = parse(connectionsInput, raw);
        const page = await services.connections.list(actor.orgId, {
          limit: params.limit,
          ...(params.cursor === undefined ? {} : { cursor: params.cursor }),
          only: actor.keyScope?.connectionIds ?? undefined,
        });
        return { ...page, keyScope: actor.keyScope ?? null };
      },
    },
    {
      name: 'scans.start',
      description:
        'Start a cost-waste scan of a connection (needs the cost-scan capability). Runs in the ' +
        'background: poll scans_get with the returned id until status is succeeded, failed or cancelled.',
      permission: 'scans:run',
      capability: 'cost-scan',
      requiresConnection: true,
      expensive: true,
      input: scanInput,
      output: scanView,
      async run(actor, connectionId, raw) {
        parse(scanInput, raw);
        if (connectionId === undefined)
          throw new AppError(ErrorCode.VALIDATION_FAILED, 'connectionId is required.');
        authorise(actor, 'scans:run', connectionId);
        return services.scans.start(requesterOf(actor), connectionId);
      },
    },
    {
      name: 'scans.get',
      description: 'A scan’s status and progress (regions done, findings so far, warnings).',
      permission: 'scans:read',
      capability: 'cost-scan',
      requiresConnection: false,
      expensive: false,
      input: scanStatusInput,
      output: scanView,
      async run(actor, _connectionId, raw) {
        authorise(actor, 'scans:read');
        const params = parse(scanStatusInput, raw);
        return services.scans.get(actor.orgId, params.scanId, undefined, actor.keyScope);
      },
    },
    {
      name: 'findings.list',
      description:
        'Cost-waste findings with estimated monthly cost (USD) and totals by type and region; filter by ' +
        'connectionId, type, region, status (open, dismissed, cleaned). Paginated: pass nextCursor as cursor.',
      permission: 'scans:read',
      capability: 'cost-scan',
      requiresConnection: false,
      expensive: false,
      input: findingsInput,
      output: findingsList,
      async run(actor, _connectionId, raw) {
        const params = parse(findingsInput, raw);
        authorise(actor, 'scans:read', params.connectionId);
        // Another organisation's connection answers 404, not an empty page.
        if (params.connectionId !== undefined)
          await services.connections.get(actor.orgId, params.connectionId);
        return services.scans.listFindings(
          actor.orgId,
          {
            connectionId: params.connectionId,
            groupId: params.groupId,
            type: params.type,
            region: params.region,
            status: params.status,
          },
          params.cursor,
          params.limit,
          actor.keyScope,
        );
      },
    },
  ];
}
