// A canned-response AWS endpoint for benchmarks and the hostile suite: answers STS AssumeRole and
// GetCallerIdentity, S3 ListBuckets / ListObjectsV2 / GetObject / PutObject (path-style), CloudWatch Logs
// FilterLogEvents and Lambda ListFunctions (empty) with realistic bodies, so that what is measured is Rolegate's own cost.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsStubOptions {
  /** Objects per simulated bucket listing (paged 1,000 at a time). */
  objectCount?: number;
  /** Size in bytes of every GetObject body. */
  objectSize?: number;
  /** Credentials handed out by AssumeRole (canaries in the hostile suite). */
  secretAccessKey?: string;
  sessionToken?: string;
  /** Credential lifetime handed out by AssumeRole, seconds. */
  credentialSeconds?: number;
}

export interface AwsStub {
  url: string;
  counts: Record<string, number>;
  /** The trust policy's external ID: AssumeRole with any other (or none) is AccessDenied, as in a safe account. */
  allowExternalId(id: string): void;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

function xml(res: ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'stub-request-id' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function key(i: number): string {
  return `logs/2026/11/${String(i).padStart(9, '0')}.json.gz`;
}

export async function startAwsStub(options: AwsStubOptions = {}): Promise<AwsStub> {
  const objectCount = options.objectCount ?? 2_500;
  const objectSize = options.objectSize ?? 1024 * 1024;
  const secret = options.secretAccessKey ?? 'stubSecretAccessKey0000000000000000000000';
  const token = options.sessionToken ?? 'stubSessionToken'.padEnd(300, 'x');
  const lifetime = options.credentialSeconds ?? 3600;
  const counts: Record<string, number> = {};
  const allowed = new Set<string>();
  const count = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://stub');
      const target = req.headers['x-amz-target'];
      const body = await readBody(req);
      if (req.method === 'POST' && typeof target === 'string' && target.startsWith('Logs_20140328.')) {
        const op = target.slice('Logs_20140328.'.length);
        count(`logs.${op}`);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        if (op === 'FilterLogEvents') {
          const now = Date.now();
          const events = Array.from({ length: 100 }, (_, i) => ({
            logStreamName: '2026/11/24/[$LATEST]abcdef',
            timestamp: now - i * 1000,
            message: `START RequestId: ${i} Version: $LATEST level=info msg="request handled" latency_ms=${i % 50}`,
            ingestionTime: now - i * 1000 + 5,
            eventId: `3789${i}`.padEnd(56, '0'),
          }));
          res.end(JSON.stringify({ events, searchedLogStreams: [] }));
        } else {
          res.end(
            JSON.stringify({
              logGroups: [
                { logGroupName: '/aws/lambda/demo', creationTime: 1700000000000, storedBytes: 1024 },
              ],
            }),
          );
        }
        return;
      }
      if (req.method === 'POST' && url.pathname === '/' && body.includes('Action=')) {
        const params = new URLSearchParams(body);
        const action = params.get('Action');
        count(`sts.${action}`);
        if (action === 'AssumeRole' && !allowed.has(params.get('ExternalId') ?? '')) {
          count('sts.AssumeRole.denied');
          xml(
            res,
            `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
              `<Message>User is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>stub</RequestId></ErrorResponse>`,
            403,
          );
        } else if (action === 'AssumeRole') {
          const exp = new Date(Date.now() + lifetime * 1000).toISOString();
          xml(
            res,
            `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
              `<Credentials><AccessKeyId>ASIASTUBSTUBSTUBSTUB</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey>` +
              `<SessionToken>${token}</SessionToken><Expiration>${exp}</Expiration></Credentials>` +
              `<AssumedRoleUser><AssumedRoleId>AROASTUB:${params.get('RoleSessionName')}</AssumedRoleId>` +
              `<Arn>arn:aws:sts::222222222222:assumed-role/customer/${params.get('RoleSessionName')}</Arn></AssumedRoleUser>` +
              `<PackedPolicySize>7</PackedPolicySize>${params.get('SourceIdentity') ? `<SourceIdentity>${params.get('SourceIdentity')}</SourceIdentity>` : ''}` +
              `</AssumeRoleResult><ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></AssumeRoleResponse>`,
          );
        } else if (action === 'GetCallerIdentity') {
          xml(
            res,
            `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
              `<Arn>arn:aws:iam::111111111111:role/rolegate-service</Arn><UserId>AROASTUB</UserId><Account>111111111111</Account>` +
              `</GetCallerIdentityResult><ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
          );
        } else {
          xml(
            res,
            `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>no</Message></Error></ErrorResponse>`,
            400,
          );
        }
        return;
      }
      if (req.method === 'GET' && url.pathname.startsWith('/2015-03-31/functions')) {
        count('lambda.ListFunctions');
        res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'stub-request-id' });
        res.end(JSON.stringify({ Functions: [] }));
        return;
      }
      // S3, path-style.
      const parts = url.pathname.split('/').filter((p) => p.length > 0);
      if (req.method === 'GET' && parts.length === 0) {
        count('s3.ListBuckets');
        const buckets = Array.from(
          { length: 20 },
          (_, i) =>
            `<Bucket><Name>bucket-${i}</Name><CreationDate>2025-01-0${(i % 9) + 1}T00:00:00.000Z</CreationDate></Bucket>`,
        ).join('');
        xml(
          res,
          `<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>owner</ID></Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
        );
        return;
      }
      if (req.method === 'GET' && parts.length === 1 && url.searchParams.get('list-type') === '2') {
        count('s3.ListObjectsV2');
        const max = Math.min(Number(url.searchParams.get('max-keys') ?? 1000), 1000);
        const start = Number(url.searchParams.get('continuation-token') ?? 0);
        const end = Math.min(start + max, objectCount);
        let contents = '';
        for (let i = start; i < end; i++) {
          contents += `<Contents><Key>${key(i)}</Key><LastModified>2026-11-01T00:00:00.000Z</LastModified><ETag>"etag${i}"</ETag><Size>${1000 + (i % 1000)}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
        }
        const truncated = end < objectCount;
        xml(
          res,
          `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${parts[0]}</Name><Prefix></Prefix>` +
            `<KeyCount>${end - start}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
            `${truncated ? `<NextContinuationToken>${end}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`,
        );
        return;
      }
      if (req.method === 'PUT' && parts.length >= 2) {
        count('s3.PutObject');
        res.writeHead(200, { etag: '"stub-put"', 'x-amz-request-id': 'stub-request-id' });
        res.end();
        return;
      }
      if (req.method === 'GET' && parts.length >= 2) {
        count('s3.GetObject');
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': String(objectSize),
          etag: '"stub"',
          'last-modified': 'Sun, 01 Nov 2026 00:00:00 GMT',
        });
        let left = objectSize;
        const pump = () => {
          while (left > 0) {
            const n = Math.min(left, CHUNK.length);
            left -= n;
            if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      count('unknown');
      xml(res, '<Error><Code>NotImplemented</Code><Message>stub</Message></Error>', 501);
    } catch {
      res.statusCode = 500;
      res.end();
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    allowExternalId: (id) => {
      allowed.add(id);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
