import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AuditWriter } from '../audit/types.ts';
import { partitionOf } from '../aws/arn.ts';
import { mapAwsError } from '../aws/errors.ts';
import type { Broker } from '../broker/broker.ts';
import type { Clock } from '../clock.ts';
import { cleanupTags } from '../connections/policy.ts';
import type { ConnectionResolver, UsableConnection } from '../connections/types.ts';
import { randomToken, sha256Hex } from '../crypto/tokens.ts';
import type { Actor } from '../http/auth.ts';
import { AppError, ErrorCode } from '../http/errors.ts';
import { checkKeyScope } from '../identity/api-keys/scope.ts';
import { actionPolicy, type ScanClientFactory } from './aws.ts';
import type { DetailValue, FindingType, ScanClients } from './detectors.ts';
import type { CleanupOptions, FindingRow, ScanStore } from './store.ts';

/** Any tag with this key (any value) makes a resource untouchable by clean-up. */
export const PROTECT_TAG = 'rolegate:protect';
export const CONFIRM_TTL_MS = 10 * 60_000;

export interface ObservedState {
  exists: boolean;
  /** Still as wasteful as the finding says: unattached, unassociated, no targets, not used… */
  unused: boolean;
  tags: Record<string, string>;
  facts: Record<string, DetailValue>;
  /**
   * Further resources the action deletes with the main one (an AMI's backing snapshots): each is
   * described, checked like any resource, dry-run and bound into the confirmation token's state hash.
   */
  parts?: ObservedPart[];
}

export interface ObservedPart {
  id: string;
  exists: boolean;
  /** Not used by anything else (a snapshot backing another AMI is in use). */
  unused: boolean;
  tags: Record<string, string>;
  facts: Record<string, DetailValue>;
}

export type CheckStatus = 'pass' | 'fail' | 'skipped';
export interface CleanupCheck {
  name:
    | 'resource_exists'
    | 'still_unused'
    | 'tags_unchanged'
    | 'not_protected'
    | 'tag_conditions'
    | 'aws_dry_run';
  status: CheckStatus;
  message: string;
  /** The part the check is about (e.g. a snapshot id); absent for the finding's own resource. */
  resource?: string;
}

export interface FailedPart {
  snapshotId: string;
  code: string;
  message: string;
}

interface ActionResult {
  snapshotId?: string;
  deletedSnapshots?: string[];
  /** Snapshots AWS refused to delete after the AMI was deregistered: the finding stays open for them. */
  failedSnapshots?: FailedPart[];
}

/** One AWS call with DryRun=true; `resource` names a part (absent for the finding's own resource). */
interface DryRunCall {
  resource?: string;
  send(c: ScanClients): Promise<unknown>;
}

interface CleanupHandler {
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

function errName(err: unknown): string | undefined {
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

function stringList(v: DetailValue | undefined): string[] {
  return Array.isArray(v) ? v : [];
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
      const res = await c.ec2.send(new DescribeVolumesCommand({ VolumeIds: [f.resourceId] }));
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
    { send: (c) => c.ec2.send(new DeleteVolumeCommand({ VolumeId: f.resourceId, DryRun: true })) },
  ],
  async execute(c, f, o) {
    let snapshotId: string | undefined;
    if (o.snapshotBeforeDelete) {
      const snap = await c.ec2.send(
        new CreateSnapshotCommand({
          VolumeId: f.resourceId,
          Description: `Rolegate backup of ${f.resourceId} before clean-up (finding ${f.id})`,
        }),
      );
      snapshotId = snap.SnapshotId;
    }
    await c.ec2.send(new DeleteVolumeCommand({ VolumeId: f.resourceId }));
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
        new DescribeSnapshotsCommand({ SnapshotIds: [f.resourceId], OwnerIds: ['self'] }),
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
    { send: (c) => c.ec2.send(new DeleteSnapshotCommand({ SnapshotId: f.resourceId, DryRun: true })) },
  ],
  async execute(c, f) {
    await c.ec2.send(new DeleteSnapshotCommand({ SnapshotId: f.resourceId }));
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
      const res = await c.ec2.send(new DescribeAddressesCommand({ AllocationIds: [f.resourceId] }));
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
    { send: (c) => c.ec2.send(new ReleaseAddressCommand({ AllocationId: f.resourceId, DryRun: true })) },
  ],
  async execute(c, f) {
    await c.ec2.send(new ReleaseAddressCommand({ AllocationId: f.resourceId }));
    return {};
  },
  wouldDo: (f) => `Release Elastic IP ${f.resourceId} in ${f.region}.`,
};

/** The AMI went in an earlier clean-up whose snapshot deletes partly failed; only snapshots remain. */
function imageDeregistered(f: FindingRow): boolean {
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
    new DescribeImagesCommand({
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
      const res = await c.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id], OwnerIds: ['self'] }));
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
            new DescribeImagesCommand({ ImageIds: [f.resourceId], Owners: ['self'] }),
          );
          const img = res.Images?.[0];
          if (img === undefined) return GONE;
          const users = await c.ec2.send(
            new DescribeInstancesCommand({ Filters: [{ Name: 'image-id', Values: [f.resourceId] }] }),
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
              c.ec2.send(new DeregisterImageCommand({ ImageId: f.resourceId, DryRun: true })),
          },
        ]),
    ...(o.deleteSnapshots
      ? (observed.parts ?? [])
          .filter((p) => p.exists)
          .map((p) => ({
            resource: p.id,
            send: (c: ScanClients) =>
              c.ec2.send(new DeleteSnapshotCommand({ SnapshotId: p.id, DryRun: true })),
          }))
      : []),
  ],
  async execute(c, f, o, observed) {
    // Every snapshot passed its checks before this point (see `execute` in the service), so the AMI
    // is deregistered only when each of its snapshots may be deleted too.
    if (!imageDeregistered(f)) await c.ec2.send(new DeregisterImageCommand({ ImageId: f.resourceId }));
    if (!o.deleteSnapshots) return {};
    const deleted: string[] = [];
    const failed: FailedPart[] = [];
    for (const part of observed.parts ?? []) {
      if (!part.exists) continue;
      try {
        await c.ec2.send(new DeleteSnapshotCommand({ SnapshotId: part.id }));
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
      const res = await c.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [f.resourceArn] }));
      if ((res.LoadBalancers ?? []).length === 0) return GONE;
      const groups = await c.elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: f.resourceArn }));
      let targets = 0;
      for (const tg of groups.TargetGroups ?? []) {
        if (tg.TargetGroupArn === undefined) continue;
        const h = await c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
        targets += (h.TargetHealthDescriptions ?? []).length;
      }
      const tags = await c.elbv2.send(new DescribeTagsCommand({ ResourceArns: [f.resourceArn] }));
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
    await c.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: f.resourceArn }));
    return {};
  },
  wouldDo: (f) => `Delete load balancer ${f.resourceId} in ${f.region} (it has no registered targets).`,
};

const HANDLERS: Partial<Record<FindingType, CleanupHandler>> = {
  ebs_volume_unattached: volumeHandler,
  ebs_snapshot_orphaned: snapshotHandler,
  eip_unassociated: addressHandler,
  ami_unused: imageHandler,
  load_balancer_idle: loadBalancerHandler,
};

const UNSUPPORTED_REASON: Partial<Record<FindingType, string>> = {
  rds_instance_stopped:
    'Rolegate only recommends for RDS: deleting a database is irreversible and needs a final-snapshot decision, so do it in the RDS console.',
  nat_gateway_idle:
    'Rolegate only recommends for NAT gateways: delete it in the VPC console once you are sure no route needs it.',
};

function sortedRecord<T>(r: Record<string, T>): [string, T][] {
  return Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  return JSON.stringify(sortedRecord(a)) === JSON.stringify(sortedRecord(b));
}

/** `k=v, k2=v2` in key order, as the check messages show the conditions. */
function describeConditions(conditions: Record<string, string>): string {
  return sortedRecord(conditions)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * The tag conditions a resource must meet: exactly those the role's generated policy puts in its
 * `aws:ResourceTag/…` condition (`cleanupTags`, one function for both), so the dry run never
 * approves what AWS will refuse, nor the other way round.
 */
function tagConditionsCheck(tags: Record<string, string>, conditions: Record<string, string>): CleanupCheck {
  const missing = Object.entries(conditions).filter(([k, v]) => tags[k] !== v);
  return missing.length === 0
    ? {
        name: 'tag_conditions',
        status: 'pass',
        message: `The resource carries the connection’s clean-up tags (${describeConditions(conditions)}).`,
      }
    : {
        name: 'tag_conditions',
        status: 'fail',
        message: `The resource lacks the connection’s clean-up tags (${describeConditions(Object.fromEntries(missing))}); the role’s policy allows deletes only on resources tagged ${describeConditions(conditions)}.`,
      };
}

/**
 * The checks every resource gets, for a part deleted along with the finding's resource (an AMI's
 * snapshot). A part that no longer exists has nothing left to delete; its tags are not compared with
 * the scan (it was not a finding) but they are in the state hash the confirmation token binds.
 */
function partChecks(part: ObservedPart, conditions: Record<string, string>): CleanupCheck[] {
  const resource = part.id;
  if (!part.exists)
    return [
      { name: 'resource_exists', status: 'skipped', resource, message: `${part.id} no longer exists.` },
    ];
  const usedBy = stringList(part.facts.usedByImages);
  return [
    { name: 'resource_exists', status: 'pass', resource, message: `${part.id} exists.` },
    part.unused
      ? { name: 'still_unused', status: 'pass', resource, message: `No other AMI uses ${part.id}.` }
      : {
          name: 'still_unused',
          status: 'fail',
          resource,
          message: `${part.id} also backs ${usedBy.join(', ') || 'another AMI'}.`,
        },
    PROTECT_TAG in part.tags
      ? {
          name: 'not_protected',
          status: 'fail',
          resource,
          message: `${part.id} carries the ${PROTECT_TAG} tag.`,
        }
      : { name: 'not_protected', status: 'pass', resource, message: `No ${PROTECT_TAG} tag on ${part.id}.` },
    { ...tagConditionsCheck(part.tags, conditions), resource },
  ];
}

/** `conditions` are the connection's effective clean-up tags: pass `cleanupTags(scopes)`. */
export function evaluateChecks(
  finding: FindingRow,
  observed: ObservedState,
  conditions: Record<string, string>,
): CleanupCheck[] {
  const checks: CleanupCheck[] = [];
  checks.push(
    observed.exists
      ? { name: 'resource_exists', status: 'pass', message: 'The resource still exists.' }
      : { name: 'resource_exists', status: 'fail', message: 'The resource no longer exists.' },
  );
  if (!observed.exists) return checks;
  checks.push(
    observed.unused
      ? {
          name: 'still_unused',
          status: 'pass',
          message: 'The resource is still unused, as the finding says.',
        }
      : {
          name: 'still_unused',
          status: 'fail',
          message: 'The resource is in use again (attached, associated or targeted).',
        },
  );
  checks.push(
    sameTags(observed.tags, finding.tags)
      ? { name: 'tags_unchanged', status: 'pass', message: 'Tags are the same as when the scan found it.' }
      : {
          name: 'tags_unchanged',
          status: 'fail',
          message: 'Tags changed since the scan; rescan before cleaning up.',
        },
  );
  checks.push(
    PROTECT_TAG in observed.tags
      ? { name: 'not_protected', status: 'fail', message: `The resource carries the ${PROTECT_TAG} tag.` }
      : { name: 'not_protected', status: 'pass', message: `No ${PROTECT_TAG} tag.` },
  );
  checks.push(tagConditionsCheck(observed.tags, conditions));
  for (const part of observed.parts ?? []) checks.push(...partChecks(part, conditions));
  return checks;
}

function stateHash(
  finding: FindingRow,
  actorId: string,
  observed: ObservedState,
  opts: CleanupOptions,
): string {
  return sha256Hex(
    JSON.stringify({
      finding: finding.id,
      resource: finding.resourceId,
      actor: actorId,
      exists: observed.exists,
      unused: observed.unused,
      tags: sortedRecord(observed.tags),
      facts: sortedRecord(observed.facts),
      parts: (observed.parts ?? []).map((p) => [
        p.id,
        p.exists,
        p.unused,
        sortedRecord(p.tags),
        sortedRecord(p.facts),
      ]),
      // Canonical order: the options come back from jsonb with their keys reordered.
      opts: [opts.snapshotBeforeDelete, opts.deleteSnapshots],
    }),
  );
}

export interface CleanupRequest {
  dryRun: boolean;
  confirm?: string | undefined;
  snapshotBeforeDelete?: boolean | undefined;
  deleteSnapshots?: boolean | undefined;
}

export type CleanupResult =
  | {
      dryRun: true;
      allowed: boolean;
      wouldDo: string;
      checks: CleanupCheck[];
      confirmToken: string | null;
      expiresAt: string | null;
    }
  | {
      dryRun: false;
      done: true;
      action: string;
      findingId: string;
      status: 'cleaned';
      snapshotId?: string;
      deletedSnapshots?: string[];
    }
  | {
      dryRun: false;
      /** The AMI is deregistered but some snapshots are not deleted: the finding stays open for them. */
      done: false;
      action: string;
      findingId: string;
      status: 'partial';
      deletedSnapshots: string[];
      failedSnapshots: FailedPart[];
    };

export interface CleanupDeps {
  store: ScanStore;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  broker: Pick<Broker, 'call'>;
  clients: ScanClientFactory;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  /** Snapshot a volume before deleting it unless the request says otherwise. */
  snapshotBeforeDeleteDefault: boolean;
}

/** Guarded clean-up: a dry run that re-checks everything and issues a single-use token, then the real action. */
export function createCleanupService(deps: CleanupDeps) {
  const { store, clock } = deps;

  async function observe(
    connection: UsableConnection,
    actor: Actor,
    finding: FindingRow,
    handler: CleanupHandler,
    opts: CleanupOptions,
    phase: string,
  ): Promise<ObservedState> {
    const operation = `cleanup.${handler.action}.${phase}`;
    return deps.broker.call(
      {
        connection,
        actor,
        policy: actionPolicy(handler.readActions(opts)),
        operation,
        region: finding.region,
        audit: auditEvent(actor, finding, operation),
      },
      async (credentials) => {
        try {
          return await handler.describe(deps.clients(credentials, finding.region), finding, opts);
        } catch (err) {
          throw mapAwsError(err);
        }
      },
    );
  }

  /** One audited write-side call, with credentials narrowed to the handler's write actions on this resource. */
  function writeCall<T>(
    connection: UsableConnection,
    actor: Actor,
    finding: FindingRow,
    handler: CleanupHandler,
    opts: CleanupOptions,
    operation: string,
    details: Record<string, unknown>,
    fn: (clients: ReturnType<ScanClientFactory>) => Promise<T>,
  ): Promise<T> {
    const policy = actionPolicy(
      handler.writeActions(finding, opts),
      handler.writeResources(finding, opts, partitionOf(connection.roleArn)),
    );
    return deps.broker.call(
      {
        connection,
        actor,
        policy,
        operation,
        region: finding.region,
        audit: auditEvent(actor, finding, operation, details),
      },
      (credentials) => fn(deps.clients(credentials, finding.region)),
    );
  }

  function auditEvent(
    actor: Actor,
    finding: FindingRow,
    operation: string,
    details?: Record<string, unknown>,
  ) {
    return {
      orgId: finding.orgId,
      actorType: actor.type,
      actorId: actor.id,
      action: `aws.${operation}`,
      targetType: 'finding',
      targetId: finding.id,
      connectionId: finding.connectionId,
      operation,
      resource: finding.resourceArn,
      requestId: actor.requestId,
      ip: actor.ip,
      userAgent: actor.userAgent,
      ...(details === undefined ? {} : { details }),
    };
  }

  async function load(actor: Actor & { orgId: string }, findingId: string) {
    const orgId = actor.orgId;
    const finding = await store.getFinding(orgId, findingId);
    if (finding === null) throw new AppError(ErrorCode.NOT_FOUND, 'Finding not found.');
    // A scoped key reaches only its connections' findings (the guard checked the permission).
    checkKeyScope(actor.keyScope, {
      ip: actor.ip,
      permission: 'cleanup:execute',
      connectionId: finding.connectionId,
    });
    if (finding.status !== 'open')
      throw new AppError(
        ErrorCode.FINDING_NOT_OPEN,
        `The finding is ${finding.status}; only open findings can be cleaned up.`,
      );
    const handler = HANDLERS[finding.type as FindingType];
    if (handler === undefined)
      throw new AppError(
        ErrorCode.CLEANUP_UNSUPPORTED,
        UNSUPPORTED_REASON[finding.type as FindingType] ?? 'This kind of finding cannot be cleaned up.',
      );
    const connection = await deps.resolver.resolveUsable(orgId, finding.connectionId, 'cleanup');
    return { finding, handler, connection };
  }

  async function dryRun(
    actor: Actor & { orgId: string },
    findingId: string,
    req: CleanupRequest,
  ): Promise<CleanupResult> {
    const { finding, handler, connection } = await load(actor, findingId);
    const opts: CleanupOptions = {
      snapshotBeforeDelete:
        finding.type === 'ebs_volume_unattached' &&
        (req.snapshotBeforeDelete ?? deps.snapshotBeforeDeleteDefault),
      // An AMI already deregistered by a partial clean-up has only its snapshots left to delete.
      deleteSnapshots:
        finding.type === 'ami_unused' && (imageDeregistered(finding) || (req.deleteSnapshots ?? false)),
    };
    const observed = await observe(connection, actor, finding, handler, opts, 'check');
    const checks = evaluateChecks(finding, observed, cleanupTags(connection.scopes));
    if (checks.every((c) => c.status !== 'fail')) {
      const calls = handler.dryRunCalls(finding, opts, observed);
      if (calls.length === 0) {
        checks.push({
          name: 'aws_dry_run',
          status: 'skipped',
          message: 'This AWS API has no DryRun option.',
        });
      } else {
        const operation = `cleanup.${handler.action}`;
        const verdicts = await writeCall(
          connection,
          actor,
          finding,
          handler,
          opts,
          operation,
          { dryRun: true },
          async (clients) => {
            const out: { resource?: string; verdict: 'ok' | 'denied' | 'unexpected' }[] = [];
            for (const call of calls) {
              const at = call.resource === undefined ? {} : { resource: call.resource };
              try {
                await call.send(clients);
                out.push({ ...at, verdict: 'unexpected' });
              } catch (err) {
                const name = errName(err);
                if (name === 'DryRunOperation') out.push({ ...at, verdict: 'ok' });
                else if (name === 'UnauthorizedOperation') out.push({ ...at, verdict: 'denied' });
                else throw mapAwsError(err);
              }
            }
            return out;
          },
        );
        for (const { resource, verdict } of verdicts) {
          const at = resource === undefined ? {} : { resource };
          checks.push(
            verdict === 'ok'
              ? {
                  name: 'aws_dry_run',
                  status: 'pass',
                  message: 'AWS confirms the call would succeed (DryRun).',
                  ...at,
                }
              : verdict === 'denied'
                ? {
                    name: 'aws_dry_run',
                    status: 'fail',
                    message: 'AWS refuses the call: the role does not grant the clean-up permission.',
                    ...at,
                  }
                : { name: 'aws_dry_run', status: 'fail', message: 'AWS did not confirm the dry run.', ...at },
          );
        }
      }
    }
    const allowed = checks.every((c) => c.status !== 'fail');
    const wouldDo = handler.wouldDo(finding, opts);
    if (!allowed) return { dryRun: true, allowed, wouldDo, checks, confirmToken: null, expiresAt: null };
    const token = `cfm_${randomToken(24)}`;
    const expiresAt = new Date(clock.now().getTime() + CONFIRM_TTL_MS);
    await store.insertToken({
      tokenHash: sha256Hex(token),
      orgId: finding.orgId,
      findingId: finding.id,
      actorId: actor.id,
      stateHash: stateHash(finding, actor.id, observed, opts),
      options: opts,
      expiresAt,
    });
    return {
      dryRun: true,
      allowed,
      wouldDo,
      checks,
      confirmToken: token,
      expiresAt: expiresAt.toISOString(),
    };
  }

  async function execute(
    actor: Actor & { orgId: string },
    findingId: string,
    req: CleanupRequest,
  ): Promise<CleanupResult> {
    if (req.confirm === undefined || req.confirm === '')
      throw new AppError(
        ErrorCode.CONFIRMATION_REQUIRED,
        'Run the clean-up with dryRun: true first and pass its confirmToken as confirm.',
      );
    const { finding, handler, connection } = await load(actor, findingId);
    const token = await store.consumeToken(
      actor.orgId,
      finding.id,
      actor.id,
      sha256Hex(req.confirm),
      clock.now(),
    );
    if (token === null)
      throw new AppError(
        ErrorCode.CONFIRMATION_INVALID,
        'The confirmation token is invalid, expired, already used, or was issued for another finding or user. Run a new dry run.',
      );
    const opts = token.options;
    if (
      (req.snapshotBeforeDelete !== undefined &&
        req.snapshotBeforeDelete !== opts.snapshotBeforeDelete &&
        finding.type === 'ebs_volume_unattached') ||
      (req.deleteSnapshots !== undefined &&
        req.deleteSnapshots !== opts.deleteSnapshots &&
        finding.type === 'ami_unused')
    )
      throw new AppError(
        ErrorCode.CONFIRMATION_INVALID,
        'The options differ from the dry run. Run a new dry run.',
      );
    const observed = await observe(connection, actor, finding, handler, opts, 'recheck');
    const checks = evaluateChecks(finding, observed, cleanupTags(connection.scopes));
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.some((c) => c.name === 'not_protected'))
      throw new AppError(ErrorCode.RESOURCE_PROTECTED, `The resource carries the ${PROTECT_TAG} tag.`, {
        details: { checks },
      });
    if (failed.some((c) => c.name === 'tag_conditions'))
      throw new AppError(ErrorCode.TAG_CONDITIONS_UNMET, undefined, { details: { checks } });
    if (failed.length > 0 || stateHash(finding, actor.id, observed, opts) !== token.stateHash)
      throw new AppError(ErrorCode.RESOURCE_CHANGED, undefined, { details: { checks } });
    const operation = `cleanup.${handler.action}`;
    const result = await writeCall(
      connection,
      actor,
      finding,
      handler,
      opts,
      operation,
      { dryRun: false, ...opts },
      async (clients) => {
        try {
          return await handler.execute(clients, finding, opts, observed);
        } catch (err) {
          throw mapAwsError(err);
        }
      },
    );
    const failedSnapshots = result.failedSnapshots ?? [];
    if (failedSnapshots.length > 0) {
      // The AMI is gone but AWS kept some snapshots: record that, and keep the finding open for them.
      const remaining = failedSnapshots.map((f) => f.snapshotId);
      const deletedSnapshots = result.deletedSnapshots ?? [];
      await store.db.transaction(async (tx) => {
        await store.setFindingDetails(tx, finding.orgId, finding.id, {
          ...finding.details,
          imageDeregistered: true,
          snapshotIds: remaining,
        });
        await deps.audit.record(tx, {
          orgId: finding.orgId,
          actorType: actor.type,
          actorId: actor.id,
          action: 'finding.cleanup_partial',
          outcome: 'failure',
          errorCode: failedSnapshots[0]?.code ?? null,
          targetType: 'finding',
          targetId: finding.id,
          connectionId: finding.connectionId,
          operation,
          resource: finding.resourceArn,
          requestId: actor.requestId,
          ip: actor.ip,
          userAgent: actor.userAgent,
          details: {
            deletedSnapshots,
            failedSnapshots: remaining,
            codes: failedSnapshots.map((f) => f.code),
          },
        });
      });
      return {
        dryRun: false,
        done: false,
        action: handler.action,
        findingId: finding.id,
        status: 'partial',
        deletedSnapshots,
        failedSnapshots,
      };
    }
    await store.db.transaction(async (tx) => {
      await store.setFindingStatus(tx, finding.orgId, finding.id, 'cleaned', actor.id, clock.now());
      await deps.audit.record(tx, {
        orgId: finding.orgId,
        actorType: actor.type,
        actorId: actor.id,
        action: 'finding.cleaned',
        outcome: 'success',
        targetType: 'finding',
        targetId: finding.id,
        connectionId: finding.connectionId,
        operation,
        resource: finding.resourceArn,
        requestId: actor.requestId,
        ip: actor.ip,
        userAgent: actor.userAgent,
        details: { ...result },
      });
    });
    return {
      dryRun: false,
      done: true,
      action: handler.action,
      findingId: finding.id,
      status: 'cleaned',
      ...result,
    };
  }

  return {
    run(actor: Actor & { orgId: string }, findingId: string, req: CleanupRequest): Promise<CleanupResult> {
      return req.dryRun ? dryRun(actor, findingId, req) : execute(actor, findingId, req);
    },
  };
}

export type CleanupService = ReturnType<typeof createCleanupService>;
