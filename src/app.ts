import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { auditRoutes } from './audit/routes.ts';
import { createAuditService } from './audit/service.ts';
import { createAuditStore } from './audit/store.ts';
import { createAuditWriter } from './audit/writer.ts';
import { createAwsClientFactory } from './aws/clients.ts';
import { createBroker } from './broker/broker.ts';
import { createLanes } from './broker/lanes.ts';
import { type Clock, systemClock } from './clock.ts';
import type { ReadyConfig } from './config.ts';
import { createConnectionsModule } from './connections/module.ts';
import { connectionRoutes } from './connections/routes.ts';
import { createKeyring } from './crypto/field-encryption.ts';
import type { Database } from './db/client.ts';
import { healthRoutes } from './health/routes.ts';
import { createAllowedMethods } from './http/allowed-methods.ts';
import { type AuthGuard, createAuthGuard, guardPermissionOf, hoistGuards } from './http/auth.ts';
import { registerConsole, sendConsoleFallback } from './http/console.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import { registerJsonBodyParser } from './http/json-body.ts';
import { registerLoadShedding } from './http/load-shedding.ts';
import { registerRateLimiting } from './http/rate-limit.ts';
import { genRequestId, registerRequestIds, withCorrelationIds } from './http/request-id.ts';
import { registerTransportLimits, serverOptions } from './http/transport-limits.ts';
import { createAccessTokens } from './identity/access-tokens.ts';
import { apiKeyRoutes } from './identity/api-keys/routes.ts';
import { createApiKeyService } from './identity/api-keys/service.ts';
import { createApiKeyStore } from './identity/api-keys/store.ts';
import { createAuthenticator } from './identity/authenticator.ts';
import { createBrowserSession } from './identity/browser-session.ts';
import { createMembershipLookup } from './identity/memberships-store.ts';
import { createIdentityModule } from './identity/module.ts';
import { orgRoutes } from './identity/orgs/routes.ts';
import { createOrgService } from './identity/orgs/service.ts';
import { createOrgStore } from './identity/orgs/store.ts';
import { identityRoutes } from './identity/routes.ts';
import { createSessionCheck } from './identity/sessions-store.ts';
import { createLoginAlerts } from './insights/login-alerts.ts';
import { insightsRoutes } from './insights/routes.ts';
import { createInsightsService } from './insights/service.ts';
import { createOperationsModule } from './operations/module.ts';
import { privacyRoutes } from './privacy/routes.ts';
import { createPrivacyService } from './privacy/service.ts';
import { createPrivacyStore } from './privacy/store.ts';
import { createSharedRedis } from './redis.ts';
import { createJobRegistry } from './scans/cancellation.ts';
import { createAppScans } from './scans/module.ts';
import { scanRoutes } from './scans/routes.ts';
import { createWebhookOutbox } from './webhooks/outbox.ts';
import { webhookRoutes } from './webhooks/routes.ts';
import { createWebhookService } from './webhooks/service.ts';
import { createWebhookStore } from './webhooks/store.ts';
import { createThreatSweep } from './webhooks/threat-sweep.ts';

export interface AppDeps {
  database: Database;
  logger: Logger;
  clock?: Clock;
}

export type App = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Every registered route, so suites (route matrix, fuzzing) walk new routes automatically. */
export interface RouteEntry {
  method: string;
  url: string;
  /** The permission the route declares in `config.permission`, if any. */
  permission: string | undefined;
  /** Whether the route has a body schema. */
  hasBody: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

/** Content-Security-Policy for the console: same-origin everything, no inline script, no framing. */
export const CONSOLE_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

/** Builds a complete, isolated Rolegate app; tests build as many as they like. */
export async function buildApp(config: ReadyConfig, deps: AppDeps): Promise<App> {
  const trustProxy = config.http.trustProxy;
  const app: App = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: genRequestId,
    requestIdHeader: false,
    bodyLimit: config.http.bodyLimit,
    // A hop count is passed as a function: Fastify treats a plain number as "trust nothing".
    trustProxy:
      typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    routerOptions: { maxParamLength: 512 },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...serverOptions(config.http),
  }).withTypeProvider<ZodTypeProvider>();
  registerTransportLimits(app, config.http);
  registerJsonBodyParser(app, config.http.jsonMaxDepth);

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = route.config as { permission?: string } | undefined;
    hoistGuards(route);
    const permission = guardPermissionOf(route) ?? config?.permission;
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routeTable.push({ method, url: route.url, permission, hasBody: route.schema?.body !== undefined });
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  let consoleHtml: Buffer | null = null;
  registerErrorHandling(app, {
    notFoundFallback: (request, reply) => sendConsoleFallback(consoleHtml, request, reply),
    allowedMethods: createAllowedMethods(() => routeTable),
  });
  app.decorateRequest('actor', null);
  const correlations = registerRequestIds(app);

  await app.register(helmet, {
    contentSecurityPolicy: { directives: CONSOLE_CSP },
    crossOriginEmbedderPolicy: false,
    hsts: { maxAge: 31536000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
  });
  await app.register(cors, {
    origin: config.http.corsOrigins.length === 0 ? false : config.http.corsOrigins,
    credentials: true,
    exposedHeaders: [
      'x-request-id',
      'x-correlation-id',
      'retry-after',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
    ],
    maxAge: 600,
  });
  await registerLoadShedding(app, config.pressure);
  // One Redis connection for every feature that shares state across nodes (rate limits, lockout).
  const redis = config.redisUrl === undefined ? null : createSharedRedis(config.redisUrl, deps.logger);
  if (redis !== null) app.addHook('onClose', async () => redis.disconnect());
  const rateLimits = await registerRateLimiting(app, { config, redis, logger: deps.logger });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Rolegate API',
        version: '1.0.0',
        description: 'Keyless, least-privilege, audited AWS access.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Access token or API key' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  const clock = deps.clock ?? systemClock;
  const db = deps.database.db;
  const audit = withCorrelationIds(createAuditWriter({ clock }), correlations);
  const auditService = createAuditService({ db, store: createAuditStore(db), audit });
  // Running scan jobs, so that deleting a connection, organisation or account stops them.
  const scanJobs = createJobRegistry();
  // Per-organisation AWS concurrency, shared by operations and scans.
  const lanes = createLanes(config.lanes);
  const privacyService = createPrivacyService({
    store: createPrivacyStore(db),
    audit,
    clock,
    scans: scanJobs,
  });
  const keyring = createKeyring(config.masterKeys);
  const awsClients = createAwsClientFactory(config.aws);
  app.addHook('onClose', async () => awsClients.destroy());
  // The one path to customers' AWS accounts: every brokered call and probe is audited through it.
  const broker = createBroker({
    clients: awsClients,
    clock,
    config,
    logger: deps.logger,
    options: { stsGlobalBudget: config.aws.stsGlobalBudget },
    audit,
    db,
    onAuditOutcomeError: (err) => app.log.error({ err }, 'audit outcome record failed'),
  });
  const connections = createConnectionsModule({
    db,
    clock,
    audit,
    keyring,
    broker,
    awsClients,
    config,
    logger: deps.logger,
    scans: scanJobs,
  });
  app.addHook('onReady', connections.start);
  app.addHook('onClose', connections.stop);
  const accessTokens = createAccessTokens({
    keys: config.jwtKeys,
    ttlSeconds: config.auth.accessTokenTtl,
    clock,
  });
  const apiKeys = createApiKeyService({
    store: createApiKeyStore(db),
    audit,
    clock,
    onTouchError: (err) => app.log.warn({ err }, 'API key last-used update failed'),
  });
  const orgs = createOrgService({
    store: createOrgStore(db),
    audit,
    clock,
    limits: { perDay: config.orgs.createPerDay, maxOwned: config.orgs.maxOwned },
    scans: scanJobs,
  });
  // Budgets are charged to the authenticated principal; failed authentications to the address.
  const authenticator = rateLimits.authenticator(
    createAuthenticator({
      accessTokens,
      sessions: createSessionCheck(db, clock),
      apiKeys: apiKeys.verifier,
    }),
  );
  const guard: AuthGuard = createAuthGuard({ authenticator, memberships: createMembershipLookup(db) });
  void guard;
  const webhookPolicy = {
    requireHttps: config.webhook.requireHttps,
    allowPrivateAddresses: config.webhook.allowPrivateAddresses,
  };
  const webhookStore = createWebhookStore(db);
  const outbox = createWebhookOutbox({
    db,
    store: webhookStore,
    keyring,
    clock,
    logger: deps.logger,
    options: {
      deployment:
        config.webhook.url !== undefined && config.webhook.secret !== undefined
          ? { url: config.webhook.url, secret: config.webhook.secret }
          : null,
      policy: webhookPolicy,
      timeoutMs: config.webhook.timeoutSeconds * 1000,
      pollMs: 1_000,
      batchSize: 20,
    },
  });
  const threatSweep = createThreatSweep({
    db,
    insights: createInsightsService({ db, clock }),
    outbox,
    clock,
    intervalSeconds: config.webhook.threatSweepSeconds,
    logger: deps.logger,
  });
  app.addHook('onReady', async () => {
    outbox.start();
    threatSweep.start();
  });
  app.addHook('onClose', async () => {
    await threatSweep.stop();
    await outbox.stop();
  });
  // `login.new_ip` concerns a user, not an organisation: only the deployment-wide endpoint gets it.
  const loginAlerts =
    config.webhook.url === undefined
      ? null
      : createLoginAlerts({ db, notifier: outbox, logger: deps.logger });
  const identity = createIdentityModule({
    config,
    db,
    clock,
    audit,
    keyring,
    accessTokens,
    redis,
    ...(loginAlerts === null ? {} : { onLogin: loginAlerts.afterLogin }),
  });
  const scans = createAppScans({
    db,
    clock,
    audit,
    broker,
    resolver: connections.resolver,
    awsClients,
    region: config.aws.region,
    logger: deps.logger,
    lanes,
    jobs: scanJobs,
    maxActivePerOrg: config.scans.maxActivePerOrg,
    options: { maxConcurrentJobs: config.scans.maxRunning, maxRunningPerOrg: config.scans.maxRunningPerOrg },
  });
  const operations = createOperationsModule({
    config,
    db,
    clock,
    audit,
    connections: connections.resolver,
    broker,
    awsClients,
    guard,
    memberships: createMembershipLookup(db),
    insights: createInsightsService({ db, clock }),
    lanes,
    agent: { connections: connections.service, scans: scans.service },
  });

  // Feature modules: one line each.
  await app.register(healthRoutes, { database: deps.database });
  await app.register(connectionRoutes, { guard, service: connections.service });
  await app.register(auditRoutes, { guard, service: auditService });
  await app.register(privacyRoutes, {
    guard,
    service: privacyService,
    reauthenticate: (actor, input) => identity.service.reauthenticate(actor, input),
  });
  await app.register(insightsRoutes, { guard, service: createInsightsService({ db, clock }) });
  await app.register(identityRoutes, {
    service: identity.service,
    guard,
    browserSession: createBrowserSession({
      cookieSecure: config.http.cookieSecure,
      corsOrigins: config.http.corsOrigins,
      refreshMaxAge: config.auth.refreshMaxAge,
    }),
  });
  await app.register(orgRoutes, { service: orgs, guard });
  await app.register(apiKeyRoutes, { service: apiKeys, guard });
  await app.register(operations.routes);
  await app.register(scanRoutes, {
    guard,
    scans,
    streamsPerPrincipal: config.scans.streamsPerPrincipal,
    streamsPerOrg: config.scans.streamsPerOrg,
    streamMaxSeconds: config.scans.streamMaxSeconds,
  });
  await app.register(webhookRoutes, {
    guard,
    service: createWebhookService({
      db,
      store: webhookStore,
      outbox,
      audit,
      keyring,
      clock,
      policy: webhookPolicy,
    }),
  });
  consoleHtml = await registerConsole(app);

  return app;
}
