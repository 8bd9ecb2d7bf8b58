import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, type AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import { createBroker } from '../../src/broker/broker.ts';
import { systemClock } from '../../src/clock.ts';
import { createConnectionsModule } from '../../src/connections/module.ts';
import { connections } from '../../src/connections/tables.ts';
import { createKeyring } from '../../src/crypto/field-encryption.ts';
import { createJobRegistry } from '../../src/jobs/registry.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

// Issue 14, items 3 and 4 (invariants 12 and 13): verification has no AWS path of its own.
// A hostile tenant registers someone else's role ARN whose trust policy does not enforce the
// external ID and asks Rolegate to verify it, hoping the capability probes tell it what that account
// holds (buckets under a chosen prefix, functions, volumes). And every AWS call verification makes,
// the scheduler's included, must have its audit `attempt` committed before it and an outcome after,
// even when the report itself cannot be stored because the connection changed meanwhile.
//
// Every AWS client is mocked at the SDK boundary (prototype-wide, so the app's own clients are
// covered); each mocked call notes how many attempt and outcome records of the connection were
// committed at the moment AWS was called.

const sts = mockClient(STSClient);
const services = {
  s3: mockClient(S3Client),
  logs: mockClient(CloudWatchLogsClient),
  dynamodb: mockClient(DynamoDBClient),
  lambda: mockClient(LambdaClient),
  ec2: mockClient(EC2Client),
};

interface AwsCall {
  service: string;
  externalId?: string | null;
  /** The connection's brokered-call records committed when AWS was called. */
  attempts: number;
  outcomes: number;
}

let t: TestApp;
let watched: string | null = null;
const calls: AwsCall[] = [];

async function brokeredRecords(connectionId: string) {
  const rows = await t.database.db
    .select({ action: auditEvents.action, outcome: auditEvents.outcome, actorType: auditEvents.actorType })
    .from(auditEvents)
    .where(eq(auditEvents.connectionId, connectionId));
  return rows.filter((r) => r.action.startsWith('aws.'));
}

async function note(service: string, externalId?: string | null): Promise<void> {
  const rows = watched === null ? [] : await brokeredRecords(watched);
  calls.push({
    service,
    ...(externalId === undefined ? {} : { externalId }),
    attempts: rows.filter((r) => r.outcome === 'attempt').length,
    outcomes: rows.filter((r) => r.outcome !== 'attempt').length,
  });
}

/** STS plays the customer's role: `accepts` decides, per external ID sent. */
function stsAs(accepts: (externalId: string | null) => boolean) {
  sts.on(AssumeRoleCommand).callsFake(async (input: AssumeRoleCommandInput) => {
    const externalId = input.ExternalId ?? null;
    await note('sts', externalId);
    if (!accepts(externalId)) {
      throw Object.assign(new Error('not authorized to perform: sts:AssumeRole'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
    }
    return {
      Credentials: {
        AccessKeyId: 'ASIAVICTIMACCOUNT000',
        SecretAccessKey: 'victim-secret',
        SessionToken: 'victim-session',
        Expiration: new Date(Date.now() + 900_000),
      },
    };
  });
}

/** Every service call succeeds (the role's permissions would allow it), and is noted. */
function servicesAnswer(): void {
  const answer = (name: string) => async () => {
    await note(name);
    return {};
  };
  services.s3.onAnyCommand().callsFake(answer('s3'));
  services.logs.onAnyCommand().callsFake(answer('logs'));
  services.dynamodb.onAnyCommand().callsFake(answer('dynamodb'));
  services.lambda.onAnyCommand().callsFake(answer('lambda'));
  services.ec2.onAnyCommand().callsFake(answer('ec2'));
}

beforeAll(async () => {
  // Its own database: the scheduler test re-verifies every due connection of the database.
  t = await createTestApp({ isolatedDatabase: true });
});
afterAll(async () => {
  await t.close();
  sts.restore();
  for (const m of Object.values(services)) m.restore();
});
beforeEach(() => {
  sts.reset();
  for (const m of Object.values(services)) m.reset();
  calls.length = 0;
  watched = null;
});

const ROLE = 'arn:aws:iam::210987654321:role/SomeoneElsesRole';

async function createConnection(
  user: TestUser,
  capabilities: string[],
  scopes: Record<string, unknown> = {},
) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${user.orgId}/connections`,
    headers: user.headers,
    payload: { name: 'target', roleArn: ROLE, capabilities, scopes },
  });
  expect(res.statusCode).toBe(201);
  const body = res.json() as { id: string; externalId: string };
  watched = body.id;
  return body;
}

function verify(user: TestUser, id: string) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${user.orgId}/connections/${id}/verify`,
    headers: user.headers,
  });
}

/** Every AWS call happened inside an open brokered call: its attempt committed, its outcome not yet. */
function expectEachCallAuditedFirst(): void {
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    expect(call.attempts, `${call.service} call without a committed attempt record`).toBe(call.outcomes + 1);
  }
}

describe('verification of an unsafe role (14.3, invariant 13)', () => {
  it('makes exactly the two trust-probe AssumeRoles and no further AWS call', async () => {
    const user = await createTestUser(t);
    const created = await createConnection(
      user,
      ['s3-read', 'logs-read', 'dynamodb-read', 'lambda-read', 'cost-scan'],
      { s3Buckets: ['victim-payroll'], s3Prefixes: ['exports/2026/'], logGroupPrefixes: ['/prod/'] },
    );
    stsAs(() => true); // a trust policy without the sts:ExternalId condition
    servicesAnswer();

    const res = await verify(user, created.id);
    expect(res.statusCode).toBe(200);
    const report = res.json() as { status: string; checks: Array<{ name: string; status: string }> };
    expect(report.status).toBe('unsafe');

    // Exactly the trust probes: without an external ID, then with a wrong one. Never the role's
    // own ID, and not one read in the other account (no ListBuckets, ListObjectsV2, ListFunctions…).
    expect(calls.map((c) => c.service)).toEqual(['sts', 'sts']);
    expect(calls[0]?.externalId).toBeNull();
    expect(calls[1]?.externalId).toMatch(/^rg-/);
    expect(calls[1]?.externalId).not.toBe(created.externalId);
    for (const mock of Object.values(services)) expect(mock.calls()).toHaveLength(0);
    // The probes carried a deny-all session policy: nothing usable even inside the broker.
    for (const c of sts.commandCalls(AssumeRoleCommand)) {
      expect(JSON.parse(c.args[0].input.Policy ?? '{}').Statement).toEqual([
        { Effect: 'Deny', Action: ['*'], Resource: ['*'] },
      ]);
    }
    expect(
      report.checks.filter((c) => c.name.startsWith('capability:')).every((c) => c.status === 'skipped'),
    ).toBe(true);
    expect(JSON.stringify(report)).not.toContain('victim');
    expectEachCallAuditedFirst();
  });
});

describe('every verification AWS call is audited first (14.4, invariant 12)', () => {
  it('a verified role: each AssumeRole and probe has its attempt committed before it, and an outcome', async () => {
    const user = await createTestUser(t);
    const created = await createConnection(user, ['s3-read', 'dynamodb-read'], { s3Buckets: ['acme-data'] });
    stsAs((externalId) => externalId === created.externalId);
    servicesAnswer();

    const res = await verify(user, created.id);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('verified');
    expectEachCallAuditedFirst();
    // Trust probes (2 refused, 1 accepted with SourceIdentity off) and one brokered call per probe.
    expect(calls.filter((c) => c.service === 'sts').length).toBeGreaterThanOrEqual(3);
    expect(calls.some((c) => c.service === 's3')).toBe(true);
    const records = await brokeredRecords(created.id);
    const attempts = records.filter((r) => r.outcome === 'attempt');
    expect(attempts.length).toBe(records.length - attempts.length);
    expect(
      records.filter((r) => r.action === 'aws.verify.trust.without_external_id').map((r) => r.outcome),
    ).toEqual(expect.arrayContaining(['attempt', 'denied']));
    expect(records.filter((r) => r.action === 'aws.verify.s3.list_objects').map((r) => r.outcome)).toEqual(
      expect.arrayContaining(['attempt', 'success']),
    );
  });

  it('a concurrent PATCH during verification: 409, and still no AWS call unrecorded', async () => {
    const user = await createTestUser(t);
    const created = await createConnection(user, ['dynamodb-read']);
    stsAs((externalId) => externalId === created.externalId);
    servicesAnswer();
    let patched = 0;
    services.dynamodb.on(ListTablesCommand).callsFake(async () => {
      await note('dynamodb');
      // While verification waits on AWS, an admin points the connection at another role.
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/v1/orgs/${user.orgId}/connections/${created.id}`,
        headers: user.headers,
        payload: { roleArn: 'arn:aws:iam::210987654321:role/Other' },
      });
      patched = res.statusCode;
      return { TableNames: [] };
    });

    const res = await verify(user, created.id);
    expect(patched).toBe(200);
    expect(res.statusCode).toBe(409);
    expect(calls.some((c) => c.service === 'dynamodb')).toBe(true);
    expectEachCallAuditedFirst();
    const records = await brokeredRecords(created.id);
    const attempts = records.filter((r) => r.outcome === 'attempt').length;
    expect(attempts).toBeGreaterThanOrEqual(4); // 3 trust probes + the ListTables probe
    expect(records.length).toBe(2 * attempts); // every attempt has its outcome
    const [discarded] = await t.database.db
      .select({ outcome: auditEvents.outcome, errorCode: auditEvents.errorCode })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.connectionId, created.id),
          eq(auditEvents.action, 'connection.verification_discarded'),
        ),
      );
    expect(discarded).toEqual({ outcome: 'failure', errorCode: 'conflict' });
  });

  it('a verification that started before the role was found unsafe cannot bring it back to verified', async () => {
    const user = await createTestUser(t);
    const created = await createConnection(user, ['dynamodb-read']);
    stsAs((externalId) => externalId === created.externalId);
    servicesAnswer();
    let second = 0;
    services.dynamodb.on(ListTablesCommand).callsFake(async () => {
      await note('dynamodb');
      // While the first verification probes its capabilities, the trust policy is loosened and a
      // second verification finds the role unsafe and stores that.
      stsAs(() => true);
      const res = await verify(user, created.id);
      second = res.statusCode;
      expect(res.json().status).toBe('unsafe');
      return { TableNames: [] };
    });

    const first = await verify(user, created.id);
    expect(second).toBe(200);
    expect(first.statusCode).toBe(409);
    const view = await t.app.inject({
      url: `/v1/orgs/${user.orgId}/connections/${created.id}`,
      headers: user.headers,
    });
    expect(view.json().status).toBe('unsafe');
  });

  it('the re-verification scheduler: same path, as the system actor; an unsafe role is disabled after the trust probes alone', async () => {
    const user = await createTestUser(t);
    const conn = await createTestConnection(t, user.orgId, {
      capabilities: ['s3-read', 'lambda-read'],
      scopes: { s3Buckets: ['victim-payroll'] },
    });
    await t.database.db
      .update(connections)
      .set({ lastVerifiedAt: new Date(Date.now() - 2 * 3600_000) })
      .where(eq(connections.id, conn.id));
    watched = conn.id;
    // The module exactly as app.ts wires it, over this test's database.
    const audit = createAuditWriter({ clock: systemClock });
    const awsClients = createAwsClientFactory({ region: 'us-east-1' });
    const broker = createBroker({
      clients: awsClients,
      clock: systemClock,
      config: {
        aws: { principalArn: t.config.aws.principalArn, credentialCache: 'off', sessionDuration: 900 },
      },
      logger: { info: () => {}, warn: () => {} },
      audit,
      db: t.database.db,
    });
    const mod = createConnectionsModule({
      db: t.database.db,
      clock: systemClock,
      audit,
      keyring: createKeyring(t.config.masterKeys),
      broker,
      awsClients,
      config: { aws: { region: 'us-east-1', verifyInterval: 3600, externalIdGrace: 7 * 86_400 } },
      logger: { info: () => {}, error: () => {} },
      scans: createJobRegistry(),
    });
    stsAs(() => true); // the trust policy was loosened since the last verification
    servicesAnswer();

    const run = await mod.scheduler.runOnce();
    awsClients.destroy();
    expect(run.disabled).toBe(1);
    expect(calls.map((c) => c.service)).toEqual(['sts', 'sts']);
    expect(calls.map((c) => c.externalId ?? null)).not.toContain(conn.externalId);
    for (const mock of Object.values(services)) expect(mock.calls()).toHaveLength(0);
    expectEachCallAuditedFirst();
    const records = await brokeredRecords(conn.id);
    expect(records).toHaveLength(4);
    expect(records.every((r) => r.actorType === 'system')).toBe(true);
    const [row] = await t.database.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row?.status).toBe('disabled');
  });
});
