import { randomBytes } from 'node:crypto';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { PolicyStatement } from '../../src/broker/types.ts';
import type { Clock } from '../../src/clock.ts';
import type { Capability } from '../../src/connections/types.ts';
import { type Database, type Db, openDatabase } from '../../src/db/client.ts';
import { newId } from '../../src/db/ids.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createScanStore, type ScanStore } from '../../src/scans/store.ts';
import { findings, scans } from '../../src/scans/tables.ts';
import { createTestApp, isolatedPostgres, type TestApp, testEnv } from '../helpers/app.ts';
import { withoutApprovals } from '../helpers/approvals.ts';
import { createTestConnection, type TestConnection } from '../helpers/connections.ts';

/** Fixed per test run so that apps restarted over the same database share keys (tokens, external IDs). */
const ENV = {
  ROLEGATE_JWT_KEYS: `t1:${randomBytes(32).toString('base64')}`,
  ROLEGATE_MASTER_KEYS: `m1:${randomBytes(32).toString('base64')}`,
  // One AssumeRole per brokered call, so tests can read each call's session policy.
  ROLEGATE_CREDENTIAL_CACHE: 'off',
  AWS_REGION: 'us-east-1',
};

export const sts = mockClient(STSClient);

/** Every AssumeRole answers with fresh fake credentials. */
export function mockSts(): void {
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({
    Arn: 'arn:aws:iam::111111111111:role/rolegate-service',
    Account: '111111111111',
    UserId: 'AROAFAKE',
  });
  sts.on(AssumeRoleCommand).callsFake(async () => ({
    Credentials: {
      AccessKeyId: 'ASIAFAKEFAKEFAKEFAKE',
      SecretAccessKey: 'fake-secret-do-not-log',
      SessionToken: 'fake-session-token-do-not-log',
      Expiration: new Date(Date.now() + 3_600_000),
    },
    AssumedRoleUser: {
      AssumedRoleId: 'AROAFAKE:rg',
      Arn: 'arn:aws:sts::123456789012:assumed-role/RolegateAccess/rg',
    },
  }));
}

/** The session policies the broker sent to STS for this connection, in call order. */
export function sessionPolicies(
  connection: TestConnection,
): { sessionName: string; statements: PolicyStatement[] }[] {
  return sts
    .commandCalls(AssumeRoleCommand)
    .map((c) => c.args[0].input)
    .filter((i) => i.RoleArn === connection.roleArn && i.ExternalId === connection.externalId)
    .map((i) => ({
      sessionName: i.RoleSessionName ?? '',
      statements: (JSON.parse(i.Policy ?? '{}') as { Statement: PolicyStatement[] }).Statement,
    }));
}

/** A clock tests can move forward (confirmation-token expiry). */
export function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms) {
      offset += ms;
    },
  };
}

export async function insertConnection(
  t: TestApp,
  orgId: string,
  options: {
    capabilities?: Capability[];
    regions?: string[];
    cleanupTagConditions?: Record<string, string>;
  } = {},
): Promise<TestConnection> {
  // Clean-up suites test the guarded clean-up itself; test/approvals tests the four-eyes rule over it.
  await withoutApprovals(t, orgId);
  return createTestConnection(t, orgId, {
    capabilities: options.capabilities ?? ['cost-scan', 'cleanup'],
    scopes: { regions: options.regions ?? [], cleanupTagConditions: options.cleanupTagConditions ?? {} },
  });
}

export async function insertFinding(
  db: Db,
  orgId: string,
  connectionId: string,
  values: Partial<typeof findings.$inferInsert> &
    Pick<typeof findings.$inferInsert, 'type' | 'resourceId' | 'resourceArn'>,
): Promise<string> {
  const scanId = newId('scn');
  const now = new Date();
  await db.insert(scans).values({
    id: scanId,
    orgId,
    connectionId,
    status: 'succeeded',
    regions: ['us-east-1'],
    regionsDone: ['us-east-1'],
    requestedByType: 'system',
    requestedById: 'test',
    createdAt: now,
  });
  const id = newId('fnd');
  await db.insert(findings).values({
    id,
    orgId,
    connectionId,
    scanId,
    region: 'us-east-1',
    ageDays: 10,
    tags: {},
    monthlyCostCents: 100,
    recommendedAction: 'test',
    details: {},
    firstSeenAt: now,
    lastSeenAt: now,
    ...values,
  });
  return id;
}

export interface ScanHarness {
  t: TestApp;
  db: Db;
  database: Database;
  store: ScanStore;
  clock: ReturnType<typeof movableClock>;
  close(): Promise<void>;
}

/**
 * The real app (createTestApp, scans wired in app.ts) with STS mocked. Pass `database` to start a
 * second app over existing data, as a restarted process would; the harness that opened it closes it.
 */
export async function createScanHarness(
  options: { database?: Database; env?: Record<string, string> } = {},
): Promise<ScanHarness> {
  const owns = options.database === undefined;
  const env = testEnv({ ...ENV, ...options.env });
  // Job recovery claims every stale job in the database: on PostgreSQL, give scan suites a database
  // of their own so that other suites' apps never pick up (or hand back) these jobs.
  const isolated = owns && env.DATABASE_URL !== undefined ? await isolatedPostgres(env.DATABASE_URL) : null;
  const database =
    options.database ??
    (await openDatabase({
      url: isolated?.url ?? env.DATABASE_URL,
      dataDir: env.ROLEGATE_DATA_DIR ?? 'memory://',
    }));
  if (owns) await runMigrations(database);
  const clock = movableClock();
  const t = await createTestApp({ env: { ...ENV, ...options.env }, database, clock });
  return {
    t,
    db: database.db,
    database,
    store: createScanStore(database.db),
    clock,
    async close() {
      await t.close();
      if (owns) await database.close();
      await isolated?.drop();
    },
  };
}

/** Polls the scan until it reaches a final status. */
export async function waitForScan(h: ScanHarness, orgId: string, scanId: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await h.store.getScan(orgId, scanId);
    if (row !== null && ['succeeded', 'failed', 'cancelled'].includes(row.status)) return row;
    if (Date.now() > until) throw new Error(`scan ${scanId} still ${row?.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
