import { randomUUID } from 'node:crypto';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { auditEvents } from '../../src/audit/tables.ts';
import type { Clock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core/create-core.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { newId } from '../../src/db/ids.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { resolveDevelopmentKeys } from '../../src/dev-keys.ts';
import { insightsCatalogue } from '../../src/insights/catalogue.ts';
import { threatsOutput } from '../../src/insights/schemas.ts';
import { createLogger } from '../../src/logging.ts';
import { DEFAULT_RECONCILE_JOB_OPTIONS, type ReconciliationView } from '../../src/reconcile/jobs.ts';
import { createReconcileModule } from '../../src/reconcile/module.ts';
import { reconciliationItems, reconciliations } from '../../src/reconcile/tables.ts';
import { webhookDeliveries, webhookEndpoints } from '../../src/webhooks/tables.ts';
import { isolatedPostgres, testEnv } from '../helpers/app.ts';
import { createTestConnection, type TestConnection } from '../helpers/connections.ts';
import { type FakeAccount, startFakeAccount } from '../helpers/fake-cloudtrail.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

/**
 * The reconciliation end to end: real broker, real audit trail, real SDK clients against a fake
 * AWS account (STS, S3, CloudTrail on 127.0.0.1) that logs every call under the session of the
 * credentials that made it. A call made through Rolegate must be matched; the same session's
 * credentials used directly against S3 (a leak) must be flagged.
 */

process.env.AWS_ACCESS_KEY_ID = 'AKIAROLEGATEBASE0000';
process.env.AWS_SECRET_ACCESS_KEY = 'rolegate-base-secret';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const ROLEGATE_ACCOUNT = '111111111111';
const mutable = { t: Date.parse('2026-11-29T10:00:00.000Z'), awsSkewMs: 0 };
const clock: Clock = { now: () => new Date(mutable.t) };
const advance = (ms: number) => {
  mutable.t += ms;
};

let fake: FakeAccount;
let database: Database;
let isolated: { url: string; drop: () => Promise<void> } | null = null;
let core: Core;
let app: App;

beforeAll(async () => {
  fake = await startFakeAccount({
    accountId: '123456789012',
    now: () => new Date(mutable.t + mutable.awsSkewMs),
    callerAccounts: { AKIAFOREIGN: '999999999999' },
    pageSize: 3,
  });
  const parsed = loadConfig(
    testEnv({
      AWS_ENDPOINT_URL: fake.url,
      AWS_REGION: 'us-east-1',
      ROLEGATE_AWS_PRINCIPAL_ARN: `arn:aws:iam::${ROLEGATE_ACCOUNT}:role/rolegate-service`,
      ROLEGATE_RECONCILE_INTERVAL: '0',
      ROLEGATE_RECONCILE_SKEW_SECONDS: '120',
      // The fake logs every call from 127.0.0.1: Rolegate's own AssumeRoles are inside the list.
      // Read from the configuration only (never process.env, which this test leaves unset).
      ROLEGATE_EGRESS_IPS: '127.0.0.1,2001:db8::/56',
    }),
  );
  const config = resolveDevelopmentKeys(parsed, { warn: () => {} });
  // On PostgreSQL the suite's files share one database, and every app resumes unfinished
  // reconciliations at start: another file's app (other fake, other clock) could take this file's
  // queued job. A database of its own keeps the jobs here.
  isolated = config.db.url === undefined ? null : await isolatedPostgres(config.db.url);
  database = await openDatabase({ url: isolated?.url ?? config.db.url, dataDir: config.db.dataDir });
  await runMigrations(database);
  const logger = createLogger('warn');
  core = createCore(config, { database, logger, clock });
  app = await buildApp(config, { database, logger, clock, core });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await database.close();
  await isolated?.drop();
  await fake.close();
});
beforeEach(() => {
  mutable.awsSkewMs = 0;
  fake.throttleNext(0);
});

let accounts = 0;

async function setup(): Promise<{ user: TestUser; conn: TestConnection }> {
  const user = await createTestUser({
    app,
    database,
    config: core.config,
    logs: () => '',
    close: async () => {},
  });
  const conn = await createTestConnection(
    { app, database, config: core.config, logs: () => '', close: async () => {} },
    user.orgId,
    // A role of its own per test: sessions of one role are all that role's reconciliation sees.
    { capabilities: ['s3-read', 'cloudtrail-read'], accountId: String(200_000_000_000 + ++accounts) },
  );
  return { user, conn };
}

const system = (orgId: string) => ({
  type: 'system' as const,
  id: 'system:reconcile-test',
  userId: null,
  orgId,
  requestId: 'test',
  ip: null,
  userAgent: null,
});

async function listBucketsThroughRolegate(user: TestUser, conn: TestConnection): Promise<void> {
  const res = await app.inject({
    method: 'GET',
    url: `/v1/orgs/${user.orgId}/connections/${conn.id}/s3/buckets`,
    headers: user.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** Uses credentials copied from Rolegate's memory (the leak) straight against the account. */
async function leakedListBuckets(credentials: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}) {
  const s3 = new S3Client({ region: 'us-east-1', endpoint: fake.url, forcePathStyle: true, credentials });
  await s3.send(new ListBucketsCommand({}));
  s3.destroy();
}

async function reconcile(orgId: string, connId: string, from: number, to: number) {
  const started = await core.reconcile.service.start(system(orgId), connId, {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  });
  await core.reconcile.runner.idle();
  return core.reconcile.service.items(orgId, started.id, 200, undefined, connId);
}

describe('reconciliation with CloudTrail (issue 21)', () => {
  // First: the scheduler reconciles every eligible connection, and here there is only this one.
  it('the schedule queues the next window of a due connection, nothing for a recent one, and is off at interval 0', async () => {
    const { conn } = await setup();
    const windowsOf = () =>
      database.db
        .select()
        .from(reconciliations)
        .where(eq(reconciliations.connectionId, conn.id))
        .orderBy(reconciliations.windowStart);
    expect(await windowsOf()).toHaveLength(0);
    // Due (never reconciled): the last hour that CloudTrail has delivered (20 minutes' delay).
    expect(await core.reconcile.service.scheduleDue()).toBe(1);
    await core.reconcile.runner.idle();
    const first = await windowsOf();
    expect(first).toHaveLength(1);
    const latestEnd = Math.floor((mutable.t - 20 * 60_000) / 60_000) * 60_000;
    expect(first[0]).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
    expect(first[0]?.windowEnd.getTime()).toBe(latestEnd);
    expect(first[0]?.windowStart.getTime()).toBe(latestEnd - 3_600_000);
    // Just reconciled: nothing new until at least a minute more has been delivered.
    expect(await core.reconcile.service.scheduleDue()).toBe(0);
    expect(await windowsOf()).toHaveLength(1);
    // Half an hour later: the next window starts where the last one ended.
    advance(30 * 60_000);
    expect(await core.reconcile.service.scheduleDue()).toBe(1);
    await core.reconcile.runner.idle();
    const second = await windowsOf();
    expect(second).toHaveLength(2);
    expect(second[1]?.windowStart.getTime()).toBe(latestEnd);
    expect(second[1]?.windowEnd.getTime()).toBe(latestEnd + 30 * 60_000);

    // The timer: every interval when set, none at all at 0.
    const moduleWith = (intervalSeconds: number) =>
      createReconcileModule({
        db: database.db,
        clock,
        audit: core.audit,
        broker: core.broker,
        resolver: core.connections.resolver,
        connections: core.connections.service,
        awsClients: core.awsClients,
        outbox: core.outbox,
        lanes: core.lanes,
        jobs: core.scanJobs,
        logger: createLogger('warn'),
        region: 'us-east-1',
        intervalSeconds,
        skewSeconds: 120,
        egressIps: [],
      });
    const timers = vi.spyOn(globalThis, 'setInterval');
    try {
      for (const [interval, calls] of [
        [0, 0],
        [3600, 1],
      ] as const) {
        timers.mockClear();
        const m = moduleWith(interval);
        try {
          await m.start();
          expect(timers.mock.calls.filter((c) => c[1] === interval * 1000)).toHaveLength(calls);
        } finally {
          await m.stop();
        }
      }
    } finally {
      timers.mockRestore();
    }
  });

  it('matches every call made through Rolegate and flags the same session’s credentials used outside it', async () => {
    const { user, conn } = await setup();
    // An endpoint subscribed to the alert (never reachable: only the outbox row is checked).
    await database.db.insert(webhookEndpoints).values({
      id: newId('whe'),
      orgId: user.orgId,
      url: 'https://alerts.example.invalid/hook',
      description: 'test',
      eventTypes: ['threat.session_used_outside_rolegate'],
      secretEncrypted: 'not-used',
      createdAt: new Date(),
    });
    const t0 = mutable.t;
    for (let i = 0; i < 3; i++) {
      await listBucketsThroughRolegate(user, conn);
      advance(20_000);
    }
    const session = fake.issued.find((c) => c.roleArn === conn.roleArn);
    expect(session?.sessionName).toMatch(/^rg\.u\./);
    // Ten minutes later, with no Rolegate call running, someone uses the copied credentials.
    advance(10 * 60_000);
    await leakedListBuckets(session as NonNullable<typeof session>);
    const leakTime = mutable.t;
    advance(60 * 60_000);

    const result = await reconcile(user.orgId, conn.id, t0 - 60_000, t0 + 30 * 60_000);
    expect(result.reconciliation.status, JSON.stringify(result.reconciliation)).toBe('succeeded');
    expect(result.reconciliation.counts).toMatchObject({ matched: 3, unmatched: 1, foreignAssumeRoles: 0 });
    const unmatched = result.items.filter((i) => i.kind === 'unmatched_event');
    expect(unmatched).toHaveLength(1);
    expect(unmatched[0]).toMatchObject({
      severity: 'high',
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
      sessionName: session?.sessionName,
      eventTime: new Date(Math.floor(leakTime / 1000) * 1000).toISOString(),
    });
    expect(String(unmatched[0]?.details.recommendedAction)).toContain('AWSRevokeOlderSessions');
    expect(String(unmatched[0]?.details.recommendedAction)).toContain('aws:TokenIssueTime');

    // The high-severity alert is in the outbox for the organisation's webhooks.
    const alerts = await database.db
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.orgId, user.orgId),
          eq(webhookDeliveries.eventType, 'threat.session_used_outside_rolegate'),
        ),
      );
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0])).toContain(result.reconciliation.id);

    // … and a high-severity security insight of the organisation, with the recommended action,
    // over REST and through the insight tool that intents and MCP serve.
    advance(1_000);
    const threats = await app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/insights/threats`,
      headers: user.headers,
    });
    expect(threats.statusCode, threats.body).toBe(200);
    const leaked = threats.json().sessionsUsedOutsideRolegate;
    expect(leaked).toHaveLength(1);
    expect(leaked[0]).toMatchObject({
      severity: 'high',
      reconciliationId: result.reconciliation.id,
      connectionId: conn.id,
      events: 1,
      sessionNames: [session?.sessionName],
      firstEventAt: unmatched[0]?.eventTime,
    });
    expect(leaked[0].recommendedAction).toContain('AWSRevokeOlderSessions');
    expect(leaked[0].recommendedAction).toContain(conn.roleArn);
    const tool = insightsCatalogue.find((c) => c.name === 'insights_security_threats');
    const viaTool = await tool?.handler(core.insights, user.orgId, {});
    expect(threatsOutput.parse(viaTool).sessionsUsedOutsideRolegate).toEqual(leaked);

    // Another organisation sees nothing of it, neither in its own insights nor through this one's.
    const other = await createTestUser({
      app,
      database,
      config: core.config,
      logs: () => '',
      close: async () => {},
    });
    const own = await app.inject({
      method: 'GET',
      url: `/v1/orgs/${other.orgId}/insights/threats`,
      headers: other.headers,
    });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().sessionsUsedOutsideRolegate).toEqual([]);
    expect(
      threatsOutput.parse(await tool?.handler(core.insights, other.orgId, {})).sessionsUsedOutsideRolegate,
    ).toEqual([]);
    const foreign = await app.inject({
      method: 'GET',
      url: `/v1/orgs/${user.orgId}/insights/threats`,
      headers: other.headers,
    });
    expect([403, 404]).toContain(foreign.statusCode);
    expect(foreign.body).not.toContain(result.reconciliation.id);

    // Every LookupEvents page was a brokered, audited call with its own session policy.
    const lookups = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, user.orgId), eq(auditEvents.operation, 'reconcile.lookup_events')));
    expect(lookups.filter((r) => r.outcome === 'attempt').length).toBeGreaterThanOrEqual(2);
    expect(lookups.filter((r) => r.outcome === 'success').length).toBe(result.reconciliation.progress.pages);
    const lookupSessions = fake.issued.filter(
      (c) => c.roleArn === conn.roleArn && c.sessionName.startsWith('rg.s.'),
    );
    expect(lookupSessions.length).toBeGreaterThanOrEqual(1);
  });

  it('pages through LookupEvents with NextToken and backs off on ThrottlingException', async () => {
    const { user, conn } = await setup();
    const t0 = mutable.t;
    for (let i = 0; i < 7; i++) {
      await listBucketsThroughRolegate(user, conn);
      advance(5_000);
    }
    advance(60 * 60_000);
    const before = fake.lookups.length;
    fake.throttleNext(4);
    const result = await reconcile(user.orgId, conn.id, t0 - 60_000, t0 + 10 * 60_000);
    expect(result.reconciliation.status, JSON.stringify(result.reconciliation)).toBe('succeeded');
    expect(result.reconciliation.counts).toMatchObject({ matched: 7, unmatched: 0 });
    // 7 ListBuckets + 7 AssumeRole (credential cache on: 1) events, 3 per page: several pages.
    expect(result.reconciliation.progress.pages).toBeGreaterThanOrEqual(3);
    const made = fake.lookups.slice(before);
    expect(made.filter((l) => l.NextToken !== undefined).length).toBe(made.length - 1);
  });

  it('tolerates AWS’s clock running ahead of Rolegate’s within the skew', async () => {
    const { user, conn } = await setup();
    mutable.awsSkewMs = 90_000;
    const t0 = mutable.t;
    await listBucketsThroughRolegate(user, conn);
    advance(60 * 60_000);
    const result = await reconcile(user.orgId, conn.id, t0 - 60_000, t0 + 10 * 60_000);
    expect(result.reconciliation.counts).toMatchObject({ matched: 1, unmatched: 0 });
  });

  it('flags AssumeRole by another principal and its session even under a forged Rolegate session name; ignores rg.* sessions of other roles', async () => {
    const { user, conn } = await setup();
    const t0 = mutable.t;
    await listBucketsThroughRolegate(user, conn);
    advance(5 * 60_000);
    // Someone else who can assume the role names the session like Rolegate would.
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: fake.url,
      credentials: { accessKeyId: 'AKIAFOREIGN000000000', secretAccessKey: 'x' },
    });
    const forged = await sts.send(
      new AssumeRoleCommand({
        RoleArn: conn.roleArn,
        RoleSessionName: `rg.u.${user.userId}.forged-request`,
        ExternalId: 'guessed',
      }),
    );
    const other = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/SomethingElse',
        RoleSessionName: `rg.u.${user.userId}.other-role`,
      }),
    );
    const malformed = await sts.send(
      new AssumeRoleCommand({ RoleArn: conn.roleArn, RoleSessionName: 'rg.not-a-rolegate-name' }),
    );
    sts.destroy();
    for (const c of [forged, other, malformed]) {
      await leakedListBuckets({
        accessKeyId: c.Credentials?.AccessKeyId as string,
        secretAccessKey: c.Credentials?.SecretAccessKey as string,
        sessionToken: c.Credentials?.SessionToken as string,
      });
    }
    advance(60 * 60_000);
    const result = await reconcile(user.orgId, conn.id, t0 - 60_000, t0 + 10 * 60_000);
    expect(result.reconciliation.counts).toMatchObject({ matched: 1, unmatched: 2, foreignAssumeRoles: 2 });
    const sessions = result.items.filter((i) => i.kind === 'unmatched_event').map((i) => i.sessionName);
    expect(sessions.sort()).toEqual([`rg.u.${user.userId}.forged-request`, 'rg.not-a-rolegate-name'].sort());
    const foreign = result.items.filter((i) => i.kind === 'foreign_assume_role');
    expect(foreign.every((f) => f.severity === 'high' && f.principal === '999999999999')).toBe(true);
    // Nothing about the other role.
    expect(result.items.some((i) => i.sessionName?.endsWith('other-role'))).toBe(false);
  });

  it('flags an AssumeRole by Rolegate’s own principal from an address outside ROLEGATE_EGRESS_IPS', async () => {
    expect(process.env.ROLEGATE_EGRESS_IPS).toBeUndefined();
    expect(core.config.aws.egressIps).toEqual(['127.0.0.1', '2001:db8::/56']);
    const { user, conn } = await setup();
    const t0 = mutable.t;
    await listBucketsThroughRolegate(user, conn);
    const own = fake.trail.findLast(
      (e) =>
        e.eventName === 'AssumeRole' &&
        (e.requestParameters as { roleArn?: string } | null)?.roleArn === conn.roleArn,
    );
    expect(own).toBeDefined();
    // The same principal (Rolegate's account) assuming the role from elsewhere: its credentials
    // (or the host's) are used from an address Rolegate does not call AWS from.
    advance(60_000);
    fake.log({
      ...own,
      eventID: randomUUID(),
      eventTime: new Date(mutable.t).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      sourceIPAddress: '198.51.100.7',
    });
    advance(60 * 60_000);
    const result = await reconcile(user.orgId, conn.id, t0 - 60_000, t0 + 10 * 60_000);
    expect(result.reconciliation.counts).toMatchObject({ matched: 1, unmatched: 0, foreignAssumeRoles: 1 });
    const foreign = result.items.filter((i) => i.kind === 'foreign_assume_role');
    expect(foreign).toHaveLength(1);
    expect(foreign[0]).toMatchObject({ severity: 'medium', sourceIp: '198.51.100.7' });
    expect(foreign[0]?.details.reasons).toBe('source_ip');
  });

  it('deleting the connection aborts a running reconciliation: it ends cancelled, nothing keeps running', async () => {
    const { user, conn } = await setup();
    const t0 = mutable.t;
    await listBucketsThroughRolegate(user, conn);
    advance(60 * 60_000);
    // CloudTrail throttles every page: left alone, the job would back off for half a minute.
    fake.throttleNext(1_000);
    const started = await core.reconcile.service.start(system(user.orgId), conn.id, {
      from: new Date(t0 - 60_000).toISOString(),
      to: new Date(t0 + 10 * 60_000).toISOString(),
    });
    const seen: ReconciliationView[] = [];
    const unsubscribe = core.reconcile.runner.subscribe(started.id, (v) => seen.push(v));
    // Wait until a LookupEvents call has been attempted (audited before the AWS call).
    const attempts = async () =>
      (
        await database.db
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.targetId, started.id), eq(auditEvents.outcome, 'attempt')))
      ).length;
    const attempted = async () => (await attempts()) > 0;
    for (let i = 0; i < 200 && !(await attempted()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await attempted()).toBe(true);
    expect(seen.at(-1)?.status).toBe('running');
    const del = await app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${user.orgId}/connections/${conn.id}`,
      headers: user.headers,
    });
    expect(del.statusCode, del.body).toBeLessThan(300);
    // Aborted at once (the job registry), not at the next heartbeat: no LookupEvents retry follows.
    const before = await attempts();
    await core.reconcile.runner.idle();
    expect(await attempts()).toBe(before);
    unsubscribe();
    expect(seen.at(-1)?.status).toBe('cancelled');
    // The connection's reconciliations went with it: none is left queued or running.
    const left = await database.db.select().from(reconciliations).where(eq(reconciliations.id, started.id));
    expect(left.every((r) => r.status !== 'running' && r.status !== 'queued')).toBe(true);
  });

  it('marks a window truncated at the page bound (400 in production; 2 here)', async () => {
    expect(DEFAULT_RECONCILE_JOB_OPTIONS.maxPagesPerRegion).toBe(400);
    const { user, conn } = await setup();
    const t0 = mutable.t;
    // Enough events for a third page whatever else the window holds (the connection's own
    // verification calls fall inside it or not depending on the tests before this one).
    for (let i = 0; i < 7; i++) {
      await listBucketsThroughRolegate(user, conn);
      advance(5_000);
    }
    advance(60 * 60_000);
    const bounded = createReconcileModule({
      db: database.db,
      clock,
      audit: core.audit,
      broker: core.broker,
      resolver: core.connections.resolver,
      connections: core.connections.service,
      awsClients: core.awsClients,
      outbox: core.outbox,
      lanes: core.lanes,
      jobs: core.scanJobs,
      logger: createLogger('warn'),
      region: 'us-east-1',
      intervalSeconds: 0,
      skewSeconds: 120,
      egressIps: [],
      options: { maxPagesPerRegion: 2 },
    });
    const started = await bounded.service.start(system(user.orgId), conn.id, {
      from: new Date(t0 - 60_000).toISOString(),
      to: new Date(t0 + 10 * 60_000).toISOString(),
    });
    await bounded.runner.idle();
    const result = await bounded.service.items(user.orgId, started.id, 200, undefined, conn.id);
    await bounded.stop();
    // 7 ListBuckets and an AssumeRole, 3 events a page: 2 pages read, the rest not.
    expect(result.reconciliation.status).toBe('succeeded');
    expect(result.reconciliation.progress.pages).toBe(2);
    expect(result.reconciliation.truncated).toBe(true);
    expect(result.reconciliation.warnings).toEqual([
      expect.objectContaining({ region: 'us-east-1', code: 'window_truncated' }),
    ]);
  });

  it('reports successful calls with no management event as informational (data events named)', async () => {
    const { user, conn } = await setup();
    const t0 = mutable.t;
    await listBucketsThroughRolegate(user, conn);
    // The trail lost the event (e.g. management events off in this region).
    const lost = fake.trail.findLast((e) => e.eventName === 'ListBuckets');
    fake.trail.splice(fake.trail.indexOf(lost as Record<string, unknown>), 1);
    advance(60 * 60_000);
    const result = await reconcile(user.orgId, conn.id, t0 - 60_000, t0 + 10 * 60_000);
    expect(result.reconciliation.counts).toMatchObject({ matched: 0, unmatched: 0, unlogged: 1 });
    const item = result.items.find((i) => i.kind === 'unlogged_record');
    expect(item).toMatchObject({ severity: 'info', operation: 's3.list_buckets' });
    expect(item?.note).toMatch(/management events/);
    const rows = await database.db
      .select()
      .from(reconciliationItems)
      .where(eq(reconciliationItems.orgId, user.orgId));
    expect(rows.length).toBeGreaterThan(0);
  });
});
