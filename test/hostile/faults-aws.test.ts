import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser } from '../helpers/identity.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { expectError, timed } from './support.ts';

// AWS misbehaving under a brokered call (GET …/s3/buckets): throttling, outage, a silent network,
// garbage and dropped connections. Every case ends in a mapped error with the documented shape —
// never a 500, never a hung request — after a bounded number of attempts, and is audited. And when
// the audit record cannot be written, AWS is not called at all (invariant 6).

// The SDK's default provider chain reads these; nothing else in the test process talks to AWS.
process.env.AWS_ACCESS_KEY_ID = 'AKIAHOSTILEHOSTILE00';
process.env.AWS_SECRET_ACCESS_KEY = 'hostile-base-secret';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

type StsMode = 'ok' | 'throttle' | 'outage';
type S3Mode = 'ok' | 'slowdown';

interface FakeAws {
  url: string;
  sts: StsMode;
  s3: S3Mode;
  calls: { assumeRole: number; listBuckets: number };
  close(): Promise<void>;
}

async function startFakeAws(): Promise<FakeAws> {
  const state: FakeAws = {
    url: '',
    sts: 'ok',
    s3: 'ok',
    calls: { assumeRole: 0, listBuckets: 0 },
    close: async () => undefined,
  };
  const xml = (res: import('node:http').ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && body.includes('Action=AssumeRole')) {
        state.calls.assumeRole += 1;
        if (state.sts === 'throttle') {
          return xml(
            res,
            400,
            '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>f</RequestId></ErrorResponse>',
          );
        }
        if (state.sts === 'outage') {
          return xml(
            res,
            503,
            '<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>internal arn:aws:iam::111111111111:role/base</Message></Error><RequestId>f</RequestId></ErrorResponse>',
          );
        }
        const exp = new Date(Date.now() + 3600_000).toISOString();
        return xml(
          res,
          200,
          '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>' +
            '<AccessKeyId>ASIAFAULTFAULTFAULT0</AccessKeyId><SecretAccessKey>faultSecret</SecretAccessKey>' +
            `<SessionToken>faultToken</SessionToken><Expiration>${exp}</Expiration></Credentials>` +
            '<AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/x</Arn></AssumedRoleUser>' +
            '</AssumeRoleResult><ResponseMetadata><RequestId>f</RequestId></ResponseMetadata></AssumeRoleResponse>',
        );
      }
      if (req.method === 'GET' && new URL(req.url ?? '/', 'http://x').pathname === '/') {
        state.calls.listBuckets += 1;
        if (state.s3 === 'slowdown') {
          return xml(
            res,
            503,
            '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
          );
        }
        return xml(
          res,
          200,
          '<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><Buckets>' +
            '<Bucket><Name>fault-bucket</Name><CreationDate>2025-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>',
        );
      }
      xml(res, 501, '<Error><Code>NotImplemented</Code><Message>fake</Message></Error>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

let fake: FakeAws;
let proxy: TcpProxy;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeAws();
  const port = Number(new URL(fake.url).port);
  proxy = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: port });
  t = await createTestApp({
    env: {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${proxy.port}`,
      AWS_REGION: 'us-east-1',
      ROLEGATE_CREDENTIAL_CACHE: 'off',
    },
  });
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
  await t?.close();
});

beforeEach(() => {
  fake.sts = 'ok';
  fake.s3 = 'ok';
  proxy.setMode('pass');
});

async function brokered() {
  const user = await createTestUser(t);
  const connection = await createTestConnection(t, user.orgId, { capabilities: ['s3-read'] });
  const before = { ...fake.calls };
  const res = await timed(() =>
    t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/connections/${connection.id}/s3/buckets`,
      headers: user.headers,
    }),
  );
  const outcomes = await t.database.db
    .select({ outcome: auditEvents.outcome, errorCode: auditEvents.errorCode })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, user.orgId), eq(auditEvents.action, 'aws.s3.list_buckets')))
    .orderBy(asc(auditEvents.seq));
  return {
    res: res.value,
    ms: res.ms,
    orgId: user.orgId,
    assumeRoleCalls: fake.calls.assumeRole - before.assumeRole,
    listBucketsCalls: fake.calls.listBuckets - before.listBuckets,
    outcomes: outcomes.map((o) => [o.outcome, o.errorCode]),
  };
}

describe('AWS faults under a brokered call', () => {
  it('baseline: the call succeeds with one AssumeRole and one ListBuckets', async () => {
    const r = await brokered();
    expect(r.res.statusCode, r.res.body).toBe(200);
    expect(r.assumeRoleCalls).toBe(1);
    expect(r.listBucketsCalls).toBe(1);
    expect(r.outcomes).toEqual([
      ['attempt', null],
      ['success', null],
    ]);
  });

  it('STS throttling: 429 aws_throttled with Retry-After, at most 3 attempts, S3 never called', async () => {
    fake.sts = 'throttle';
    const r = await brokered();
    expectError(r.res, 429, 'aws_throttled');
    expect(Number(r.res.headers['retry-after'])).toBeGreaterThan(0);
    expect(r.assumeRoleCalls).toBeGreaterThanOrEqual(1);
    expect(r.assumeRoleCalls).toBeLessThanOrEqual(3);
    expect(r.listBucketsCalls).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.outcomes).toEqual([
      ['attempt', null],
      ['failure', 'aws_throttled'],
    ]);
  });

  it('STS outage (503): 503 aws_unavailable with Retry-After, bounded attempts, no AWS internals leaked', async () => {
    fake.sts = 'outage';
    const r = await brokered();
    expectError(r.res, 503, 'aws_unavailable');
    expect(r.res.headers['retry-after']).toBeDefined();
    expect(r.res.body).not.toContain('arn:aws:iam::111111111111');
    expect(r.assumeRoleCalls).toBeLessThanOrEqual(3);
    expect(r.listBucketsCalls).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.outcomes.at(-1)).toEqual(['failure', 'aws_unavailable']);
  });

  it('S3 SlowDown after a good AssumeRole: 429 aws_throttled, at most 3 S3 attempts', async () => {
    fake.s3 = 'slowdown';
    const r = await brokered();
    expectError(r.res, 429, 'aws_throttled');
    expect(r.assumeRoleCalls).toBe(1);
    expect(r.listBucketsCalls).toBeGreaterThanOrEqual(1);
    expect(r.listBucketsCalls).toBeLessThanOrEqual(3);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('an AWS endpoint answering garbage: 502/503 mapped error, never 500', async () => {
    proxy.setMode('garbage');
    const r = await brokered();
    expect([502, 503], r.res.body).toContain(r.res.statusCode);
    expect(['aws_request_failed', 'aws_unavailable']).toContain(r.res.json().error.code);
    expectError(r.res, r.res.statusCode);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.outcomes[0]).toEqual(['attempt', null]);
    expect(r.outcomes).toHaveLength(2);
  });

  it('connections reset by the network: 503 aws_unavailable, promptly', async () => {
    proxy.setMode('drop');
    const r = await brokered();
    expectError(r.res, 503, 'aws_unavailable');
    expect(r.ms).toBeLessThan(10_000);
    expect(r.outcomes.at(-1)).toEqual(['failure', 'aws_unavailable']);
  });

  it('a silent network (STS never answers): 503 aws_unavailable within the SDK timeouts, not a hung request', async () => {
    proxy.setMode('blackhole');
    const r = await brokered();
    expectError(r.res, 503, 'aws_unavailable');
    // 3 attempts × 10 s request timeout, plus back-off.
    expect(r.ms).toBeLessThan(40_000);
    expect(r.assumeRoleCalls).toBe(0);
    expect(r.outcomes.at(-1)).toEqual(['failure', 'aws_unavailable']);
  }, 60_000);

  it('a slow network within the timeouts still succeeds', async () => {
    proxy.setMode('slow', { delayMs: 150 });
    const r = await brokered();
    expect(r.res.statusCode, r.res.body).toBe(200);
  });
});

describe('audit write failure', () => {
  it('the brokered call is refused with 503 audit_unavailable and AWS is never called', async () => {
    const user = await createTestUser(t);
    const connection = await createTestConnection(t, user.orgId, { capabilities: ['s3-read'] });
    const name = `hostile_refuse_audit_${user.orgId.slice(4)}`;
    // Refuse audit inserts for this organisation only (other suites may share the database).
    await t.database.db.execute(
      sql.raw(
        `create function ${name}() returns trigger language plpgsql as $$ begin ` +
          `if new.org_id = '${user.orgId}' then raise exception 'audit storage refused by the hostile suite'; end if; ` +
          `return new; end $$`,
      ),
    );
    await t.database.db.execute(
      sql.raw(`create trigger ${name} before insert on audit_events for each row execute function ${name}()`),
    );
    try {
      const before = { ...fake.calls };
      const res = await t.app.inject({
        method: 'GET',
        url: `/v1/orgs/${user.orgId}/connections/${connection.id}/s3/buckets`,
        headers: user.headers,
      });
      expectError(res, 503, 'audit_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.body).not.toContain('hostile suite');
      expect(fake.calls).toEqual(before);
      const rows = await t.database.db.select().from(auditEvents).where(eq(auditEvents.orgId, user.orgId));
      expect(rows.filter((r) => r.action === 'aws.s3.list_buckets')).toEqual([]);
    } finally {
      await t.database.db.execute(sql.raw(`drop trigger ${name} on audit_events`));
      await t.database.db.execute(sql.raw(`drop function ${name}()`));
    }
    // With the audit trail writable again, the same call goes through.
    const ok = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/connections/${connection.id}/s3/buckets`,
      headers: user.headers,
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });
});
