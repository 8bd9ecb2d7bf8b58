import type { AddressInfo } from 'node:net';
import { DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { and, eq, gt, like } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { connections } from '../../src/connections/tables.ts';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../helpers/identity.ts';
import {
  createScanHarness,
  insertConnection,
  mockSts,
  type ScanHarness,
  sts,
  waitForScan,
} from '../scans/harness.ts';

/**
 * Issue 25, items 4, 5 and 7: a deleted connection's scan stops, one organisation cannot hold every
 * other organisation's scans back, and scan-progress streams are capped, bounded and re-authorised.
 */

const ec2Mock = mockClient(EC2Client);
const rdsMock = mockClient(RDSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);

/** DescribeVolumes waits until `release()`; everything else answers empty at once. */
let release: () => void = () => {};
let describeVolumesStarted = 0;
/** Regions any EC2 call was made in. */
const ec2Regions = new Set<string>();
function gatedAws() {
  mockSts();
  ec2Mock.reset();
  rdsMock.reset();
  elbMock.reset();
  describeVolumesStarted = 0;
  ec2Regions.clear();
  const gate = new Promise<void>((r) => {
    release = r;
  });
  ec2Mock.onAnyCommand().callsFake(async (_input, getClient) => {
    ec2Regions.add(await getClient().config.region());
    return {};
  });
  ec2Mock.on(DescribeVolumesCommand).callsFake(async (_input, getClient) => {
    ec2Regions.add(await getClient().config.region());
    describeVolumesStarted += 1;
    await gate;
    return { Volumes: [] };
  });
  rdsMock.onAnyCommand().resolves({});
  elbMock.onAnyCommand().resolves({});
}

let h: ScanHarness;
let base = '';
beforeAll(async () => {
  h = await createScanHarness({
    env: {
      ROLEGATE_SCAN_MAX_ACTIVE_PER_ORG: '5',
      ROLEGATE_SCAN_STREAMS_PER_PRINCIPAL: '2',
      ROLEGATE_SCAN_STREAMS_PER_ORG: '3',
      // Long enough for the other stream tests (a poll every 2 s), short enough to watch one expire.
      ROLEGATE_SCAN_STREAM_MAX_SECONDS: '10',
    },
  });
  await h.t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.t.app.server.address() as AddressInfo).port}`;
});
const opened: AbortController[] = [];
afterAll(async () => {
  release();
  for (const c of opened) c.abort();
  // The test's HTTP clients are gone; their sockets need not linger until keep-alive ends.
  h?.t.app.server.closeAllConnections();
  await h?.close();
});
beforeEach(() => {
  gatedAws();
});

async function start(user: TestUser, connId: string) {
  return h.t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${user.orgId}/connections/${connId}/scans`,
    headers: user.headers,
  });
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function statusOf(orgId: string, scanId: string) {
  return (await h.store.getScan(orgId, scanId))?.status;
}

/** Releases the gate and waits until every scan given has finished. */
async function drain(scans: { orgId: string; id: string }[]) {
  release();
  for (const s of scans) await waitForScan(h, s.orgId, s.id, 30_000);
}

/** An SSE stream over real HTTP, read event by event; `abort()` hangs up like a closed browser tab. */
async function openStream(url: string, authorization: string) {
  const controller = new AbortController();
  opened.push(controller);
  const res = await fetch(url, { headers: { authorization }, signal: controller.signal });
  const events: { event: string; data: string }[] = [];
  let ended = false;
  const refusal = res.status === 200 ? null : ((await res.json()) as { error?: { code?: string } });
  const done = (async () => {
    if (res.body === null || refusal !== null) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          if (event !== undefined) events.push({ event, data: /^data: (.*)$/m.exec(block)?.[1] ?? '' });
          cut = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by the test
    }
    ended = true;
  })();
  return {
    status: res.status,
    refusal,
    events,
    ended: () => ended,
    done,
    abort: () => controller.abort(),
  };
}

describe('25.5 fair scan scheduling', () => {
  it('runs another organisation’s scan before the third and fourth scans of a busy one', async () => {
    const a = await createTestUser(h.t);
    const b = await createTestUser(h.t);
    const aScans: string[] = [];
    for (let i = 0; i < 4; i++) {
      const conn = await insertConnection(h.t, a.orgId, { regions: ['us-east-1'] });
      const res = await start(a, conn.id);
      expect(res.statusCode, res.body).toBe(202);
      aScans.push(res.json().id);
    }
    const bConn = await insertConnection(h.t, b.orgId, { regions: ['us-east-1'] });
    const bRes = await start(b, bConn.id);
    expect(bRes.statusCode, bRes.body).toBe(202);
    const bScan = bRes.json().id as string;

    // Every scan is held by the gate: wait until two run, then look at who got them.
    const running = async () => {
      const a1 = await Promise.all(aScans.map((id) => statusOf(a.orgId, id)));
      return { a: a1.filter((s) => s === 'running').length, b: await statusOf(b.orgId, bScan) };
    };
    await until('two scans running', async () => {
      const r = await running();
      return r.a + (r.b === 'running' ? 1 : 0) >= 2;
    });
    const seen = await running();
    expect(seen.b).toBe('running');
    expect(seen.a).toBe(1);

    await drain([...aScans.map((id) => ({ orgId: a.orgId, id })), { orgId: b.orgId, id: bScan }]);
    const bRow = await h.store.getScan(b.orgId, bScan);
    const third = await h.store.getScan(a.orgId, aScans[2]!);
    expect(bRow?.startedAt?.getTime()).toBeLessThanOrEqual(third?.startedAt?.getTime() ?? 0);
  });

  it('refuses a second active scan of the same connection with 409 scan_already_running', async () => {
    const a = await createTestUser(h.t);
    const conn = await insertConnection(h.t, a.orgId, { regions: ['us-east-1'] });
    const first = await start(a, conn.id);
    expect(first.statusCode).toBe(202);
    const second = await start(a, conn.id);
    expect(second.statusCode, second.body).toBe(409);
    expect(second.json().error.code).toBe('scan_already_running');
    await drain([{ orgId: a.orgId, id: first.json().id }]);
    // Once the first one finished, the connection can be scanned again.
    gatedAws();
    const third = await start(a, conn.id);
    expect(third.statusCode, third.body).toBe(202);
    await drain([{ orgId: a.orgId, id: third.json().id }]);
  });

  it('caps the queued and running scans of one organisation with 429 scan_queue_full', async () => {
    const a = await createTestUser(h.t);
    const started: { orgId: string; id: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const conn = await insertConnection(h.t, a.orgId, { regions: ['us-east-1'] });
      const res = await start(a, conn.id);
      expect(res.statusCode, res.body).toBe(202);
      started.push({ orgId: a.orgId, id: res.json().id });
    }
    const conn = await insertConnection(h.t, a.orgId, { regions: ['us-east-1'] });
    const refused = await start(a, conn.id);
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.json().error.code).toBe('scan_queue_full');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another organisation is not affected by this one's full queue.
    const b = await createTestUser(h.t);
    const bConn = await insertConnection(h.t, b.orgId, { regions: ['us-east-1'] });
    const other = await start(b, bConn.id);
    expect(other.statusCode, other.body).toBe(202);
    await drain([...started, { orgId: b.orgId, id: other.json().id }]);
  });
});

describe('25.4 deleting a connection stops its scans', () => {
  it('aborts the running job: no AWS call and no audit record after the 204, stream ends cancelled', async () => {
    const a = await createTestUser(h.t);
    const conn = await insertConnection(h.t, a.orgId, {
      regions: ['us-east-1', 'eu-west-1', 'us-west-2', 'eu-central-1', 'ap-southeast-2', 'sa-east-1'],
    });
    const res = await start(a, conn.id);
    expect(res.statusCode).toBe(202);
    const scanId = res.json().id as string;
    const stream = await openStream(
      `${base}/v1/orgs/${a.orgId}/scans/${scanId}/events`,
      a.headers.authorization,
    );
    expect(stream.status).toBe(200);
    await until('a region in flight', () => describeVolumesStarted > 0);

    const del = await h.t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${a.orgId}/connections/${conn.id}`,
      headers: a.headers,
    });
    expect(del.statusCode, del.body).toBe(204);
    const deletedAt = new Date();
    const awsCallsAtDelete = ec2Mock.calls().length + rdsMock.calls().length + elbMock.calls().length;
    const assumesAtDelete = sts.commandCalls(AssumeRoleCommand).length;

    // The calls in flight may finish; nothing new may start.
    release();
    await until('the stream to end', () => stream.ended());
    const end = stream.events.find((e) => e.event === 'end');
    expect(end, JSON.stringify(stream.events)).toBeDefined();
    expect(JSON.parse(end?.data ?? '{}').status).toBe('cancelled');

    // Give a (broken) worker the chance to go on, then count.
    await new Promise((r) => setTimeout(r, 500));
    expect(ec2Mock.calls().length + rdsMock.calls().length + elbMock.calls().length).toBe(awsCallsAtDelete);
    expect(sts.commandCalls(AssumeRoleCommand).length).toBe(assumesAtDelete);
    const after = await h.db
      .select({ action: auditEvents.action, outcome: auditEvents.outcome })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.connectionId, conn.id),
          gt(auditEvents.createdAt, deletedAt),
          like(auditEvents.action, 'aws.%'),
        ),
      );
    // At most the outcomes of the calls that were in flight (two regions at a time), no attempt.
    expect(after.filter((r) => r.outcome === 'attempt')).toEqual([]);
    expect(after.length).toBeLessThanOrEqual(2);
  });

  it('a job whose connection vanished under it (deleted through another node) stops at the next region', async () => {
    const a = await createTestUser(h.t);
    const conn = await insertConnection(h.t, a.orgId, {
      regions: ['us-east-1', 'eu-west-1', 'us-west-2', 'eu-central-1', 'ap-southeast-2', 'sa-east-1'],
    });
    const res = await start(a, conn.id);
    expect(res.statusCode).toBe(202);
    await until('two regions in flight', () => describeVolumesStarted >= 2);
    const inFlight = new Set(ec2Regions);
    // Straight in the database: this process's delete path (and its abort signal) is not involved.
    await h.db.delete(connections).where(eq(connections.id, conn.id));
    release();
    // Give the worker time to finish the regions in flight and (wrongly) go on.
    await new Promise((r) => setTimeout(r, 1_500));
    expect([...ec2Regions].filter((r) => !inFlight.has(r))).toEqual([]);
  });

  it('deleting the organisation takes the same path', async () => {
    const a = await createTestUser(h.t);
    const conn = await insertConnection(h.t, a.orgId, {
      regions: ['us-east-1', 'eu-west-1', 'us-west-2', 'eu-central-1'],
    });
    const res = await start(a, conn.id);
    const scanId = res.json().id as string;
    const stream = await openStream(
      `${base}/v1/orgs/${a.orgId}/scans/${scanId}/events`,
      a.headers.authorization,
    );
    await until('a region in flight', () => describeVolumesStarted > 0);
    const del = await h.t.app.inject({ method: 'DELETE', url: `/v1/orgs/${a.orgId}`, headers: a.headers });
    expect(del.statusCode, del.body).toBe(204);
    const awsCallsAtDelete = ec2Mock.calls().length + rdsMock.calls().length + elbMock.calls().length;
    release();
    await until('the stream to end', () => stream.ended());
    expect(stream.events.find((e) => e.event === 'end')?.data).toContain('cancelled');
    await new Promise((r) => setTimeout(r, 500));
    expect(ec2Mock.calls().length + rdsMock.calls().length + elbMock.calls().length).toBe(awsCallsAtDelete);
  });
  it('deleting the account (and its solo organisation) takes the same path', async () => {
    const a = await createTestUser(h.t, { password: TEST_PASSWORD });
    const conn = await insertConnection(h.t, a.orgId, {
      regions: ['us-east-1', 'eu-west-1', 'us-west-2', 'eu-central-1'],
    });
    const res = await start(a, conn.id);
    const scanId = res.json().id as string;
    const stream = await openStream(
      `${base}/v1/orgs/${a.orgId}/scans/${scanId}/events`,
      a.headers.authorization,
    );
    await until('a region in flight', () => describeVolumesStarted > 0);
    const del = await h.t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: a.headers,
      payload: { password: TEST_PASSWORD },
    });
    expect(del.statusCode, del.body).toBeLessThan(300);
    const awsCallsAtDelete = ec2Mock.calls().length + rdsMock.calls().length + elbMock.calls().length;
    release();
    await until('the stream to end', () => stream.ended());
    expect(stream.events.find((e) => e.event === 'end')?.data).toContain('cancelled');
    await new Promise((r) => setTimeout(r, 500));
    expect(ec2Mock.calls().length + rdsMock.calls().length + elbMock.calls().length).toBe(awsCallsAtDelete);
  });
});

describe('25.7 scan-progress streams', () => {
  it('caps concurrent streams per principal and per organisation with 429', async () => {
    const a = await createTestUser(h.t);
    const a2 = await createTestUser(h.t, { orgId: a.orgId, role: 'viewer' });
    const conn = await insertConnection(h.t, a.orgId, { regions: ['us-east-1'] });
    const res = await start(a, conn.id);
    const scanId = res.json().id as string;
    const url = `${base}/v1/orgs/${a.orgId}/scans/${scanId}/events`;
    const s1 = await openStream(url, a.headers.authorization);
    const s2 = await openStream(url, a.headers.authorization);
    expect([s1.status, s2.status]).toEqual([200, 200]);
    const s3 = await openStream(url, a.headers.authorization);
    expect(s3.status).toBe(429);
    expect(s3.refusal?.error?.code).toBe('too_many_streams');
    // A second member of the organisation: its own budget, but the organisation's is 3.
    const t1 = await openStream(url, a2.headers.authorization);
    expect(t1.status).toBe(200);
    const t2 = await openStream(url, a2.headers.authorization);
    expect(t2.status).toBe(429);
    expect(t2.refusal?.error?.code).toBe('too_many_streams');
    // Closing a stream frees its place.
    s1.abort();
    await until('a place to free up', async () => {
      const again = await openStream(url, a2.headers.authorization);
      if (again.status === 200) {
        again.abort();
        return true;
      }
      return false;
    });
    s2.abort();
    t1.abort();
    await drain([{ orgId: a.orgId, id: scanId }]);
  });

  it('ends a stream when its API key is revoked', async () => {
    const a = await createTestUser(h.t);
    const conn = await insertConnection(h.t, a.orgId, { regions: ['us-east-1'] });
    const res = await start(a, conn.id);
    const scanId = res.json().id as string;
    const created = await h.t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${a.orgId}/api-keys`,
      headers: a.headers,
      payload: { name: 'viewer stream', role: 'viewer' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id: keyId, key } = created.json();
    const stream = await openStream(`${base}/v1/orgs/${a.orgId}/scans/${scanId}/events`, `Bearer ${key}`);
    expect(stream.status).toBe(200);
    await until('the first event', () => stream.events.length > 0);
    const revoked = await h.t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${a.orgId}/api-keys/${keyId}`,
      headers: a.headers,
    });
    expect(revoked.statusCode, revoked.body).toBe(204);
    // The scan is still running (gated): only the revocation can end the stream.
    await until('the stream to end after revocation', () => stream.ended(), 15_000);
    expect(await statusOf(a.orgId, scanId)).toBe('running');
    expect(stream.events.at(-1)?.event).toBe('close');
    expect(JSON.parse(stream.events.at(-1)?.data ?? '{}').reason).toBe('unauthorized');
    await drain([{ orgId: a.orgId, id: scanId }]);
  });

  it('ends a stream after its lifetime with a final close event', async () => {
    const a = await createTestUser(h.t);
    const conn = await insertConnection(h.t, a.orgId, { regions: ['us-east-1'] });
    const res = await start(a, conn.id);
    const scanId = res.json().id as string;
    const stream = await openStream(
      `${base}/v1/orgs/${a.orgId}/scans/${scanId}/events`,
      a.headers.authorization,
    );
    expect(stream.status).toBe(200);
    await until('the stream to reach its lifetime', () => stream.ended(), 40_000);
    expect(await statusOf(a.orgId, scanId)).toBe('running');
    expect(stream.events.at(-1)?.event).toBe('close');
    expect(JSON.parse(stream.events.at(-1)?.data ?? '{}').reason).toBe('lifetime');
    await drain([{ orgId: a.orgId, id: scanId }]);
  });
});
