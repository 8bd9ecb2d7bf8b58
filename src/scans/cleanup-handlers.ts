import { mapAwsError } from '../aws/errors.ts';
import { type ObservedPart, type ObservedState, stringList } from './cleanup-checks.ts';
import type { FindingType, ScanClients } from './detectors.ts';
import type { CleanupOptions, FindingRow } from './store.ts';

/**
 * One handler per kind of finding that can be cleaned up: what it reads and writes (the actions and
 * resources the broker narrows the session policy to), how it observes the resource, its DryRun
 * calls, and the real action. The service decides when each runs.
 */

export interface FailedPart {
  snapshotId: string;
  code: string;
  message: string;
}

export interface ActionResult {
  snapshotId?: string;
  deletedSnapshots?: string[];
  /** Snapshots AWS refused to delete after the AMI was deregistered: the finding stays open for them. */
  failedSnapshots?: FailedPart[];
}

/** One AWS call with DryRun=true; `resource` names a part (absent for the finding's own resource). */
export interface DryRunCall {
  resource?: string;
  send(c: ScanClients): Promise<unknown>;
}

export interface CleanupHandler {
  action: string;
  readActions(opts: CleanupOptions): string[];
  writeActions(f: FindingRow, opts: CleanupOptions): string[];
  writeResources(f: FindingRow, opts: CleanupOptions, partition: string): string[];
  describe(c: ScanClients, f: FindingRow, opts: CleanupOptions): Promise<ObservedState>;
  /** The AWS calls with DryRun=true, where the API has it; empty when it has none. */
  dryRunCalls(f: FindingRow, opts: CleanupOptions, observed: ObservedState): DryRunCall[];
  /** Runs only after every check passed on `observed`, the state the confirmation token bound. */
  execute(
    c: ScanClients,
    f: FindingRow,
    opts: CleanupOptions,
    observed: ObservedState,
  ): Promise<ActionResult>;
  wouldDo(f: FindingRow, opts: CleanupOptions): string;
}

const NOT_FOUND_NAMES = new Set([
  'InvalidVolume.NotFound',
  'InvalidSnapshot.NotFound',
  'InvalidAllocationID.NotFound',
  'InvalidAMIID.NotFound',
  'InvalidAMIID.Unavailable',
  'LoadBalancerNotFoundException',
  'LoadBalancerNotFound',
]);

export function errName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string'
    ? err.name
    : undefined;
}

const GONE: ObservedState = { exists: false, unused: false, tags: {}, facts: {} };

async function orGone(fn: () => Promise<ObservedState>): Promise<ObservedState> {
  try {
    return await fn();
  } catch (err) {
    if (NOT_FOUND_NAMES.has(errName(err) ?? '')) return GONE;
    throw err;
  }
}

function tagMap(
  list: { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

const volumeHandler: CleanupHandler = {
  action: 'delete_volume',
  readActions: () => ['ec2:DescribeVolumes'],
  writeActions: (_f, o) =>
    o.snapshotBeforeDelete ? ['ec2:DeleteVolume', 'ec2:CreateSnapshot'] : ['ec2:DeleteVolume'],
  writeResources: (f, o, partition) =>
    o.snapshotBeforeDelete
      ? [f.resourceArn, `arn:${partition}:ec2:${f.region}::snapshot/*`]
      : [f.resourceArn],
  describe: (c, f) =>
    orGone(async () => {
      const res = await c.ec2.send(new c.sdk.ec2.DescribeVolumesCommand({ VolumeIds: [f.resourceId] }));
      const v = res.Volumes?.[0];
      if (v === undefined) return GONE;
      const attachments = (v.Attachments ?? []).length;
      return {
        exists: true,
        unused: v.State === 'available' && attachments === 0,
        tags: tagMap(v.Tags),
        facts: { state: v.State ?? null, attachments, sizeGb: v.Size ?? null },
      };
    }),
  dryRunCalls: (f) => [
    { send: (c) => c.ec2.send(new c.sdk.ec2.DeleteVolumeCommand({ VolumeId: f.resourceId, DryRun: true })) },
  ],
  async execute(c, f, o) {
    let snapshotId: string | undefined;
    if (o.snapshotBeforeDelete) {
      const snap = await c.ec2.send(
        new c.sdk.ec2.CreateSnapshotCommand({
          VolumeId: f.resourceId,
          Description: `Rolegate backup of ${f.resourceId} before clean-up (finding ${f.id})`,
        }),
      );
      snapshotId = snap.SnapshotId;
    }
    await c.ec2.send(new c.sdk.ec2.DeleteVolumeCommand({ VolumeId: f.resourceId }));
    return snapshotId === undefined ? {} : { snapshotId };
  },
  wouldDo: (f, o) =>
    `${o.snapshotBeforeDelete ? 'Snapshot then delete' : 'Delete'} EBS volume ${f.resourceId} in ${f.region}.`,
};

const snapshotHandler: CleanupHandler = {
  action: 'delete_snapshot',
  readActions: () => ['ec2:DescribeSnapshots'],
  writeActions: () => ['ec2:DeleteSnapshot'],
  writeResources: (f) => [f.resourceArn],
  describe: (c, f) =>
    orGone(async () => {
      const res = await c.ec2.send(
        new c.sdk.ec2.DescribeSnapshotsCommand({ SnapshotIds: [f.resourceId], OwnerIds: ['self'] }),
      );
      const s = res.Snapshots?.[0];
      if (s === undefined) return GONE;
      return {
        exists: true,
        unused: s.State === 'completed',
        tags: tagMap(s.Tags),
        facts: { state: s.State ?? null, sizeGb: s.VolumeSize ?? null },
      };
    }),
  dryRunCalls: (f) => [
    {
      send: (c) =>
        c.ec2.send(new c.sdk.ec2.DeleteSnapshotCommand({ SnapshotId: f.resourceId, DryRun: true })),
    },
  ],
  async execute(c, f) {
    await c.ec2.send(new c.sdk.ec2.DeleteSnapshotCommand({ SnapshotId: f.resourceId }));
    return {};
  },
  wouldDo: (f) => `Delete EBS snapshot ${f.resourceId} in ${f.region}.`,
};

const addressHandler: CleanupHandler = {
  action: 'release_address',
  readActions: () => ['ec2:DescribeAddresses'],
  writeActions: () => ['ec2:ReleaseAddress'],
  writeResources: (f) => [f.resourceArn],
  describe: (c, f) =>
    orGone(async () => {
      const res = await c.ec2.send(new c.sdk.ec2.DescribeAddressesCommand({ AllocationIds: [f.resourceId] }));
      const a = res.Addresses?.[0];
      if (a === undefined) return GONE;
      const associated =
        a.AssociationId !== undefined || a.InstanceId !== undefined || a.NetworkInterfaceId !== undefined;
      return {
        exists: true,
        unused: !associated,
        tags: tagMap(a.Tags),
        facts: { associated, publicIp: a.PublicIp ?? null },
      };
    }),
  dryRunCalls: (f) => [
    {
      send: (c) =>
        c.ec2.send(new c.sdk.ec2.ReleaseAddressCommand({ AllocationId: f.resourceId, DryRun: true })),
    },
  ],
  async execute(c, f) {
    await c.ec2.send(new c.sdk.ec2.ReleaseAddressCommand({ AllocationId: f.resourceId }));
    return {};
  },
  wouldDo: (f) => `Release Elastic IP ${f.resourceId} in ${f.region}.`,
};

/** The AMI went in an earlier clean-up whose snapshot deletes partly failed; only snapshots remain. */
export function imageDeregistered(f: FindingRow): boolean {
  return f.details.imageDeregistered === true;
}

/**
 * Each backing snapshot as AWS describes it now, and whether another of the account's AMIs uses it
 * (AWS refuses to delete such a snapshot, which would leave the clean-up half done).
 */
async function describeBackingSnapshots(c: ScanClients, f: FindingRow): Promise<ObservedPart[]> {
  const ids = stringList(f.details.snapshotIds);
  if (ids.length === 0) return [];
  const usedBy = new Map<string, string[]>();
  const images = await c.ec2.send(
    new c.sdk.ec2.DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: ids }],
    }),
  );
  for (const img of images.Images ?? []) {
    if (img.ImageId === undefined || img.ImageId === f.resourceId) continue;
    for (const m of img.BlockDeviceMappings ?? []) {
      const sid = m.Ebs?.SnapshotId;
      if (sid !== undefined && ids.includes(sid)) usedBy.set(sid, [...(usedBy.get(sid) ?? []), img.ImageId]);
    }
  }
  const parts: ObservedPart[] = [];
  // One call per snapshot: a single missing id would fail a combined DescribeSnapshots for all of them.
  for (const id of ids) {
    const state = await orGone(async () => {
      const res = await c.ec2.send(
        new c.sdk.ec2.DescribeSnapshotsCommand({ SnapshotIds: [id], OwnerIds: ['self'] }),
      );
      const s = res.Snapshots?.[0];
      if (s === undefined) return GONE;
      const users = usedBy.get(id) ?? [];
      return {
        exists: true,
        unused: users.length === 0,
        tags: tagMap(s.Tags),
        facts: { state: s.State ?? null, usedByImages: users },
      };
    });
    parts.push({ id, exists: state.exists, unused: state.unused, tags: state.tags, facts: state.facts });
  }
  return parts;
}

const imageHandler: CleanupHandler = {
  action: 'deregister_image',
  readActions: (o) =>
    o.deleteSnapshots
      ? ['ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeSnapshots']
      : ['ec2:DescribeImages', 'ec2:DescribeInstances'],
  writeActions: (f, o) => {
    const actions = imageDeregistered(f) ? [] : ['ec2:DeregisterImage'];
    return o.deleteSnapshots ? [...actions, 'ec2:DeleteSnapshot'] : actions;
  },
  writeResources: (f, o, partition) => [
    ...(imageDeregistered(f) ? [] : [f.resourceArn]),
    ...(o.deleteSnapshots
      ? stringList(f.details.snapshotIds).map((s) => `arn:${partition}:ec2:${f.region}::snapshot/${s}`)
      : []),
  ],
  async describe(c, f, o) {
    const image = imageDeregistered(f)
      ? // Nothing of the AMI is left to check: what remains is its snapshots, checked below.
        { exists: true, unused: true, tags: f.tags, facts: { state: 'deregistered' } }
      : await orGone(async () => {
          const res = await c.ec2.send(
            new c.sdk.ec2.DescribeImagesCommand({ ImageIds: [f.resourceId], Owners: ['self'] }),
          );
          const img = res.Images?.[0];
          if (img === undefined) return GONE;
          const users = await c.ec2.send(
            new c.sdk.ec2.DescribeInstancesCommand({
              Filters: [{ Name: 'image-id', Values: [f.resourceId] }],
            }),
          );
          let running = 0;
          for (const r of users.Reservations ?? [])
            for (const i of r.Instances ?? []) if (i.State?.Name !== 'terminated') running++;
          return {
            exists: true,
            unused: img.State === 'available' && running === 0,
            tags: tagMap(img.Tags),
            facts: { state: img.State ?? null, instances: running },
          };
        });
    if (!image.exists || !o.deleteSnapshots) return image;
    return { ...image, parts: await describeBackingSnapshots(c, f) };
  },
  dryRunCalls: (f, o, observed) => [
    ...(imageDeregistered(f)
      ? []
      : [
          {
            send: (c: ScanClients) =>
              c.ec2.send(new c.sdk.ec2.DeregisterImageCommand({ ImageId: f.resourceId, DryRun: true })),
          },
        ]),
    ...(o.deleteSnapshots
      ? (observed.parts ?? [])
          .filter((p) => p.exists)
          .map((p) => ({
            resource: p.id,
            send: (c: ScanClients) =>
              c.ec2.send(new c.sdk.ec2.DeleteSnapshotCommand({ SnapshotId: p.id, DryRun: true })),
          }))
      : []),
  ],
  async execute(c, f, o, observed) {
    // Every snapshot passed its checks before this point (see `execute` in the service), so the AMI
    // is deregistered only when each of its snapshots may be deleted too.
    if (!imageDeregistered(f))
      await c.ec2.send(new c.sdk.ec2.DeregisterImageCommand({ ImageId: f.resourceId }));
    if (!o.deleteSnapshots) return {};
    const deleted: string[] = [];
    const failed: FailedPart[] = [];
    for (const part of observed.parts ?? []) {
      if (!part.exists) continue;
      try {
        await c.ec2.send(new c.sdk.ec2.DeleteSnapshotCommand({ SnapshotId: part.id }));
        deleted.push(part.id);
      } catch (err) {
        // Gone meanwhile: the goal is reached. Anything else is reported and left for another run.
        if (NOT_FOUND_NAMES.has(errName(err) ?? '')) continue;
        failed.push({
          snapshotId: part.id,
          code: errName(err) ?? 'unknown',
          message: mapAwsError(err).message,
        });
      }
    }
    return failed.length === 0
      ? { deletedSnapshots: deleted }
      : { deletedSnapshots: deleted, failedSnapshots: failed };
  },
  wouldDo: (f, o) =>
    imageDeregistered(f)
      ? `Delete the remaining snapshots (${stringList(f.details.snapshotIds).join(', ') || 'none'}) of AMI ${f.resourceId} in ${f.region}, deregistered by an earlier clean-up.`
      : `Deregister AMI ${f.resourceId} in ${f.region}${
          o.deleteSnapshots
            ? ` and delete its snapshots (${stringList(f.details.snapshotIds).join(', ') || 'none'})`
            : ''
        }.`,
};

const loadBalancerHandler: CleanupHandler = {
  action: 'delete_load_balancer',
  readActions: () => [
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
    'elasticloadbalancing:DescribeTags',
  ],
  writeActions: () => ['elasticloadbalancing:DeleteLoadBalancer'],
  writeResources: (f) => [f.resourceArn],
  describe: (c, f) =>
    orGone(async () => {
      const res = await c.elbv2.send(
        new c.sdk.elbv2.DescribeLoadBalancersCommand({ LoadBalancerArns: [f.resourceArn] }),
      );
      if ((res.LoadBalancers ?? []).length === 0) return GONE;
      const groups = await c.elbv2.send(
        new c.sdk.elbv2.DescribeTargetGroupsCommand({ LoadBalancerArn: f.resourceArn }),
      );
      let targets = 0;
      for (const tg of groups.TargetGroups ?? []) {
        if (tg.TargetGroupArn === undefined) continue;
        const h = await c.elbv2.send(
          new c.sdk.elbv2.DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }),
        );
        targets += (h.TargetHealthDescriptions ?? []).length;
      }
      const tags = await c.elbv2.send(new c.sdk.elbv2.DescribeTagsCommand({ ResourceArns: [f.resourceArn] }));
      return {
        exists: true,
        unused: targets === 0,
        tags: tagMap(tags.TagDescriptions?.[0]?.Tags),
        facts: { registeredTargets: targets },
      };
    }),
  // ELB has no DryRun option.
  dryRunCalls: () => [],
  async execute(c, f) {
    await c.elbv2.send(new c.sdk.elbv2.DeleteLoadBalancerCommand({ LoadBalancerArn: f.resourceArn }));
    return {};
  },
  wouldDo: (f) => `Delete load balancer ${f.resourceId} in ${f.region} (it has no registered targets).`,
};

export const HANDLERS: Partial<Record<FindingType, CleanupHandler>> = {
  ebs_volume_unattached: volumeHandler,
  ebs_snapshot_orphaned: snapshotHandler,
  eip_unassociated: addressHandler,
  ami_unused: imageHandler,
  load_balancer_idle: loadBalancerHandler,
};

export const UNSUPPORTED_REASON: Partial<Record<FindingType, string>> = {
  rds_instance_stopped:
    'Rolegate only recommends for RDS: deleting a database is irreversible and needs a final-snapshot decision, so do it in the RDS console.',
  nat_gateway_idle:
    'Rolegate only recommends for NAT gateways: delete it in the VPC console once you are sure no route needs it.',
};
