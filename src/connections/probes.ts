import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { ListBucketsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsClientFactory } from '../aws/clients.ts';
import type { PolicyStatement } from '../broker/types.ts';
import { loadScanSdk } from '../scans/sdk.ts';

/**
 * Harmless read calls made with a verification probe's credentials (each from its own audited
 * brokered call, narrowed by `probePolicy`). None of them writes,
 * deletes or invokes anything: write-type capabilities are probed with DryRun where AWS offers it.
 */
export type Probe =
  | { kind: 's3.list_buckets' }
  | { kind: 's3.list_objects'; bucket: string; prefix?: string }
  | { kind: 'logs.describe_log_groups'; prefix?: string }
  | { kind: 'dynamodb.list_tables' }
  | { kind: 'lambda.list_functions' }
  | { kind: 'lambda.invoke_dry_run'; functionName: string }
  | { kind: 'ec2.describe_volumes' }
  | { kind: 'cloudtrail.lookup_events' }
  | { kind: 'organizations.list_accounts' }
  | { kind: 's3.put_probe_object'; bucket: string; key: string };

/** Where a probe runs: the role's partition and account, and the verification region. */
export interface ProbeTarget {
  partition: string;
  accountId: string;
  region: string;
}

/**
 * The session policy of one probe: exactly the action the probe makes on exactly what it reads,
 * so verification's credentials can do nothing else (like every operation's).
 */
export function probePolicy(probe: Probe, t: ProbeTarget): PolicyStatement[] {
  const allow = (action: string, resource: string): PolicyStatement[] => [
    { Effect: 'Allow', Action: [action], Resource: [resource] },
  ];
  switch (probe.kind) {
    case 's3.list_buckets':
      return allow('s3:ListAllMyBuckets', '*');
    case 's3.list_objects':
      return allow('s3:ListBucket', `arn:${t.partition}:s3:::${probe.bucket}`);
    case 'logs.describe_log_groups':
      return allow(
        'logs:DescribeLogGroups',
        `arn:${t.partition}:logs:${t.region}:${t.accountId}:log-group:*`,
      );
    case 'dynamodb.list_tables':
      return allow('dynamodb:ListTables', '*');
    case 'lambda.list_functions':
      return allow('lambda:ListFunctions', '*');
    case 'lambda.invoke_dry_run':
      return allow(
        'lambda:InvokeFunction',
        `arn:${t.partition}:lambda:${t.region}:${t.accountId}:function:${probe.functionName}`,
      );
    case 'ec2.describe_volumes':
      return allow('ec2:DescribeVolumes', '*');
    case 'cloudtrail.lookup_events':
      return allow('cloudtrail:LookupEvents', '*');
    case 'organizations.list_accounts':
      return allow('organizations:ListAccounts', '*');
    case 's3.put_probe_object':
      return allow('s3:PutObject', `arn:${t.partition}:s3:::${probe.bucket}/${probe.key}`);
  }
}

/** What a probe's audit record names as its resource. */
export function probeResource(probe: Probe): string | null {
  switch (probe.kind) {
    case 's3.list_objects':
      return probe.prefix === undefined ? probe.bucket : `${probe.bucket}/${probe.prefix}`;
    case 'logs.describe_log_groups':
      return probe.prefix ?? null;
    case 'lambda.invoke_dry_run':
      return probe.functionName;
    case 's3.put_probe_object':
      return `${probe.bucket}/${probe.key}`;
    default:
      return null;
  }
}

export interface ProbeClientOptions {
  credentials: AwsCredentialIdentity;
  region: string;
}

/** The shared client factory (the deployment's endpoint, timeouts and retry settings). */
export type ProbeClientFactory = Pick<
  AwsClientFactory,
  's3' | 'logs' | 'dynamodb' | 'lambda' | 'ec2' | 'cloudtrail' | 'organizations'
>;

export interface ProbeRunner {
  /** Resolves when AWS allowed the call; rejects with the SDK error otherwise. */
  run(probe: Probe, options: ProbeClientOptions): Promise<void>;
}

async function withClient<C extends { destroy(): void }>(
  client: C,
  fn: (c: C) => Promise<unknown>,
): Promise<void> {
  try {
    await fn(client);
  } finally {
    client.destroy();
  }
}

export function createProbeRunner(factory: ProbeClientFactory): ProbeRunner {
  return {
    async run(probe, o) {
      switch (probe.kind) {
        case 's3.list_buckets':
          return withClient(factory.s3(o.credentials, o.region), (c) =>
            c.send(new ListBucketsCommand({ MaxBuckets: 1 })),
          );
        case 's3.list_objects':
          return withClient(factory.s3(o.credentials, o.region), (c) =>
            c.send(new ListObjectsV2Command({ Bucket: probe.bucket, Prefix: probe.prefix, MaxKeys: 1 })),
          );
        case 'logs.describe_log_groups':
          return withClient(factory.logs(o.credentials, o.region), (c) =>
            c.send(new DescribeLogGroupsCommand({ limit: 1, logGroupNamePrefix: probe.prefix })),
          );
        case 'dynamodb.list_tables':
          return withClient(factory.dynamodb(o.credentials, o.region), (c) =>
            c.send(new ListTablesCommand({ Limit: 1 })),
          );
        case 'lambda.list_functions':
          return withClient(factory.lambda(o.credentials, o.region), (c) =>
            c.send(new ListFunctionsCommand({ MaxItems: 1 })),
          );
        case 'lambda.invoke_dry_run':
          // DryRun validates permission and parameters without running the function.
          return withClient(factory.lambda(o.credentials, o.region), (c) =>
            c.send(new InvokeCommand({ FunctionName: probe.functionName, InvocationType: 'DryRun' })),
          );
        case 'ec2.describe_volumes': {
          // The EC2 SDK loads on first use (src/scans/sdk.ts); only cost-scan connections probe it.
          const { ec2 } = await loadScanSdk();
          return withClient(await factory.ec2(o.credentials, o.region), (c) =>
            c.send(new ec2.DescribeVolumesCommand({ MaxResults: 5 })),
          );
        }
        case 'cloudtrail.lookup_events':
          // One event of the last hour at most: proves the permission, reads almost nothing.
          return withClient(factory.cloudtrail(o.credentials, o.region), (c) =>
            c.send(new LookupEventsCommand({ MaxResults: 1, StartTime: new Date(Date.now() - 3_600_000) })),
          );
        case 'organizations.list_accounts':
          // One account at most: proves the role may list the organisation (management or delegated admin).
          return withClient(factory.organizations(o.credentials, o.region), (c) =>
            c.send(new ListAccountsCommand({ MaxResults: 1 })),
          );
        case 's3.put_probe_object':
          // The same key every time: re-verifying overwrites it instead of piling up objects.
          return withClient(factory.s3(o.credentials, o.region), (c) =>
            c.send(
              new PutObjectCommand({
                Bucket: probe.bucket,
                Key: probe.key,
                // Not .json: a verifier reading every *.json under the prefix must not see it.
                Body: 'Written by Rolegate to verify the audit-export capability; safe to delete.\n',
                ContentType: 'text/plain',
              }),
            ),
          );
      }
    },
  };
}
