import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  type DescribeSnapshotsCommandInput,
  EC2Client,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { findings } from '../../src/scans/tables.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import {
  createScanHarness,
  insertConnection,
  insertFinding,
  mockSts,
  type ScanHarness,
} from '../scans/harness.ts';

/**
 * Issue 14 item 8: AMI clean-up with `deleteSnapshots` gives the backing snapshots the same checks as
 * every other resource (described, `rolegate:protect`, tag conditions, DryRun, in the state hash the
 * confirmation token binds), checks everything before deregistering, and leaves a reported,
 * actionable state when a snapshot delete fails after the AMI is gone.
 */

const ec2 = mockClient(EC2Client);
const ALLOWED = { Key: 'rolegate-cleanup', Value: 'allowed' };
const dryRunOk = () => Object.assign(new Error('DryRun'), { name: 'DryRunOperation' });

let registered: boolean;
let snapshots: Record<string, Snapshot>;
/** Snapshot ids whose real delete AWS refuses. */
let failing: Set<string>;
/** Snapshot ids another AMI of the account also uses. */
let shared: string[];

beforeEach(() => {
  mockSts();
  ec2.reset();
  registered = true;
  failing = new Set();
  shared = [];
  snapshots = {
    'snap-a': { SnapshotId: 'snap-a', State: 'completed', VolumeSize: 8, Tags: [ALLOWED] },
    'snap-b': { SnapshotId: 'snap-b', State: 'completed', VolumeSize: 8, Tags: [ALLOWED] },
  };
  ec2.on(DescribeImagesCommand).callsFake(async (input: DescribeImagesCommandInput) => {
    const other = {
      ImageId: 'ami-other',
      State: 'available',
      BlockDeviceMappings: shared.map((id) => ({ Ebs: { SnapshotId: id } })),
    };
    const others = input.Filters !== undefined && shared.length > 0 ? [other] : [];
    if (!registered) return { Images: others };
    const image = {
      ImageId: 'ami-1',
      State: 'available',
      Tags: [ALLOWED],
      BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-a' } }, { Ebs: { SnapshotId: 'snap-b' } }],
    };
    return {
      Images: [
        ...(input.ImageIds === undefined || input.ImageIds.includes('ami-1') ? [image] : []),
        ...others,
      ],
    };
  });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeSnapshotsCommand).callsFake(async (input: DescribeSnapshotsCommandInput) => ({
    Snapshots: (input.SnapshotIds ?? []).flatMap((id) => (snapshots[id] ? [snapshots[id]] : [])),
  }));
  ec2.on(DeregisterImageCommand).callsFake(async (input: { DryRun?: boolean }) => {
    if (input.DryRun) throw dryRunOk();
    registered = false;
    return {};
  });
  ec2.on(DeleteSnapshotCommand).callsFake(async (input: { SnapshotId: string; DryRun?: boolean }) => {
    if (input.DryRun) throw dryRunOk();
    if (failing.has(input.SnapshotId))
      throw Object.assign(new Error('The snapshot is in use'), {
        name: 'InvalidSnapshot.InUse',
        $metadata: { httpStatusCode: 400 },
      });
    delete snapshots[input.SnapshotId];
    return {};
  });
});

let h: ScanHarness;
beforeAll(async () => {
  h = await createScanHarness();
});
afterAll(async () => {
  await h?.close();
});

async function setup() {
  const owner = await createTestUser(h.t);
  const conn = (await insertConnection(h.t, owner.orgId)).id;
  const findingId = await insertFinding(h.db, owner.orgId, conn, {
    type: 'ami_unused',
    resourceId: 'ami-1',
    resourceArn: 'arn:aws:ec2:us-east-1::image/ami-1',
    tags: { 'rolegate-cleanup': 'allowed' },
    details: { snapshotIds: ['snap-a', 'snap-b'], sizeGb: 16, name: 'old' },
  });
  return { owner, findingId };
}

function cleanup(user: TestUser, findingId: string, payload: Record<string, unknown>) {
  return h.t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${user.orgId}/findings/${findingId}/cleanup`,
    headers: user.headers,
    payload,
  });
}

const realDeregisters = () => ec2.commandCalls(DeregisterImageCommand).filter((c) => !c.args[0].input.DryRun);
const realSnapshotDeletes = () =>
  ec2
    .commandCalls(DeleteSnapshotCommand)
    .filter((c) => !c.args[0].input.DryRun)
    .map((c) => c.args[0].input.SnapshotId);
type Check = { name: string; status: string; resource?: string };
const failedChecks = (checks: Check[]) =>
  checks.filter((c) => c.status === 'fail').map((c) => `${c.name}:${c.resource ?? ''}`);

describe('AMI clean-up with deleteSnapshots (issue 14 item 8)', () => {
  it('the dry run describes each snapshot, asks AWS with DryRun for each, and reports per snapshot', async () => {
    const { owner, findingId } = await setup();
    const dry = (await cleanup(owner, findingId, { dryRun: true, deleteSnapshots: true })).json();
    expect(dry.allowed).toBe(true);
    expect(ec2.commandCalls(DescribeSnapshotsCommand).length).toBeGreaterThan(0);
    const dryDeletes = ec2
      .commandCalls(DeleteSnapshotCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.DryRun === true)
      .map((i) => i.SnapshotId);
    expect(dryDeletes.sort()).toEqual(['snap-a', 'snap-b']);
    for (const id of ['snap-a', 'snap-b']) {
      const mine = (dry.checks as Check[])
        .filter((c) => c.resource === id)
        .map((c) => `${c.name}:${c.status}`);
      expect(mine).toEqual(
        expect.arrayContaining(['not_protected:pass', 'tag_conditions:pass', 'aws_dry_run:pass']),
      );
    }
    expect(realDeregisters()).toHaveLength(0);
    expect(realSnapshotDeletes()).toEqual([]);
  });

  it('a protected snapshot or one without the clean-up tags blocks the whole clean-up before anything is deregistered', async () => {
    const { owner, findingId } = await setup();
    snapshots['snap-b'] = {
      ...snapshots['snap-b'],
      Tags: [ALLOWED, { Key: 'rolegate:protect', Value: 'keep' }],
    };
    const dry = (await cleanup(owner, findingId, { dryRun: true, deleteSnapshots: true })).json();
    expect(dry.allowed).toBe(false);
    expect(dry.confirmToken).toBeNull();
    expect(failedChecks(dry.checks)).toEqual(['not_protected:snap-b']);

    snapshots['snap-b'] = { ...snapshots['snap-b'], Tags: [] };
    const untagged = (await cleanup(owner, findingId, { dryRun: true, deleteSnapshots: true })).json();
    expect(untagged.allowed).toBe(false);
    expect(failedChecks(untagged.checks)).toEqual(['tag_conditions:snap-b']);

    snapshots['snap-b'] = { ...snapshots['snap-b'], Tags: [ALLOWED] };
    shared = ['snap-a'];
    const inUse = (await cleanup(owner, findingId, { dryRun: true, deleteSnapshots: true })).json();
    expect(inUse.allowed).toBe(false);
    expect(failedChecks(inUse.checks)).toEqual(['still_unused:snap-a']);
    expect(realDeregisters()).toHaveLength(0);
    expect(realSnapshotDeletes()).toEqual([]);
  });

  it('the token binds the snapshots’ state: protected or changed after the dry run → refused, nothing deregistered', async () => {
    const { owner, findingId } = await setup();
    const dry = (await cleanup(owner, findingId, { dryRun: true, deleteSnapshots: true })).json();
    snapshots['snap-a'] = { ...snapshots['snap-a'], Tags: [ALLOWED, { Key: 'rolegate:protect', Value: '' }] };
    const protectedRun = await cleanup(owner, findingId, { dryRun: false, confirm: dry.confirmToken });
    expect(protectedRun.statusCode).toBe(409);
    expect(protectedRun.json().error.code).toBe('resource_protected');

    snapshots['snap-a'] = { ...snapshots['snap-a'], Tags: [ALLOWED] };
    const second = (await cleanup(owner, findingId, { dryRun: true, deleteSnapshots: true })).json();
    snapshots['snap-a'] = { ...snapshots['snap-a'], Tags: [ALLOWED, { Key: 'owner', Value: 'someone' }] };
    const changed = await cleanup(owner, findingId, { dryRun: false, confirm: second.confirmToken });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error.code).toBe('resource_changed');
    expect(realDeregisters()).toHaveLength(0);
    expect(realSnapshotDeletes()).toEqual([]);
  });

  it('a failed snapshot delete is reported per snapshot; the finding stays open for the rest, and a new clean-up finishes it', async () => {
    const { owner, findingId } = await setup();
    failing.add('snap-b');
    const dry = (await cleanup(owner, findingId, { dryRun: true, deleteSnapshots: true })).json();
    const real = await cleanup(owner, findingId, { dryRun: false, confirm: dry.confirmToken });
    expect(real.statusCode).toBe(200);
    expect(real.json()).toMatchObject({
      dryRun: false,
      done: false,
      status: 'partial',
      deletedSnapshots: ['snap-a'],
      failedSnapshots: [{ snapshotId: 'snap-b', code: 'InvalidSnapshot.InUse' }],
    });
    expect(realDeregisters()).toHaveLength(1);
    const [row] = await h.db.select().from(findings).where(eq(findings.id, findingId));
    expect(row?.status).toBe('open');
    expect(row?.details).toMatchObject({ imageDeregistered: true, snapshotIds: ['snap-b'] });
    const audit = await h.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, owner.orgId), eq(auditEvents.targetId, findingId)));
    expect(audit.map((a) => a.action)).toContain('finding.cleanup_partial');

    // The AMI is gone; the remaining snapshot is still checked and cleaned up on its own.
    failing.clear();
    const again = (await cleanup(owner, findingId, { dryRun: true, deleteSnapshots: true })).json();
    expect(again.allowed).toBe(true);
    expect(again.wouldDo).toContain('snap-b');
    const done = await cleanup(owner, findingId, { dryRun: false, confirm: again.confirmToken });
    expect(done.json()).toMatchObject({ done: true, status: 'cleaned', deletedSnapshots: ['snap-b'] });
    expect(realDeregisters()).toHaveLength(1);
    expect(realSnapshotDeletes()).toEqual(['snap-a', 'snap-b', 'snap-b']);
    const [after] = await h.db.select().from(findings).where(eq(findings.id, findingId));
    expect(after?.status).toBe('cleaned');
  });
});
