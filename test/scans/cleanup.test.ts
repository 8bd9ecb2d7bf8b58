import {
  CreateSnapshotCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  ReleaseAddressCommand,
  type Volume,
} from '@aws-sdk/client-ec2';
import {
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approvalPolicies } from '../../src/approvals/tables.ts';
import { auditEvents } from '../../src/audit/tables.ts';
import { findings } from '../../src/scans/tables.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import {
  createScanHarness,
  insertConnection,
  insertFinding,
  mockSts,
  type ScanHarness,
  sessionPolicies,
} from './harness.ts';

const ec2Mock = mockClient(EC2Client);
const elbMock = mockClient(ElasticLoadBalancingV2Client);

const dryRunOk = () =>
  Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
    name: 'DryRunOperation',
  });

/** The tag the templates' policy requires for deletes when a connection names no other condition. */
const ALLOWED = { Key: 'rolegate-cleanup', Value: 'allowed' };

/** The volume as AWS describes it now; tests change it between dry run and real run. */
let volume: Volume;

beforeEach(() => {
  mockSts();
  ec2Mock.reset();
  elbMock.reset();
  volume = {
    VolumeId: 'vol-1',
    State: 'available',
    Size: 10,
    Attachments: [],
    Tags: [{ Key: 'env', Value: 'dev' }, ALLOWED],
  };
  ec2Mock.on(DescribeVolumesCommand).callsFake(async () => ({ Volumes: [volume] }));
  ec2Mock.on(DeleteVolumeCommand, { DryRun: true }).rejects(dryRunOk());
  ec2Mock.on(DeleteVolumeCommand, { VolumeId: 'vol-1' }).callsFake(async (input: { DryRun?: boolean }) => {
    if (input.DryRun) throw dryRunOk();
    return {};
  });
  ec2Mock.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-backup' });
});

let h: ScanHarness;
beforeAll(async () => {
  h = await createScanHarness();
});
afterAll(async () => {
  await h?.close();
});

async function setup(
  options: { cleanupTagConditions?: Record<string, string>; tags?: Record<string, string> } = {},
) {
  const owner = await createTestUser(h.t);
  const connection = await insertConnection(h.t, owner.orgId, {
    ...(options.cleanupTagConditions ? { cleanupTagConditions: options.cleanupTagConditions } : {}),
  });
  const conn = connection.id;
  const findingId = await insertFinding(h.db, owner.orgId, conn, {
    type: 'ebs_volume_unattached',
    resourceId: 'vol-1',
    resourceArn: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1',
    tags: options.tags ?? { env: 'dev', 'rolegate-cleanup': 'allowed' },
  });
  return { owner, conn, connection, findingId };
}

function cleanup(user: TestUser, orgId: string, findingId: string, payload: Record<string, unknown>) {
  return h.t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${orgId}/findings/${findingId}/cleanup`,
    headers: user.headers,
    payload,
  });
}

const realDeletes = () =>
  ec2Mock.commandCalls(DeleteVolumeCommand).filter((c) => c.args[0].input.DryRun !== true);

describe('guarded clean-up', () => {
  it('refuses viewers and members; another organisation gets 404', async () => {
    const { owner, findingId } = await setup();
    const viewer = await createTestUser(h.t, { role: 'viewer', orgId: owner.orgId });
    const member = await createTestUser(h.t, { role: 'member', orgId: owner.orgId });
    const other = await createTestUser(h.t);
    expect((await cleanup(viewer, owner.orgId, findingId, { dryRun: true })).statusCode).toBe(403);
    expect((await cleanup(member, owner.orgId, findingId, { dryRun: true })).statusCode).toBe(403);
    expect((await cleanup(other, other.orgId, findingId, { dryRun: true })).statusCode).toBe(404);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it('dry run re-checks, asks AWS with DryRun, changes nothing and returns a token; the real run deletes once', async () => {
    const { owner, connection, findingId } = await setup();
    const admin = await createTestUser(h.t, { role: 'admin', orgId: owner.orgId });
    const dry = await cleanup(admin, owner.orgId, findingId, { dryRun: true });
    expect(dry.statusCode).toBe(200);
    const body = dry.json();
    expect(body).toMatchObject({ dryRun: true, allowed: true });
    expect(body.wouldDo).toContain('vol-1');
    expect(body.checks.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual([
      'resource_exists:pass',
      'still_unused:pass',
      'tags_unchanged:pass',
      'not_protected:pass',
      'tag_conditions:pass',
      'aws_dry_run:pass',
    ]);
    expect(body.confirmToken).toMatch(/^cfm_/);
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(ec2Mock.commandCalls(DeleteVolumeCommand)).toHaveLength(1);
    expect(realDeletes()).toHaveLength(0);
    const [row] = await h.db.select().from(findings).where(eq(findings.id, findingId));
    expect(row?.status).toBe('open');
    // Write credentials were scoped to the one action on the one resource.
    expect(sessionPolicies(connection).map((p) => p.statements)).toEqual([
      [{ Effect: 'Allow', Action: ['ec2:DescribeVolumes'], Resource: ['*'] }],
      [
        {
          Effect: 'Allow',
          Action: ['ec2:DeleteVolume'],
          Resource: ['arn:aws:ec2:us-east-1:123456789012:volume/vol-1'],
        },
      ],
    ]);

    // No token: refused. Wrong token: refused. Another admin's token: refused.
    const none = await cleanup(admin, owner.orgId, findingId, { dryRun: false });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.code).toBe('confirmation_required');
    const wrong = await cleanup(admin, owner.orgId, findingId, {
      dryRun: false,
      confirm: 'cfm_not-a-real-token',
    });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().error.code).toBe('confirmation_invalid');
    expect(
      (await cleanup(owner, owner.orgId, findingId, { dryRun: false, confirm: body.confirmToken })).json()
        .error.code,
    ).toBe('confirmation_invalid');
    expect(realDeletes()).toHaveLength(0);

    const real = await cleanup(admin, owner.orgId, findingId, { dryRun: false, confirm: body.confirmToken });
    expect(real.statusCode).toBe(200);
    expect(real.json()).toMatchObject({
      dryRun: false,
      done: true,
      action: 'delete_volume',
      status: 'cleaned',
    });
    expect(realDeletes()).toHaveLength(1);
    expect(realDeletes()[0]?.args[0].input).toEqual({ VolumeId: 'vol-1' });
    expect(ec2Mock.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
    const [after] = await h.db.select().from(findings).where(eq(findings.id, findingId));
    expect(after?.status).toBe('cleaned');

    const audit = await h.db.select().from(auditEvents).where(eq(auditEvents.targetId, findingId));
    const trail = audit.map((a) => `${a.action}:${a.outcome}`);
    expect(trail).toContain('aws.cleanup.delete_volume:attempt');
    expect(trail).toContain('aws.cleanup.delete_volume:success');
    expect(trail).toContain('finding.cleaned:success');

    // Reuse: the finding is no longer open, nothing else is called.
    const reuse = await cleanup(admin, owner.orgId, findingId, { dryRun: false, confirm: body.confirmToken });
    expect(reuse.statusCode).toBe(409);
    expect(realDeletes()).toHaveLength(1);
  });

  it('with the default approval policy, the real run waits for a second admin and its record names the approval', async () => {
    const { owner, findingId } = await setup();
    // Back to the default policy (the harness opts clean-up suites out of approvals).
    await h.db.delete(approvalPolicies).where(eq(approvalPolicies.orgId, owner.orgId));
    const admin = await createTestUser(h.t, { role: 'admin', orgId: owner.orgId });
    const dry = (await cleanup(admin, owner.orgId, findingId, { dryRun: true })).json();
    const waiting = await cleanup(admin, owner.orgId, findingId, {
      dryRun: false,
      confirm: dry.confirmToken,
    });
    expect(waiting.statusCode, waiting.body).toBe(202);
    const approvalId = waiting.json().error.details.approvalRequestId as string;
    expect(realDeletes()).toHaveLength(0);
    // The admin cannot approve their own request; the owner can.
    const approve = (who: TestUser) =>
      h.t.app.inject({
        method: 'POST',
        url: `/v1/orgs/${owner.orgId}/approvals/${approvalId}/approve`,
        headers: who.headers,
        payload: {},
      });
    expect((await approve(admin)).statusCode).toBe(403);
    expect((await approve(owner)).statusCode).toBe(200);
    // The confirmation token was not spent while waiting.
    const real = await cleanup(admin, owner.orgId, findingId, { dryRun: false, confirm: dry.confirmToken });
    expect(real.statusCode, real.body).toBe(200);
    expect(realDeletes()).toHaveLength(1);
    const audit = await h.db.select().from(auditEvents).where(eq(auditEvents.targetId, findingId));
    const success = audit.find(
      (a) =>
        a.action === 'aws.cleanup.delete_volume' &&
        a.outcome === 'success' &&
        (a.details as { dryRun?: boolean }).dryRun === false,
    );
    expect(success?.details).toMatchObject({ approvalId });
  });

  it('a token is single-use and expires', async () => {
    const { owner, findingId } = await setup();
    const first = (await cleanup(owner, owner.orgId, findingId, { dryRun: true })).json();
    volume = { ...volume, Attachments: [{ InstanceId: 'i-1', State: 'attached' }], State: 'in-use' };
    const changed = await cleanup(owner, owner.orgId, findingId, {
      dryRun: false,
      confirm: first.confirmToken,
    });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error.code).toBe('resource_changed');
    volume = { ...volume, Attachments: [], State: 'available' };
    const reused = await cleanup(owner, owner.orgId, findingId, {
      dryRun: false,
      confirm: first.confirmToken,
    });
    expect(reused.json().error.code).toBe('confirmation_invalid');

    const second = (await cleanup(owner, owner.orgId, findingId, { dryRun: true })).json();
    h.clock.advance(11 * 60_000);
    try {
      const expired = await cleanup(owner, owner.orgId, findingId, {
        dryRun: false,
        confirm: second.confirmToken,
      });
      expect(expired.json().error.code).toBe('confirmation_invalid');
    } finally {
      h.clock.advance(-11 * 60_000);
    }
    expect(realDeletes()).toHaveLength(0);
  });

  it('refuses a resource whose tags changed since the scan', async () => {
    const { owner, findingId } = await setup();
    volume = { ...volume, Tags: [{ Key: 'env', Value: 'prod' }, ALLOWED] };
    const dry = (await cleanup(owner, owner.orgId, findingId, { dryRun: true })).json();
    expect(dry.allowed).toBe(false);
    expect(dry.confirmToken).toBeNull();
    expect(dry.checks.find((c: { name: string }) => c.name === 'tags_unchanged').status).toBe('fail');
    expect(ec2Mock.commandCalls(DeleteVolumeCommand)).toHaveLength(0);
  });

  it('honours the protection tag, in the dry run and when it appears after the dry run', async () => {
    const { owner, findingId } = await setup();
    const dry = (await cleanup(owner, owner.orgId, findingId, { dryRun: true })).json();
    expect(dry.allowed).toBe(true);
    volume = {
      ...volume,
      Tags: [{ Key: 'env', Value: 'dev' }, ALLOWED, { Key: 'rolegate:protect', Value: '' }],
    };
    const real = await cleanup(owner, owner.orgId, findingId, { dryRun: false, confirm: dry.confirmToken });
    expect(real.statusCode).toBe(409);
    expect(real.json().error.code).toBe('resource_protected');

    const p = await setup({ tags: { env: 'dev', 'rolegate-cleanup': 'allowed', 'rolegate:protect': 'yes' } });
    volume = {
      ...volume,
      Tags: [{ Key: 'env', Value: 'dev' }, ALLOWED, { Key: 'rolegate:protect', Value: 'yes' }],
    };
    const pdry = (await cleanup(p.owner, p.owner.orgId, p.findingId, { dryRun: true })).json();
    expect(pdry.allowed).toBe(false);
    expect(pdry.checks.find((c: { name: string }) => c.name === 'not_protected').status).toBe('fail');
    expect(realDeletes()).toHaveLength(0);
  });

  it('honours the connection’s clean-up tag conditions', async () => {
    const { owner, findingId } = await setup({ cleanupTagConditions: { env: 'sandbox' } });
    const dry = (await cleanup(owner, owner.orgId, findingId, { dryRun: true })).json();
    expect(dry.allowed).toBe(false);
    expect(dry.checks.find((c: { name: string }) => c.name === 'tag_conditions').status).toBe('fail');
    const ok = await setup({ cleanupTagConditions: { env: 'dev' } });
    const okDry = (await cleanup(ok.owner, ok.owner.orgId, ok.findingId, { dryRun: true })).json();
    expect(okDry.allowed).toBe(true);
    expect(okDry.checks.find((c: { name: string }) => c.name === 'tag_conditions').status).toBe('pass');
  });

  it('checks the tag condition the role’s policy enforces: no conditions set means rolegate-cleanup=allowed (issue 22 item 3)', async () => {
    const { owner, conn, findingId } = await setup({ tags: { env: 'dev' } });
    volume = { ...volume, Tags: [{ Key: 'env', Value: 'dev' }] };
    const dry = (await cleanup(owner, owner.orgId, findingId, { dryRun: true })).json();
    const check = dry.checks.find((c: { name: string }) => c.name === 'tag_conditions');
    expect(check.status).toBe('fail');
    expect(check.message).toContain('rolegate-cleanup=allowed');
    expect(dry.allowed).toBe(false);
    expect(ec2Mock.commandCalls(DeleteVolumeCommand)).toHaveLength(0);
    // The same condition is what the generated policy enforces and what the connection shows.
    const tpl = (
      await h.t.app.inject({
        method: 'GET',
        url: `/v1/orgs/${owner.orgId}/connections/${conn}/templates`,
        headers: owner.headers,
      })
    ).json();
    const guarded = tpl.permissionPolicy.Statement.find((s: { Sid: string }) => s.Sid === 'CleanupEc2Tagged');
    expect(guarded.Condition.StringEquals).toEqual({ 'aws:ResourceTag/rolegate-cleanup': 'allowed' });
    const view = (
      await h.t.app.inject({
        method: 'GET',
        url: `/v1/orgs/${owner.orgId}/connections/${conn}`,
        headers: owner.headers,
      })
    ).json();
    expect(view.scopes.cleanupTagConditions).toEqual({ 'rolegate-cleanup': 'allowed' });
  });

  it('snapshots a volume before deleting it when asked', async () => {
    const { owner, findingId } = await setup();
    const dry = (
      await cleanup(owner, owner.orgId, findingId, { dryRun: true, snapshotBeforeDelete: true })
    ).json();
    expect(dry.wouldDo).toContain('Snapshot then delete');
    const real = await cleanup(owner, owner.orgId, findingId, { dryRun: false, confirm: dry.confirmToken });
    expect(real.json()).toMatchObject({ done: true, snapshotId: 'snap-backup' });
    expect(ec2Mock.commandCalls(CreateSnapshotCommand)).toHaveLength(1);
    expect(realDeletes()).toHaveLength(1);
  });

  it('releases an Elastic IP and deregisters an AMI with exactly the right calls', async () => {
    const owner = await createTestUser(h.t);
    const conn = (await insertConnection(h.t, owner.orgId)).id;
    ec2Mock
      .on(DescribeAddressesCommand)
      .resolves({ Addresses: [{ AllocationId: 'eipalloc-1', PublicIp: '203.0.113.5', Tags: [ALLOWED] }] });
    ec2Mock.on(ReleaseAddressCommand).callsFake(async (input: { DryRun?: boolean }) => {
      if (input.DryRun) throw dryRunOk();
      return {};
    });
    const eip = await insertFinding(h.db, owner.orgId, conn, {
      type: 'eip_unassociated',
      resourceId: 'eipalloc-1',
      resourceArn: 'arn:aws:ec2:us-east-1:123456789012:elastic-ip/eipalloc-1',
      tags: { 'rolegate-cleanup': 'allowed' },
    });
    const dry = (await cleanup(owner, owner.orgId, eip, { dryRun: true })).json();
    await cleanup(owner, owner.orgId, eip, { dryRun: false, confirm: dry.confirmToken });
    const releases = ec2Mock.commandCalls(ReleaseAddressCommand).map((c) => c.args[0].input);
    expect(releases).toEqual([{ AllocationId: 'eipalloc-1', DryRun: true }, { AllocationId: 'eipalloc-1' }]);

    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [{ ImageId: 'ami-1', State: 'available', Tags: [ALLOWED] }] });
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2Mock.on(DeregisterImageCommand).callsFake(async (input: { DryRun?: boolean }) => {
      if (input.DryRun) throw dryRunOk();
      return {};
    });
    const ami = await insertFinding(h.db, owner.orgId, conn, {
      type: 'ami_unused',
      resourceId: 'ami-1',
      resourceArn: 'arn:aws:ec2:us-east-1::image/ami-1',
      details: { snapshotIds: ['snap-a'] },
      tags: { 'rolegate-cleanup': 'allowed' },
    });
    const amiDry = (await cleanup(owner, owner.orgId, ami, { dryRun: true })).json();
    expect(amiDry.allowed).toBe(true);
    await cleanup(owner, owner.orgId, ami, { dryRun: false, confirm: amiDry.confirmToken });
    expect(ec2Mock.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input)).toEqual([
      { ImageId: 'ami-1', DryRun: true },
      { ImageId: 'ami-1' },
    ]);
  });

  it('deletes an idle load balancer (no DryRun in that API: the check is reported as skipped)', async () => {
    const owner = await createTestUser(h.t);
    const conn = (await insertConnection(h.t, owner.orgId)).id;
    const arn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/idle/1';
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: arn }] });
    elbMock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
    elbMock.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: arn, Tags: [ALLOWED] }] });
    elbMock.on(DeleteLoadBalancerCommand).resolves({});
    const lb = await insertFinding(h.db, owner.orgId, conn, {
      type: 'load_balancer_idle',
      resourceId: 'idle',
      resourceArn: arn,
      tags: { 'rolegate-cleanup': 'allowed' },
    });
    const dry = (await cleanup(owner, owner.orgId, lb, { dryRun: true })).json();
    expect(dry.checks.find((c: { name: string }) => c.name === 'aws_dry_run').status).toBe('skipped');
    expect(elbMock.commandCalls(DeleteLoadBalancerCommand)).toHaveLength(0);
    await cleanup(owner, owner.orgId, lb, { dryRun: false, confirm: dry.confirmToken });
    expect(elbMock.commandCalls(DeleteLoadBalancerCommand).map((c) => c.args[0].input)).toEqual([
      { LoadBalancerArn: arn },
    ]);
  });

  it('fails closed: no AWS call when the audit record cannot be written', async () => {
    const { owner, connection, findingId } = await setup();
    // Refuse audit inserts for this organisation only (other suites may share the database).
    const fn = `refuse_audit_${owner.orgId.slice(4)}`;
    await h.db.execute(
      sql.raw(
        `create function ${fn}() returns trigger language plpgsql as $$ begin if new.org_id = '${owner.orgId}' then raise exception 'audit down'; end if; return new; end $$`,
      ),
    );
    await h.db.execute(
      sql.raw(`create trigger ${fn} before insert on audit_events for each row execute function ${fn}()`),
    );
    try {
      const res = await cleanup(owner, owner.orgId, findingId, { dryRun: true });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('audit_unavailable');
    } finally {
      await h.db.execute(sql.raw(`drop trigger ${fn} on audit_events`));
      await h.db.execute(sql.raw(`drop function ${fn}()`));
    }
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(sessionPolicies(connection)).toHaveLength(0);
  });

  it('only recommends for RDS, and needs the cleanup capability', async () => {
    const owner = await createTestUser(h.t);
    const conn = (await insertConnection(h.t, owner.orgId)).id;
    const rds = await insertFinding(h.db, owner.orgId, conn, {
      type: 'rds_instance_stopped',
      resourceId: 'db-1',
      resourceArn: 'arn:aws:rds:us-east-1:123456789012:db:db-1',
    });
    const res = await cleanup(owner, owner.orgId, rds, { dryRun: true });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('cleanup_unsupported');
    const readOnly = (await insertConnection(h.t, owner.orgId, { capabilities: ['cost-scan'] })).id;
    const f = await insertFinding(h.db, owner.orgId, readOnly, {
      type: 'ebs_volume_unattached',
      resourceId: 'vol-1',
      resourceArn: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1',
    });
    const denied = await cleanup(owner, owner.orgId, f, { dryRun: true });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('capability_missing');
    const bad = await cleanup(owner, owner.orgId, f, { dryRun: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});
