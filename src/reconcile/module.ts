import { isIP } from 'node:net';
import type { AuditWriter } from '../audit/types.ts';
import type { AwsClientFactory } from '../aws/clients.ts';
import type { Broker } from '../broker/broker.ts';
import type { Lanes } from '../broker/lanes.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionService } from '../connections/service.ts';
import type { ConnectionResolver } from '../connections/types.ts';
import type { Db } from '../db/client.ts';
import { abortableSleep } from '../scans/aws.ts';
import type { JobRegistry } from '../scans/cancellation.ts';
import type { WebhookOutbox } from '../webhooks/outbox.ts';
import {
  createReconcileRunner,
  DEFAULT_RECONCILE_JOB_OPTIONS,
  type JobLogger,
  type ReconcileJobOptions,
} from './jobs.ts';
import { createCallPacer, LOOKUP_EVENTS_PER_SECOND } from './limiter.ts';
import { createReconcileService } from './service.ts';
import { createReconcileStore } from './store.ts';

/**
 * `ROLEGATE_EGRESS_IPS` (addresses or CIDR ranges Rolegate calls AWS from), read defensively: from
 * the parsed configuration when it carries `egressIps`, else from the environment; entries that are
 * not an address or range are ignored. Null (no source-IP check) when unset or empty.
 */
export function readEgressIps(config: object, env: Record<string, string | undefined>): string[] | null {
  const fromConfig = (config as { egressIps?: unknown }).egressIps;
  const raw = Array.isArray(fromConfig)
    ? fromConfig.filter((v): v is string => typeof v === 'string')
    : (env.ROLEGATE_EGRESS_IPS ?? '').split(',');
  const valid = raw
    .map((v) => v.trim())
    .filter((v) => {
      const [address, bits, extra] = v.split('/');
      const family = isIP(address ?? '');
      if (family === 0 || extra !== undefined) return false;
      if (bits === undefined) return true;
      const n = Number(bits);
      return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
    });
  return valid.length > 0 ? valid : null;
}

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
  egressIps: readonly string[] | null;
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
    egressIps: deps.egressIps,
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
