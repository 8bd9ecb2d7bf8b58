import type { AuditWriter } from '../audit/types.ts';
import type { AwsClientFactory } from '../aws/clients.ts';
import type { Broker } from '../broker/broker.ts';
import type { Lanes } from '../broker/lanes.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionService } from '../connections/service.ts';
import type { ConnectionResolver } from '../connections/types.ts';
import type { Db } from '../db/client.ts';
import type { JobRegistry } from '../jobs/registry.ts';
import { abortableSleep } from '../jobs/retry.ts';
import type { JobLogger } from '../jobs/runner.ts';
import type { WebhookOutbox } from '../webhooks/outbox.ts';
import { createReconcileRunner, DEFAULT_RECONCILE_JOB_OPTIONS, type ReconcileJobOptions } from './jobs.ts';
import { createCallPacer, LOOKUP_EVENTS_PER_SECOND } from './limiter.ts';
import { createReconcileService } from './service.ts';
import { createReconcileStore } from './store.ts';

export interface ReconcileModuleDeps {
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  broker: Pick<Broker, 'call' | 'resolvePrincipalArn'>;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  connections: Pick<ConnectionService, 'get'>;
  awsClients: Pick<AwsClientFactory, 'cloudtrail'>;
  outbox: Pick<WebhookOutbox, 'enqueue'>;
  lanes: Pick<Lanes, 'run'>;
  jobs: Pick<JobRegistry, 'register'>;
  logger: JobLogger;
  region: string;
  intervalSeconds: number;
  skewSeconds: number;
  /** `config.aws.egressIps` (ROLEGATE_EGRESS_IPS, validated at start-up); empty = no source-IP check. */
  egressIps: readonly string[];
  options?: Partial<ReconcileJobOptions>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Store, runner, service and the hourly scheduler of the reconciliation feature. */
export function createReconcileModule(deps: ReconcileModuleDeps) {
  const store = createReconcileStore(deps.db);
  const sleep = deps.sleep ?? abortableSleep;
  const runner = createReconcileRunner({
    store,
    resolver: deps.resolver,
    broker: deps.broker,
    cloudtrail: (credentials, region) => deps.awsClients.cloudtrail(credentials, region),
    audit: deps.audit,
    outbox: deps.outbox,
    clock: deps.clock,
    logger: deps.logger,
    options: { ...DEFAULT_RECONCILE_JOB_OPTIONS, skewMs: deps.skewSeconds * 1000, ...deps.options },
    lanes: deps.lanes,
    jobs: deps.jobs,
    pacer: createCallPacer({ perSecond: LOOKUP_EVENTS_PER_SECOND, sleep }),
    egressIps: deps.egressIps.length > 0 ? deps.egressIps : null,
    sleep,
  });
  const service = createReconcileService({
    store,
    runner,
    resolver: deps.resolver,
    connections: deps.connections,
    audit: deps.audit,
    clock: deps.clock,
    defaultRegion: deps.region,
    intervalSeconds: deps.intervalSeconds,
  });

  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<unknown> | null = null;
  const tick = () => {
    pass = service
      .scheduleDue()
      .catch((err: unknown) => deps.logger.error({ err }, 'reconciliation scheduler pass failed'))
      .finally(() => {
        pass = null;
      });
  };

  return {
    store,
    runner,
    service,
    /** Resumes interrupted jobs, then queues the next window of each connection every interval. */
    async start(): Promise<void> {
      await runner.recover();
      if (deps.intervalSeconds <= 0 || timer !== null) return;
      timer = setInterval(tick, deps.intervalSeconds * 1000);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await pass;
      await runner.stop();
    },
  };
}

export type ReconcileModule = ReturnType<typeof createReconcileModule>;
