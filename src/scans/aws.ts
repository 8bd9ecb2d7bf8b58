import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsClientFactory } from '../aws/clients.ts';
import type { SessionPolicy } from '../broker/types.ts';
import type { ScanClients } from './detectors.ts';
import { loadScanSdk } from './sdk.ts';

/** Builds the SDK clients a scan or clean-up uses, from one set of temporary credentials. */
export type ScanClientFactory = (credentials: AwsCredentialIdentity, region: string) => Promise<ScanClients>;

/** A session policy allowing exactly `actions`. EC2/ELB/RDS Describe* calls support only `*` as resource. */
export function actionPolicy(actions: string[], resources: string[] = ['*']): SessionPolicy {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...actions], Resource: resources }],
  };
}

/** Adapts the shared client factory (timeouts, standard retries, custom endpoints) to what scans use. */
export function scanClientsFrom(factory: Pick<AwsClientFactory, 'ec2' | 'rds' | 'elbv2'>): ScanClientFactory {
  return async (credentials, region) => {
    const [sdk, ec2, rds, elbv2] = await Promise.all([
      loadScanSdk(),
      factory.ec2(credentials, region),
      factory.rds(credentials, region),
      factory.elbv2(credentials, region),
    ]);
    return { ec2, rds, elbv2, sdk };
  };
}
