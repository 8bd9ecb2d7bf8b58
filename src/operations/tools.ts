import { AppError, ErrorCode } from '../core/errors.ts';
import { checkKeyScope } from '../identity/api-keys/scope.ts';
import { can } from '../identity/rbac.ts';
import type { InsightTool } from '../insights/catalogue.ts';
import type { InsightsService } from '../insights/service.ts';
import type { AgentServices, ToolMeta } from './agent-tools.ts';
import { createAgentTools } from './agent-tools.ts';
import { JSON_OPERATIONS, jsonSchemaOf } from './catalogue.ts';
import type { OperationsService, OrgActor } from './service.ts';

/**
 * The JSON-callable surface shared by `POST /v1/intents` and the MCP tools: every JSON operation
 * of the catalogue (which need a connection) plus, when present, the read-only insight queries
 * (which only need the organisation).
 */
export interface Tool extends ToolMeta {
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  /** `signal`: aborted when the caller went away (long waits stop, see OperationContext.signal). */
  call(
    actor: OrgActor,
    connectionId: string | undefined,
    params: unknown,
    options?: { signal?: AbortSignal },
  ): Promise<unknown>;
}

export interface Toolbox {
  tools: readonly Tool[];
  get(name: string): Tool | undefined;
  names(): string[];
}

export function createToolbox(deps: {
  service: OperationsService;
  insights?: { catalogue: readonly InsightTool[]; service: InsightsService } | undefined;
  /** Connections, scans and findings for agents (through the same services as REST). */
  agent?: AgentServices | undefined;
}): Toolbox {
  const tools: Tool[] = JSON_OPERATIONS.map((op) => ({
    name: op.name,
    description: op.description,
    permission: op.permission,
    capability: op.capability,
    requiresConnection: true,
    expensive: op.expensive,
    inputSchema: jsonSchemaOf(op.input, 'input'),
    outputSchema: jsonSchemaOf(op.output, 'output'),
    async call(actor, connectionId, params, options) {
      if (connectionId === undefined) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'connectionId is required for this intent.', {
          details: { fields: [{ location: 'body', path: 'connectionId', message: 'is required' }] },
        });
      }
      return deps.service.run(actor, connectionId, op, params, options);
    },
  }));
  if (deps.agent !== undefined) {
    for (const tool of createAgentTools(deps.agent)) {
      tools.push({
        name: tool.name,
        description: tool.description,
        permission: tool.permission,
        capability: tool.capability,
        requiresConnection: tool.requiresConnection,
        expensive: tool.expensive,
        inputSchema: jsonSchemaOf(tool.input, 'input'),
        outputSchema: jsonSchemaOf(tool.output, 'output'),
        call: (actor, connectionId, params) => tool.run(actor, connectionId, params),
      });
    }
  }
  const insights = deps.insights;
  if (insights !== undefined) {
    for (const tool of insights.catalogue) {
      tools.push({
        name: tool.name,
        description: tool.description,
        permission: tool.permission,
        capability: null,
        requiresConnection: false,
        expensive: false,
        inputSchema: jsonSchemaOf(tool.input, 'input'),
        outputSchema: jsonSchemaOf(tool.output, 'output'),
        async call(actor, _connectionId, params) {
          if (!can(actor.role, tool.permission)) throw new AppError(ErrorCode.FORBIDDEN);
          checkKeyScope(actor.keyScope, { ip: actor.ip, permission: tool.permission });
          return tool.handler(insights.service, actor.orgId, params);
        },
      });
    }
  }
  const byName = new Map(tools.map((t) => [t.name, t]));
  return { tools, get: (name) => byName.get(name), names: () => tools.map((t) => t.name) };
}
