import type { EC2Client, Tag } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RDSClient } from '@aws-sdk/client-rds';
import { type Estimate, ebsVolumeEstimate, hourlyEstimate, perGbEstimate, pricesFor } from './prices.ts';
import type { ScanSdk } from './sdk.ts';

/** The kinds of waste the scanner reports; also the `type` of a finding. */
export const FINDING_TYPES = [
  'ebs_volume_unattached',
  'ebs_snapshot_orphaned',
  'eip_unassociated',
  'load_balancer_idle',
  'rds_instance_stopped',
  'ami_unused',
  'nat_gateway_idle',
] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

export type DetailValue = string | number | boolean | null | string[];

export interface DetectedFinding {
  type: FindingType;
  region: string;
  resourceId: string;
  resourceArn: string;
  ageDays: number | null;
  tags: Record<string, string>;
  monthlyCostCents: number;
  /** How the estimate was reached: quantity, type, unit price, region and price-table date. */
  costBasis: string;
  recommendedAction: string;
  /** Small, secret-free facts the clean-up re-check compares against (size, type, state…). */
  details: Record<string, DetailValue>;
}

export interface ScanClients {
  ec2: EC2Client;
  rds: RDSClient;
  elbv2: ElasticLoadBalancingV2Client;
  /** The SDK modules the clients come from (commands, paginators): loaded with the clients. */
  sdk: ScanSdk;
}

export interface DetectorContext {
  region: string;
  accountId: string;
  partition: string;
  now: Date;
  snapshotMinAgeDays: number;
  amiMinAgeDays: number;
}

export interface Detector {
  type: FindingType;
  /** Exactly the read actions the detector calls; the session policy for its credentials. */
  actions: string[];
  run(clients: ScanClients, ctx: DetectorContext): Promise<DetectedFinding[]>;
}

const PAGE_SIZE = 500;

function cost(e: Estimate): Pick<DetectedFinding, 'monthlyCostCents' | 'costBasis'> {
  return { monthlyCostCents: e.cents, costBasis: e.basis };
}
const DAY_MS = 86_400_000;

export function ageInDays(created: Date | string | undefined, now: Date): number | null {
  if (created === undefined) return null;
  const at = created instanceof Date ? created : new Date(created);
  if (Number.isNaN(at.getTime())) return null;
  return Math.max(0, Math.floor((now.getTime() - at.getTime()) / DAY_MS));
}

export function tagsOf(
  list: { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

function ec2Arn(ctx: DetectorContext, kind: string, id: string, withAccount = true): string {
  return `arn:${ctx.partition}:ec2:${ctx.region}:${withAccount ? ctx.accountId : ''}:${kind}/${id}`;
}

export const unattachedVolumes: Detector = {
  type: 'ebs_volume_unattached',
  actions: ['ec2:DescribeVolumes'],
  async run({ ec2, sdk }, ctx) {
    const out: DetectedFinding[] = [];
    const pages = sdk.ec2.paginateDescribeVolumes(
      { client: ec2, pageSize: PAGE_SIZE },
      { Filters: [{ Name: 'status', Values: ['available'] }] },
    );
    for await (const page of pages) {
      for (const v of page.Volumes ?? []) {
        if (v.VolumeId === undefined || v.State !== 'available' || (v.Attachments ?? []).length > 0) continue;
        const size = v.Size ?? 0;
        const estimate = ebsVolumeEstimate(ctx.region, {
          sizeGb: size,
          type: v.VolumeType,
          iops: v.Iops,
          throughput: v.Throughput,
        });
        out.push({
          type: 'ebs_volume_unattached',
          region: ctx.region,
          resourceId: v.VolumeId,
          resourceArn: ec2Arn(ctx, 'volume', v.VolumeId),
          ageDays: ageInDays(v.CreateTime, ctx.now),
          tags: tagsOf(v.Tags),
          ...cost(estimate),
          recommendedAction:
            'Delete the volume (optionally snapshot it first) if nothing will attach it again.',
          details: { sizeGb: size, volumeType: v.VolumeType ?? null, state: 'available' },
        });
      }
    }
    return out;
  },
};

/** Volume id AWS puts on snapshots that were copied or whose origin is unknown. */
const COPIED_SNAPSHOT_VOLUME = 'vol-ffffffff';

export const orphanedSnapshots: Detector = {
  type: 'ebs_snapshot_orphaned',
  actions: ['ec2:DescribeSnapshots', 'ec2:DescribeVolumes', 'ec2:DescribeImages'],
  async run({ ec2, sdk }, ctx) {
    const price = pricesFor(ctx.region);
    const volumes = new Set<string>();
    for await (const page of sdk.ec2.paginateDescribeVolumes({ client: ec2, pageSize: PAGE_SIZE }, {})) {
      for (const v of page.Volumes ?? []) if (v.VolumeId !== undefined) volumes.add(v.VolumeId);
    }
    // Snapshots backing one of our AMIs cannot be deleted while the AMI exists: not orphans.
    const backing = new Set<string>();
    for await (const page of sdk.ec2.paginateDescribeImages(
      { client: ec2, pageSize: PAGE_SIZE },
      { Owners: ['self'] },
    )) {
      for (const img of page.Images ?? [])
        for (const m of img.BlockDeviceMappings ?? [])
          if (m.Ebs?.SnapshotId !== undefined) backing.add(m.Ebs.SnapshotId);
    }
    const out: DetectedFinding[] = [];
    for await (const page of sdk.ec2.paginateDescribeSnapshots(
      { client: ec2, pageSize: PAGE_SIZE },
      { OwnerIds: ['self'] },
    )) {
      for (const s of page.Snapshots ?? []) {
        if (s.SnapshotId === undefined || s.State !== 'completed') continue;
        const age = ageInDays(s.StartTime, ctx.now);
        if (age === null || age < ctx.snapshotMinAgeDays) continue;
        if (backing.has(s.SnapshotId)) continue;
        const source = s.VolumeId ?? COPIED_SNAPSHOT_VOLUME;
        if (source !== COPIED_SNAPSHOT_VOLUME && volumes.has(source)) continue;
        const size = s.VolumeSize ?? 0;
        out.push({
          type: 'ebs_snapshot_orphaned',
          region: ctx.region,
          resourceId: s.SnapshotId,
          resourceArn: ec2Arn(ctx, 'snapshot', s.SnapshotId, false),
          ageDays: age,
          tags: tagsOf(s.Tags),
          ...cost(perGbEstimate(ctx.region, size, price.snapshotGbMonth, 'snapshot (its volume size)')),
          recommendedAction:
            'Delete the snapshot if its data is no longer needed (its source volume is gone).',
          details: { sizeGb: size, sourceVolumeId: source },
        });
      }
    }
    return out;
  },
};

export const unassociatedAddresses: Detector = {
  type: 'eip_unassociated',
  actions: ['ec2:DescribeAddresses'],
  async run({ ec2, sdk }, ctx) {
    const price = pricesFor(ctx.region);
    // DescribeAddresses is not paginated: it returns every address of the region at once.
    const res = await ec2.send(new sdk.ec2.DescribeAddressesCommand({}));
    const out: DetectedFinding[] = [];
    for (const a of res.Addresses ?? []) {
      if (a.AllocationId === undefined || a.AssociationId !== undefined) continue;
      if (a.NetworkInterfaceId !== undefined || a.InstanceId !== undefined) continue;
      out.push({
        type: 'eip_unassociated',
        region: ctx.region,
        resourceId: a.AllocationId,
        resourceArn: ec2Arn(ctx, 'elastic-ip', a.AllocationId),
        ageDays: null,
        tags: tagsOf(a.Tags),
        ...cost(hourlyEstimate(ctx.region, price.eipHour, 'idle public IPv4 address')),
        recommendedAction: 'Release the Elastic IP if no DNS record or allow-list depends on it.',
        details: { publicIp: a.PublicIp ?? null, associated: false },
      });
    }
    return out;
  },
};

export const idleLoadBalancers: Detector = {
  type: 'load_balancer_idle',
  actions: [
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
    'elasticloadbalancing:DescribeTags',
  ],
  async run({ elbv2, sdk }, ctx) {
    const price = pricesFor(ctx.region);
    const balancers = [];
    for await (const page of sdk.elbv2.paginateDescribeLoadBalancers({ client: elbv2, pageSize: 400 }, {})) {
      for (const lb of page.LoadBalancers ?? []) if (lb.LoadBalancerArn !== undefined) balancers.push(lb);
    }
    if (balancers.length === 0) return [];
    const groupsByLb = new Map<string, string[]>();
    for await (const page of sdk.elbv2.paginateDescribeTargetGroups({ client: elbv2, pageSize: 400 }, {})) {
      for (const tg of page.TargetGroups ?? []) {
        if (tg.TargetGroupArn === undefined) continue;
        for (const lbArn of tg.LoadBalancerArns ?? []) {
          const list = groupsByLb.get(lbArn) ?? [];
          list.push(tg.TargetGroupArn);
          groupsByLb.set(lbArn, list);
        }
      }
    }
    const targetCount = new Map<string, number>();
    const idle = [];
    for (const lb of balancers) {
      const arn = lb.LoadBalancerArn as string;
      let targets = 0;
      for (const tg of groupsByLb.get(arn) ?? []) {
        let n = targetCount.get(tg);
        if (n === undefined) {
          const health = await elbv2.send(new sdk.elbv2.DescribeTargetHealthCommand({ TargetGroupArn: tg }));
          n = (health.TargetHealthDescriptions ?? []).length;
          targetCount.set(tg, n);
        }
        targets += n;
      }
      if (targets === 0) idle.push(lb);
    }
    const tags = new Map<string, Record<string, string>>();
    for (let i = 0; i < idle.length; i += 20) {
      const arns = idle.slice(i, i + 20).map((lb) => lb.LoadBalancerArn as string);
      const res = await elbv2.send(new sdk.elbv2.DescribeTagsCommand({ ResourceArns: arns }));
      for (const d of res.TagDescriptions ?? [])
        if (d.ResourceArn !== undefined) tags.set(d.ResourceArn, tagsOf(d.Tags));
    }
    return idle.map((lb): DetectedFinding => {
      const arn = lb.LoadBalancerArn as string;
      const hourly =
        lb.Type === 'network' ? price.nlbHour : lb.Type === 'gateway' ? price.gwlbHour : price.albHour;
      return {
        type: 'load_balancer_idle',
        region: ctx.region,
        resourceId: lb.LoadBalancerName ?? arn,
        resourceArn: arn,
        ageDays: ageInDays(lb.CreatedTime, ctx.now),
        tags: tags.get(arn) ?? {},
        ...cost(hourlyEstimate(ctx.region, hourly, `${lb.Type ?? 'application'} load balancer`)),
        recommendedAction:
          'Delete the load balancer: no target group attached to it has a registered target.',
        details: {
          lbType: lb.Type ?? 'application',
          targetGroups: groupsByLb.get(arn) ?? [],
          registeredTargets: 0,
        },
      };
    });
  },
};

export const stoppedDatabases: Detector = {
  type: 'rds_instance_stopped',
  actions: ['rds:DescribeDBInstances'],
  async run({ rds, sdk }, ctx) {
    const price = pricesFor(ctx.region);
    const out: DetectedFinding[] = [];
    for await (const page of sdk.rds.paginateDescribeDBInstances({ client: rds, pageSize: 100 }, {})) {
      for (const db of page.DBInstances ?? []) {
        if (db.DBInstanceIdentifier === undefined || db.DBInstanceStatus !== 'stopped') continue;
        const storage = db.AllocatedStorage ?? 0;
        out.push({
          type: 'rds_instance_stopped',
          region: ctx.region,
          resourceId: db.DBInstanceIdentifier,
          resourceArn:
            db.DBInstanceArn ??
            `arn:${ctx.partition}:rds:${ctx.region}:${ctx.accountId}:db:${db.DBInstanceIdentifier}`,
          ageDays: ageInDays(db.InstanceCreateTime, ctx.now),
          tags: tagsOf(db.TagList),
          ...cost(perGbEstimate(ctx.region, storage, price.rdsGbMonth, 'RDS storage')),
          recommendedAction:
            'Storage is still billed while stopped, and AWS restarts it after 7 days. Take a final snapshot and delete it in the RDS console if unused (Rolegate does not delete databases).',
          details: {
            allocatedStorageGb: storage,
            engine: db.Engine ?? null,
            instanceClass: db.DBInstanceClass ?? null,
          },
        });
      }
    }
    return out;
  },
};

export const unusedImages: Detector = {
  type: 'ami_unused',
  actions: ['ec2:DescribeImages', 'ec2:DescribeInstances'],
  async run({ ec2, sdk }, ctx) {
    const price = pricesFor(ctx.region);
    const inUse = new Set<string>();
    for await (const page of sdk.ec2.paginateDescribeInstances({ client: ec2, pageSize: 1000 }, {})) {
      for (const r of page.Reservations ?? [])
        for (const i of r.Instances ?? [])
          if (i.ImageId !== undefined && i.State?.Name !== 'terminated') inUse.add(i.ImageId);
    }
    const out: DetectedFinding[] = [];
    for await (const page of sdk.ec2.paginateDescribeImages(
      { client: ec2, pageSize: PAGE_SIZE },
      { Owners: ['self'] },
    )) {
      for (const img of page.Images ?? []) {
        if (img.ImageId === undefined || img.State !== 'available' || inUse.has(img.ImageId)) continue;
        const age = ageInDays(img.CreationDate, ctx.now);
        if (age === null || age < ctx.amiMinAgeDays) continue;
        const snapshots: string[] = [];
        let sizeGb = 0;
        for (const m of img.BlockDeviceMappings ?? []) {
          if (m.Ebs?.SnapshotId !== undefined) snapshots.push(m.Ebs.SnapshotId);
          sizeGb += m.Ebs?.VolumeSize ?? 0;
        }
        out.push({
          type: 'ami_unused',
          region: ctx.region,
          resourceId: img.ImageId,
          resourceArn: ec2Arn(ctx, 'image', img.ImageId, false),
          ageDays: age,
          tags: tagsOf(img.Tags as Tag[] | undefined),
          ...cost(perGbEstimate(ctx.region, sizeGb, price.snapshotGbMonth, 'of AMI snapshots')),
          recommendedAction:
            'Deregister the AMI (and delete its snapshots) if no launch template or auto-scaling group still refers to it.',
          details: { snapshotIds: snapshots, sizeGb, name: img.Name ?? null },
        });
      }
    }
    return out;
  },
};

/**
 * A NAT gateway is reported only when no route table sends traffic to it: then it cannot carry
 * traffic and is idle for certain. Gateways that are routed to would need CloudWatch
 * (BytesOutToDestination) to judge, which this scanner does not read, so they are not reported.
 */
export const idleNatGateways: Detector = {
  type: 'nat_gateway_idle',
  actions: ['ec2:DescribeNatGateways', 'ec2:DescribeRouteTables'],
  async run({ ec2, sdk }, ctx) {
    const price = pricesFor(ctx.region);
    const gateways = [];
    for await (const page of sdk.ec2.paginateDescribeNatGateways(
      { client: ec2, pageSize: 1000 },
      { Filter: [{ Name: 'state', Values: ['available'] }] },
    )) {
      for (const g of page.NatGateways ?? [])
        if (g.NatGatewayId !== undefined && g.State === 'available') gateways.push(g);
    }
    if (gateways.length === 0) return [];
    const routed = new Set<string>();
    for await (const page of sdk.ec2.paginateDescribeRouteTables({ client: ec2, pageSize: 100 }, {})) {
      for (const rt of page.RouteTables ?? [])
        for (const r of rt.Routes ?? []) if (r.NatGatewayId !== undefined) routed.add(r.NatGatewayId);
    }
    return gateways
      .filter((g) => !routed.has(g.NatGatewayId as string))
      .map((g): DetectedFinding => {
        const id = g.NatGatewayId as string;
        return {
          type: 'nat_gateway_idle',
          region: ctx.region,
          resourceId: id,
          resourceArn: ec2Arn(ctx, 'natgateway', id),
          ageDays: ageInDays(g.CreateTime, ctx.now),
          tags: tagsOf(g.Tags),
          ...cost(hourlyEstimate(ctx.region, price.natHour, 'NAT gateway')),
          recommendedAction:
            'No route table sends traffic to this NAT gateway: delete it in the VPC console if it is not about to be used (Rolegate does not delete NAT gateways).',
          details: { vpcId: g.VpcId ?? null, subnetId: g.SubnetId ?? null, routed: false },
        };
      });
  },
};

export const DETECTORS: readonly Detector[] = [
  unattachedVolumes,
  orphanedSnapshots,
  unassociatedAddresses,
  idleLoadBalancers,
  stoppedDatabases,
  unusedImages,
  idleNatGateways,
];
