import {
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withThrottleRetry } from '../../src/jobs/retry.ts';
import {
  type DetectorContext,
  idleLoadBalancers,
  idleNatGateways,
  orphanedSnapshots,
  type ScanClients,
  stoppedDatabases,
  unassociatedAddresses,
  unattachedVolumes,
  unusedImages,
} from '../../src/scans/detectors.ts';
import { loadScanSdk } from '../../src/scans/sdk.ts';

const ec2Mock = mockClient(EC2Client);
const rdsMock = mockClient(RDSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
afterEach(() => {
  ec2Mock.reset();
  rdsMock.reset();
  elbMock.reset();
});

const sdk = await loadScanSdk();
const NOW = new Date('2026-11-24T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const creds = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test' };

function clients(region = 'us-east-1'): ScanClients {
  return {
    ec2: new EC2Client({ region, credentials: creds }),
    rds: new RDSClient({ region, credentials: creds }),
    elbv2: new ElasticLoadBalancingV2Client({ region, credentials: creds }),
    sdk,
  };
}

function ctx(region = 'us-east-1'): DetectorContext {
  return {
    region,
    accountId: '123456789012',
    partition: 'aws',
    now: NOW,
    snapshotMinAgeDays: 30,
    amiMinAgeDays: 90,
  };
}

describe('unattached EBS volumes', () => {
  it('reports available volumes across pages with cost from the price table', async () => {
    ec2Mock
      .on(DescribeVolumesCommand)
      .resolvesOnce({
        Volumes: [
          {
            VolumeId: 'vol-1',
            State: 'available',
            Size: 100,
            CreateTime: daysAgo(10),
            Tags: [{ Key: 'env', Value: 'dev' }],
          },
        ],
        NextToken: 'page2',
      })
      .resolvesOnce({
        Volumes: [{ VolumeId: 'vol-2', State: 'available', Size: 10, CreateTime: daysAgo(1) }],
      });
    const found = await unattachedVolumes.run(clients(), ctx());
    expect(found.map((f) => f.resourceId)).toEqual(['vol-1', 'vol-2']);
    expect(found[0]).toMatchObject({
      type: 'ebs_volume_unattached',
      resourceArn: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1',
      ageDays: 10,
      tags: { env: 'dev' },
      monthlyCostCents: 800,
    });
    const calls = ec2Mock.commandCalls(DescribeVolumesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input.Filters).toEqual([{ Name: 'status', Values: ['available'] }]);
    expect(calls[1]?.args[0].input.NextToken).toBe('page2');
  });

  it('ignores attached or in-use volumes', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [
        { VolumeId: 'vol-3', State: 'in-use', Size: 5, Attachments: [{ InstanceId: 'i-1' }] },
        { VolumeId: 'vol-4', State: 'available', Size: 5, Attachments: [{ InstanceId: 'i-2' }] },
      ],
    });
    expect(await unattachedVolumes.run(clients(), ctx())).toEqual([]);
  });

  it('prices by region (eu-central-1 differs from the default)', async () => {
    ec2Mock
      .on(DescribeVolumesCommand)
      .resolves({ Volumes: [{ VolumeId: 'vol-5', State: 'available', Size: 100 }] });
    const [eu] = await unattachedVolumes.run(clients('eu-central-1'), ctx('eu-central-1'));
    const [other] = await unattachedVolumes.run(clients('sa-east-1'), ctx('sa-east-1'));
    expect(eu?.monthlyCostCents).toBe(952);
    expect(other?.monthlyCostCents).toBe(800);
  });
});

describe('EBS prices per volume type (issue 22 item 9)', () => {
  it('prices a 500 GiB gp2 volume as gp2, not gp3, and says how', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-gp2', State: 'available', Size: 500, VolumeType: 'gp2' }],
    });
    const [f] = await unattachedVolumes.run(clients(), ctx());
    expect(f?.monthlyCostCents).toBe(5000);
    expect(f?.costBasis).toBe('500 GiB gp2 at $0.10/GiB-month, us-east-1, price table 2026-11-01');
  });

  it('adds provisioned IOPS for io1/io2 and gp3 IOPS and throughput above the free baseline', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [
        { VolumeId: 'vol-io1', State: 'available', Size: 100, VolumeType: 'io1', Iops: 1000 },
        { VolumeId: 'vol-io2', State: 'available', Size: 100, VolumeType: 'io2', Iops: 40_000 },
        {
          VolumeId: 'vol-gp3',
          State: 'available',
          Size: 100,
          VolumeType: 'gp3',
          Iops: 4000,
          Throughput: 225,
        },
        { VolumeId: 'vol-st1', State: 'available', Size: 1000, VolumeType: 'st1' },
        { VolumeId: 'vol-sc1', State: 'available', Size: 1000, VolumeType: 'sc1' },
        { VolumeId: 'vol-std', State: 'available', Size: 100, VolumeType: 'standard' },
      ],
    });
    const found = await unattachedVolumes.run(clients(), ctx());
    const cents = Object.fromEntries(found.map((f) => [f.resourceId, f.monthlyCostCents]));
    // io1: 100 × 0.125 + 1000 × 0.065; io2: 12.50 + 32000 × 0.065 + 8000 × 0.0455;
    // gp3: 8.00 + 1000 × 0.005 + 100 × 0.04; st1: 1000 × 0.045; sc1: 1000 × 0.015; standard: 100 × 0.05.
    expect(cents).toEqual({
      'vol-io1': 7750,
      'vol-io2': 245650,
      'vol-gp3': 1700,
      'vol-st1': 4500,
      'vol-sc1': 1500,
      'vol-std': 500,
    });
    const io1 = found.find((f) => f.resourceId === 'vol-io1');
    expect(io1?.costBasis).toContain('1000 provisioned IOPS at $0.065/IOPS-month');
  });

  it('prices by region and names the table used for an unlisted region', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-gp2', State: 'available', Size: 100, VolumeType: 'gp2' }],
    });
    const [eu] = await unattachedVolumes.run(clients('eu-central-1'), ctx('eu-central-1'));
    expect(eu?.monthlyCostCents).toBe(1190);
    expect(eu?.costBasis).toContain('eu-central-1');
    const [sa] = await unattachedVolumes.run(clients('sa-east-1'), ctx('sa-east-1'));
    expect(sa?.costBasis).toContain('us-east-1 prices (sa-east-1 is not in the table)');
  });

  it('every detector states the basis of its estimate', async () => {
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: 'eipalloc-1' }] });
    const [eip] = await unassociatedAddresses.run(clients(), ctx());
    expect(eip?.costBasis).toBe(
      '1 idle public IPv4 address at $0.005/hour × 730 h, us-east-1, price table 2026-11-01',
    );
  });
});

describe('orphaned snapshots', () => {
  it('reports old snapshots whose volume is gone, not young ones, live-volume ones or AMI-backing ones', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-live' }] });
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [{ ImageId: 'ami-1', BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-ami' } }] }],
    });
    ec2Mock
      .on(DescribeSnapshotsCommand)
      .resolvesOnce({
        Snapshots: [
          {
            SnapshotId: 'snap-old',
            VolumeId: 'vol-gone',
            State: 'completed',
            StartTime: daysAgo(100),
            VolumeSize: 20,
          },
          {
            SnapshotId: 'snap-young',
            VolumeId: 'vol-gone',
            State: 'completed',
            StartTime: daysAgo(5),
            VolumeSize: 20,
          },
        ],
        NextToken: 'n',
      })
      .resolvesOnce({
        Snapshots: [
          {
            SnapshotId: 'snap-live',
            VolumeId: 'vol-live',
            State: 'completed',
            StartTime: daysAgo(100),
            VolumeSize: 20,
          },
          {
            SnapshotId: 'snap-ami',
            VolumeId: 'vol-gone',
            State: 'completed',
            StartTime: daysAgo(100),
            VolumeSize: 8,
          },
          {
            SnapshotId: 'snap-copy',
            VolumeId: 'vol-ffffffff',
            State: 'completed',
            StartTime: daysAgo(40),
            VolumeSize: 1,
          },
        ],
      });
    const found = await orphanedSnapshots.run(clients(), ctx());
    expect(found.map((f) => f.resourceId)).toEqual(['snap-old', 'snap-copy']);
    expect(found[0]).toMatchObject({
      ageDays: 100,
      monthlyCostCents: 100,
      resourceArn: 'arn:aws:ec2:us-east-1::snapshot/snap-old',
    });
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand)[0]?.args[0].input.OwnerIds).toEqual(['self']);
  });
});

describe('unassociated Elastic IPs', () => {
  it('reports only addresses without an association', async () => {
    ec2Mock.on(DescribeAddressesCommand).resolves({
      Addresses: [
        { AllocationId: 'eipalloc-free', PublicIp: '203.0.113.1' },
        { AllocationId: 'eipalloc-used', AssociationId: 'eipassoc-1', InstanceId: 'i-1' },
      ],
    });
    const found = await unassociatedAddresses.run(clients(), ctx());
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ resourceId: 'eipalloc-free', monthlyCostCents: 365 });
  });
  it('reports nothing when every address is in use', async () => {
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: 'a', AssociationId: 'b' }] });
    expect(await unassociatedAddresses.run(clients(), ctx())).toEqual([]);
  });
});

describe('idle load balancers', () => {
  const arn = (n: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/${n}/1`;
  const tg = (n: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${n}/1`;
  it('reports balancers whose target groups have no targets, or that have none', async () => {
    elbMock
      .on(DescribeLoadBalancersCommand)
      .resolvesOnce({
        LoadBalancers: [{ LoadBalancerArn: arn('empty'), LoadBalancerName: 'empty', Type: 'application' }],
        NextMarker: 'm',
      })
      .resolvesOnce({
        LoadBalancers: [
          { LoadBalancerArn: arn('busy'), LoadBalancerName: 'busy', Type: 'application' },
          { LoadBalancerArn: arn('bare'), LoadBalancerName: 'bare', Type: 'network' },
        ],
      });
    elbMock.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        { TargetGroupArn: tg('e'), LoadBalancerArns: [arn('empty')] },
        { TargetGroupArn: tg('b'), LoadBalancerArns: [arn('busy')] },
      ],
    });
    elbMock
      .on(DescribeTargetHealthCommand, { TargetGroupArn: tg('e') })
      .resolves({ TargetHealthDescriptions: [] });
    elbMock
      .on(DescribeTargetHealthCommand, { TargetGroupArn: tg('b') })
      .resolves({ TargetHealthDescriptions: [{ Target: { Id: 'i-1' } }] });
    elbMock.on(DescribeTagsCommand).resolves({
      TagDescriptions: [{ ResourceArn: arn('empty'), Tags: [{ Key: 'team', Value: 'a' }] }],
    });
    const found = await idleLoadBalancers.run(clients(), ctx());
    expect(found.map((f) => f.resourceId)).toEqual(['empty', 'bare']);
    expect(found[0]).toMatchObject({
      tags: { team: 'a' },
      monthlyCostCents: 1643,
      resourceArn: arn('empty'),
    });
    expect(elbMock.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(2);
  });
  it('reports nothing when there are no balancers', async () => {
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    expect(await idleLoadBalancers.run(clients(), ctx())).toEqual([]);
    expect(elbMock.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(0);
  });
});

describe('stopped RDS instances', () => {
  it('reports stopped instances across pages, with storage cost', async () => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({
        DBInstances: [
          { DBInstanceIdentifier: 'db-up', DBInstanceStatus: 'available', AllocatedStorage: 100 },
        ],
        Marker: 'm',
      })
      .resolvesOnce({
        DBInstances: [
          {
            DBInstanceIdentifier: 'db-stopped',
            DBInstanceStatus: 'stopped',
            AllocatedStorage: 100,
            DBInstanceArn: 'arn:aws:rds:us-east-1:123456789012:db:db-stopped',
            TagList: [{ Key: 'env', Value: 'qa' }],
          },
        ],
      });
    const found = await stoppedDatabases.run(clients(), ctx());
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ resourceId: 'db-stopped', monthlyCostCents: 1150, tags: { env: 'qa' } });
  });
});

describe('unused AMIs', () => {
  it('reports old images no instance uses', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { ImageId: 'ami-used', State: { Name: 'running' } },
            { ImageId: 'ami-gone', State: { Name: 'terminated' } },
          ],
        },
      ],
    });
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        {
          ImageId: 'ami-gone',
          State: 'available',
          CreationDate: daysAgo(200).toISOString(),
          BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-1', VolumeSize: 8 } }],
        },
        { ImageId: 'ami-used', State: 'available', CreationDate: daysAgo(200).toISOString() },
        { ImageId: 'ami-new', State: 'available', CreationDate: daysAgo(3).toISOString() },
      ],
    });
    const found = await unusedImages.run(clients(), ctx());
    expect(found.map((f) => f.resourceId)).toEqual(['ami-gone']);
    expect(found[0]?.details).toMatchObject({ snapshotIds: ['snap-1'], sizeGb: 8 });
    expect(found[0]?.monthlyCostCents).toBe(40);
  });
});

describe('idle NAT gateways', () => {
  it('reports only gateways no route table points at', async () => {
    ec2Mock.on(DescribeNatGatewaysCommand).resolves({
      NatGateways: [
        { NatGatewayId: 'nat-unrouted', State: 'available', VpcId: 'vpc-1' },
        { NatGatewayId: 'nat-routed', State: 'available', VpcId: 'vpc-1' },
      ],
    });
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [{ Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-routed' }] }],
    });
    const found = await idleNatGateways.run(clients(), ctx());
    expect(found.map((f) => f.resourceId)).toEqual(['nat-unrouted']);
    expect(found[0]?.monthlyCostCents).toBe(3285);
  });
});

describe('throttling', () => {
  it('a detector throttled by AWS succeeds after back-off', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503 },
    });
    ec2Mock
      .on(DescribeVolumesCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({ Volumes: [{ VolumeId: 'vol-t', State: 'available', Size: 1 }] });
    const sleep = vi.fn(async () => {});
    const found = await withThrottleRetry(() => unattachedVolumes.run(clients(), ctx()), {
      attempts: 5,
      baseDelayMs: 100,
      sleep,
    });
    expect(found.map((f) => f.resourceId)).toEqual(['vol-t']);
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  it('gives up after the attempt budget and does not retry other errors', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    ec2Mock.on(DescribeAddressesCommand).rejects(throttled);
    const sleep = vi.fn(async () => {});
    await expect(
      withThrottleRetry(() => unassociatedAddresses.run(clients(), ctx()), {
        attempts: 3,
        baseDelayMs: 1,
        sleep,
      }),
    ).rejects.toThrow('slow down');
    expect(sleep).toHaveBeenCalledTimes(2);
    const denied = Object.assign(new Error('nope'), { name: 'UnauthorizedOperation' });
    ec2Mock.reset();
    ec2Mock.on(DescribeAddressesCommand).rejects(denied);
    await expect(
      withThrottleRetry(() => unassociatedAddresses.run(clients(), ctx()), {
        attempts: 3,
        baseDelayMs: 1,
        sleep,
      }),
    ).rejects.toThrow('nope');
    expect(sleep).toHaveBeenCalledTimes(2);
  });
});
