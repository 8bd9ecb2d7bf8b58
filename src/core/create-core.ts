import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApprovalsService } from '../approvals/service.ts';
import { createApprovalStore } from '../approvals/store.ts';
import { createCheckpointService } from '../audit/checkpoints/service.ts';
import { createCheckpointSigner } from '../audit/checkpoints/signer.ts';
import { createExportTargetService } from '../audit/export-target/service.ts';
import { createAuditService } from '../audit/service.ts';
import { createAuditStore } from '../audit/store.ts';
import { createAuditWriter } from '../audit/writer.ts';
import { createAwsClientFactory } from '../aws/clients.ts';
import { createBroker } from '../broker/broker.ts';
import { createLanes } from '../broker/lanes.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { ReadyConfig } from '../config.ts';
import { createConnectionGroupsModule } from '../connection-groups/module.ts';
import { createConnectionsModule } from '../connections/module.ts';
import { createKeyring } from '../crypto/field-encryption.ts';
import type { KmsKeyring } from '../crypto/kms-keyring.ts';
import { createKmsClient } from '../crypto/kms-keyring.ts';
import type { Database } from '../db/client.ts';
import { createAccessTokens } from '../identity/access-tokens.ts';
import { createApiKeyService } from '../identity/api-keys/service.ts';
import { createApiKeyStore } from '../identity/api-keys/store.ts';
import { createAuthenticator } from '../identity/authenticator.ts';
import { createMembershipLookup } from '../identity/memberships-store.ts';
import { createIdentityModule } from '../identity/module.ts';
import { createInvitationMailer } from '../identity/orgs/invitation-mail.ts';
import { createOrgService } from '../identity/orgs/service.ts';
import { createOrgStore } from '../identity/orgs/store.ts';
import { createSessionCheck } from '../identity/sessions-store.ts';
import { createLoginAlerts } from '../insights/login-alerts.ts';
import { createInsightsService } from '../insights/service.ts';
import { createJobRegistry } from '../jobs/registry.ts';
import { createOAuthModule } from '../oauth/module.ts';
import { createOperationsModule } from '../operations/module.ts';
import { createPrivacyService } from '../privacy/service.ts';
import { createPrivacyStore } from '../privacy/store.ts';
import { createReconcileModule } from '../reconcile/module.ts';
import { createSharedRedis } from '../redis.ts';
import { createAppScans } from '../scans/module.ts';
import { createScimService } from '../scim/service.ts';
import { createScimStore } from '../scim/store.ts';
import type { TxtResolver } from '../sso/domain-verifier.ts';
import { createSsoModule } from '../sso/module.ts';
import { createPasswordGate } from '../sso/password-gate.ts';
import { createSsoStore } from '../sso/store.ts';
import { createWebhookOutbox } from '../webhooks/outbox.ts';
import { createWebhookService } from '../webhooks/service.ts';
import { createWebhookStore } from '../webhooks/store.ts';
import { createThreatSweep } from '../webhooks/threat-sweep.ts';
import { createCorrelationRegistry, withCorrelationIds } from './correlation.ts';

export interface CoreDeps {
  database: Database;
  logger: Logger;
  clock?: Clock;
  /**
   * The process's one Redis client, owned (and closed) by the caller. Without it the core opens one
   * itself when REDIS_URL is set, and closes it on stop().
   */
  redis?: Redis | null;
  /**
   * The KMS-unwrapped field-encryption keys (ROLEGATE_KMS_KEY_ID), opened by the runtime before the
   * core (start-up stops when KMS cannot unwrap them); null or absent: ROLEGATE_MASTER_KEYS.
   */
  kms?: KmsKeyring | null;
  /** DNS TXT lookups for SSO domain verification; the system resolver when absent (tests pass a table). */
  ssoTxtResolver?: TxtResolver;
}

/** Expired approval requests, grants and elevations are put on record at least this often. */
const APPROVAL_SWEEP_SECONDS = 60;

/** Each background job stops within this bound at shutdown, so one stuck job cannot hold the rest. */
const STOP_BOUND_MS = 10_000;

/**
 * The one composition root: every service and feature module of a Rolegate process, built once.
 * The HTTP app (src/app.ts), `serve` and every CLI command that needs services use it, so a
 * command cannot run with a wiring of its own (e.g. a broker without the audit writer).
 */
export function createCore(config: ReadyConfig, deps: CoreDeps) {
  const logger = deps.logger;
  const clock = deps.clock ?? systemClock;
  const database = deps.database;
  const db = database.db;
  const ownsRedis = deps.redis === undefined && config.redisUrl !== undefined;
  // One Redis connection for every feature that shares state across nodes (rate limits, lockout).
  const redis =
    deps.redis !== undefined
      ? deps.redis
      : config.redisUrl === undefined
        ? null
        : createSharedRedis(config.redisUrl, logger);

  // Filled by the HTTP layer (src/http/request-id.ts); empty in a CLI process, which has no requests.
  const correlations = createCorrelationRegistry();
  const audit = withCorrelationIds(createAuditWriter({ clock }), correlations);
  // Running scan jobs, so that deleting a connection, organisation or account stops them.
  const scanJobs = createJobRegistry();
  // Per-organisation AWS concurrency, shared by operations and scans.
  const lanes = createLanes(config.lanes);
  const kms = deps.kms ?? null;
  const keyring = kms?.keyring ?? createKeyring(config.masterKeys);
  const awsClients = createAwsClientFactory(config.aws);
  // The one path to customers' AWS accounts: every brokered call and probe is audited through it.
  const broker = createBroker({
    clients: awsClients,
    clock,
    config,
    logger,
    options: { stsGlobalBudget: config.aws.stsGlobalBudget },
    audit,
    db,
    onAuditOutcomeError: (err) => logger.error({ err }, 'audit outcome record failed'),
  });
  const privacy = createPrivacyService({ store: createPrivacyStore(db), audit, clock, scans: scanJobs });
  const connections = createConnectionsModule({
    db,
    clock,
    audit,
    keyring,
    broker,
    awsClients,
    config,
    logger,
    scans: scanJobs,
  });
  const accessTokens = createAccessTokens({
    keys: config.jwtKeys,
    ttlSeconds: config.auth.accessTokenTtl,
    clock,
  });
  const apiKeys = createApiKeyService({
    store: createApiKeyStore(db),
    audit,
    clock,
    onTouchError: (err) => logger.warn({ err }, 'API key last-used update failed'),
  });
  const orgs = createOrgService({
    store: createOrgStore(db),
    audit,
    clock,
    limits: { perDay: config.orgs.createPerDay, maxOwned: config.orgs.maxOwned },
    scans: scanJobs,
    mailer:
      config.mail === null || config.http.publicUrl === null
        ? null
        : createInvitationMailer({
            ...config.mail,
            publicUrl: config.http.publicUrl,
            onError: (reason) => logger.warn({ reason }, 'invitation e-mail not sent'),
          }),
  });
  const memberships = createMembershipLookup(db, clock);
  // OAuth for MCP clients (null without ROLEGATE_PUBLIC_URL).
  const oauth = createOAuthModule({ config, db, clock, audit, memberships });
  // Unwrapped: the HTTP layer charges failed authentications to the caller's address around it.
  const authenticator = createAuthenticator({
    accessTokens,
    sessions: createSessionCheck(db, clock),
    apiKeys: apiKeys.verifier,
    oauthTokens: oauth?.service ?? null,
  });
  const insights = createInsightsService({ db, clock });
  const webhookPolicy = {
    requireHttps: config.webhook.requireHttps,
    allowPrivateAddresses: config.webhook.allowPrivateAddresses,
  };
  const webhookStore = createWebhookStore(db);
  const outbox = createWebhookOutbox({
    db,
    store: webhookStore,
    keyring,
    clock,
    logger,
    options: {
      deployment:
        config.webhook.url !== undefined && config.webhook.secret !== undefined
          ? { url: config.webhook.url, secret: config.webhook.secret }
          : null,
      policy: webhookPolicy,
      timeoutMs: config.webhook.timeoutSeconds * 1000,
      pollMs: 1_000,
      batchSize: 20,
      perOrgInBatch: 4,
    },
  });
  // Signed checkpoints of every chain's head (docs/audit.md); off without a signing key.
  const checkpoints = createCheckpointService({
    db,
    clock,
    signer: createCheckpointSigner(config.auditCheckpoints, () =>
      // Base credentials from the SDK's default chain, like the field-encryption keyring's client.
      createKmsClient({
        region: config.aws.region,
        endpoint: config.aws.serviceEndpoints.KMS ?? config.aws.endpointUrl,
      }),
    ),
    deployment: config.auditCheckpoints.deployment,
    intervalSeconds: config.auditCheckpoints.intervalSeconds,
    outbox,
    logger,
  });
  // Delivery of the checkpoints to each organisation's own bucket, through its audit-export connection.
  const auditExport = createExportTargetService({
    db,
    clock,
    audit,
    broker,
    resolver: connections.resolver,
    s3: (credentials, region) => awsClients.s3(credentials, region),
    defaultRegion: config.aws.region,
    intervalSeconds: config.auditCheckpoints.exportIntervalSeconds,
    logger,
  });
  const auditService = createAuditService({ db, store: createAuditStore(db), audit, checkpoints, clock });
  const threatSweep = createThreatSweep({
    db,
    insights,
    outbox,
    clock,
    intervalSeconds: config.webhook.threatSweepSeconds,
    logger,
  });
  const webhooks = createWebhookService({
    db,
    store: webhookStore,
    outbox,
    audit,
    keyring,
    clock,
    policy: webhookPolicy,
  });
  // Four-eyes approval and just-in-time elevation (docs/approvals.md): its gate sits in front of the
  // broker in the operation service and clean-up; elevations act through `memberships` above.
  const approvals = createApprovalsService({
    db,
    store: createApprovalStore(),
    audit,
    clock,
    outbox,
    logger,
    sweepSeconds: APPROVAL_SWEEP_SECONDS,
  });
  // `login.new_ip` concerns a user, not an organisation: only the deployment-wide endpoint gets it.
  const loginAlerts =
    config.webhook.url === undefined ? null : createLoginAlerts({ db, notifier: outbox, logger });
  const identity = createIdentityModule({
    config,
    db,
    clock,
    audit,
    keyring,
    accessTokens,
    redis,
    invitations: orgs,
    ...(loginAlerts === null ? {} : { onLogin: loginAlerts.afterLogin }),
    // "Require SSO": password sign-in refused for members, break-glass audited and alerted.
    passwordGate: createPasswordGate({ db, audit, outbox }),
  });
  // Single sign-on per organisation (sign-in needs ROLEGATE_PUBLIC_URL, the redirect URI's base).
  const sso = createSsoModule({
    config,
    db,
    clock,
    audit,
    keyring,
    sessions: identity.service,
    resolver: deps.ssoTxtResolver,
  });
  // SCIM 2.0 provisioning (src/scim): removal goes through the organisation service's member removal.
  const scim = createScimService({
    store: createScimStore(db),
    sso: createSsoStore(db),
    orgs,
    audit,
    clock,
    baseUrl: `${config.http.publicUrl ?? ''}/scim/v2`,
  });
  const scans = createAppScans({
    db,
    clock,
    audit,
    broker,
    resolver: connections.resolver,
    awsClients,
    region: config.aws.region,
    logger,
    approvals: approvals.gate,
    lanes,
    jobs: scanJobs,
    maxActivePerOrg: config.scans.maxActivePerOrg,
    options: { maxConcurrentJobs: config.scans.maxRunning, maxRunningPerOrg: config.scans.maxRunningPerOrg },
  });
  // Connection groups (docs/organizations.md): many member connections discovered through one.
  const connectionGroups = createConnectionGroupsModule({
    db,
    clock,
    audit,
    keyring,
    broker,
    awsClients,
    connections: connections.service,
    resolver: connections.resolver,
    scans: scans.service,
    config: { region: config.aws.region, egressIps: config.aws.egressIps ?? [] },
    logger,
  });
  // CloudTrail reconciliation (docs/reconciliation.md): on demand and on its own schedule.
  const reconcile = createReconcileModule({
    db,
    clock,
    audit,
    broker,
    resolver: connections.resolver,
    connections: connections.service,
    awsClients,
    outbox,
    lanes,
    jobs: scanJobs,
    logger,
    region: config.aws.region,
    intervalSeconds: config.reconcile.intervalSeconds,
    skewSeconds: config.reconcile.skewSeconds,
    egressIps: config.aws.egressIps,
  });
  const operations = createOperationsModule({
    config,
    db,
    clock,
    audit,
    connections: connections.resolver,
    broker,
    awsClients,
    memberships,
    insights,
    lanes,
    approvals: approvals.gate,
    agent: { connections: connections.service, scans: scans.service, reconcile: reconcile.service },
  });

  // Background jobs, started in this order and stopped in the reverse one.
  const jobs: { name: string; start: () => Promise<void> | void; stop: () => Promise<void> }[] = [
    { name: 'connections scheduler', start: () => connections.start(), stop: () => connections.stop() },
    // Nothing to start: group runs begin on request; stopping waits for the running ones.
    { name: 'connection groups', start: () => {}, stop: () => connectionGroups.stop() },
    { name: 'webhook outbox', start: () => outbox.start(), stop: () => outbox.stop() },
    { name: 'threat sweep', start: () => threatSweep.start(), stop: () => threatSweep.stop() },
    { name: 'reconciliation', start: () => reconcile.start(), stop: () => reconcile.stop() },
    { name: 'approval expiry sweep', start: () => approvals.start(), stop: () => approvals.stop() },
    { name: 'audit checkpoints', start: () => checkpoints.start(), stop: () => checkpoints.stop() },
    { name: 'audit export', start: () => auditExport.start(), stop: () => auditExport.stop() },
    // Every node looks for data keys created by `rolegate keys rotate` (they activate later).
    ...(kms === null
      ? []
      : [{ name: 'KMS key refresh', start: () => kms.start(), stop: async () => kms.stop() }]),
  ];
  let started: typeof jobs = [];
  let starting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  let closed = false;

  async function boundedStop(name: string, stop: () => Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_BOUND_MS);
      timer.unref();
    });
    try {
      const result = await Promise.race([stop().then(() => 'stopped' as const), timeout]);
      if (result === 'timeout') logger.error({ job: name }, 'background job did not stop in time');
    } catch (err) {
      logger.error({ err, job: name }, 'background job failed to stop');
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    config,
    logger,
    clock,
    database,
    redis,
    correlations,
    audit,
    auditService,
    checkpoints,
    auditExport,
    scanJobs,
    lanes,
    keyring,
    kms,
    awsClients,
    broker,
    privacy,
    connections,
    connectionGroups,
    accessTokens,
    apiKeys,
    orgs,
    authenticator,
    memberships,
    oauth,
    insights,
    outbox,
    threatSweep,
    webhooks,
    approvals,
    identity,
    sso,
    scim,
    scans,
    reconcile,
    operations,
    /** Starts the background jobs (the server's; one-shot commands need none). Idempotent. */
    start(): Promise<void> {
      if (closed) return Promise.reject(new Error('core already stopped'));
      starting ??= (async () => {
        for (const job of jobs) {
          await job.start();
          started.push(job);
        }
      })();
      return starting;
    },
    /**
     * Stops what start() started (reverse order, each bounded), then releases the AWS clients and
     * the Redis connection the core opened. Idempotent; the database stays the caller's.
     */
    stop(): Promise<void> {
      stopping ??= (async () => {
        closed = true;
        await starting?.catch(() => undefined);
        for (const job of started.reverse()) await boundedStop(job.name, job.stop);
        started = [];
        awsClients.destroy();
        if (ownsRedis && redis !== null) redis.disconnect();
      })();
      return stopping;
    },
  };
}

export type Core = ReturnType<typeof createCore>;
