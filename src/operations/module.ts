import type { FastifyPluginAsync } from 'fastify';
import type { Config, KeyEntry } from '../config.ts';
import type { MembershipLookup } from '../core/actor.ts';
import { hmacSha256Hex } from '../crypto/tokens.ts';
import type { AuthGuard } from '../http/auth.ts';
import { insightsCatalogue } from '../insights/catalogue.ts';
import type { InsightsService } from '../insights/service.ts';
import type { AgentServices } from './agent-tools.ts';
import { intentsRoutes } from './intents.ts';
import { mcpRoutes } from './mcp.ts';
import { operationsRoutes } from './routes.ts';
import { createOperationsService, type OperationsService, type OperationsServiceDeps } from './service.ts';
import { createToolbox, type Toolbox } from './tools.ts';

export interface OperationsModule {
  service: OperationsService;
  toolbox: Toolbox;
  /** REST routes, `POST /v1/intents` and `POST /mcp`, behind the HTTP layer's guard. */
  routes: FastifyPluginAsync<{ guard: AuthGuard; oauth: { resourceMetadata: string } | null }>;
}

/** Handle-signing keys derived from the master keys (never the master keys themselves). */
function handleKeys(masterKeys: readonly KeyEntry[]): Buffer[] {
  return masterKeys.map((k) => Buffer.from(hmacSha256Hex(k.key, 'rolegate-operation-handles-v1'), 'hex'));
}

/** The service's own dependencies (one declaration: `OperationsServiceDeps`) plus the module's. */
type ModuleDeps = Pick<
  OperationsServiceDeps,
  'db' | 'clock' | 'audit' | 'connections' | 'broker' | 'lanes' | 'approvals'
> & {
  config: Pick<Config, 'aws' | 'operations' | 'http'> & { masterKeys: KeyEntry[] };
  awsClients: OperationsServiceDeps['clients'];
  memberships: MembershipLookup;
  insights?: InsightsService;
  /** Connections, scans and findings as agent tools (intents and MCP). */
  agent?: AgentServices;
};

export function createOperationsModule(deps: ModuleDeps): OperationsModule {
  const { db, clock, audit, connections, broker, lanes, config } = deps;
  const service = createOperationsService({
    db,
    clock,
    audit,
    connections,
    broker,
    lanes,
    approvals: deps.approvals,
    clients: deps.awsClients,
    defaultRegion: config.aws.region,
    limits: config.operations,
    handleKeys: handleKeys(config.masterKeys),
  });
  const toolbox = createToolbox({
    service,
    insights:
      deps.insights === undefined ? undefined : { catalogue: insightsCatalogue, service: deps.insights },
    agent: deps.agent,
  });
  const routes: OperationsModule['routes'] = async (app, { guard, oauth }) => {
    await app.register(operationsRoutes, {
      guard,
      service,
      maxUploadBytes: deps.config.operations.maxUploadBytes,
      streamStallTimeoutMs: deps.config.http.streamStallTimeoutMs,
    });
    await app.register(intentsRoutes, { guard, memberships: deps.memberships, toolbox });
    await app.register(mcpRoutes, { guard, toolbox, version: '1.0.0', oauth });
  };
  return { service, toolbox, routes };
}
