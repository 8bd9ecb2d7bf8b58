import type { AuditWriter } from '../audit/types.ts';
import type { AwsClientFactory } from '../aws/clients.ts';
import type { Broker } from '../broker/broker.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Keyring } from '../crypto/field-encryption.ts';
import type { Db } from '../db/client.ts';
import type { ScanCanceller } from '../jobs/registry.ts';
import { createProbeRunner } from './probes.ts';
import { type ConnectionScheduler, createConnectionScheduler, type SchedulerLogger } from './scheduler.ts';
import { type ConnectionService, createConnectionService, generateExternalId } from './service.ts';
import { createConnectionStore } from './store.ts';
import type { ConnectionResolver } from './types.ts';
import { createVerifier } from './verify.ts';

export interface ConnectionsModule {
  service: ConnectionService;
  /** For operations and scans: a verified connection of the organisation, external ID decrypted in memory. */
  resolver: ConnectionResolver;
  scheduler: ConnectionScheduler;
  /** Starts periodic re-verification (app onReady). */
  start(): Promise<void>;
  /** Stops it and waits for a pass in progress (app onClose). */
  stop(): Promise<void>;
}

/**
 * What the connections feature needs of the credential broker: its audited trust probes and
 * brokered calls (verification has no AWS path of its own), the principal ARN for the trust policy.
 */
export type ConnectionsBroker = Pick<Broker, 'probeTrust' | 'call' | 'resolvePrincipalArn'> &
  Partial<Pick<Broker, 'forgetConnection'>>;

/** Builds the connections feature from its dependencies (wired once in app.ts). */
export function createConnectionsModule(deps: {
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  keyring: Keyring;
  broker: ConnectionsBroker;
  awsClients: Pick<
    AwsClientFactory,
    's3' | 'logs' | 'dynamodb' | 'lambda' | 'ec2' | 'cloudtrail' | 'organizations'
  >;
  config: {
    aws: Pick<Config['aws'], 'region' | 'verifyInterval' | 'externalIdGrace'> &
      Partial<Pick<Config['aws'], 'templateUrl' | 'egressIps'>>;
  };
  logger: SchedulerLogger;
  /** Stops the scans of a deleted connection. */
  scans: Pick<ScanCanceller, 'cancelConnection'>;
}): ConnectionsModule {
  const { broker } = deps;
  const verifier = createVerifier({
    broker,
    probes: createProbeRunner(deps.awsClients),
    randomExternalId: generateExternalId,
  });
  const service = createConnectionService({
    db: deps.db,
    store: createConnectionStore(),
    keyring: deps.keyring,
    audit: deps.audit,
    clock: deps.clock,
    verifier,
    resolvePrincipalArn: () => broker.resolvePrincipalArn(),
    forgetConnection: (id) => broker.forgetConnection?.(id),
    scans: deps.scans,
    defaultRegion: deps.config.aws.region,
    externalIdGraceSeconds: deps.config.aws.externalIdGrace,
    genericTemplateUrl: deps.config.aws.templateUrl ?? null,
    egressIps: deps.config.aws.egressIps ?? [],
  });
  const scheduler = createConnectionScheduler({
    service,
    clock: deps.clock,
    intervalSeconds: deps.config.aws.verifyInterval,
    logger: deps.logger,
  });
  return {
    service,
    resolver: service.resolver,
    scheduler,
    start: async () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
