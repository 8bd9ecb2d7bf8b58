import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type Resource,
} from '@modelcontextprotocol/sdk/types.js';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, defaultMessage, ErrorCode } from '../core/errors.ts';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { checkKeyScope } from '../identity/api-keys/scope.ts';
import { can } from '../identity/rbac.ts';
import { toolName } from './catalogue.ts';
import type { OrgActor } from './service.ts';
import type { Tool, Toolbox } from './tools.ts';

export interface McpRoutesOptions {
  guard: AuthGuard;
  toolbox: Toolbox;
  version: string;
  /** OAuth for /mcp (null when ROLEGATE_PUBLIC_URL is unset: API keys only). */
  oauth: { resourceMetadata: string } | null;
}

const CONNECTION_ID = idPattern('con');

/** What an agent reads first (MCP `instructions`): how the tools fit together. */
export const MCP_INSTRUCTIONS = [
  'Rolegate gives audited, least-privilege access to AWS accounts through connections.',
  'Start with connections_list: it returns the connections this key may use (id con_…, status,',
  'capabilities, scopes). Only verified connections run operations, and only for their capabilities',
  'and scopes (regions, buckets, prefixes, log groups, tables, function patterns).',
  'Every AWS tool takes a connectionId from that list. Lists are paginated: when nextCursor is not null,',
  'call again with cursor set to it. Cost-waste: scans_start, then poll scans_get until status is',
  'succeeded, failed or cancelled, then findings_list (also readable as the resources',
  'rolegate://orgs/<orgId>/findings and …/connections/<connectionId>/findings).',
  'Errors come back as {"error":{"code","message","requestId"}}: not_found also means "outside this',
  'key’s scope"; key_scope_denied and forbidden mean the key or its role does not allow the action;',
  'capability_missing means the connection was not granted it. approval_required means a person must',
  'approve this call first: tell the user the request id (error.details.approvalRequestId) and retry the',
  'same call once it is approved. Every call is audited.',
].join(' ');

/**
 * RFC 6750 challenge on 401s from /mcp. With OAuth on, it names the RFC 9728 resource metadata
 * (MCP authorization specification), from which MCP clients discover the authorization server.
 */
function bearerChallenge(request: FastifyRequest, resourceMetadata: string | null): string {
  const metadata = resourceMetadata === null ? '' : `, resource_metadata="${resourceMetadata}"`;
  return request.headers.authorization === undefined
    ? `Bearer realm="rolegate"${metadata}`
    : `Bearer realm="rolegate", error="invalid_token"${metadata}`;
}

/** Id patterns without their anchors; the URI pattern is built from constants only, never from input. */
const bare = (re: RegExp) => re.source.slice(1, -1);
const FINDINGS_URI = new RegExp(
  `^rolegate://orgs/(${bare(idPattern('org'))})/(?:connections/(${bare(idPattern('con'))})/)?findings$`,
);
/** JSON-RPC error for an unknown resource (MCP specification: -32002). */
const RESOURCE_NOT_FOUND = -32002;
const RECENT_FINDINGS = 50;
/** Per-connection resources are listed for this many connections (the template covers the rest). */
const RESOURCE_CONNECTIONS = 100;

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
  const server = new Server(
    { name: 'rolegate', version },
    { capabilities: { tools: {}, resources: {} }, instructions: MCP_INSTRUCTIONS },
  );
  const visible = toolbox.tools.filter((t) => can(actor.role, t.permission) && scopeAllows(actor, t));
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
  server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
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
    const args = req.params.arguments ?? {};
    const { connectionId, ...rest } = args;
    // Tools without a connection (findings_list) may take connectionId as an ordinary filter.
    const params = tool.requiresConnection ? rest : args;
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
        tool.requiresConnection && typeof connectionId === 'string' ? connectionId : undefined,
        params,
        // Aborted when the client cancels or disconnects: long waits (Logs Insights) stop with it.
        { signal: extra.signal },
      );
      return { content: [{ type: 'text', text: JSON.stringify(result) }] };
    } catch (err) {
      return errorResult(err, actor.requestId, log);
    }
  });
  registerFindingResources(server, actor, toolbox);
  return server;
}

/** Whether the key's scope allows the tool at all (hidden otherwise; each call is checked again). */
function scopeAllows(actor: OrgActor, tool: Tool): boolean {
  try {
    checkKeyScope(actor.keyScope, {
      ip: actor.ip,
      permission: tool.permission,
      ...(tool.capability === null ? {} : { capability: tool.capability }),
    });
    return true;
  } catch {
    return false;
  }
}

function resourceError(err: unknown): McpError {
  if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) {
    return new McpError(RESOURCE_NOT_FOUND, 'Resource not found.');
  }
  if (err instanceof AppError && err.code !== ErrorCode.INTERNAL) {
    return new McpError(-32602, err.message, { code: err.code });
  }
  return new McpError(-32603, defaultMessage(ErrorCode.INTERNAL));
}

/**
 * Open findings as resources: one for the organisation and one per connection the key may
 * use. Read through the same tools (and so the same services and checks) as `findings_list`.
 */
function registerFindingResources(server: Server, actor: OrgActor, toolbox: Toolbox): void {
  const findings = toolbox.get('findings.list');
  const connections = toolbox.get('connections.list');
  const readable =
    findings !== undefined && can(actor.role, findings.permission) && scopeAllows(actor, findings);
  const base = `rolegate://orgs/${actor.orgId}`;
  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    if (!readable) return { resources: [] };
    const resources: Resource[] = [
      {
        uri: `${base}/findings`,
        name: 'findings',
        title: 'Open findings',
        description: `Open cost-waste findings (the first ${RECENT_FINDINGS}) with totals over all of them.`,
        mimeType: 'application/json',
      },
    ];
    if (connections !== undefined && can(actor.role, connections.permission)) {
      try {
        const page = (await connections.call(actor, undefined, { limit: RESOURCE_CONNECTIONS })) as {
          items: Array<{ id: string; name: string; capabilities: string[] }>;
        };
        for (const c of page.items.filter((i) => i.capabilities.includes('cost-scan'))) {
          resources.push({
            uri: `${base}/connections/${c.id}/findings`,
            name: `findings-${c.id}`,
            title: `Open findings of ${c.name}`,
            mimeType: 'application/json',
          });
        }
      } catch (err) {
        throw resourceError(err);
      }
    }
    return { resources };
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: readable
      ? [
          {
            uriTemplate: `${base}/connections/{connectionId}/findings`,
            name: 'connection-findings',
            title: 'Open findings of one connection',
            mimeType: 'application/json',
          },
        ]
      : [],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
    const uri = req.params.uri;
    const match = uri.length <= 200 ? FINDINGS_URI.exec(uri) : null;
    // Another organisation's URI reads exactly like one that does not exist.
    if (match === null || match[1] !== actor.orgId || findings === undefined || !readable) {
      throw new McpError(RESOURCE_NOT_FOUND, 'Resource not found.');
    }
    const connectionId = match[2];
    try {
      const page = await findings.call(actor, undefined, {
        status: 'open',
        limit: RECENT_FINDINGS,
        ...(connectionId === undefined ? {} : { connectionId }),
      });
      return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(page) }] };
    } catch (err) {
      throw resourceError(err);
    }
  });
}

/** An API key or an OAuth agent grant: both carry one organisation, a role and a scope. */
async function agentActor(request: FastifyRequest): Promise<OrgActor> {
  const actor = requireActor(request);
  if ((actor.type !== 'apiKey' && actor.type !== 'oauth') || actor.orgId === null || actor.role === null) {
    throw new AppError(
      ErrorCode.UNAUTHENTICATED,
      'The MCP endpoint needs an OAuth access token or an API key (Authorization: Bearer rg_live_…).',
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
  { guard, toolbox, version, oauth },
) => {
  // Encapsulated in this plugin: only /mcp answers carry the challenge.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401)
      reply.header('www-authenticate', bearerChallenge(request, oauth?.resourceMetadata ?? null));
    return payload;
  });

  route(app, guard, {
    method: 'POST',
    url: '/mcp',
    auth: 'mcp',
    tags: ['mcp'],
    summary: 'MCP (Streamable HTTP, stateless; OAuth access token or API key)',
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const actor = await agentActor(request);
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
  });

  // Stateless: no server-initiated stream and no session to delete.
  for (const method of ['GET', 'DELETE'] as const) {
    route(app, guard, {
      method,
      url: '/mcp',
      auth: 'mcp',
      tags: ['mcp'],
      summary: 'Not supported: the endpoint is stateless',
      hide: true,
      handler: async () => {
        throw new AppError(ErrorCode.METHOD_NOT_ALLOWED, 'This MCP endpoint is stateless: use POST.');
      },
    });
  }
};
