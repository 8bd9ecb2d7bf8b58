import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCode } from '../core/errors.ts';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { type RouteSchema, route } from '../http/route.ts';
import { abortOnDisconnect, abortWhenStalled } from '../http/transport-limits.ts';
import { PERMISSIONS, type Permission, ROLE_RANK } from '../identity/rbac.ts';
import { OPERATIONS } from './catalogue.ts';
import {
  contentTypeSchema,
  type DownloadResult,
  delimiterSchema,
  getObject,
  listObjectsStream,
  MAX_SINGLE_PUT_BYTES,
  putObject,
} from './s3.ts';
import type { OperationsService } from './service.ts';
import type { Operation, RestDescription } from './types.ts';
import { bucketSchema, objectKeySchema, optionalRegion, prefixSchema } from './validation.ts';

export interface OperationsRoutesOptions {
  guard: AuthGuard;
  service: OperationsService;
  /** Largest upload accepted by PUT …/object (route-specific body limit). */
  maxUploadBytes: number;
  /** A streamed answer (listing, download) the client leaves unread this long is aborted. */
  streamStallTimeoutMs: number;
}

const connectionParams = z.strictObject({
  orgId: z.string().regex(idPattern('org')),
  connId: z.string().regex(idPattern('con')),
});

const BASE = '/v1/orgs/:orgId/connections/:connId';
const TAGS = ['operations'];

/** Drops undefined values so the operation's defaults apply. */
function defined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/** The REST route of one or more operations (several only for `variant`s, e.g. presign GET/PUT). */
export interface RestRoute {
  rest: RestDescription;
  variants: Operation[];
}

/** The catalogue's routes, one per method and path, streamed ones left out (written below). */
export function restRoutes(operations: readonly Operation[]): RestRoute[] {
  const byRoute = new Map<string, RestRoute>();
  for (const op of operations) {
    if (op.rest.streamed === true) continue;
    const key = `${op.rest.method} ${op.rest.path}`;
    const existing = byRoute.get(key);
    if (existing === undefined) byRoute.set(key, { rest: op.rest, variants: [op] });
    else existing.variants.push(op);
  }
  for (const r of byRoute.values()) {
    const [first, ...others] = r.variants;
    if (
      others.length > 0 &&
      (first?.rest.variant === undefined ||
        others.some((o) => o.input !== first.input || o.rest.variant?.field !== first.rest.variant?.field))
    ) {
      throw new Error(
        `${r.rest.method} ${r.rest.path}: operations sharing a route need the same input and a variant field`,
      );
    }
  }
  return [...byRoute.values()];
}

/**
 * Who may call the route: the operation's permission; for a route of several operations the one
 * the lowest role holds (whoever may run at least one of them), the service then checks the chosen
 * operation's own. The rate-limit class is `expensive` when any of them is.
 */
export function routeAccess(variants: readonly Operation[]): { permission: Permission; expensive: boolean } {
  const permission = variants
    .map((op) => op.permission)
    .reduce((a, b) => (ROLE_RANK[PERMISSIONS[b]] < ROLE_RANK[PERMISSIONS[a]] ? b : a));
  return { permission, expensive: variants.some((op) => op.expensive) };
}

/** The `:name` segments of a path: input fields taken from the path. */
const pathFields = (path: string): string[] => [...path.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');

function inputShape(op: Operation): z.ZodObject {
  if (!(op.input instanceof z.ZodObject)) throw new Error(`${op.name}: a REST route needs an object input`);
  return op.input;
}

/** A field as the query string carries it: text, numbers coerced, a default left to the operation. */
function queryField(op: Operation, name: string, field: z.ZodType): z.ZodType {
  const wrapped = field instanceof z.ZodDefault || field instanceof z.ZodOptional;
  const inner: z.ZodType = wrapped ? (field.unwrap() as z.ZodType) : field;
  if (['boolean', 'object', 'array', 'record', 'tuple'].includes(inner._zod.def.type)) {
    throw new Error(`${op.name}: ${name} cannot come from the query string; use a POST body`);
  }
  if (inner instanceof z.ZodNumber) {
    const coerced = inner.clone({ ...inner._zod.def, coerce: true });
    return wrapped ? coerced.optional() : coerced;
  }
  return field instanceof z.ZodDefault ? inner.optional() : field;
}

/** A field of a shared route's body: every default is the chosen operation's. */
const variantField = (field: z.ZodType): z.ZodType =>
  field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType).optional() : field;

/** The route's validation schemas, from the operation's input and where each field comes from. */
export function routeSchema(r: RestRoute): RouteSchema {
  const [op] = r.variants;
  if (op === undefined) throw new Error('a route without an operation');
  const shape = inputShape(op).shape as Record<string, z.ZodType>;
  const inPath = pathFields(r.rest.path);
  const pathShape: Record<string, z.ZodType> = {};
  for (const name of inPath) {
    const field = r.rest.pathSchemas?.[name] ?? shape[name];
    if (field === undefined) throw new Error(`${op.name}: :${name} is not an input field`);
    pathShape[name] = field;
  }
  const rest = Object.entries(shape).filter(([name]) => !inPath.includes(name));
  const params = inPath.length === 0 ? connectionParams : connectionParams.extend(pathShape);
  const response = { 200: op.output };
  const variant = r.rest.variant;
  if (variant !== undefined) {
    const values = r.variants.map((v) => v.rest.variant?.value ?? '');
    const body = z.strictObject({
      ...Object.fromEntries(rest.map(([name, field]) => [name, variantField(field)])),
      [variant.field]: z.enum(values as [string, ...string[]]),
    });
    return { params, body, response };
  }
  if (r.rest.method === 'GET' || r.rest.method === 'DELETE') {
    const querystring = z.strictObject(
      Object.fromEntries(rest.map(([name, field]) => [name, queryField(op, name, field)])),
    );
    return { params, querystring, response };
  }
  const omitted = Object.fromEntries(inPath.map((n) => [n, true as const])) as Record<string, true> &
    Record<number, never>;
  const body = inPath.length === 0 ? op.input : inputShape(op).omit(omitted);
  return { params, body, response };
}

/** `filename*=` per RFC 6266 / 5987: the key's last segment, percent-encoded. */
function attachment(key: string): string {
  const name =
    key
      .split('/')
      .filter((s) => s !== '')
      .pop() ?? 'download';
  return `attachment; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** Method, URL, summary, permission and rate-limit class of a hand-written (streamed) route. */
function declaredBy(op: Operation) {
  return {
    method: op.rest.method,
    url: `${BASE}${op.rest.path}`,
    summary: op.rest.summary,
    tags: TAGS,
    auth: { org: op.permission },
    ...(op.expensive ? { rateLimit: 'expensive' as const } : {}),
  };
}

export const operationsRoutes: FastifyPluginAsyncZod<OperationsRoutesOptions> = async (app, opts) => {
  const { guard, service } = opts;

  // Aborted when the client disconnects before its answer was sent (see OperationContext.signal).
  const disconnects = new WeakMap<FastifyRequest, AbortSignal>();
  app.addHook('onRequest', async (request, reply) => {
    disconnects.set(request, abortOnDisconnect(reply.raw));
  });

  const run = (request: FastifyRequest, op: Operation, input: Record<string, unknown>) => {
    const params = request.params as { connId: string };
    const signal = disconnects.get(request);
    return service.run(
      requireOrgActor(request),
      params.connId,
      op,
      defined(input),
      signal === undefined ? {} : { signal },
    );
  };

  /* ------------------------------------------------------------- from the catalogue */

  for (const r of restRoutes(OPERATIONS)) {
    const { permission, expensive } = routeAccess(r.variants);
    const variant = r.rest.variant;
    route(app, guard, {
      method: r.rest.method,
      url: `${BASE}${r.rest.path}`,
      auth: { org: permission },
      ...(expensive ? { rateLimit: 'expensive' as const } : {}),
      tags: TAGS,
      summary: r.rest.summary,
      ...(r.rest.bodyLimit === undefined ? {} : { bodyLimit: r.rest.bodyLimit }),
      schema: routeSchema(r),
      handler: async (request) => {
        // Validated by the route's schemas: the path's own fields, then the query string or body.
        const { orgId: _org, connId: _conn, ...fromPath } = request.params as Record<string, string>;
        const input: Record<string, unknown> = {
          ...fromPath,
          ...(request.query as Record<string, unknown> | undefined),
          ...(request.body as Record<string, unknown> | undefined),
        };
        if (variant === undefined) return run(request, r.variants[0] as Operation, input);
        const { [variant.field]: chosen, ...rest } = input;
        const op = r.variants.find((v) => v.rest.variant?.value === chosen);
        if (op === undefined) throw new AppError(ErrorCode.VALIDATION_FAILED);
        return run(request, op, rest);
      },
    });
  }

  /* ------------------------------------------------------------- streamed S3 routes */

  const bucketParams = connectionParams.extend({ bucket: bucketSchema });
  route(app, guard, {
    ...declaredBy(listObjectsStream),
    schema: {
      params: bucketParams,
      querystring: z.strictObject({
        prefix: prefixSchema.optional(),
        delimiter: delimiterSchema.optional(),
        region: optionalRegion,
      }),
    },
    handler: async (request, reply) => {
      const stream = (await run(request, listObjectsStream, {
        bucket: request.params.bucket,
        ...request.query,
      })) as Readable;
      abortWhenStalled(reply.raw, stream, opts.streamStallTimeoutMs);
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(stream);
    },
  });

  const objectQuery = z.strictObject({ key: objectKeySchema, region: optionalRegion });
  route(app, guard, {
    ...declaredBy(getObject),
    schema: {
      params: bucketParams,
      querystring: objectQuery,
      headers: z.object({ range: z.string().max(40).optional() }),
    },
    handler: async (request, reply) => {
      const result = (await run(request, getObject, {
        bucket: request.params.bucket,
        key: request.query.key,
        region: request.query.region,
        range: request.headers.range,
      })) as DownloadResult;
      abortWhenStalled(reply.raw, result.body, opts.streamStallTimeoutMs);
      return sendDownload(reply, request.query.key, result);
    },
  });

  // Uploads get their own encapsulated context: a raw-stream parser for any content type and a
  // body limit of their own (the global 1 MiB limit stays for every other route).
  await app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    route(child.withTypeProvider<ZodTypeProvider>(), guard, {
      ...declaredBy(putObject),
      bodyLimit: Math.min(opts.maxUploadBytes, MAX_SINGLE_PUT_BYTES),
      // Exempt from the request deadline (a large upload takes as long as it takes), held to the
      // upload throughput floor instead.
      config: { bodyTimeout: 'throughput' },
      schema: {
        params: bucketParams,
        querystring: objectQuery,
        response: { 200: putObject.output },
      },
      handler: async (request) => {
        const lengthHeader = request.headers['content-length'];
        if (typeof lengthHeader !== 'string' || !/^\d{1,13}$/.test(lengthHeader)) {
          throw new AppError(ErrorCode.BAD_REQUEST, 'Uploads need a Content-Length header.');
        }
        const contentLength = Number(lengthHeader);
        if (contentLength > opts.maxUploadBytes) {
          throw new AppError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            `Uploads are limited to ${opts.maxUploadBytes} bytes.`,
            {
              details: { maxBytes: opts.maxUploadBytes },
            },
          );
        }
        const rawType = request.headers['content-type'];
        const contentType =
          typeof rawType === 'string' && rawType !== '' ? rawType : 'application/octet-stream';
        if (!contentTypeSchema.safeParse(contentType).success) {
          throw new AppError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            'The Content-Type header is not a valid MIME type.',
          );
        }
        return run(request, putObject, {
          bucket: request.params.bucket,
          key: request.query.key,
          region: request.query.region,
          contentType,
          contentLength,
          body: request.body as Readable,
        });
      },
    });
  });
};

function sendDownload(reply: FastifyReply, key: string, result: DownloadResult): FastifyReply {
  reply
    .code(result.status)
    .header('content-type', result.contentType)
    .header('accept-ranges', 'bytes')
    .header('cache-control', 'private, no-store')
    // Never rendered by a browser on Rolegate's origin, whatever the object's type.
    .header('content-disposition', attachment(key))
    .header('content-security-policy', "sandbox; default-src 'none'");
  if (result.contentLength !== undefined) reply.header('content-length', String(result.contentLength));
  if (result.contentRange !== undefined) reply.header('content-range', result.contentRange);
  if (result.etag !== undefined) reply.header('etag', result.etag);
  if (result.lastModified !== undefined) reply.header('last-modified', result.lastModified);
  return reply.send(result.body);
}
