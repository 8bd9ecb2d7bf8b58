import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsClientFactory } from '../aws/clients.ts';
import type { SessionPolicy } from '../broker/types.ts';
import type { ScanClients } from './detectors.ts';

/** Builds the SDK clients a scan or clean-up uses, from one set of temporary credentials. */
export type ScanClientFactory = (credentials: AwsCredentialIdentity, region: string) => ScanClients;

/** A session policy allowing exactly `actions`. EC2/ELB/RDS Describe* calls support only `*` as resource. */
export function actionPolicy(actions: string[], resources: string[] = ['*']): SessionPolicy {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...actions], Resource: resources }],
  };
}

/** Adapts the shared client factory (timeouts, standard retries, custom endpoints) to what scans use. */
export function scanClientsFrom(factory: Pick<AwsClientFactory, 'ec2' | 'rds' | 'elbv2'>): ScanClientFactory {
  return (credentials, region) => ({
    ec2: factory.ec2(credentials, region),
    rds: factory.rds(credentials, region),
    elbv2: factory.elbv2(credentials, region),
  });
}
