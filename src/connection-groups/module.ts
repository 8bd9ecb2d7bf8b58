import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditWriter } from '../audit/types.ts';
import type { AwsClientFactory } from '../aws/clients.ts';
import type { Broker } from '../broker/broker.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionService } from '../connections/service.ts';
import type { ConnectionResolver } from '../connections/types.ts';
import type { Keyring } from '../crypto/field-encryption.ts';
import type { Db } from '../db/client.ts';
import { createDiscovery } from './organizations.ts';
import { createGroupService, type GroupService, type GroupServiceDeps } from './service.ts';
import { createGroupStore } from './store.ts';

export const DEFAULT_GROUP_OPTIONS = {
  /** Four members verified at once: each verification is three or more AssumeRoles plus probes. */
  concurrency: 4,
  backoff: { attempts: 5, baseDelayMs: 2_000 },
} as const;

/** Builds the connection-groups feature (wired once in src/core/create-core.ts). */
export function createConnectionGroupsModule(deps: {
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  keyring: Keyring;
  broker: Pick<Broker, 'call' | 'resolvePrincipalArn'>;
  awsClients: Pick<AwsClientFactory, 'organizations'>;
  connections: GroupServiceDeps['connections'] & Pick<ConnectionService, 'get'>;
  resolver: ConnectionResolver;
  scans: GroupServiceDeps['scans'];
  config: { region: string; egressIps: readonly string[] };
  logger: GroupServiceDeps['logger'];
  options?: Partial<Pick<GroupServiceDeps, 'concurrency' | 'backoff' | 'sleep' | 'random'>>;
}): { service: GroupService; stop(): Promise<void> } {
  const service = createGroupService({
    db: deps.db,
    store: createGroupStore(),
    keyring: deps.keyring,
    audit: deps.audit,
    clock: deps.clock,
    discovery: createDiscovery({ broker: deps.broker, awsClients: deps.awsClients }),
    connections: deps.connections,
    resolver: deps.resolver,
    scans: deps.scans,
    resolvePrincipalArn: () => deps.broker.resolvePrincipalArn(),
    defaultRegion: deps.config.region,
    egressIps: deps.config.egressIps,
    concurrency: deps.options?.concurrency ?? DEFAULT_GROUP_OPTIONS.concurrency,
    backoff: deps.options?.backoff ?? DEFAULT_GROUP_OPTIONS.backoff,
    sleep: deps.options?.sleep ?? (async (ms) => void (await sleep(ms, undefined, { ref: false }))),
    ...(deps.options?.random === undefined ? {} : { random: deps.options.random }),
    logger: deps.logger,
  });
  return { service, stop: () => service.settled() };
}
