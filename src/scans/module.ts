import type { ApprovalGate } from '../approvals/service.ts';
import type { AuditWriter } from '../audit/types.ts';
import type { AwsClientFactory } from '../aws/clients.ts';
import type { Broker } from '../broker/broker.ts';
import type { Lanes } from '../broker/lanes.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionResolver } from '../connections/types.ts';
import type { Db } from '../db/client.ts';
import type { JobRegistry } from '../jobs/registry.ts';
import type { JobLogger } from '../jobs/runner.ts';
import { type ScanClientFactory, scanClientsFrom } from './aws.ts';
import { createCleanupService } from './cleanup.ts';
import type { Detector } from './detectors.ts';
import { createScanRunner, DEFAULT_SCAN_JOB_OPTIONS, type ScanJobOptions } from './jobs.ts';
import { createScanService } from './service.ts';
import { createScanStore } from './store.ts';

export interface ScansModuleDeps {
  db: Db;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  broker: Pick<Broker, 'call'>;
  clients: ScanClientFactory;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  logger: JobLogger;
  approvals: ApprovalGate;
  defaultRegion: string;
  lanes: Pick<Lanes, 'run'>;
  jobs: Pick<JobRegistry, 'register'>;
  /** Queued plus running scans per organisation. */
  maxActivePerOrg: number;
  options?: Partial<ScanJobOptions>;
  snapshotBeforeDeleteDefault?: boolean;
  detectors?: readonly Detector[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Store, job runner, scan service and clean-up service, wired once (app.ts, CLI). */
export function createScansModule(deps: ScansModuleDeps) {
  const store = createScanStore(deps.db);
  const runner = createScanRunner({
    store,
    resolver: deps.resolver,
    broker: deps.broker,
    clients: deps.clients,
    clock: deps.clock,
    logger: deps.logger,
    options: { ...DEFAULT_SCAN_JOB_OPTIONS, ...deps.options },
    lanes: deps.lanes,
    jobs: deps.jobs,
    ...(deps.detectors === undefined ? {} : { detectors: deps.detectors }),
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
  });
  const service = createScanService({
    store,
    runner,
    resolver: deps.resolver,
    audit: deps.audit,
    clock: deps.clock,
    defaultRegion: deps.defaultRegion,
    maxActivePerOrg: deps.maxActivePerOrg,
  });
  const cleanup = createCleanupService({
    store,
    resolver: deps.resolver,
    broker: deps.broker,
    clients: deps.clients,
    audit: deps.audit,
    clock: deps.clock,
    approvals: deps.approvals,
    snapshotBeforeDeleteDefault: deps.snapshotBeforeDeleteDefault ?? false,
  });
  return { store, runner, service, cleanup };
}

export type ScansModule = ReturnType<typeof createScansModule>;

/** The scans feature as the app (and the CLI) wire it: shared AWS clients, every AWS call through the broker. */
export function createAppScans(deps: {
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  broker: Pick<Broker, 'call'>;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  awsClients: Pick<AwsClientFactory, 'ec2' | 'rds' | 'elbv2'>;
  region: string;
  logger: JobLogger;
  approvals: ApprovalGate;
  lanes: Pick<Lanes, 'run'>;
  jobs: Pick<JobRegistry, 'register'>;
  maxActivePerOrg: number;
  options?: Partial<ScanJobOptions>;
}): ScansModule {
  return createScansModule({
    db: deps.db,
    resolver: deps.resolver,
    broker: deps.broker,
    clients: scanClientsFrom(deps.awsClients),
    audit: deps.audit,
    clock: deps.clock,
    logger: deps.logger,
    approvals: deps.approvals,
    defaultRegion: deps.region,
    lanes: deps.lanes,
    jobs: deps.jobs,
    maxActivePerOrg: deps.maxActivePerOrg,
    ...(deps.options === undefined ? {} : { options: deps.options }),
  });
}
