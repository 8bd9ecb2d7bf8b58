import { Readable, Transform } from 'node:stream';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListBucketsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import type { UsableConnection } from '../connections/types.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { defineOperation } from './define.ts';
import type { CallTarget, OperationContext } from './types.ts';
import {
  awsCursorSchema,
  bucketSchema,
  checkBucket,
  checkKey,
  escapeArnPart,
  forbidden,
  objectKeySchema,
  optionalRegion,
  prefixSchema,
  statement,
} from './validation.ts';

export const MAX_LIST_LIMIT = 1000;
export const MAX_PRESIGN_SECONDS = 900;
/** S3's own ceiling for a single PutObject. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

const bucketArn = (t: CallTarget, bucket: string) => `arn:${t.partition}:s3:::${bucket}`;
const objectArn = (t: CallTarget, bucket: string, key: string) =>
  `arn:${t.partition}:s3:::${bucket}/${escapeArnPart(key)}`;

const s3Client = (ctx: OperationContext) => ctx.clients.s3(ctx.credentials, ctx.target.region);

function checkPrefix(bucket: string, prefix: string, connection: UsableConnection): void {
  checkBucket(bucket, connection.scopes);
  const allowed = connection.scopes.s3Prefixes;
  if (allowed.length > 0 && !allowed.some((p) => prefix.startsWith(p))) {
    throw forbidden(
      'The prefix is outside the key prefixes this connection allows; list within one of them.',
      {
        allowedPrefixes: allowed,
      },
    );
  }
}

/* ---------------------------------------------------------------- list buckets */

const bucketItem = z.object({
  name: z.string(),
  createdAt: z.string().nullable(),
  region: z.string().nullable(),
});

export const listBuckets = defineOperation({
  name: 's3.list_buckets',
  description:
    'List the S3 buckets of the connected AWS account (only the buckets the connection allows). Returns {items:[{name,createdAt,region}], nextCursor}.',
  input: z.strictObject({
    cursor: awsCursorSchema.optional(),
    limit: z.number().int().min(1).max(MAX_LIST_LIMIT).default(MAX_LIST_LIMIT),
    region: optionalRegion,
  }),
  output: z.object({ items: z.array(bucketItem), nextCursor: z.string().nullable() }),
  permission: 's3:read',
  capability: 's3-read',
  rest: { method: 'GET', path: '/s3/buckets', summary: 'List S3 buckets' },
  action: 's3:ListAllMyBuckets',
  region: (i) => i.region,
  scope: () => {},
  policy: () => [statement(['s3:ListAllMyBuckets'], ['*'])],
  resource: (_i, t) => `arn:${t.partition}:s3:::*`,
  async handler(ctx, input) {
    const out = await s3Client(ctx).send(
      new ListBucketsCommand({
        MaxBuckets: input.limit,
        ...(input.cursor ? { ContinuationToken: input.cursor } : {}),
      }),
    );
    const allowed = ctx.connection.scopes.s3Buckets;
    return {
      items: (out.Buckets ?? [])
        .filter((b) => b.Name !== undefined && (allowed.length === 0 || allowed.includes(b.Name)))
        .map((b) => ({
          name: b.Name ?? '',
          createdAt: b.CreationDate?.toISOString() ?? null,
          region: b.BucketRegion ?? null,
        })),
      nextCursor: out.ContinuationToken ?? null,
    };
  },
});

/* ---------------------------------------------------------------- list objects */

export const delimiterSchema = z
  .string()
  .min(1)
  .max(8)
  .refine((v) => !/\p{Cc}/u.test(v), 'must not contain control characters');

const objectItem = z.object({ key: z.string(), size: z.number(), lastModified: z.string().nullable() });

export const listObjectsInput = z.strictObject({
  bucket: bucketSchema,
  prefix: prefixSchema.default(''),
  delimiter: delimiterSchema.optional(),
  cursor: awsCursorSchema.optional(),
  limit: z.number().int().min(1).max(MAX_LIST_LIMIT).default(MAX_LIST_LIMIT),
  region: optionalRegion,
});
type ListObjectsInput = z.infer<typeof listObjectsInput>;

function listPolicy(input: { bucket: string; prefix: string }, t: CallTarget) {
  return [
    statement(
      ['s3:ListBucket'],
      [bucketArn(t, input.bucket)],
      input.prefix === '' ? undefined : { StringEquals: { 's3:prefix': input.prefix } },
    ),
  ];
}

function listCommand(
  input: Pick<ListObjectsInput, 'bucket' | 'prefix' | 'delimiter'>,
  cursor: string | undefined,
  limit: number,
) {
  return new ListObjectsV2Command({
    Bucket: input.bucket,
    MaxKeys: limit,
    ...(input.prefix === '' ? {} : { Prefix: input.prefix }),
    ...(input.delimiter === undefined ? {} : { Delimiter: input.delimiter }),
    ...(cursor === undefined ? {} : { ContinuationToken: cursor }),
  });
}

const toItem = (o: {
  Key?: string | undefined;
  Size?: number | undefined;
  LastModified?: Date | undefined;
}) => ({
  key: o.Key ?? '',
  size: o.Size ?? 0,
  lastModified: o.LastModified?.toISOString() ?? null,
});

export const listObjects = defineOperation({
  name: 's3.list_objects',
  description:
    'List objects in an S3 bucket under a prefix, one page at a time (limit ≤ 1000). With delimiter "/" common prefixes are returned as folders. Pass nextCursor back as cursor for the next page.',
  input: listObjectsInput,
  output: z.object({
    items: z.array(objectItem),
    prefixes: z.array(z.string()),
    nextCursor: z.string().nullable(),
  }),
  permission: 's3:read',
  capability: 's3-read',
  rest: { method: 'GET', path: '/s3/buckets/:bucket/objects', summary: 'List objects (one page)' },
  action: 's3:ListBucket',
  region: (i) => i.region,
  scope: (i, c) => checkPrefix(i.bucket, i.prefix, c),
  s3Path: (i) => ({ bucket: i.bucket, path: i.prefix }),
  policy: listPolicy,
  resource: (i, t) => `${bucketArn(t, i.bucket)}/${i.prefix}`,
  async handler(ctx, input) {
    const out = await s3Client(ctx).send(listCommand(input, input.cursor, input.limit));
    return {
      items: visibleObjects(out, ctx.hiddenS3Prefixes).map(toItem),
      prefixes: visiblePrefixes(out, ctx.hiddenS3Prefixes),
      nextCursor: out.IsTruncated === true ? (out.NextContinuationToken ?? null) : null,
    };
  },
});

type PageResult = { ok: true; page: ListObjectsV2CommandOutput } | { ok: false; err: unknown };

/** A page of a listing as NDJSON: its objects, then its folders (`{"prefix": …}`). */
function pageLines(page: ListObjectsV2CommandOutput, hidden: readonly string[]): string {
  let text = '';
  for (const o of visibleObjects(page, hidden)) text += `${JSON.stringify(toItem(o))}\n`;
  for (const p of visiblePrefixes(page, hidden)) text += `${JSON.stringify({ prefix: p })}\n`;
  return text;
}

/** A wider listing leaves out the delivered audit export (names included; see reserved.ts). */
const isHidden = (key: string | undefined, hidden: readonly string[]) =>
  key !== undefined && hidden.some((h) => key.startsWith(h));
function visibleObjects(page: ListObjectsV2CommandOutput, hidden: readonly string[]) {
  return (page.Contents ?? []).filter((o) => !isHidden(o.Key, hidden));
}
function visiblePrefixes(page: ListObjectsV2CommandOutput, hidden: readonly string[]): string[] {
  return (page.CommonPrefixes ?? []).flatMap((p) =>
    p.Prefix === undefined || isHidden(p.Prefix, hidden) ? [] : [p.Prefix],
  );
}

/**
 * The whole prefix as NDJSON (one object per line, then a `{"prefix": …}` line per folder),
 * paging through ListObjectsV2. The first page is fetched before the response starts (so errors get
 * a proper status); the rest are fetched only as fast as the client reads (a pull-based stream with
 * one page of lookahead).
 */
export const listObjectsStream = defineOperation({
  name: 's3.list_objects_stream',
  description: 'Stream every object under a prefix as NDJSON (REST only).',
  input: listObjectsInput.omit({ cursor: true, limit: true }),
  output: z.instanceof(Readable),
  permission: 's3:read',
  capability: 's3-read',
  lane: 'long',
  exposure: 'rest',
  rest: {
    method: 'GET',
    path: '/s3/buckets/:bucket/objects.ndjson',
    summary: 'Stream every object under a prefix as NDJSON',
    streamed: true,
  },
  action: 's3:ListBucket',
  region: (i) => i.region,
  scope: (i, c) => checkPrefix(i.bucket, i.prefix, c),
  s3Path: (i) => ({ bucket: i.bucket, path: i.prefix }),
  policy: listPolicy,
  resource: (i, t) => `${bucketArn(t, i.bucket)}/${i.prefix}`,
  async handler(ctx, input) {
    const client = s3Client(ctx);
    const first = await client.send(listCommand(input, undefined, MAX_LIST_LIMIT));
    // Settled, never rejected: a prefetch still in flight when the client goes away must not
    // become an unhandled rejection.
    const fetchPage = (token: string): Promise<PageResult> =>
      client.send(listCommand(input, token, MAX_LIST_LIMIT)).then(
        (page) => ({ ok: true, page }),
        (err: unknown) => ({ ok: false, err }),
      );
    async function* pages(): AsyncGenerator<string> {
      let page: ListObjectsV2CommandOutput = first;
      for (;;) {
        const token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
        // One page of lookahead: the next page is on its way from S3 while this one is serialised
        // and sent. Still pull-based: the generator does not resume (and no third page is asked
        // for) until the client has taken this one, so at most two pages are held.
        const next = token === undefined ? undefined : fetchPage(token);
        const text = pageLines(page, ctx.hiddenS3Prefixes);
        if (text !== '') yield text;
        if (next === undefined) return;
        const result = await next;
        if (!result.ok) {
          const code =
            result.err instanceof Error && /throttl|slowdown/i.test(result.err.name)
              ? 'aws_throttled'
              : 'aws_request_failed';
          yield `${JSON.stringify({ error: { code, message: 'The listing stopped before the end; retry.' } })}\n`;
          return;
        }
        page = result.page;
      }
    }
    // One chunk per page (not per line): a million objects are a thousand writes, not a million.
    return Readable.from(pages(), { objectMode: false, highWaterMark: 16 * 1024 });
  },
});

/* ---------------------------------------------------------------- download */

const RANGE = /^bytes=(\d{1,15})?-(\d{1,15})?$/;

export const getObjectInput = z.strictObject({
  bucket: bucketSchema,
  key: objectKeySchema,
  range: z
    .string()
    .max(40)
    .refine((v) => {
      const m = RANGE.exec(v);
      return (
        m !== null &&
        (m[1] !== undefined || m[2] !== undefined) &&
        (m[1] === undefined || m[2] === undefined || Number(m[1]) <= Number(m[2]))
      );
    }, 'must be a single byte range like bytes=0-1023')
    .optional(),
  region: optionalRegion,
});

export interface DownloadResult {
  status: 200 | 206;
  body: Readable;
  contentType: string;
  contentLength: number | undefined;
  contentRange: string | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
}

function objectPolicy(action: string) {
  return (i: { bucket: string; key: string }, t: CallTarget) => [
    statement([action], [objectArn(t, i.bucket, i.key)]),
  ];
}

export const getObject = defineOperation({
  name: 's3.get_object',
  description: 'Download an object, streamed (REST only; Range requests answer 206).',
  input: getObjectInput,
  output: z.custom<DownloadResult>(),
  permission: 's3:read',
  capability: 's3-read',
  lane: 'long',
  exposure: 'rest',
  rest: {
    method: 'GET',
    path: '/s3/buckets/:bucket/object',
    summary: 'Download an object (streamed; Range supported)',
    streamed: true,
  },
  action: 's3:GetObject',
  region: (i) => i.region,
  scope: (i, c) => checkKey(i.bucket, i.key, c.scopes),
  s3Path: (i) => ({ bucket: i.bucket, path: i.key }),
  policy: objectPolicy('s3:GetObject'),
  resource: (i, t) => objectArn(t, i.bucket, i.key),
  async handler(ctx, input): Promise<DownloadResult> {
    const out: GetObjectCommandOutput = await s3Client(ctx).send(
      new GetObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        ...(input.range ? { Range: input.range } : {}),
      }),
    );
    const body = out.Body;
    if (!(body instanceof Readable)) {
      throw new AppError(ErrorCode.AWS_REQUEST_FAILED, 'S3 returned no object body.');
    }
    if (out.ContentLength !== undefined && out.ContentLength > ctx.limits.maxDownloadBytes) {
      body.destroy();
      throw new AppError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        `The object is larger than the ${ctx.limits.maxDownloadBytes}-byte download limit; request a byte range or a presigned URL.`,
        { details: { maxBytes: ctx.limits.maxDownloadBytes } },
      );
    }
    return {
      status: input.range !== undefined && out.ContentRange !== undefined ? 206 : 200,
      body,
      contentType: out.ContentType ?? 'application/octet-stream',
      contentLength: out.ContentLength,
      contentRange: out.ContentRange,
      etag: out.ETag,
      lastModified: out.LastModified?.toUTCString(),
    };
  },
});

/* ---------------------------------------------------------------- upload */

/** Counts bytes on the way through and fails the stream past `max` (a lying client cannot exceed it). */
export function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) cb(new AppError(ErrorCode.PAYLOAD_TOO_LARGE));
      else cb(null, chunk);
    },
  });
}

export const contentTypeSchema = z
  .string()
  .max(256)
  .regex(/^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"\r\n]*"|[\w.+-]+))*$/, 'must be a MIME type');

export const putObject = defineOperation({
  name: 's3.put_object',
  description: 'Upload an object, streamed (REST only).',
  input: z.strictObject({
    bucket: bucketSchema,
    key: objectKeySchema,
    contentType: contentTypeSchema.default('application/octet-stream'),
    contentLength: z.number().int().min(0).max(MAX_SINGLE_PUT_BYTES),
    body: z.instanceof(Readable),
    region: optionalRegion,
  }),
  output: z.object({
    bucket: z.string(),
    key: z.string(),
    size: z.number(),
    etag: z.string().nullable(),
    versionId: z.string().nullable(),
  }),
  permission: 's3:write',
  capability: 's3-write',
  lane: 'long',
  exposure: 'rest',
  rest: {
    method: 'PUT',
    path: '/s3/buckets/:bucket/object',
    summary: 'Upload an object (raw body, streamed)',
    streamed: true,
  },
  action: 's3:PutObject',
  region: (i) => i.region,
  scope: (i, c) => checkKey(i.bucket, i.key, c.scopes),
  s3Path: (i) => ({ bucket: i.bucket, path: i.key }),
  policy: objectPolicy('s3:PutObject'),
  resource: (i, t) => objectArn(t, i.bucket, i.key),
  async handler(ctx, input) {
    if (input.contentLength > ctx.limits.maxUploadBytes) {
      throw new AppError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        `Uploads are limited to ${ctx.limits.maxUploadBytes} bytes.`,
        {
          details: { maxBytes: ctx.limits.maxUploadBytes },
        },
      );
    }
    const body = input.body.pipe(byteLimit(input.contentLength));
    input.body.on('error', (err) => body.destroy(err));
    const out = await s3Client(ctx).send(
      new PutObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        Body: body,
        ContentLength: input.contentLength,
        ContentType: input.contentType,
      }),
    );
    return {
      bucket: input.bucket,
      key: input.key,
      size: input.contentLength,
      etag: out.ETag ?? null,
      versionId: out.VersionId ?? null,
    };
  },
});

/* ---------------------------------------------------------------- presign */

const presignInput = z.strictObject({
  bucket: bucketSchema,
  key: objectKeySchema,
  expiresIn: z.number().int().min(1).max(MAX_PRESIGN_SECONDS).default(300),
  region: optionalRegion,
});
const presignOutput = z.object({
  url: z.string(),
  method: z.enum(['GET', 'PUT']),
  expiresIn: z.number(),
  expiresAt: z.string(),
});

async function presign(ctx: OperationContext, method: 'GET' | 'PUT', input: z.infer<typeof presignInput>) {
  const now = ctx.now().getTime();
  // The URL cannot outlive the session credentials that sign it.
  const expiration = ctx.credentials.expiration?.getTime();
  const remaining = expiration === undefined ? input.expiresIn : Math.floor((expiration - now) / 1000);
  const expiresIn = Math.min(input.expiresIn, remaining);
  if (expiresIn < 1)
    throw new AppError(ErrorCode.AWS_UNAVAILABLE, 'The session expired; retry.', { retryAfter: 1 });
  const command =
    method === 'GET'
      ? new GetObjectCommand({ Bucket: input.bucket, Key: input.key })
      : new PutObjectCommand({ Bucket: input.bucket, Key: input.key });
  const url = await getSignedUrl(s3Client(ctx), command, { expiresIn });
  return { url, method, expiresIn, expiresAt: new Date(now + expiresIn * 1000).toISOString() };
}

/** Presigned GET and PUT differ only in the S3 action, the permission and the capability. */
function presignOperation(spec: {
  method: 'GET' | 'PUT';
  name: string;
  description: string;
  permission: 's3:read' | 's3:write';
  capability: 's3-read' | 's3-write';
  action: 's3:GetObject' | 's3:PutObject';
}) {
  return defineOperation({
    name: spec.name,
    description: spec.description,
    input: presignInput,
    output: presignOutput,
    permission: spec.permission,
    capability: spec.capability,
    // One route for both; `method` in the body picks the operation.
    rest: {
      method: 'POST',
      path: '/s3/presign',
      summary: 'Presigned GET/PUT URL for one object (≤ 15 min)',
      variant: { field: 'method', value: spec.method },
    },
    action: spec.action,
    region: (i) => i.region,
    scope: (i, c) => checkKey(i.bucket, i.key, c.scopes),
    s3Path: (i) => ({ bucket: i.bucket, path: i.key }),
    policy: objectPolicy(spec.action),
    resource: (i, t) => objectArn(t, i.bucket, i.key),
    minValiditySeconds: (i) => i.expiresIn,
    handler: (ctx, input) => presign(ctx, spec.method, input),
  });
}

export const presignGet = presignOperation({
  method: 'GET',
  name: 's3.presign_get',
  description:
    'Create a presigned URL to download one object directly from S3 (expiresIn ≤ 900 seconds, bounded by the session). The URL only allows s3:GetObject on that object.',
  permission: 's3:read',
  capability: 's3-read',
  action: 's3:GetObject',
});

export const presignPut = presignOperation({
  method: 'PUT',
  name: 's3.presign_put',
  description:
    'Create a presigned URL to upload one object directly to S3 with HTTP PUT (expiresIn ≤ 900 seconds, bounded by the session). The URL only allows s3:PutObject on that key.',
  permission: 's3:write',
  capability: 's3-write',
  action: 's3:PutObject',
});
