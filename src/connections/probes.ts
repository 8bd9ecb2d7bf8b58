import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { InvokeCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsClientFactory } from '../aws/clients.ts';

/**
 * Harmless read calls made with a verification session's credentials. None of them writes,
 * deletes or invokes anything: write-type capabilities are probed with DryRun where AWS offers it.
 */
export type Probe =
  | { kind: 's3.list_buckets' }
  | { kind: 's3.list_objects'; bucket: string; prefix?: string }
  | { kind: 'logs.describe_log_groups'; prefix?: string }
  | { kind: 'dynamodb.list_tables' }
  | { kind: 'lambda.list_functions' }
  | { kind: 'lambda.invoke_dry_run'; functionName: string }
  | { kind: 'ec2.describe_volumes' };

export interface ProbeClientOptions {
  credentials: AwsCredentialIdentity;
  region: string;
}

/** The shared client factory (the deployment's endpoint, timeouts and retry settings). */
export type ProbeClientFactory = Pick<AwsClientFactory, 's3' | 'logs' | 'dynamodb' | 'lambda' | 'ec2'>;

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
        case 'ec2.describe_volumes':
          return withClient(factory.ec2(o.credentials, o.region), (c) =>
            c.send(new DescribeVolumesCommand({ MaxResults: 5 })),
          );
      }
    },
  };
}
