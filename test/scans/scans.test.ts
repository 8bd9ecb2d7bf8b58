import { DescribeAddressesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { newId } from '../../src/db/ids.ts';
import { scans } from '../../src/scans/tables.ts';
import { createTestUser } from '../helpers/identity.ts';
import {
  createScanHarness,
  insertConnection,
  insertFinding,
  mockSts,
  type ScanHarness,
  sessionPolicies,
  waitForScan,
} from './harness.ts';

const ec2Mock = mockClient(EC2Client);
const rdsMock = mockClient(RDSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);

/** Regions the EC2 mock was called in, in order. */
let ec2Regions: string[] = [];

function emptyAws() {
  mockSts();
  ec2Regions = [];
  ec2Mock.reset();
  rdsMock.reset();
  elbMock.reset();
  ec2Mock.onAnyCommand().callsFake(async (_input, getClient) => {
    ec2Regions.push(await getClient().config.region());
    return {};
  });
  rdsMock.onAnyCommand().resolves({});
  elbMock.onAnyCommand().resolves({});
}

/** DescribeVolumes answers one unattached volume per region, named after the region. */
function volumePerRegion() {
  ec2Mock.on(DescribeVolumesCommand).callsFake(async (input, getClient) => {
    const region = await getClient().config.region();
    ec2Regions.push(region);
    if (input.Filters === undefined) return { Volumes: [] };
    return {
      Volumes: [
        { VolumeId: `vol-${region}`, State: 'available', Size: 10, Tags: [{ Key: 'r', Value: region }] },
      ],
    };
  });
}

let h: ScanHarness;
beforeAll(async () => {
  h = await createScanHarness();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  emptyAws();
});

async function start(orgId: string, connId: string, headers: { authorization: string }) {
  return h.t.app.inject({ method: 'POST', url: `/v1/orgs/${orgId}/connections/${connId}/scans`, headers });
}

describe('scan jobs', () => {
  it('scans every region of the connection in the background and stores findings', async () => {
    const user = await createTestUser(h.t);
    const conn = await insertConnection(h.t, user.orgId, {
      regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
    });
    const connId = conn.id;
    volumePerRegion();
    const res = await start(user.orgId, connId, user.headers);
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'queued',
      progress: { regionsDone: 0, regionsTotal: 3, findings: 0 },
    });
    expect(body.id).toMatch(/^scn_/);
    await waitForScan(h, user.orgId, body.id);
    const get = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/scans/${body.id}`,
      headers: user.headers,
    });
    expect(get.json()).toMatchObject({
      status: 'succeeded',
      progress: { regionsDone: 3, regionsTotal: 3, findings: 3 },
    });
    expect(get.json().startedAt).not.toBeNull();
    expect(get.json().finishedAt).not.toBeNull();
    const viaConn = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/connections/${connId}/scans/${body.id}`,
      headers: user.headers,
    });
    expect(viaConn.statusCode).toBe(200);

    const list = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/findings`,
      headers: user.headers,
    });
    expect(list.statusCode).toBe(200);
    const findings = list.json();
    expect(findings.items.map((f: { resourceId: string }) => f.resourceId).sort()).toEqual([
      'vol-ap-southeast-2',
      'vol-eu-west-1',
      'vol-us-east-1',
    ]);
    expect(findings.totals.byType.ebs_volume_unattached.count).toBe(3);
    expect(Object.keys(findings.totals.byRegion).sort()).toEqual([
      'ap-southeast-2',
      'eu-west-1',
      'us-east-1',
    ]);
    // 10 GB: us-east-1 0.80, eu-west-1 0.88, ap-southeast-2 0.96
    expect(findings.totals.monthlyCost).toBeCloseTo(2.64, 2);
    expect(findings.totals.priceTableDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // Each finding carries the basis of its estimate.
    const us = findings.items.find((f: { region: string }) => f.region === 'us-east-1');
    expect(us.estimate).toEqual({
      monthlyUsd: 0.8,
      basis: expect.stringMatching(
        /^10 GiB .* at \$0\.08\/GiB-month, us-east-1, price table \d{4}-\d{2}-\d{2}$/,
      ),
    });

    // Each detector got its own credentials, scoped to exactly its read actions, in every region.
    expect(new Set(ec2Regions)).toEqual(new Set(['us-east-1', 'eu-west-1', 'ap-southeast-2']));
    const policies = sessionPolicies(conn);
    expect(policies).toHaveLength(3 * 7);
    expect(policies.map((p) => p.statements)).toContainEqual([
      { Effect: 'Allow', Action: ['ec2:DescribeVolumes'], Resource: ['*'] },
    ]);
    expect(
      policies.every((p) =>
        p.statements.every((st) => st.Action.every((a) => /^[a-z0-9-]+:Describe/.test(a))),
      ),
    ).toBe(true);

    // Audited before and after each brokered call.
    const audit = await h.db.select().from(auditEvents).where(eq(auditEvents.targetId, body.id));
    expect(audit.some((a) => a.action === 'aws.scan.ebs_volume_unattached' && a.outcome === 'attempt')).toBe(
      true,
    );
    expect(audit.some((a) => a.action === 'aws.scan.ebs_volume_unattached' && a.outcome === 'success')).toBe(
      true,
    );

    // A rescan updates the same findings instead of duplicating them.
    const again = await start(user.orgId, connId, user.headers);
    await waitForScan(h, user.orgId, again.json().id);
    const list2 = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/findings`,
      headers: user.headers,
    });
    expect(list2.json().items).toHaveLength(3);
  });

  it('uses the default region when the connection names none', async () => {
    const user = await createTestUser(h.t);
    const connId = (await insertConnection(h.t, user.orgId)).id;
    const res = await start(user.orgId, connId, user.headers);
    const done = await waitForScan(h, user.orgId, res.json().id);
    expect(done.regions).toEqual(['us-east-1']);
    expect(done.status).toBe('succeeded');
  });

  it('survives AWS throttling by backing off', async () => {
    const user = await createTestUser(h.t);
    const connId = (await insertConnection(h.t, user.orgId)).id;
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    ec2Mock
      .on(DescribeAddressesCommand)
      .rejectsOnce(throttled)
      .resolves({ Addresses: [{ AllocationId: 'eipalloc-1', PublicIp: '203.0.113.9' }] });
    const res = await start(user.orgId, connId, user.headers);
    const done = await waitForScan(h, user.orgId, res.json().id);
    expect(done.status).toBe('succeeded');
    expect(done.findingsCount).toBe(1);
    expect(ec2Mock.commandCalls(DescribeAddressesCommand)).toHaveLength(2);
  });

  it('skips a detector AWS denies, with a warning, and fails the job on other AWS errors', async () => {
    const user = await createTestUser(h.t);
    const connId = (await insertConnection(h.t, user.orgId)).id;
    ec2Mock.on(DescribeAddressesCommand).rejects(
      Object.assign(new Error('You are not authorized to perform: ec2:DescribeAddresses'), {
        name: 'UnauthorizedOperation',
      }),
    );
    volumePerRegion();
    const res = await start(user.orgId, connId, user.headers);
    await waitForScan(h, user.orgId, res.json().id);
    const get = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/scans/${res.json().id}`,
      headers: user.headers,
    });
    expect(get.json()).toMatchObject({
      status: 'succeeded',
      progress: { findings: 1 },
      warnings: [{ region: 'us-east-1', detector: 'eip_unassociated', code: 'aws_access_denied' }],
    });

    ec2Mock.on(DescribeAddressesCommand).rejects(
      Object.assign(new Error('internal detail AWS-INTERNAL-MESSAGE-CANARY'), {
        name: 'InvalidParameterValue',
      }),
    );
    const res2 = await start(user.orgId, connId, user.headers);
    await waitForScan(h, user.orgId, res2.json().id);
    const get2 = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/scans/${res2.json().id}`,
      headers: user.headers,
    });
    expect(get2.json()).toMatchObject({ status: 'failed', error: { code: 'aws_request_failed' } });
    expect(JSON.stringify(get2.json())).not.toContain('AWS-INTERNAL-MESSAGE-CANARY');
  });

  it('can be cancelled while running', async () => {
    const user = await createTestUser(h.t);
    const connId = (
      await insertConnection(h.t, user.orgId, {
        regions: ['us-east-1', 'eu-west-1', 'us-west-2', 'eu-central-1'],
      })
    ).id;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    ec2Mock.on(DescribeVolumesCommand).callsFake(async () => {
      await gate;
      return { Volumes: [] };
    });
    const res = await start(user.orgId, connId, user.headers);
    const id = res.json().id;
    // wait until it runs
    for (let i = 0; i < 200 && (await h.store.getScan(user.orgId, id))?.status !== 'running'; i++)
      await new Promise((r) => setTimeout(r, 10));
    const cancel = await h.t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${user.orgId}/scans/${id}/cancel`,
      headers: user.headers,
    });
    expect(cancel.statusCode).toBe(200);
    release();
    const done = await waitForScan(h, user.orgId, id);
    expect(done.status).toBe('cancelled');
    expect(done.regionsDone.length).toBeLessThan(4);
    const again = await h.t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${user.orgId}/scans/${id}/cancel`,
      headers: user.headers,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('scan_finished');
  });

  it('streams progress as server-sent events and ends with the job', async () => {
    const user = await createTestUser(h.t);
    const connId = (await insertConnection(h.t, user.orgId, { regions: ['us-east-1', 'eu-west-1'] })).id;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    ec2Mock.on(DescribeVolumesCommand).callsFake(async () => {
      await gate;
      return { Volumes: [] };
    });
    const res = await start(user.orgId, connId, user.headers);
    const id = res.json().id;
    const stream = h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/scans/${id}/events`,
      headers: { ...user.headers, 'x-request-id': 'req-sse-test-0001' },
    });
    setTimeout(release, 100);
    const sse = await stream;
    expect(sse.statusCode).toBe(200);
    expect(sse.headers['content-type']).toContain('text/event-stream');
    expect(sse.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    expect(sse.headers['x-correlation-id']).toBe('req-sse-test-0001');
    expect(sse.headers['x-content-type-options']).toBe('nosniff');
    const events = sse.payload.split('\n\n').filter((e) => e.startsWith('event:'));
    const progress = events
      .filter((e) => e.startsWith('event: progress'))
      .map((e) => JSON.parse(e.split('data: ')[1] ?? '{}'));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatchObject({
      status: 'succeeded',
      progress: { regionsDone: 2, regionsTotal: 2 },
    });
    expect(events.at(-1)).toContain('event: end');
  });

  it('resumes a job interrupted mid-way on the next start, skipping regions already done', async () => {
    const user = await createTestUser(h.t);
    const connId = (await insertConnection(h.t, user.orgId, { regions: ['us-east-1', 'eu-west-1'] })).id;
    const resumeId = newId('scn');
    const deadId = newId('scn');
    const cancelledId = newId('scn');
    const stale = new Date(Date.now() - 60_000);
    const base = {
      orgId: user.orgId,
      connectionId: connId,
      status: 'running' as const,
      regions: ['us-east-1', 'eu-west-1'],
      regionsDone: ['us-east-1'],
      findingsCount: 0,
      requestedByType: 'user' as const,
      requestedById: user.userId,
      requestedByUserId: user.userId,
      heartbeatAt: stale,
      createdAt: stale,
      startedAt: stale,
    };
    await h.db.insert(scans).values([
      { ...base, id: resumeId, attempt: 1 },
      { ...base, id: deadId, attempt: 3 },
      { ...base, id: cancelledId, attempt: 1, cancelRequested: 1 },
    ]);
    volumePerRegion();
    // A new process over the same database.
    const h2 = await createScanHarness({ database: h.database });
    try {
      const resumed = await waitForScan(h2, user.orgId, resumeId);
      expect(resumed.status).toBe('succeeded');
      expect(resumed.attempt).toBe(2);
      expect(resumed.regionsDone.sort()).toEqual(['eu-west-1', 'us-east-1']);
      expect(ec2Regions.length).toBeGreaterThan(0);
      expect(ec2Regions.every((r) => r === 'eu-west-1')).toBe(true);
      expect((await waitForScan(h2, user.orgId, cancelledId)).status).toBe('cancelled');
      const dead = await waitForScan(h2, user.orgId, deadId);
      expect(dead.status).toBe('failed');
      expect(dead.errorCode).toBe('job_interrupted');
    } finally {
      await h2.close();
    }
  });

  it('hands a running job back to the queue on a clean shutdown, and the next start finishes it', async () => {
    const user = await createTestUser(h.t);
    const connId = (await insertConnection(h.t, user.orgId, { regions: ['us-east-1', 'eu-west-1'] })).id;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    ec2Mock.on(DescribeVolumesCommand).callsFake(async () => {
      await gate;
      return { Volumes: [] };
    });
    const h3 = await createScanHarness({ database: h.database });
    const res = await h3.t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${user.orgId}/connections/${connId}/scans`,
      headers: user.headers,
    });
    const id = res.json().id;
    for (let i = 0; i < 200 && (await h.store.getScan(user.orgId, id))?.status !== 'running'; i++)
      await new Promise((r) => setTimeout(r, 10));
    const closing = h3.close();
    // Let onClose abort the job first; the detector in flight then returns and the job is parked.
    setTimeout(release, 300);
    await closing;
    const parked = await h.store.getScan(user.orgId, id);
    expect(parked?.status).toBe('queued');
    const h4 = await createScanHarness({ database: h.database });
    try {
      const done = await waitForScan(h4, user.orgId, id);
      expect(done.status).toBe('succeeded');
      expect(done.regionsDone.sort()).toEqual(['eu-west-1', 'us-east-1']);
    } finally {
      await h4.close();
    }
  });

  it('enforces roles, tenancy and capability', async () => {
    const owner = await createTestUser(h.t);
    const viewer = await createTestUser(h.t, { role: 'viewer', orgId: owner.orgId });
    const other = await createTestUser(h.t);
    const connId = (await insertConnection(h.t, owner.orgId)).id;
    const noScan = (await insertConnection(h.t, owner.orgId, { capabilities: ['cleanup'] })).id;
    expect((await start(owner.orgId, connId, viewer.headers)).statusCode).toBe(403);
    expect((await start(owner.orgId, connId, other.headers)).statusCode).toBe(404);
    expect((await start(other.orgId, connId, other.headers)).statusCode).toBe(404);
    const missing = await start(owner.orgId, noScan, owner.headers);
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('capability_missing');
    const ok = await start(owner.orgId, connId, owner.headers);
    const id = ok.json().id;
    await waitForScan(h, owner.orgId, id);
    expect(
      (
        await h.t.app.inject({
          method: 'GET',
          url: `/v1/orgs/${owner.orgId}/scans/${id}`,
          headers: viewer.headers,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await h.t.app.inject({
          method: 'GET',
          url: `/v1/orgs/${other.orgId}/scans/${id}`,
          headers: other.headers,
        })
      ).statusCode,
    ).toBe(404);
    const wrongConn = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/connections/${noScan}/scans/${id}`,
      headers: owner.headers,
    });
    expect(wrongConn.statusCode).toBe(404);
    expect(
      (
        await h.t.app.inject({
          method: 'POST',
          url: `/v1/orgs/${owner.orgId}/scans/${id}/cancel`,
          headers: viewer.headers,
        })
      ).statusCode,
    ).toBe(403);
    const bad = await h.t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/connections/${connId}/scans`,
      headers: owner.headers,
      payload: { extra: 1 },
    });
    expect(bad.statusCode).toBe(400);
  });
});

describe('findings', () => {
  it('filters, paginates with a cursor, totals, and dismisses', async () => {
    const owner = await createTestUser(h.t);
    const member = await createTestUser(h.t, { role: 'member', orgId: owner.orgId });
    const viewer = await createTestUser(h.t, { role: 'viewer', orgId: owner.orgId });
    const other = await createTestUser(h.t);
    const connId = (await insertConnection(h.t, owner.orgId)).id;
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        await insertFinding(h.db, owner.orgId, connId, {
          type: i === 0 ? 'eip_unassociated' : 'ebs_volume_unattached',
          resourceId: `r-${i}`,
          resourceArn: `arn:aws:ec2:us-east-1:123456789012:volume/r-${i}`,
          region: i === 2 ? 'eu-west-1' : 'us-east-1',
          monthlyCostCents: 150,
        }),
      );
    const url = `/v1/orgs/${owner.orgId}/findings`;
    const page1 = await h.t.app.inject({ method: 'GET', url: `${url}?limit=2`, headers: viewer.headers });
    expect(page1.json().items).toHaveLength(2);
    expect(page1.json().totals).toMatchObject({ count: 3, monthlyCost: 4.5 });
    const page2 = await h.t.app.inject({
      method: 'GET',
      url: `${url}?limit=2&cursor=${page1.json().nextCursor}`,
      headers: viewer.headers,
    });
    expect(page2.json().items).toHaveLength(1);
    expect(page2.json().nextCursor).toBeNull();
    const filtered = await h.t.app.inject({
      method: 'GET',
      url: `${url}?type=ebs_volume_unattached&region=eu-west-1`,
      headers: viewer.headers,
    });
    expect(filtered.json().items.map((f: { resourceId: string }) => f.resourceId)).toEqual(['r-2']);
    expect(filtered.json().totals.byRegion).toEqual({ 'eu-west-1': { count: 1, monthlyCost: 1.5 } });
    expect(
      (await h.t.app.inject({ method: 'GET', url: `${url}?limit=9999`, headers: viewer.headers })).statusCode,
    ).toBe(400);
    expect(
      (await h.t.app.inject({ method: 'GET', url: `${url}?bogus=1`, headers: viewer.headers })).statusCode,
    ).toBe(400);
    expect(
      (
        await h.t.app.inject({
          method: 'GET',
          url: `/v1/orgs/${other.orgId}/findings`,
          headers: other.headers,
        })
      ).json().items,
    ).toEqual([]);

    const dismiss = (id: string, headers: { authorization: string }, org = owner.orgId) =>
      h.t.app.inject({ method: 'POST', url: `/v1/orgs/${org}/findings/${id}/dismiss`, headers });
    expect((await dismiss(ids[0] as string, viewer.headers)).statusCode).toBe(403);
    expect((await dismiss(ids[0] as string, other.headers, other.orgId)).statusCode).toBe(404);
    const ok = await dismiss(ids[0] as string, member.headers);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('dismissed');
    expect((await dismiss(ids[0] as string, member.headers)).json().error.code).toBe('finding_not_open');
    const open = await h.t.app.inject({ method: 'GET', url: `${url}?status=open`, headers: viewer.headers });
    expect(open.json().totals.count).toBe(2);
  });
});
