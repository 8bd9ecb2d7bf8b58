import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import {
  assumeCalls,
  auditOf,
  fixture,
  mockSts,
  operationMatrix,
  sessionStatements,
  sts,
  url,
} from './harness.ts';

let t: TestApp;
const s3 = mockClient(S3Client);
const getApp = () => t;

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
});
afterAll(async () => {
  await t.close();
  s3.restore();
  sts.restore();
});
beforeEach(() => {
  s3.reset();
  mockSts();
});

const scopes = { s3Buckets: ['acme-data'] };
const calls = () => s3.calls().length;

async function drain(body: unknown): Promise<number> {
  let n = 0;
  for await (const chunk of body as Readable) n += (chunk as Buffer).length;
  return n;
}

describe('s3.list_buckets', () => {
  operationMatrix(getApp, {
    operation: 's3.list_buckets',
    capability: 's3-read',
    minRole: 'viewer',
    scopes,
    request: (f) => ({ method: 'GET', url: url(f, '/s3/buckets') }),
    invalid: (f) => ({ method: 'GET', url: url(f, '/s3/buckets?limit=0') }),
    succeed: () =>
      s3.on(ListBucketsCommand).resolves({
        Buckets: [
          { Name: 'acme-data', CreationDate: new Date('2024-01-02T03:04:05Z'), BucketRegion: 'us-east-1' },
          { Name: 'acme-secrets', CreationDate: new Date('2024-01-02T03:04:05Z') },
        ],
      }),
    fail: (err) => s3.on(ListBucketsCommand).rejects(err),
    check: (body) =>
      expect(body).toEqual({
        items: [{ name: 'acme-data', createdAt: '2024-01-02T03:04:05.000Z', region: 'us-east-1' }],
        nextCursor: null,
      }),
    policy: () => [{ Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: ['*'] }],
    awsCalls: calls,
  });
});

describe('s3.list_objects', () => {
  operationMatrix(getApp, {
    operation: 's3.list_objects',
    capability: 's3-read',
    minRole: 'viewer',
    scopes,
    request: (f) => ({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/objects?prefix=logs/&delimiter=/&limit=2'),
    }),
    invalid: (f) => ({ method: 'GET', url: url(f, '/s3/buckets/acme-data/objects?limit=1001') }),
    succeed: () =>
      s3.on(ListObjectsV2Command).resolves({
        Contents: [
          { Key: 'logs/a.txt', Size: 3, LastModified: new Date('2024-05-01T00:00:00Z') },
          { Key: 'logs/b.txt', Size: 5, LastModified: new Date('2024-05-02T00:00:00Z') },
        ],
        CommonPrefixes: [{ Prefix: 'logs/2024/' }],
        IsTruncated: true,
        NextContinuationToken: 'token-2',
      }),
    fail: (err) => s3.on(ListObjectsV2Command).rejects(err),
    check: (body) =>
      expect(body).toEqual({
        items: [
          { key: 'logs/a.txt', size: 3, lastModified: '2024-05-01T00:00:00.000Z' },
          { key: 'logs/b.txt', size: 5, lastModified: '2024-05-02T00:00:00.000Z' },
        ],
        prefixes: ['logs/2024/'],
        nextCursor: 'token-2',
      }),
    policy: () => [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: ['arn:aws:s3:::acme-data'],
        Condition: { StringEquals: { 's3:prefix': 'logs/' } },
      },
    ],
    awsCalls: calls,
  });

  it('passes the cursor back as ContinuationToken and MaxKeys as the limit', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    const res = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/objects?cursor=abc%2Bdef&limit=10'),
      headers: f.user.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
      Bucket: 'acme-data',
      MaxKeys: 10,
      ContinuationToken: 'abc+def',
    });
    // No prefix: the policy has no prefix condition.
    expect(sessionStatements(f.connection)).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::acme-data'] },
    ]);
  });

  it('refuses buckets and prefixes outside the connection scopes with 403 (audited as denied, no AWS call)', async () => {
    const f = await fixture(t, {
      capabilities: ['s3-read'],
      scopes: { s3Buckets: ['acme-data'], s3Prefixes: ['public/'] },
    });
    const outside = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-secrets/objects'),
      headers: f.user.headers,
    });
    expect(outside.statusCode).toBe(403);
    expect(outside.json().error).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('acme-secrets'),
    });
    const prefix = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/objects?prefix=private/'),
      headers: f.user.headers,
    });
    expect(prefix.statusCode).toBe(403);
    expect(assumeCalls(f.connection)).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
    const denied = await auditOf(t, f.user.orgId, 'aws.s3.list_objects');
    expect(denied.map((r) => [r.outcome, r.errorCode])).toEqual([
      ['denied', 'forbidden'],
      ['denied', 'forbidden'],
    ]);
  });

  it('refuses a region outside the connection scopes', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'], scopes: { regions: ['eu-west-1'] } });
    const res = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/objects?region=us-west-2'),
      headers: f.user.headers,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details).toEqual({ allowedRegions: ['eu-west-1'] });
  });

  it('refuses a connection that is not verified (409) and an unknown one (404)', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const { createTestConnection } = await import('../helpers/connections.ts');
    const pending = await createTestConnection(t, f.user.orgId, {
      capabilities: ['s3-read'],
      status: 'pending',
    });
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${f.user.orgId}/connections/${pending.id}/s3/buckets`,
      headers: f.user.headers,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('connection_not_verified');
    const missing = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${f.user.orgId}/connections/${newId('con')}/s3/buckets`,
      headers: f.user.headers,
    });
    expect(missing.statusCode).toBe(404);
  });
});

describe('s3.list_objects_stream (NDJSON)', () => {
  operationMatrix(getApp, {
    operation: 's3.list_objects_stream',
    capability: 's3-read',
    minRole: 'viewer',
    request: (f) => ({ method: 'GET', url: url(f, '/s3/buckets/acme-data/objects.ndjson?prefix=logs/') }),
    invalid: (f) => ({ method: 'GET', url: url(f, '/s3/buckets/acme-data/objects.ndjson?limit=5') }),
    succeed: () => {
      s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
        Contents: [{ Key: 'logs/a', Size: 1, LastModified: new Date('2024-01-01T00:00:00Z') }],
        IsTruncated: true,
        NextContinuationToken: 'p2',
      });
      s3.on(ListObjectsV2Command, { ContinuationToken: 'p2' }).resolves({
        Contents: [{ Key: 'logs/b', Size: 2, LastModified: new Date('2024-01-01T00:00:00Z') }],
        IsTruncated: false,
      });
    },
    fail: (err) => s3.on(ListObjectsV2Command).rejects(err),
    check: (body) => {
      const lines = Buffer.from(body as Buffer)
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toEqual([
        { key: 'logs/a', size: 1, lastModified: '2024-01-01T00:00:00.000Z' },
        { key: 'logs/b', size: 2, lastModified: '2024-01-01T00:00:00.000Z' },
      ]);
    },
    policy: () => [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: ['arn:aws:s3:::acme-data'],
        Condition: { StringEquals: { 's3:prefix': 'logs/' } },
      },
    ],
    awsCalls: calls,
  });

  it('ends the stream with an error line when a later page fails', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: [{ Key: 'a', Size: 1 }],
      IsTruncated: true,
      NextContinuationToken: 'p2',
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 'p2' }).rejects(
      Object.assign(new Error('x'), { name: 'SlowDown' }),
    );
    const res = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/objects.ndjson'),
      headers: f.user.headers,
    });
    expect(res.statusCode).toBe(200);
    const lines = res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toEqual({ error: { code: 'aws_throttled', message: expect.any(String) } });
  });
});

describe('s3.get_object (download)', () => {
  operationMatrix(getApp, {
    operation: 's3.get_object',
    capability: 's3-read',
    minRole: 'viewer',
    scopes: { s3Buckets: ['acme-data'], s3Prefixes: ['reports/'] },
    request: (f) => ({
      method: 'GET',
      url: url(f, `/s3/buckets/acme-data/object?key=${encodeURIComponent('reports/q1*.csv')}`),
    }),
    invalid: (f) => ({ method: 'GET', url: url(f, '/s3/buckets/acme-data/object?key=reports/%01bad') }),
    succeed: () =>
      s3.on(GetObjectCommand).callsFake(async () => ({
        Body: Readable.from([Buffer.from('a,b\n1,2\n')]),
        ContentLength: 8,
        ContentType: 'text/csv',
        ETag: '"etag-1"',
        LastModified: new Date('2024-01-01T00:00:00Z'),
      })),
    fail: (err) => s3.on(GetObjectCommand).rejects(err),
    check: (body) => expect(Buffer.from(body as Buffer).toString('utf8')).toBe('a,b\n1,2\n'),
    // `*` in a key is written as IAM's literal escape, so it cannot act as a wildcard.
    policy: () => [
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::acme-data/reports/q1\${*}.csv`] },
    ],
    awsCalls: calls,
  });

  it('a valid S3 key that would overflow the session policy once escaped is a 400, not a 500', async () => {
    const f = await fixture(t, { capabilities: ['s3-read', 's3-write'] });
    // 1,024 bytes, a legal S3 key; escaped for IAM (`${*}`) it is 4,096 characters.
    const key = '*'.repeat(1024);
    for (const req of [
      { method: 'GET' as const, url: url(f, `/s3/buckets/acme-data/object?key=${encodeURIComponent(key)}`) },
      {
        method: 'POST' as const,
        url: url(f, '/s3/presign'),
        payload: { bucket: 'acme-data', key },
      },
    ]) {
      const res = await t.app.inject({ ...req, headers: f.user.headers });
      expect(res.statusCode, req.url).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    expect(assumeCalls(f.connection)).toHaveLength(0);
  });

  it('passes Content-Type/Length through, forces a download, and answers Range requests with 206', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    s3.on(GetObjectCommand).callsFake(async (input: { Range?: string }) =>
      input.Range === undefined
        ? { Body: Readable.from([Buffer.from('0123456789')]), ContentLength: 10, ContentType: 'text/html' }
        : {
            Body: Readable.from([Buffer.from('234')]),
            ContentLength: 3,
            ContentType: 'text/html',
            ContentRange: 'bytes 2-4/10',
          },
    );
    const full = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/object?key=site/index.html'),
      headers: f.user.headers,
    });
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('text/html');
    expect(full.headers['content-length']).toBe('10');
    expect(full.headers['content-disposition']).toBe("attachment; filename*=UTF-8''index.html");
    expect(full.headers['content-security-policy']).toContain('sandbox');
    const part = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/object?key=site/index.html'),
      headers: { ...f.user.headers, range: 'bytes=2-4' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.body).toBe('234');
    expect(part.headers['content-range']).toBe('bytes 2-4/10');
    expect(s3.commandCalls(GetObjectCommand)[1]?.args[0].input.Range).toBe('bytes=2-4');
    const bad = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/object?key=a'),
      headers: { ...f.user.headers, range: 'bytes=5-1' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('refuses objects above the configured maximum size with 413', async () => {
    const small = await createTestApp({ env: { ROLEGATE_S3_MAX_DOWNLOAD_BYTES: '100' } });
    try {
      const f = await fixture(small, { capabilities: ['s3-read'] });
      const body = Readable.from([Buffer.alloc(10)]);
      s3.on(GetObjectCommand).resolves({ Body: body as never, ContentLength: 101 });
      const res = await small.app.inject({
        method: 'GET',
        url: url(f, '/s3/buckets/acme-data/object?key=big'),
        headers: f.user.headers,
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('payload_too_large');
      expect(body.destroyed).toBe(true);
    } finally {
      await small.close();
    }
  });

  it('validates keys: too long, control characters, and keys outside the allowed prefixes', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'], scopes: { s3Prefixes: ['reports/'] } });
    const long = await t.app.inject({
      method: 'GET',
      url: url(f, `/s3/buckets/acme-data/object?key=${'é'.repeat(513)}`),
      headers: f.user.headers,
    });
    expect(long.statusCode).toBe(400);
    const ctl = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/object?key=reports/a%0Ab'),
      headers: f.user.headers,
    });
    expect(ctl.statusCode).toBe(400);
    const outside = await t.app.inject({
      method: 'GET',
      url: url(f, '/s3/buckets/acme-data/object?key=secret.txt'),
      headers: f.user.headers,
    });
    expect(outside.statusCode).toBe(403);
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('s3.put_object (upload)', () => {
  let received: Buffer[] = [];
  operationMatrix(getApp, {
    operation: 's3.put_object',
    capability: 's3-write',
    minRole: 'member',
    request: (f) => ({
      method: 'PUT',
      url: url(f, '/s3/buckets/acme-data/object?key=uploads/a.json'),
      headers: { 'content-type': 'application/json' },
      payload: Buffer.from('{"hello":"world"}'),
    }),
    invalid: (f) => ({
      method: 'PUT',
      url: url(f, '/s3/buckets/acme-data/object'),
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from('x'),
    }),
    succeed: () => {
      received = [];
      s3.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
        for await (const chunk of input.Body as Readable) received.push(chunk as Buffer);
        return { ETag: '"etag-up"' };
      });
    },
    fail: (err) => s3.on(PutObjectCommand).rejects(err),
    check: (body) => {
      expect(body).toEqual({
        bucket: 'acme-data',
        key: 'uploads/a.json',
        size: 17,
        etag: '"etag-up"',
        versionId: null,
      });
      expect(Buffer.concat(received).toString('utf8')).toBe('{"hello":"world"}');
      const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(input).toMatchObject({
        Bucket: 'acme-data',
        Key: 'uploads/a.json',
        ContentLength: 17,
        ContentType: 'application/json',
      });
    },
    policy: () => [
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::acme-data/uploads/a.json'] },
    ],
    awsCalls: calls,
  });

  it('streams a body larger than the global 1 MiB JSON limit', async () => {
    const f = await fixture(t, { capabilities: ['s3-write'] });
    let size = 0;
    s3.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
      size = await drain(input.Body);
      return {};
    });
    const res = await t.app.inject({
      method: 'PUT',
      url: url(f, '/s3/buckets/acme-data/object?key=big.bin'),
      headers: { ...f.user.headers, 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(3 * 1024 * 1024, 1),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(size).toBe(3 * 1024 * 1024);
  });

  it('refuses uploads above the configured limit with 413 before calling AWS', async () => {
    const small = await createTestApp({ env: { ROLEGATE_S3_MAX_UPLOAD_BYTES: '1000' } });
    try {
      const f = await fixture(small, { capabilities: ['s3-write'] });
      const res = await small.app.inject({
        method: 'PUT',
        url: url(f, '/s3/buckets/acme-data/object?key=big.bin'),
        headers: { ...f.user.headers, 'content-type': 'application/octet-stream' },
        payload: Buffer.alloc(2000),
      });
      expect(res.statusCode).toBe(413);
      expect(assumeCalls(f.connection)).toHaveLength(0);
    } finally {
      await small.close();
    }
  });
});

describe('s3.presign_get / s3.presign_put', () => {
  operationMatrix(getApp, {
    operation: 's3.presign_get',
    capability: 's3-read',
    minRole: 'viewer',
    request: (f) => ({
      method: 'POST',
      url: url(f, '/s3/presign'),
      payload: { bucket: 'acme-data', key: 'a/b.txt', method: 'GET', expiresIn: 120 },
    }),
    invalid: (f) => ({
      method: 'POST',
      url: url(f, '/s3/presign'),
      payload: { bucket: 'acme-data', key: 'a/b.txt', method: 'GET', expiresIn: 901 },
    }),
    succeed: () => {},
    // Presigning is local (no AWS request): the AWS call that can fail is the AssumeRole.
    fail: (err) => {
      sts.reset();
      sts.rejects(err);
    },
    check: (body) => {
      const b = body as { url: string; method: string; expiresIn: number };
      expect(b.method).toBe('GET');
      expect(b.expiresIn).toBe(120);
      const u = new URL(b.url);
      expect(u.pathname).toContain('a/b.txt');
      expect(u.searchParams.get('X-Amz-Expires')).toBe('120');
      expect(u.searchParams.get('X-Amz-Credential')).toContain('ASIAFAKEFAKEFAKEFAKE');
    },
    policy: () => [
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::acme-data/a/b.txt'] },
    ],
    awsCalls: calls,
  });

  it('PUT URLs need s3:write (member) and the s3-write capability', async () => {
    const viewer = await fixture(t, { capabilities: ['s3-read', 's3-write'], role: 'viewer' });
    const body = { bucket: 'acme-data', key: 'up/x.bin', method: 'PUT' };
    const refused = await t.app.inject({
      method: 'POST',
      url: url(viewer, '/s3/presign'),
      headers: viewer.user.headers,
      payload: body,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('forbidden');
    const readOnly = await fixture(t, { capabilities: ['s3-read'] });
    const missing = await t.app.inject({
      method: 'POST',
      url: url(readOnly, '/s3/presign'),
      headers: readOnly.user.headers,
      payload: body,
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('capability_missing');
    const member = await fixture(t, { capabilities: ['s3-write'], role: 'member' });
    const ok = await t.app.inject({
      method: 'POST',
      url: url(member, '/s3/presign'),
      headers: member.user.headers,
      payload: body,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().method).toBe('PUT');
    expect(ok.json().expiresIn).toBe(300);
    expect(sessionStatements(member.connection)).toEqual([
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::acme-data/up/x.bin'] },
    ]);
  });
});
