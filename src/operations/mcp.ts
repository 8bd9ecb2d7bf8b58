import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireActor } from '../http/auth.ts';
import { AppError, defaultMessage, ErrorCode } from '../http/errors.ts';
import { can } from '../identity/rbac.ts';
import { toolName } from './catalogue.ts';
import type { OrgActor } from './service.ts';
import type { Tool, Toolbox } from './tools.ts';

export interface McpRoutesOptions {
  guard: AuthGuard;
  toolbox: Toolbox;
  version: string;
}

const CONNECTION_ID = idPattern('con');

/** A tool's MCP input schema: the operation's params plus `connectionId` when it needs one. */
function mcpInputSchema(tool: Tool): { type: 'object'; [k: string]: unknown } {
  const base = tool.inputSchema as { properties?: Record<string, unknown>; required?: string[] };
  if (!tool.requiresConnection) return { ...base, type: 'object' };
  return {
    ...base,
    type: 'object',
    properties: {
      connectionId: {
        type: 'string',
        pattern: CONNECTION_ID.source,
        description: 'The connection (con_…) to act through.',
      },
      ...(base.properties ?? {}),
    },
    required: ['connectionId', ...(base.required ?? [])],
  };
}

function errorResult(err: unknown, requestId: string, log: FastifyBaseLogger): CallToolResult {
  let code: string = ErrorCode.INTERNAL;
  let message = defaultMessage(ErrorCode.INTERNAL);
  let details: Record<string, unknown> | undefined;
  if (err instanceof AppError && err.code !== ErrorCode.INTERNAL) {
    code = err.code;
    message = err.message;
    details = err.details;
  } else {
    log.error({ err }, 'MCP tool call failed');
  }
  const error = { code, message, requestId, ...(details === undefined ? {} : { details }) };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error }) }] };
}

/** One stateless MCP server per request, bound to the authenticated API key. */
function serverFor(
  actor: OrgActor,
  toolbox: Toolbox,
  version: string,
  log: FastifyBaseLogger,
  chargeExpensive: () => Promise<void>,
): Server {
  const server = new Server({ name: 'rolegate', version }, { capabilities: { tools: {} } });
  const visible = toolbox.tools.filter((t) => can(actor.role, t.permission));
  const byToolName = new Map(visible.map((t) => [toolName(t.name), t]));
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: visible.map((t) => ({
      name: toolName(t.name),
      title: t.name,
      description: t.description,
      inputSchema: mcpInputSchema(t),
      annotations: {
        readOnlyHint: t.permission !== 's3:write' && t.permission !== 'lambda:invoke',
        openWorldHint: true,
      },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => {
    const tool = byToolName.get(req.params.name);
    if (tool === undefined) {
      return errorResult(
        new AppError(ErrorCode.VALIDATION_FAILED, `Unknown tool ${req.params.name}.`, {
          details: { validTools: [...byToolName.keys()] },
        }),
        actor.requestId,
        log,
      );
    }
    const { connectionId, ...params } = req.params.arguments ?? {};
    try {
      if (
        tool.requiresConnection &&
        (typeof connectionId !== 'string' || !CONNECTION_ID.test(connectionId))
      ) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'connectionId must be a connection id (con_…).');
      }
      if (tool.expensive) await chargeExpensive();
      const result = await tool.call(
        actor,
        typeof connectionId === 'string' ? connectionId : undefined,
        params,
      );
      return { content: [{ type: 'text', text: JSON.stringify(result) }] };
    } catch (err) {
      return errorResult(err, actor.requestId, log);
    }
  });
  return server;
}

async function apiKeyActor(request: FastifyRequest): Promise<OrgActor> {
  const actor = requireActor(request);
  if (actor.type !== 'apiKey' || actor.orgId === null || actor.role === null) {
    throw new AppError(
      ErrorCode.UNAUTHENTICATED,
      'The MCP endpoint needs an API key (Authorization: Bearer rg_live_…).',
    );
  }
  return { ...actor, orgId: actor.orgId, role: actor.role };
}

/**
 * `POST /mcp`: Model Context Protocol over Streamable HTTP, stateless (a fresh server and transport
 * per request, JSON responses). Tools are generated from the operation catalogue; each call takes
 * the same path as REST and intents (role, capability, scopes, audit, broker).
 */
export const mcpRoutes: FastifyPluginAsyncZod<McpRoutesOptions> = async (
  app,
  { guard, toolbox, version },
) => {
  app.post(
    '/mcp',
    {
      schema: { tags: ['mcp'], summary: 'MCP (Streamable HTTP, stateless; API key)' },
      preHandler: guard.authenticated(),
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const actor = await apiKeyActor(request);
      if (Array.isArray(request.body)) {
        // MCP 2025-06-18 removed JSON-RPC batching. Accepted, an array ran its messages
        // concurrently for one rate-limit charge (100 tool calls per request); with one message
        // per request, duplicate ids within a request cannot occur either.
        return reply
          .code(400)
          .header('cache-control', 'no-store')
          .send({
            jsonrpc: '2.0',
            id: null,
            error: {
              code: -32600,
              message: 'JSON-RPC batches are not supported: send one message per request.',
              data: { requestId: request.id },
            },
          });
      }
      const server = serverFor(actor, toolbox, version, request.log, () => app.chargeExpensive(request));
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      await server.connect(transport);
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      reply.hijack();
      reply.raw.setHeader('x-request-id', request.id);
      reply.raw.setHeader('cache-control', 'no-store');
      await transport.handleRequest(request.raw, reply.raw, request.body);
    },
  );

  // Stateless: no server-initiated stream and no session to delete.
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      schema: { tags: ['mcp'], hide: true },
      preHandler: guard.authenticated(),
      handler: async () => {
        throw new AppError(ErrorCode.METHOD_NOT_ALLOWED, 'This MCP endpoint is stateless: use POST.');
      },
    });
  }
};
