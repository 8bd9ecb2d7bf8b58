import { setTimeout as sleep } from 'node:timers/promises';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsClientFactory } from '../aws/clients.ts';
import { classifyAwsError } from '../aws/errors.ts';
import type { SessionPolicy } from '../broker/types.ts';
import type { ScanClients } from './detectors.ts';

/** Builds the SDK clients a scan or clean-up uses, from one set of temporary credentials. */
export type ScanClientFactory = (credentials: AwsCredentialIdentity, region: string) => ScanClients;

/** Throttling by AWS (after the SDK's own retries): worth a slower retry. */
export function isThrottling(err: unknown): boolean {
  return classifyAwsError(err) === 'throttled';
}

export interface BackoffOptions {
  attempts: number;
  baseDelayMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

/** Waits `ms`; an abort rejects with the signal's own reason (not Node's AbortError), as callers expect. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal === undefined ? {} : { signal });
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason;
    throw err;
  }
}

/**
 * Runs `fn` again after a throttling error, with exponential back-off and full jitter, on top of
 * the SDK's own `standard` retries (which a burst across many regions can exhaust).
 */
export async function withThrottleRetry<T>(fn: () => Promise<T>, options: BackoffOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isThrottling(err) || attempt >= options.attempts) throw err;
      const cap = options.baseDelayMs * 2 ** (attempt - 1);
      await options.sleep(Math.floor(cap / 2 + (Math.random() * cap) / 2), options.signal);
    }
  }
}

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
