import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { approvalRoutes } from './approvals/routes.ts';
import { checkpointRoutes } from './audit/checkpoints/routes.ts';
import { exportTargetRoutes } from './audit/export-target/routes.ts';
import { auditRoutes } from './audit/routes.ts';
import type { Clock } from './clock.ts';
import type { ReadyConfig } from './config.ts';
import { connectionGroupRoutes } from './connection-groups/routes.ts';
import { connectionRoutes } from './connections/routes.ts';
import { type Core, createCore } from './core/create-core.ts';
import type { Database } from './db/client.ts';
import { healthRoutes } from './health/routes.ts';
import { createAllowedMethods } from './http/allowed-methods.ts';
import { type AuthGuard, createAuthGuard } from './http/auth.ts';
import { registerConsole, sendConsoleFallback } from './http/console.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import { registerJsonBodyParser } from './http/json-body.ts';
import { registerLoadShedding } from './http/load-shedding.ts';
import { DOCS_CSP, documentErrors } from './http/openapi.ts';
import { registerRateLimiting } from './http/rate-limit.ts';
import { genRequestId, registerRequestIds } from './http/request-id.ts';
import {
  refuseBodiesOfUnknownRoutes,
  registerTransportLimits,
  serverOptions,
} from './http/transport-limits.ts';
import { apiKeyRoutes } from './identity/api-keys/routes.ts';
import { createBrowserSession } from './identity/browser-session.ts';
import { orgRoutes } from './identity/orgs/routes.ts';
import { identityRoutes } from './identity/routes.ts';
import { insightsRoutes } from './insights/routes.ts';
import { privacyRoutes } from './privacy/routes.ts';
import { reconcileRoutes } from './reconcile/routes.ts';
import { scanRoutes } from './scans/routes.ts';
import { scimRoutes } from './scim/routes.ts';
import type { SecretWatcher } from './secrets/references.ts';
import type { TxtResolver } from './sso/domain-verifier.ts';
import { ssoRoutes } from './sso/routes.ts';
import { webhookRoutes } from './webhooks/routes.ts';

export interface AppDeps {
  database: Database;
  logger: Logger;
  clock?: Clock;
  /** The process's core (`serve` builds it once); built here from the other deps when absent. */
  core?: Core;
  /** Secrets given by reference (`serve`, issue 20 item 2): their state is part of /readyz. */
  secrets?: Pick<SecretWatcher, 'status'>;
  /** DNS TXT lookups for SSO domain verification (tests); the system resolver when absent. */
  ssoTxtResolver?: TxtResolver;
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
  /** The rate-limit class the route declares in `config.rateLimitClass` (`expensive`), if any. */
  rateLimitClass: string | undefined;
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
  // Every service and feature module, built once (src/core/create-core.ts); the app adds HTTP only.
  const core =
    deps.core ??
    createCore(config, {
      database: deps.database,
      logger: deps.logger,
      ...(deps.clock === undefined ? {} : { clock: deps.clock }),
      ...(deps.ssoTxtResolver === undefined ? {} : { ssoTxtResolver: deps.ssoTxtResolver }),
    });
  app.addHook('onReady', core.start);
  app.addHook('onClose', core.stop);
  registerTransportLimits(app, config.http);
  registerJsonBodyParser(app, config.http.jsonMaxDepth);

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = route.config as { permission?: string; rateLimitClass?: string } | undefined;
    const permission = config?.permission;
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routeTable.push({
        method,
        url: route.url,
        permission,
        hasBody: route.schema?.body !== undefined,
        rateLimitClass: config?.rateLimitClass,
      });
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
  registerRequestIds(app, core.correlations);

  // Security headers on every answer, from one helmet middleware built here: @fastify/helmet
  // rebuilt it (re-parsing the CSP directives) on every request, a measurable share of a brokered
  // call's CPU (docs/benchmarks.md).
  const securityHeaders = helmet({
    contentSecurityPolicy: { directives: CONSOLE_CSP },
    crossOriginEmbedderPolicy: false,
    hsts: { maxAge: 31536000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (err?: unknown) => done(err instanceof Error ? err : undefined));
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
  refuseBodiesOfUnknownRoutes(app);
  await registerLoadShedding(app, config.pressure);
  const rateLimits = await registerRateLimiting(app, { config, redis: core.redis, logger: deps.logger });
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
          scim: {
            type: 'http',
            scheme: 'bearer',
            description: "An organisation's SCIM token (/scim/v2 only)",
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => documentErrors(jsonSchemaTransformObject(documentObject)),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    // No third-party validator badge (an external image the CSP would refuse anyway).
    uiConfig: { validatorUrl: null },
  });

  // Budgets are charged to the authenticated principal; failed authentications to the address.
  const guard: AuthGuard = createAuthGuard({
    authenticator: rateLimits.authenticator(core.authenticator),
    memberships: core.memberships,
    ssoRequirements: core.sso.requirements,
  });

  // Feature modules: one line each.
  await app.register(healthRoutes, {
    database: deps.database,
    ...(deps.secrets === undefined ? {} : { secrets: deps.secrets }),
  });
  await app.register(connectionRoutes, { guard, service: core.connections.service });
  await app.register(connectionGroupRoutes, { guard, service: core.connectionGroups.service });
  await app.register(auditRoutes, { guard, service: core.auditService });
  await app.register(checkpointRoutes, {
    guard,
    service: core.checkpoints,
    audit: core.audit,
    db: deps.database.db,
  });
  await app.register(exportTargetRoutes, { guard, service: core.auditExport });
  await app.register(privacyRoutes, {
    guard,
    service: core.privacy,
    reauthenticate: (actor, input) => core.identity.service.reauthenticate(actor, input),
  });
  await app.register(insightsRoutes, { guard, service: core.insights });
  await app.register(identityRoutes, {
    service: core.identity.service,
    guard,
    browserSession: createBrowserSession({
      cookieSecure: config.http.cookieSecure,
      corsOrigins: config.http.corsOrigins,
      refreshMaxAge: config.auth.refreshMaxAge,
    }),
  });
  await app.register(orgRoutes, { service: core.orgs, guard });
  await app.register(ssoRoutes, {
    guard,
    service: core.sso.service,
    redirectUri: core.sso.redirectUri,
    cookieSecure: config.http.cookieSecure,
    refreshMaxAge: config.auth.refreshMaxAge,
  });
  await app.register(scimRoutes, { guard, service: core.scim, jsonMaxDepth: config.http.jsonMaxDepth });
  await app.register(apiKeyRoutes, { service: core.apiKeys, guard });
  await app.register(core.operations.routes, { guard, oauth: core.oauth?.service.urls ?? null });
  if (core.oauth !== null) await app.register(core.oauth.routes, { guard });
  await app.register(scanRoutes, {
    guard,
    scans: core.scans,
    streamsPerPrincipal: config.scans.streamsPerPrincipal,
    streamsPerOrg: config.scans.streamsPerOrg,
    streamMaxSeconds: config.scans.streamMaxSeconds,
  });
  await app.register(reconcileRoutes, { guard, service: core.reconcile.service });
  await app.register(webhookRoutes, { guard, service: core.webhooks });
  await app.register(approvalRoutes, { guard, service: core.approvals });
  consoleHtml = await registerConsole(app);

  return app;
}
