import type {
  ContextConfigDefault,
  FastifyBaseLogger,
  FastifyContextConfig,
  FastifyInstance,
  FastifySchema,
  HTTPMethods,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Permission } from '../identity/rbac.ts';
import type { AuthGuard } from './auth.ts';

/**
 * The one way to declare an API route. A declaration states who may call it (`auth`), its
 * rate-limit class and its OpenAPI description once; `route` derives the rest from it:
 *
 * - the auth guard runs first in `onRequest`, before the body is parsed and validated, so an
 *   anonymous caller, another tenant or a too-weak role gets 401/404/403 and never learns the
 *   schema, and the server never parses bodies for them;
 * - `config.permission` (read by the route table, hence the route-matrix suite and OpenAPI) and
 *   `config.rateLimitClass` (read by src/http/rate-limit.ts) come from the same declaration as the
 *   guard, so they cannot disagree;
 * - every route that needs a credential carries the bearer `security` requirement in OpenAPI.
 *
 * Every route under `/v1/orgs/:orgId/…` declares `auth: { org: '<permission>' }` (the route
 * matrix checks it): the caller must be a member of that organisation (404 otherwise, exactly
 * like a missing organisation) whose role grants the permission (403 otherwise).
 */

export type RouteAuth =
  /** A member of the organisation in `:orgId` whose role grants the permission. */
  | { org: Permission }
  /** Any authenticated caller, no organisation; a scoped API key is refused. */
  | 'authenticated'
  /** Any authenticated caller; a scoped API key is accepted, the operations check its scope. */
  | 'operations'
  /** As `operations`, and also an OAuth access token bound to this resource (RFC 8707): /mcp only. */
  | 'mcp'
  /** No credential (sign-up, login …). */
  | 'public';

type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Validation and serialisation schemas; the OpenAPI fields come from the declaration. */
export type RouteSchema = Pick<FastifySchema, 'params' | 'querystring' | 'headers' | 'body' | 'response'>;

export interface RouteDeclaration<S extends RouteSchema> {
  method: HTTPMethods;
  url: string;
  auth: RouteAuth;
  /** A stricter rate-limit budget for costly operations (see src/http/rate-limit.ts). */
  rateLimit?: 'expensive';
  tags: string[];
  summary: string;
  /** Left out of the OpenAPI document. */
  hide?: boolean;
  schema?: S;
  /** A body limit of the route's own (the global limit applies otherwise). */
  bodyLimit?: number;
  /** Route settings other than the permission and rate-limit class (e.g. `bodyTimeout`). */
  config?: Omit<FastifyContextConfig, 'permission' | 'rateLimitClass'>;
  handler: RouteHandlerMethod<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    RouteGenericInterface,
    ContextConfigDefault,
    S,
    ZodTypeProvider,
    FastifyBaseLogger
  >;
}

const SECURITY = [{ bearer: [] }];

export function route<S extends RouteSchema>(
  app: ZodApp,
  guard: AuthGuard,
  declaration: RouteDeclaration<S>,
): void {
  const { auth, rateLimit } = declaration;
  const onRequest =
    auth === 'public'
      ? []
      : auth === 'authenticated'
        ? [guard.authenticated()]
        : auth === 'operations'
          ? [guard.authenticated({ operations: true })]
          : auth === 'mcp'
            ? [guard.authenticated({ operations: true, oauth: true })]
            : [guard.orgPermission(auth.org)];
  const config: FastifyContextConfig = { ...declaration.config };
  if (typeof auth === 'object') config.permission = auth.org;
  if (rateLimit !== undefined) config.rateLimitClass = rateLimit;
  // The OpenAPI fields do not change the request and reply types the handler was checked against.
  const schema: S = Object.assign({}, declaration.schema, {
    tags: declaration.tags,
    summary: declaration.summary,
    ...(auth === 'public' ? {} : { security: SECURITY }),
    ...(declaration.hide === true ? { hide: true } : {}),
  });
  app.route<RouteGenericInterface, ContextConfigDefault, S>({
    method: declaration.method,
    url: declaration.url,
    onRequest,
    config,
    ...(declaration.bodyLimit === undefined ? {} : { bodyLimit: declaration.bodyLimit }),
    schema,
    handler: declaration.handler,
  });
}
