import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LRUCache } from 'lru-cache';
import type { Lane } from '../broker/lanes.ts';
import { loadScanSdk } from '../scans/sdk.ts';
import { withEmptyIdentifiersAsAbsent } from './empty-identifiers.ts';

/**
 * The one place SDK v3 clients are built. Every client gets explicit connect/request/socket
 * timeouts (the SDK would otherwise wait on a socket indefinitely), the `standard` retry mode
 * (AWS advises against `adaptive` for multi-tenant services: its client-side rate limiter is shared
 * by every tenant of the client) and the deployment's custom endpoint, if any.
 */

export type AwsService =
  | 'sts'
  | 's3'
  | 'logs'
  | 'dynamodb'
  | 'lambda'
  | 'ec2'
  | 'rds'
  | 'elbv2'
  | 'cloudtrail'
  | 'organizations';

/** The suffix of the SDK's per-service endpoint variable `AWS_ENDPOINT_URL_<SUFFIX>`. */
export const SERVICE_ENDPOINT_SUFFIX: Record<AwsService, string> = {
  sts: 'STS',
  s3: 'S3',
  logs: 'CLOUDWATCH_LOGS',
  dynamodb: 'DYNAMODB',
  lambda: 'LAMBDA',
  ec2: 'EC2',
  rds: 'RDS',
  elbv2: 'ELASTIC_LOAD_BALANCING_V2',
  cloudtrail: 'CLOUDTRAIL',
  organizations: 'ORGANIZATIONS',
};

export const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Sockets per pool (per lane). */
export const DEFAULT_MAX_SOCKETS = 50;
/** SDK clients kept per factory (each holds one credential set for one service and region). */
export const MAX_CACHED_CLIENTS = 100;

export interface AwsClientFactoryOptions {
  /** Default region (config.aws.region). */
  region: string;
  /** AWS_ENDPOINT_URL: one endpoint for every service (LocalStack, moto, a test server). */
  endpointUrl?: string | undefined;
  /**
   * AWS_ENDPOINT_URL_<SERVICE> values. They win over `endpointUrl` exactly as in the SDK; they are
   * passed explicitly because an explicit `endpoint` would otherwise shadow the SDK's own lookup.
   */
  serviceEndpoints?: Partial<Record<string, string>> | undefined;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  /** Sockets of the pool ordinary calls use. */
  maxSockets?: number;
  /** Sockets of the separate pool long calls use (Lambda invoke, Logs Insights, S3 streaming). */
  longMaxSockets?: number;
}

/** The clients of one lane: same configuration, their own socket pool. */
export type LaneClients = Pick<
  AwsClientFactory,
  's3' | 'logs' | 'dynamodb' | 'lambda' | 'ec2' | 'rds' | 'elbv2' | 'cloudtrail' | 'organizations'
>;

export interface AwsClientFactory {
  readonly region: string;
  readonly maxAttempts: number;
  readonly requestTimeoutMs: number;
  /** The custom endpoint used for a service, or undefined for the AWS default. */
  endpointFor(service: AwsService): string | undefined;
  /** STS with Rolegate's base credentials (SDK default provider chain); cached per region. */
  sts(region?: string): STSClient;
  s3(credentials: AwsCredentialIdentity, region?: string): S3Client;
  logs(credentials: AwsCredentialIdentity, region?: string): CloudWatchLogsClient;
  dynamodb(credentials: AwsCredentialIdentity, region?: string): DynamoDBClient;
  lambda(credentials: AwsCredentialIdentity, region?: string): LambdaClient;
  /** EC2, RDS and ELBv2 are used only by scans: their SDK modules load on the first call. */
  ec2(credentials: AwsCredentialIdentity, region?: string): Promise<EC2Client>;
  rds(credentials: AwsCredentialIdentity, region?: string): Promise<RDSClient>;
  elbv2(credentials: AwsCredentialIdentity, region?: string): Promise<ElasticLoadBalancingV2Client>;
  cloudtrail(credentials: AwsCredentialIdentity, region?: string): CloudTrailClient;
  /** AWS Organizations (a global service: the SDK resolves its one endpoint from any region). */
  organizations(credentials: AwsCredentialIdentity, region?: string): OrganizationsClient;
  /**
   * The clients of a lane (src/broker/lanes.ts). The factory's own methods are the `short` lane;
   * `long` clients use a socket pool of their own, so slow calls (fifty Lambda invokes of one
   * tenant measured 7.3 s of added latency for another tenant's ListFunctions when they shared
   * one 50-socket pool) cannot take the sockets ordinary calls need.
   */
  lane(lane: Lane): LaneClients;
  /** Closes pooled sockets (at shutdown). */
  destroy(): void;
}

/**
 * One connection pool for all clients of a factory. Callers routinely `destroy()` short-lived
 * clients; that must not tear down sockets other requests are using, so the per-client handler
 * is a view of the shared one whose destroy is a no-op (the factory's destroy closes the pool).
 */
type HandlerView = Pick<
  NodeHttpHandler,
  'handle' | 'updateHttpClientConfig' | 'httpHandlerConfigs' | 'destroy'
>;

function sharedHandlerView(shared: NodeHttpHandler): HandlerView {
  return {
    handle: (...args: Parameters<NodeHttpHandler['handle']>) => shared.handle(...args),
    // The shared configuration is fixed at construction; per-client updates (logger, service
    // default socket timeouts) must not leak into other clients.
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => shared.httpHandlerConfigs(),
    destroy: () => {},
  };
}

export function createAwsClientFactory(options: AwsClientFactoryOptions): AwsClientFactory {
  const connectionTimeout = options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const pool = (maxSockets: number) =>
    new NodeHttpHandler({
      connectionTimeout,
      requestTimeout,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
      // Inactivity on an open socket (e.g. a streamed download that stalls).
      socketTimeout: requestTimeout,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    });
  const shared = pool(options.maxSockets ?? DEFAULT_MAX_SOCKETS);
  const sharedLong = pool(options.longMaxSockets ?? DEFAULT_MAX_SOCKETS);
  const handlers: Record<Lane, HandlerView> = {
    short: sharedHandlerView(shared),
    long: sharedHandlerView(sharedLong),
  };

  const endpointFor = (service: AwsService): string | undefined =>
    options.serviceEndpoints?.[SERVICE_ENDPOINT_SUFFIX[service]] ?? options.endpointUrl;

  const common = (service: AwsService, region: string | undefined, lane: Lane = 'short') => {
    const endpoint = endpointFor(service);
    return {
      region: region ?? options.region,
      requestHandler: handlers[lane],
      retryMode: 'standard' as const,
      maxAttempts,
      // Reuse each command's resolved middleware stack: clients are cached (see `cached` below).
      cacheMiddleware: true,
      ...(endpoint === undefined ? {} : { endpoint }),
    };
  };

  const stsClients = new Map<string, STSClient>();
  // Building an SDK client resolves its whole configuration (environment, shared config files,
  // endpoint rules): far more work than the call it makes. Clients are therefore cached per service,
  // region and credential set (cached credentials are handed out many times, see the broker), in
  // this process's memory only, like the credentials themselves; bounded, least recently used first.
  const credentialClients = new LRUCache<string, object>({ max: MAX_CACHED_CLIENTS });
  function cached<C>(
    lane: Lane,
    service: AwsService,
    credentials: AwsCredentialIdentity,
    region: string | undefined,
    build: (credentials: AwsCredentialIdentity) => C,
  ): C {
    const key = [
      lane,
      service,
      region ?? options.region,
      credentials.accessKeyId,
      credentials.sessionToken ?? '',
      credentials.secretAccessKey,
    ].join('\u0000');
    const hit = credentialClients.get(key);
    if (hit !== undefined) return hit as C;
    // A private copy: the SDK writes bookkeeping onto the credentials object it is given.
    const client = build({ ...credentials });
    credentialClients.set(key, client as object);
    return client;
  }

  function laneClients(lane: Lane): LaneClients {
    return {
      s3: (credentials, region) =>
        cached(lane, 's3', credentials, region, (c) => {
          const base = common('s3', region, lane);
          // Custom endpoints (LocalStack, moto, MinIO) rarely resolve virtual-hosted bucket names.
          return withEmptyIdentifiersAsAbsent(
            new S3Client({ ...base, credentials: c, forcePathStyle: endpointFor('s3') !== undefined }),
          );
        }),
      logs: (credentials, region) =>
        cached(lane, 'logs', credentials, region, (c) =>
          withEmptyIdentifiersAsAbsent(
            new CloudWatchLogsClient({ ...common('logs', region, lane), credentials: c }),
          ),
        ),
      dynamodb: (credentials, region) =>
        cached(lane, 'dynamodb', credentials, region, (c) =>
          withEmptyIdentifiersAsAbsent(
            new DynamoDBClient({ ...common('dynamodb', region, lane), credentials: c }),
          ),
        ),
      lambda: (credentials, region) =>
        cached(lane, 'lambda', credentials, region, (c) =>
          withEmptyIdentifiersAsAbsent(
            new LambdaClient({ ...common('lambda', region, lane), credentials: c }),
          ),
        ),
      ec2: async (credentials, region) => {
        const { ec2 } = await loadScanSdk();
        return cached(lane, 'ec2', credentials, region, (c) =>
          withEmptyIdentifiersAsAbsent(new ec2.EC2Client({ ...common('ec2', region, lane), credentials: c })),
        );
      },
      rds: async (credentials, region) => {
        const { rds } = await loadScanSdk();
        return cached(lane, 'rds', credentials, region, (c) =>
          withEmptyIdentifiersAsAbsent(new rds.RDSClient({ ...common('rds', region, lane), credentials: c })),
        );
      },
      elbv2: async (credentials, region) => {
        const { elbv2 } = await loadScanSdk();
        return cached(lane, 'elbv2', credentials, region, (c) =>
          withEmptyIdentifiersAsAbsent(
            new elbv2.ElasticLoadBalancingV2Client({ ...common('elbv2', region, lane), credentials: c }),
          ),
        );
      },
      cloudtrail: (credentials, region) =>
        cached(lane, 'cloudtrail', credentials, region, (c) =>
          withEmptyIdentifiersAsAbsent(
            new CloudTrailClient({ ...common('cloudtrail', region, lane), credentials: c }),
          ),
        ),
      organizations: (credentials, region) =>
        cached(lane, 'organizations', credentials, region, (c) =>
          withEmptyIdentifiersAsAbsent(
            new OrganizationsClient({ ...common('organizations', region, lane), credentials: c }),
          ),
        ),
    };
  }
  const short = laneClients('short');
  const lanes: Record<Lane, LaneClients> = { short, long: laneClients('long') };

  return {
    region: options.region,
    maxAttempts,
    requestTimeoutMs: requestTimeout,
    endpointFor,
    sts(region) {
      const r = region ?? options.region;
      let client = stsClients.get(r);
      if (client === undefined) {
        // No credentials: the SDK default provider chain (env, SSO/shared config, web identity,
        // ECS/EC2 role). No `useGlobalEndpoint`: v3 uses the regional endpoint sts.<region>.amazonaws.com.
        client = withEmptyIdentifiersAsAbsent(new STSClient(common('sts', r)));
        stsClients.set(r, client);
      }
      return client;
    },
    ...short,
    lane: (lane) => lanes[lane],
    destroy() {
      stsClients.clear();
      credentialClients.clear();
      shared.destroy();
      sharedLong.destroy();
    },
  };
}
