import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/types.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { AppError } from '../../src/core/errors.ts';
import { newId } from '../../src/db/ids.ts';
import { insightsCatalogue } from '../../src/insights/catalogue.ts';
import { checkNewIpLogin } from '../../src/insights/login-alerts.ts';
import { anomaliesOutput, threatsOutput, trafficSummaryOutput } from '../../src/insights/schemas.ts';
import { createInsightsService, networkOf } from '../../src/insights/service.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t.close();
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Appends a real, hash-chained audit record dated `at`. */
async function seed(
  at: Date,
  event: Partial<AuditEvent> & Pick<AuditEvent, 'orgId' | 'action'>,
): Promise<string> {
  const writer = createAuditWriter({ clock: { now: () => at } });
  const { id } = await writer.record(t.database.db, {
    actorType: 'user',
    actorId: null,
    outcome: 'success',
    ...event,
  });
  return id;
}

const ago = (ms: number) => new Date(Date.now() - ms);

async function get(url: string, headers: Record<string, string>) {
  return t.app.inject({ method: 'GET', url, headers });
}

describe('security insights: access control', () => {
  it('requires insights:read in the organisation of the path; another organisation answers 404', async () => {
    const owner = await createTestUser(t);
    const admin = await createTestUser(t, { orgId: owner.orgId, role: 'admin' });
    const member = await createTestUser(t, { orgId: owner.orgId, role: 'member' });
    const stranger = await createTestUser(t);
    for (const path of ['access-log', 'error-log', 'traffic', 'threats', 'anomalies']) {
      const url = `/v1/orgs/${owner.orgId}/insights/${path}`;
      expect((await get(url, owner.headers)).statusCode).toBe(200);
      expect((await get(url, admin.headers)).statusCode).toBe(200);
      expect((await get(url, member.headers)).statusCode).toBe(403);
      expect((await get(url, stranger.headers)).statusCode).toBe(404);
      expect((await get(url, {})).statusCode).toBe(401);
    }
  });

  it('refuses unknown parameters, windows over 30 days and oversized limits', async () => {
    const owner = await createTestUser(t);
    const base = `/v1/orgs/${owner.orgId}/insights`;
    expect((await get(`${base}/access-log?foo=1`, owner.headers)).statusCode).toBe(400);
    expect((await get(`${base}/access-log?limit=201`, owner.headers)).statusCode).toBe(400);
    const since = ago(31 * DAY).toISOString();
    const res = await get(`${base}/traffic?since=${encodeURIComponent(since)}`, owner.headers);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    const both = `since=${encodeURIComponent(ago(40 * DAY).toISOString())}&until=${encodeURIComponent(ago(5 * DAY).toISOString())}`;
    expect((await get(`${base}/threats?${both}`, owner.headers)).statusCode).toBe(400);
    expect((await get(`${base}/access-log?cursor=bm90LWEtY3Vyc29y`, owner.headers)).statusCode).toBe(400);
  });
});

describe('security insights: OpenAPI', () => {
  it('documents the insight routes with their query parameters', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> };
    const threats = doc.paths['/v1/orgs/{orgId}/insights/threats']?.get;
    expect(threats?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['orgId', 'since', 'minDenied']),
    );
  });
});

describe('security insights: queries', () => {
  it('access log and error log list the organisation’s events newest first with cursor pagination', async () => {
    const owner = await createTestUser(t);
    const other = await createTestUser(t);
    const conn = newId('con');
    await seed(ago(3 * HOUR), {
      orgId: owner.orgId,
      action: 'connection.created',
      actorId: owner.userId,
      targetId: conn,
    });
    await seed(ago(2 * HOUR), {
      orgId: owner.orgId,
      action: 'aws.s3.list_buckets',
      outcome: 'denied',
      connectionId: conn,
      errorCode: 'aws_access_denied',
    });
    await seed(ago(1 * HOUR), { orgId: owner.orgId, action: 'connection.verified', connectionId: conn });
    await seed(ago(1 * HOUR), { orgId: other.orgId, action: 'connection.created' });
    await seed(ago(40 * HOUR), { orgId: owner.orgId, action: 'connection.deleted' });

    const base = `/v1/orgs/${owner.orgId}/insights`;
    const first = (await get(`${base}/access-log?limit=2`, owner.headers)).json();
    expect(first.items.map((e: { action: string }) => e.action)).toEqual([
      'connection.verified',
      'aws.s3.list_buckets',
    ]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await get(`${base}/access-log?limit=2&cursor=${first.nextCursor}`, owner.headers)).json();
    expect(second.items.map((e: { action: string }) => e.action)).toEqual(['connection.created']);
    expect(second.nextCursor).toBeNull();

    const errors = (await get(`${base}/error-log`, owner.headers)).json();
    expect(errors.items).toHaveLength(1);
    expect(errors.items[0]).toMatchObject({
      action: 'aws.s3.list_buckets',
      outcome: 'denied',
      connectionId: conn,
    });

    const filtered = (await get(`${base}/access-log?connectionId=${conn}`, owner.headers)).json();
    expect(filtered.items).toHaveLength(2);
    const wide = (
      await get(`${base}/access-log?since=${encodeURIComponent(ago(2 * DAY).toISOString())}`, owner.headers)
    ).json();
    expect(wide.items).toHaveLength(4);
  });

  it('traffic summary counts by action, outcome and actor, tenant-scoped', async () => {
    const owner = await createTestUser(t);
    const other = await createTestUser(t);
    for (let i = 0; i < 3; i++) {
      await seed(ago(HOUR), {
        orgId: owner.orgId,
        action: 'aws.s3.list_buckets',
        outcome: 'attempt',
        actorId: owner.userId,
      });
    }
    await seed(ago(HOUR), {
      orgId: owner.orgId,
      action: 'aws.s3.list_buckets',
      outcome: 'denied',
      actorId: owner.userId,
    });
    await seed(ago(HOUR), { orgId: owner.orgId, action: 'api_key.created', actorType: 'system' });
    await seed(ago(HOUR), { orgId: other.orgId, action: 'api_key.created' });
    // A member's login (system chain) counts for the member's organisation.
    await seed(ago(HOUR), { orgId: null, action: 'auth.login', actorId: owner.userId, ip: '192.0.2.1' });
    // Someone else's login does not.
    await seed(ago(HOUR), { orgId: null, action: 'auth.login', actorId: other.userId, ip: '192.0.2.2' });

    const res = await get(`/v1/orgs/${owner.orgId}/insights/traffic`, owner.headers);
    expect(res.statusCode).toBe(200);
    const body = trafficSummaryOutput.parse(res.json());
    expect(body.total).toBe(6);
    expect(body.byAction).toEqual([
      { action: 'aws.s3.list_buckets', count: 4 },
      { action: 'api_key.created', count: 1 },
      { action: 'auth.login', count: 1 },
    ]);
    expect(body.byOutcome).toEqual([
      { outcome: 'attempt', count: 3 },
      { outcome: 'success', count: 2 },
      { outcome: 'denied', count: 1 },
    ]);
    expect(body.byActor).toEqual([
      { actorType: 'user', actorId: owner.userId, count: 5 },
      { actorType: 'system', actorId: null, count: 1 },
    ]);
  });

  it('security threats: brute-force sources, AccessDenied bursts and unsafe connections', async () => {
    const owner = await createTestUser(t);
    const member = await createTestUser(t, { orgId: owner.orgId, role: 'member' });
    const outsider = await createTestUser(t);
    const bucketMs = 10 * 60_000;
    const bucketStart = new Date(Math.floor((Date.now() - 3 * HOUR) / bucketMs) * bucketMs);
    for (let i = 0; i < 4; i++) {
      await seed(new Date(bucketStart.getTime() + i * 1000), {
        orgId: null,
        action: 'auth.login',
        outcome: 'failure',
        actorId: owner.userId,
        ip: '203.0.113.9',
      });
    }
    await seed(new Date(bucketStart.getTime() + 5000), {
      orgId: null,
      action: 'auth.mfa.verify',
      outcome: 'failure',
      actorId: member.userId,
      ip: '203.0.113.9',
    });
    await seed(ago(HOUR), {
      orgId: null,
      action: 'auth.login',
      outcome: 'failure',
      actorId: owner.userId,
      ip: '198.51.100.4',
    });
    for (let i = 0; i < 6; i++) {
      await seed(ago(HOUR), {
        orgId: null,
        action: 'auth.login',
        outcome: 'failure',
        actorId: outsider.userId,
        ip: '198.51.100.66',
      });
    }
    const conn = newId('con');
    for (let i = 0; i < 5; i++) {
      await seed(new Date(bucketStart.getTime() + i * 1000), {
        orgId: owner.orgId,
        action: 'aws.lambda.invoke',
        outcome: 'denied',
        actorId: member.userId,
        connectionId: conn,
        errorCode: 'aws_access_denied',
      });
    }
    await seed(new Date(bucketStart.getTime() + bucketMs), {
      orgId: owner.orgId,
      action: 'aws.lambda.invoke',
      outcome: 'denied',
      actorId: member.userId,
      connectionId: conn,
    });
    await seed(ago(HOUR), {
      orgId: owner.orgId,
      action: 'connection.unsafe',
      outcome: 'failure',
      connectionId: conn,
    });
    await seed(ago(HOUR), { orgId: outsider.orgId, action: 'connection.unsafe', outcome: 'failure' });

    const res = await get(`/v1/orgs/${owner.orgId}/insights/threats`, owner.headers);
    expect(res.statusCode).toBe(200);
    const body = threatsOutput.parse(res.json());
    expect(body.bruteForceSources).toEqual([
      {
        ip: '203.0.113.9',
        failures: 5,
        users: 2,
        firstAt: bucketStart.toISOString(),
        lastAt: new Date(bucketStart.getTime() + 5000).toISOString(),
      },
    ]);
    expect(body.accessDeniedBursts).toEqual([
      {
        connectionId: conn,
        actorType: 'user',
        actorId: member.userId,
        bucketStart: bucketStart.toISOString(),
        count: 5,
      },
    ]);
    expect(body.unsafeConnections).toHaveLength(1);
    expect(body.unsafeConnections[0]).toMatchObject({ connectionId: conn, action: 'connection.unsafe' });

    const lower = threatsOutput.parse(
      (
        await get(`/v1/orgs/${owner.orgId}/insights/threats?minFailedLogins=1&minDenied=1`, owner.headers)
      ).json(),
    );
    expect(lower.bruteForceSources.map((s) => s.ip).sort()).toEqual(['198.51.100.4', '203.0.113.9']);
    expect(lower.accessDeniedBursts.map((b) => b.count)).toEqual([5, 1]);
  });

  it('anomalies: logins from a new IP / network, and brokered-call volume far above baseline', async () => {
    const owner = await createTestUser(t);
    const login = (at: Date, ip: string) =>
      seed(at, { orgId: null, action: 'auth.login', actorId: owner.userId, ip });
    await login(ago(5 * DAY), '10.1.1.1');
    await login(ago(4 * HOUR), '10.1.1.1'); // known IP
    const sameNet = await login(ago(3 * HOUR), '10.1.1.2'); // new IP, known network
    const newNet = await login(ago(2 * HOUR), '192.0.2.7'); // new IP, new network
    await login(ago(1 * HOUR), '192.0.2.7'); // seen an hour ago: not new

    const busy = newId('con');
    const steady = newId('con');
    for (let d = 1; d <= 14; d++) {
      await seed(ago(d * DAY + HOUR), {
        orgId: owner.orgId,
        action: 'aws.s3.list_buckets',
        outcome: 'attempt',
        connectionId: busy,
      });
      await seed(ago(d * DAY + HOUR), {
        orgId: owner.orgId,
        action: 'aws.s3.list_buckets',
        outcome: 'attempt',
        connectionId: steady,
      });
      await seed(ago(d * DAY + 2 * HOUR), {
        orgId: owner.orgId,
        action: 'aws.s3.list_buckets',
        outcome: 'attempt',
        connectionId: steady,
      });
    }
    for (let i = 0; i < 25; i++) {
      await seed(ago(HOUR), {
        orgId: owner.orgId,
        action: 'aws.s3.list_buckets',
        outcome: 'attempt',
        connectionId: busy,
      });
    }
    for (let i = 0; i < 3; i++) {
      await seed(ago(HOUR), {
        orgId: owner.orgId,
        action: 'aws.s3.list_buckets',
        outcome: 'attempt',
        connectionId: steady,
      });
    }

    const res = await get(`/v1/orgs/${owner.orgId}/insights/anomalies`, owner.headers);
    expect(res.statusCode).toBe(200);
    const body = anomaliesOutput.parse(res.json());
    expect(body.newIpLogins).toEqual([
      { eventId: newNet, userId: owner.userId, ip: '192.0.2.7', at: expect.any(String), newNetwork: true },
      { eventId: sameNet, userId: owner.userId, ip: '10.1.1.2', at: expect.any(String), newNetwork: false },
    ]);
    expect(body.brokeredVolume).toEqual([
      { connectionId: busy, windowCalls: 25, baselineCalls: 14, expectedCalls: 1 },
    ]);

    // Another organisation's admin sees none of it through the service either.
    const stranger = await createTestUser(t);
    const service = createInsightsService({ db: t.database.db, clock: systemClock });
    const theirs = await service.anomalies(stranger.orgId, anomaliesInputDefaults());
    expect(theirs.newIpLogins).toEqual([]);
    expect(theirs.brokeredVolume).toEqual([]);
  });

  it('checkNewIpLogin compares the latest login with the earlier ones', async () => {
    const user = await createTestUser(t);
    const login = (at: Date, ip: string) =>
      seed(at, { orgId: null, action: 'auth.login', actorId: user.userId, ip });
    await login(ago(3 * HOUR), '10.9.9.9');
    expect(await checkNewIpLogin(t.database.db, user.userId, '10.9.9.9')).toEqual({
      newIp: false,
      newNetwork: false,
      firstLogin: true,
    });
    await login(ago(2 * HOUR), '10.9.9.9');
    expect((await checkNewIpLogin(t.database.db, user.userId, '10.9.9.9')).newIp).toBe(false);
    await login(ago(HOUR), '10.9.9.10');
    expect(await checkNewIpLogin(t.database.db, user.userId, '10.9.9.10')).toEqual({
      newIp: true,
      newNetwork: false,
      firstLogin: false,
    });
    await login(ago(1000), '2001:db8::1');
    expect(await checkNewIpLogin(t.database.db, user.userId, '2001:db8::1')).toEqual({
      newIp: true,
      newNetwork: true,
      firstLogin: false,
    });
  });
});

function anomaliesInputDefaults() {
  return { baselineDays: 14, factor: 3, minCalls: 20, limit: 50 };
}

describe('insights catalogue (intents / MCP)', () => {
  it('lists every insight with schemas and permission, validates input, and scopes by orgId', async () => {
    expect(insightsCatalogue.map((c) => c.name)).toEqual([
      'insights_access_log',
      'insights_error_log',
      'insights_traffic_summary',
      'insights_security_threats',
      'insights_anomalies',
    ]);
    const owner = await createTestUser(t);
    await seed(ago(HOUR), { orgId: owner.orgId, action: 'connection.created' });
    const service = createInsightsService({ db: t.database.db, clock: systemClock });
    for (const tool of insightsCatalogue) {
      expect(tool.permission).toBe('insights:read');
      const out = await tool.handler(service, owner.orgId, {});
      expect(tool.output.safeParse(out).success).toBe(true);
      await expect(tool.handler(service, owner.orgId, { bogus: true })).rejects.toBeInstanceOf(AppError);
    }
    const traffic = insightsCatalogue.find((c) => c.name === 'insights_traffic_summary');
    expect(await traffic?.handler(service, owner.orgId, { top: 5 })).toMatchObject({ total: 1 });
  });

  it('networkOf groups IPv4 by /24 and IPv6 by /48', () => {
    expect(networkOf('10.1.2.3')).toBe('10.1.2.0/24');
    expect(networkOf('::ffff:10.1.2.3')).toBe('10.1.2.0/24');
    expect(networkOf('2001:db8:1:2::5')).toBe(networkOf('2001:0db8:0001:ffff::1'));
    expect(networkOf('2001:db8::1')).not.toBe(networkOf('2001:db9::1'));
  });
});
