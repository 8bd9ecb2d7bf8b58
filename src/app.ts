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
import { createAuditWriter } from './audit/writer.ts';
import { type Clock, systemClock } from './clock.ts';
import type { ReadyConfig } from './config.ts';
import { createKeyring } from './crypto/field-encryption.ts';
import type { Database } from './db/client.ts';
import { healthRoutes } from './health/routes.ts';
import { type AuthGuard, createAuthGuard } from './http/auth.ts';
import { registerConsole, sendConsoleFallback } from './http/console.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import { genRequestId } from './http/request-id.ts';
import { createAccessTokens } from './identity/access-tokens.ts';
import { createAuthenticator } from './identity/authenticator.ts';
import { createMembershipLookup } from './identity/memberships-store.ts';
import { createSessionCheck } from './identity/sessions-store.ts';

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
  const app: App = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: genRequestId,
    requestIdHeader: false,
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    routerOptions: { maxParamLength: 512 },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = route.config as { permission?: string } | undefined;
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routeTable.push({ method, url: route.url, permission: config?.permission, hasBody: route.schema?.body !== undefined });
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  let consoleHtml: Buffer | null = null;
  registerErrorHandling(app, { notFoundFallback: (request, reply) => sendConsoleFallback(consoleHtml, request, reply) });
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

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
      'retry-after',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
    ],
    maxAge: 600,
  });
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
  const audit = createAuditWriter({ clock });
  const keyring = createKeyring(config.masterKeys);
  void keyring;
  const accessTokens = createAccessTokens({
    keys: config.jwtKeys,
    ttlSeconds: config.auth.accessTokenTtl,
    clock,
  });
  const authenticator = createAuthenticator({
    accessTokens,
    sessions: createSessionCheck(db, clock),
    apiKeys: null,
  });
  const guard: AuthGuard = createAuthGuard({ authenticator, memberships: createMembershipLookup(db) });
  void guard;

  // Feature modules: one line each.
  await app.register(healthRoutes, { database: deps.database });
  consoleHtml = await registerConsole(app);

  return app;
}
