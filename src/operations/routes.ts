import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCode } from '../core/errors.ts';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { abortOnDisconnect, abortWhenStalled } from '../http/transport-limits.ts';
import type { Permission } from '../identity/rbac.ts';
import { describeTable, getItem, listTables, query } from './dynamodb.ts';
import { getFunction, invokeFunction, listFunctions } from './lambda.ts';
import {
  cancelInsightsQuery,
  filterLogEvents,
  getInsightsResults,
  listLogGroups,
  startInsightsQuery,
} from './logs.ts';
import {
  contentTypeSchema,
  type DownloadResult,
  delimiterSchema,
  getObject,
  listBuckets,
  listObjects,
  listObjectsStream,
  MAX_SINGLE_PUT_BYTES,
  presignGet,
  presignPut,
  putObject,
} from './s3.ts';
import type { OperationsService } from './service.ts';
import type { Operation } from './types.ts';
import {
  awsCursorSchema,
  bucketSchema,
  functionNameSchema,
  objectKeySchema,
  optionalRegion,
  prefixSchema,
  tableNameSchema,
} from './validation.ts';

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
const bucketParams = connectionParams.extend({ bucket: bucketSchema });
const tableParams = connectionParams.extend({ table: tableNameSchema });
const functionParams = connectionParams.extend({ function: functionNameSchema });
const queryIdParams = connectionParams.extend({ queryId: z.string().min(1).max(200) });

const limitQuery = (max: number) => z.coerce.number().int().min(1).max(max).optional();
const regionQuery = z.strictObject({ region: optionalRegion });
const pageQuery = (max: number) =>
  z.strictObject({ cursor: awsCursorSchema.optional(), limit: limitQuery(max), region: optionalRegion });

const BASE = '/v1/orgs/:orgId/connections/:connId';

/** Drops undefined values so the operation's defaults apply. */
function defined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/** Who may run the operation and its rate-limit class, as the catalogue declares them. */
function declaredBy(op: Operation): { auth: { org: Permission }; rateLimit?: 'expensive' } {
  return op.expensive
    ? { auth: { org: op.permission }, rateLimit: 'expensive' }
    : { auth: { org: op.permission } };
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

export const operationsRoutes: FastifyPluginAsyncZod<OperationsRoutesOptions> = async (app, opts) => {
  const { guard, service } = opts;
  const tags = ['operations'];

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

  /* ------------------------------------------------------------------ S3 */

  route(app, guard, {
    method: 'GET',
    url: `${BASE}/s3/buckets`,
    ...declaredBy(listBuckets),
    tags,
    summary: 'List S3 buckets',
    schema: {
      params: connectionParams,
      querystring: pageQuery(1000),
      response: { 200: listBuckets.output },
    },
    handler: async (request) => run(request, listBuckets, { ...request.query }),
  });

  const objectsQuery = z.strictObject({
    prefix: prefixSchema.optional(),
    delimiter: delimiterSchema.optional(),
    cursor: awsCursorSchema.optional(),
    limit: limitQuery(1000),
    region: optionalRegion,
  });
  route(app, guard, {
    method: 'GET',
    url: `${BASE}/s3/buckets/:bucket/objects`,
    ...declaredBy(listObjects),
    tags,
    summary: 'List objects (one page)',
    schema: {
      params: bucketParams,
      querystring: objectsQuery,
      response: { 200: listObjects.output },
    },
    handler: async (request) =>
      run(request, listObjects, { bucket: request.params.bucket, ...request.query }),
  });

  route(app, guard, {
    method: 'GET',
    url: `${BASE}/s3/buckets/:bucket/objects.ndjson`,
    ...declaredBy(listObjectsStream),
    tags,
    summary: 'Stream every object under a prefix as NDJSON',
    schema: {
      params: bucketParams,
      querystring: objectsQuery.omit({ cursor: true, limit: true }),
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
    method: 'GET',
    url: `${BASE}/s3/buckets/:bucket/object`,
    ...declaredBy(getObject),
    tags,
    summary: 'Download an object (streamed; Range supported)',
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
    route(child.withTypeProvider<import('fastify-type-provider-zod').ZodTypeProvider>(), guard, {
      method: 'PUT',
      url: `${BASE}/s3/buckets/:bucket/object`,
      ...declaredBy(putObject),
      tags,
      summary: 'Upload an object (raw body, streamed)',
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

  const presignBody = z.strictObject({
    bucket: bucketSchema,
    key: objectKeySchema,
    method: z.enum(['GET', 'PUT']),
    expiresIn: z.number().int().min(1).max(900).optional(),
    region: optionalRegion,
  });
  route(app, guard, {
    method: 'POST',
    url: `${BASE}/s3/presign`,
    auth: { org: 's3:read' },
    tags,
    summary: 'Presigned GET/PUT URL for one object (≤ 15 min)',
    schema: {
      params: connectionParams,
      body: presignBody,
      response: { 200: presignGet.output },
    },
    handler: async (request) => {
      const { method, ...rest } = request.body;
      return run(request, method === 'GET' ? presignGet : presignPut, rest);
    },
  });

  /* ------------------------------------------------------------------ CloudWatch Logs */

  route(app, guard, {
    method: 'GET',
    url: `${BASE}/logs/groups`,
    ...declaredBy(listLogGroups),
    tags,
    summary: 'List log groups',
    schema: {
      params: connectionParams,
      querystring: pageQuery(50).extend({ prefix: listLogGroups.input.shape.prefix }),
      response: { 200: listLogGroups.output },
    },
    handler: async (request) => run(request, listLogGroups, { ...request.query }),
  });

  route(app, guard, {
    method: 'POST',
    url: `${BASE}/logs/events`,
    ...declaredBy(filterLogEvents),
    tags,
    summary: 'Filter log events',
    schema: {
      params: connectionParams,
      body: filterLogEvents.input,
      response: { 200: filterLogEvents.output },
    },
    handler: async (request) => run(request, filterLogEvents, { ...request.body }),
  });

  route(app, guard, {
    method: 'POST',
    url: `${BASE}/logs/insights`,
    ...declaredBy(startInsightsQuery),
    tags,
    summary: 'Run a Logs Insights query (waits up to waitSeconds)',
    schema: {
      params: connectionParams,
      body: startInsightsQuery.input,
      response: { 200: startInsightsQuery.output },
    },
    handler: async (request) => run(request, startInsightsQuery, { ...request.body }),
  });

  route(app, guard, {
    method: 'GET',
    url: `${BASE}/logs/insights/:queryId`,
    ...declaredBy(getInsightsResults),
    tags,
    summary: 'Logs Insights query status and results',
    schema: {
      params: queryIdParams,
      querystring: regionQuery,
      response: { 200: getInsightsResults.output },
    },
    handler: async (request) =>
      run(request, getInsightsResults, { queryId: request.params.queryId, ...request.query }),
  });

  route(app, guard, {
    method: 'DELETE',
    url: `${BASE}/logs/insights/:queryId`,
    ...declaredBy(cancelInsightsQuery),
    tags,
    summary: 'Cancel a Logs Insights query',
    schema: {
      params: queryIdParams,
      querystring: regionQuery,
      response: { 200: cancelInsightsQuery.output },
    },
    handler: async (request) =>
      run(request, cancelInsightsQuery, { queryId: request.params.queryId, ...request.query }),
  });

  /* ------------------------------------------------------------------ DynamoDB */

  route(app, guard, {
    method: 'GET',
    url: `${BASE}/dynamodb/tables`,
    ...declaredBy(listTables),
    tags,
    summary: 'List DynamoDB tables',
    schema: {
      params: connectionParams,
      querystring: z.strictObject({
        cursor: tableNameSchema.optional(),
        limit: limitQuery(100),
        region: optionalRegion,
      }),
      response: { 200: listTables.output },
    },
    handler: async (request) => run(request, listTables, { ...request.query }),
  });

  route(app, guard, {
    method: 'GET',
    url: `${BASE}/dynamodb/tables/:table`,
    ...declaredBy(describeTable),
    tags,
    summary: 'Describe a DynamoDB table',
    schema: {
      params: tableParams,
      querystring: regionQuery,
      response: { 200: describeTable.output },
    },
    handler: async (request) =>
      run(request, describeTable, { table: request.params.table, ...request.query }),
  });

  route(app, guard, {
    method: 'POST',
    url: `${BASE}/dynamodb/tables/:table/item`,
    ...declaredBy(getItem),
    tags,
    summary: 'Get one item by primary key',
    schema: {
      params: tableParams,
      body: getItem.input.omit({ table: true }),
      response: { 200: getItem.output },
    },
    handler: async (request) => run(request, getItem, { table: request.params.table, ...request.body }),
  });

  route(app, guard, {
    method: 'POST',
    url: `${BASE}/dynamodb/tables/:table/query`,
    ...declaredBy(query),
    tags,
    summary: 'Query by partition key (and sort key condition)',
    schema: {
      params: tableParams,
      body: query.input.omit({ table: true }),
      response: { 200: query.output },
    },
    handler: async (request) => run(request, query, { table: request.params.table, ...request.body }),
  });

  /* ------------------------------------------------------------------ Lambda */

  route(app, guard, {
    method: 'GET',
    url: `${BASE}/lambda/functions`,
    ...declaredBy(listFunctions),
    tags,
    summary: 'List Lambda functions',
    schema: {
      params: connectionParams,
      querystring: pageQuery(50),
      response: { 200: listFunctions.output },
    },
    handler: async (request) => run(request, listFunctions, { ...request.query }),
  });

  route(app, guard, {
    method: 'GET',
    url: `${BASE}/lambda/functions/:function`,
    ...declaredBy(getFunction),
    tags,
    summary: 'Get a Lambda function’s configuration',
    schema: {
      params: functionParams,
      querystring: regionQuery,
      response: { 200: getFunction.output },
    },
    handler: async (request) =>
      run(request, getFunction, { function: request.params.function, ...request.query }),
  });

  route(app, guard, {
    method: 'POST',
    url: `${BASE}/lambda/functions/:function/invoke`,
    ...declaredBy(invokeFunction),
    tags,
    summary: 'Invoke a Lambda function synchronously',
    // Room for a 256 KiB payload once escaped inside the JSON body.
    bodyLimit: 1024 * 1024,
    schema: {
      params: functionParams,
      body: invokeFunction.input.omit({ function: true }),
      response: { 200: invokeFunction.output },
    },
    handler: async (request) =>
      run(request, invokeFunction, { function: request.params.function, ...request.body }),
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
