import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { mockClient } from 'aws-sdk-client-mock';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import type { Broker } from '../../src/broker/broker.ts';
import type { BrokeredCall, TrustProbeRequest, TrustProbeVerdict } from '../../src/broker/types.ts';
import type { Clock } from '../../src/clock.ts';
import { createConnectionsModule } from '../../src/connections/module.ts';
import { connections } from '../../src/connections/tables.ts';
import type { Capability, ConnectionScopes } from '../../src/connections/types.ts';
import type { Actor } from '../../src/core/actor.ts';
import { AppError, ErrorCode } from '../../src/core/errors.ts';
import { createKeyring } from '../../src/crypto/field-encryption.ts';
import { createJobRegistry } from '../../src/jobs/registry.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';

/**
 * Verification against a hand-written fake of the broker's verification surface (audited trust
 * probes answering accepted/denied, brokered calls) and aws-sdk-client-mock for the capability
 * probes, so every failure mode is exercised precisely. The real broker and its audit records are
 * exercised end to end in test/connections/routes.test.ts and test/hostile/one-path.test.ts.
 */

const CREDS = { accessKeyId: 'ASIAFAKE', secretAccessKey: 'fake-secret', sessionToken: 'fake-session' };
type Policy = (externalId: string | null, call: number, sourceIdentity: boolean) => TrustProbeVerdict;

/** Plays a customer's role: `accepts` decides what AssumeRole answers for each external ID. */
function fakeBroker() {
  const state: { accepts: Policy; calls: Array<string | null>; brokered: BrokeredCall[] } = {
    accepts: () => ({ outcome: 'denied', code: 'AccessDenied' }),
    calls: [],
    brokered: [],
  };
  const broker = {
    async probeTrust(input: TrustProbeRequest): Promise<TrustProbeVerdict> {
      state.calls.push(input.externalId);
      return state.accepts(input.externalId, state.calls.length, input.sourceIdentity === true);
    },
    async call<T>(request: BrokeredCall, fn: (c: AwsCredentialIdentity) => Promise<T>): Promise<T> {
      state.brokered.push(request);
      const c = request.connection;
      if (state.accepts(c.externalId, state.calls.length, c.sourceIdentityEnabled).outcome !== 'accepted') {
        throw new AppError(ErrorCode.AWS_ACCESS_DENIED);
      }
      return fn({ ...CREDS });
    },
  } satisfies Pick<Broker, 'probeTrust' | 'call'>;
  return { broker, state };
}

const assumed: TrustProbeVerdict = { outcome: 'accepted' };
const denied: TrustProbeVerdict = { outcome: 'denied', code: 'AccessDenied' };
/** A correctly configured role: only the given external ID is accepted. */
const onlyWith =
  (id: string): Policy =>
  (ext) =>
    ext === id ? assumed : denied;

const mutableClock = { t: Date.now() };
const clock: Clock = { now: () => new Date(mutableClock.t) };

let t: TestApp;
let mod: ReturnType<typeof createConnectionsModule>;
const fake = fakeBroker();
const s3 = mockClient(S3Client);
const logs = mockClient(CloudWatchLogsClient);
const ddb = mockClient(DynamoDBClient);
const lambda = mockClient(LambdaClient);
const ec2 = mockClient(EC2Client);
const cloudtrail = mockClient(CloudTrailClient);

beforeAll(async () => {
  t = await createTestApp({ isolatedDatabase: true });
  mod = createConnectionsModule({
    db: t.database.db,
    clock,
    audit: createAuditWriter({ clock }),
    keyring: createKeyring(t.config.masterKeys),
    broker: {
      probeTrust: fake.broker.probeTrust,
      call: fake.broker.call,
      resolvePrincipalArn: async () => 'arn:aws:iam::111111111111:role/rolegate-service',
    },
    awsClients: createAwsClientFactory({ region: 'us-east-1' }),
    config: { aws: { region: 'us-east-1', verifyInterval: 3600, externalIdGrace: 7 * 24 * 3600 } },
    scans: createJobRegistry(),
    logger: { info: () => {}, error: () => {} },
  });
});
afterAll(async () => {
  await t.close();
  for (const m of [s3, logs, ddb, lambda, ec2, cloudtrail]) m.restore();
});
beforeEach(() => {
  for (const m of [s3, logs, ddb, lambda, ec2, cloudtrail]) m.reset();
  const denyAll = Object.assign(new Error('denied'), {
    name: 'AccessDenied',
    $metadata: { httpStatusCode: 403 },
  });
  s3.onAnyCommand().rejects(denyAll);
  logs.onAnyCommand().rejects(Object.assign(new Error('d'), { name: 'AccessDeniedException' }));
  ddb.onAnyCommand().rejects(Object.assign(new Error('d'), { name: 'AccessDeniedException' }));
  lambda.onAnyCommand().rejects(Object.assign(new Error('d'), { name: 'AccessDeniedException' }));
  ec2.onAnyCommand().rejects(Object.assign(new Error('d'), { name: 'UnauthorizedOperation' }));
  cloudtrail.onAnyCommand().rejects(Object.assign(new Error('d'), { name: 'AccessDeniedException' }));
  fake.state.calls = [];
  fake.state.brokered = [];
  mutableClock.t = Date.now();
});
afterEach(() => {
  fake.state.accepts = () => denied;
});

function actorFor(user: { userId: string; orgId: string }): Actor & { orgId: string } {
  return {
    type: 'user',
    id: user.userId,
    userId: user.userId,
    orgId: user.orgId,
    role: 'owner',
    sessionId: null,
    ip: '203.0.113.9',
    userAgent: 'vitest',
    requestId: `req-${Math.random().toString(36).slice(2)}`,
  };
}

async function newConnection(capabilities: Capability[], scopes?: Partial<ConnectionScopes>) {
  const user = await createTestUser(t);
  const actor = actorFor(user);
  const created = await mod.service.create(actor, {
    name: 'prod',
    roleArn: 'arn:aws:iam::123456789012:role/RolegateAccess',
    capabilities,
    sourceIdentity: true,
    ...(scopes
      ? {
          scopes: {
            regions: [],
            s3Buckets: [],
            s3Prefixes: [],
            logGroupPrefixes: [],
            dynamodbTables: [],
            lambdaFunctionPatterns: [],
            cleanupTagConditions: {},
            ...scopes,
          },
        }
      : {}),
  });
  return { user, actor, created, externalId: created.externalId };
}

async function auditActions(orgId: string, connectionId: string) {
  const rows = await t.database.db
    .select({ action: auditEvents.action, actorType: auditEvents.actorType, outcome: auditEvents.outcome })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.connectionId, connectionId)));
  return rows;
}

async function expectCode(p: Promise<unknown>, code: string) {
  await expect(p).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === code);
}

const check = <C extends { name: string }>(r: { checks: C[] }, name: string) =>
  r.checks.find((c) => c.name === name);

describe('verification', () => {
  it('a correctly configured role verifies, is audited and becomes usable', async () => {
    const { actor, created, externalId } = await newConnection(['s3-read', 'logs-read'], {
      s3Buckets: ['acme-data'],
    });
    fake.state.accepts = onlyWith(externalId);
    s3.on(ListBucketsCommand).resolves({ Buckets: [] });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });

    const result = await mod.service.verify(actor, created.id);
    expect(result.status).toBe('verified');
    expect(check(result, 'assume_role_with_external_id')?.status).toBe('passed');
    expect(check(result, 'external_id_required')?.status).toBe('passed');
    expect(check(result, 'wrong_external_id_refused')?.status).toBe('passed');
    expect(check(result, 'capability:s3-read')?.status).toBe('passed');
    expect(check(result, 'capability:logs-read')?.status).toBe('passed');
    // Probes are harmless and bounded.
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: 'acme-data',
      MaxKeys: 1,
    });
    expect(logs.commandCalls(DescribeLogGroupsCommand)[0]?.args[0].input).toMatchObject({ limit: 1 });
    // Exactly, and in this order: without an ID, with a wrong (fresh, valid) one, then with the ID.
    expect(fake.state.calls[0]).toBeNull();
    expect(fake.state.calls[1]).toMatch(/^rg-[a-z2-7]{32}$/);
    expect(fake.state.calls[1]).not.toBe(externalId);
    expect(fake.state.calls[2]).toBe(externalId);
    expect(fake.state.calls).toHaveLength(3);
    // Each capability probe is its own brokered call, its session policy exactly that probe's action.
    const listObjects = fake.state.brokered.find((b) => b.operation === 'verify.s3.list_objects');
    expect(listObjects?.policy.Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::acme-data'] },
    ]);
    expect(listObjects?.connection.externalId).toBe(externalId);
    expect(listObjects?.audit).toMatchObject({ action: 'aws.verify.s3.list_objects', targetId: created.id });

    const view = await mod.service.get(actor.orgId, created.id);
    expect(view.status).toBe('verified');
    expect(view.verification?.checks.length).toBe(result.checks.length);
    expect((await auditActions(actor.orgId, created.id)).map((a) => a.action)).toContain(
      'connection.verified',
    );
    const usable = await mod.resolver.resolveUsable(actor.orgId, created.id, 's3-read');
    expect(usable.externalId).toBe(externalId);
    expect(usable.roleArn).toBe('arn:aws:iam::123456789012:role/RolegateAccess');
    await expectCode(
      mod.resolver.resolveUsable(actor.orgId, created.id, 'lambda-invoke'),
      'capability_missing',
    );
  });

  it('wrong external ID / missing trust: AssumeRole denied → failed with advice, nothing else probed', async () => {
    const { actor, created } = await newConnection(['s3-read']);
    fake.state.accepts = onlyWith('rg-some-other-id'); // the role trusts a different external ID
    const result = await mod.service.verify(actor, created.id);
    expect(result.status).toBe('failed');
    const c = check(result, 'assume_role_with_external_id');
    expect(c).toMatchObject({ status: 'failed', code: 'aws_access_denied' });
    expect(c?.advice).toContain('arn:aws:iam::111111111111:role/rolegate-service');
    expect(c?.advice).toContain('sts:ExternalId');
    expect(check(result, 'capability:s3-read')?.status).toBe('skipped');
    expect(s3.calls()).toHaveLength(0);
    // The two trust probes, then with the ID: once with SourceIdentity, once without (to tell a
    // missing sts:SetSourceIdentity apart).
    expect(fake.state.calls).toHaveLength(4);
    expect(fake.state.calls.slice(2).every((c) => c === created.externalId)).toBe(true);
    expect(fake.state.brokered).toHaveLength(0);
    await expectCode(
      mod.resolver.resolveUsable(actor.orgId, created.id, 's3-read'),
      'connection_not_verified',
    );
    expect((await auditActions(actor.orgId, created.id)).map((a) => a.action)).toContain('connection.failed');
  });

  it('unenforced external ID (assume without one succeeds) → unsafe, explained, never usable', async () => {
    const { actor, created } = await newConnection(['s3-read']);
    fake.state.accepts = () => assumed; // trust policy without the ExternalId condition
    s3.on(ListBucketsCommand).resolves({ Buckets: [] });
    const result = await mod.service.verify(actor, created.id);
    expect(result.status).toBe('unsafe');
    const c = check(result, 'external_id_required');
    expect(c).toMatchObject({ status: 'failed', code: 'external_id_not_enforced' });
    expect(c?.advice).toMatch(/confused-deputy/);
    expect(c?.advice).toContain('"sts:ExternalId"');
    expect(check(result, 'wrong_external_id_refused')?.status).toBe('failed');
    expect((await mod.service.get(actor.orgId, created.id)).status).toBe('unsafe');
    await expectCode(mod.resolver.resolveUsable(actor.orgId, created.id, 's3-read'), 'connection_unsafe');
    expect((await auditActions(actor.orgId, created.id)).map((a) => a.action)).toContain('connection.unsafe');
  });

  it('a wrong external ID accepted (but none refused) is also unsafe', async () => {
    const { actor, created, externalId } = await newConnection(['dynamodb-read']);
    fake.state.accepts = (ext) => (ext === null ? denied : ext.startsWith('rg-') ? assumed : denied);
    ddb.on(ListTablesCommand).resolves({ TableNames: [] });
    const result = await mod.service.verify(actor, created.id);
    // The trust probes come first; an accepted one stops verification (never the role's ID, never a read).
    expect(fake.state.calls).toEqual([null, expect.stringMatching(/^rg-/)]);
    expect(fake.state.calls).not.toContain(externalId);
    expect(fake.state.brokered).toHaveLength(0);
    expect(result.status).toBe('unsafe');
    expect(check(result, 'external_id_required')?.status).toBe('passed');
    expect(check(result, 'wrong_external_id_refused')).toMatchObject({
      status: 'failed',
      code: 'external_id_not_enforced',
    });
  });

  it('a denied capability fails verification with the denied probe and the fix', async () => {
    const { actor, created, externalId } = await newConnection(['logs-read', 'cost-scan']);
    fake.state.accepts = onlyWith(externalId);
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    // ec2 stays AccessDenied (UnauthorizedOperation)
    const result = await mod.service.verify(actor, created.id);
    expect(result.status).toBe('failed');
    expect(check(result, 'capability:logs-read')?.status).toBe('passed');
    const c = check(result, 'capability:cost-scan');
    expect(c).toMatchObject({ status: 'failed', code: 'aws_access_denied' });
    expect(c?.advice).toContain('CostScanDescribe');
    expect(ec2.commandCalls(DescribeVolumesCommand)[0]?.args[0].input).toMatchObject({ MaxResults: 5 });
    await expectCode(
      mod.resolver.resolveUsable(actor.orgId, created.id, 'logs-read'),
      'connection_not_verified',
    );
  });

  it('cloudtrail-read is probed with one bounded LookupEvents under a session policy for exactly that action', async () => {
    const { actor, created, externalId } = await newConnection(['cloudtrail-read']);
    fake.state.accepts = onlyWith(externalId);
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
    const result = await mod.service.verify(actor, created.id);
    expect(check(result, 'capability:cloudtrail-read')?.status).toBe('passed');
    expect(cloudtrail.commandCalls(LookupEventsCommand)[0]?.args[0].input).toMatchObject({ MaxResults: 1 });
    const probe = fake.state.brokered.find((b) => b.operation.includes('cloudtrail'));
    expect(probe?.policy.Statement).toEqual([
      { Effect: 'Allow', Action: ['cloudtrail:LookupEvents'], Resource: ['*'] },
    ]);
  });

  it('a role without cloudtrail:LookupEvents fails the cloudtrail-read check with the statement to attach', async () => {
    const { actor, created, externalId } = await newConnection(['cloudtrail-read']);
    fake.state.accepts = onlyWith(externalId);
    const result = await mod.service.verify(actor, created.id);
    expect(result.status).toBe('failed');
    const c = check(result, 'capability:cloudtrail-read');
    expect(c).toMatchObject({ status: 'failed', code: 'aws_access_denied' });
    expect(c?.advice).toContain('CloudTrailLookupEvents');
  });

  it('audit-export is probed with one PutObject of a marker under the scoped prefix, its policy naming exactly that key', async () => {
    const { actor, created, externalId } = await newConnection(['audit-export'], {
      s3Buckets: ['acme-evidence'],
      s3Prefixes: ['rolegate/'],
    });
    fake.state.accepts = onlyWith(externalId);
    s3.on(PutObjectCommand).resolves({});
    const result = await mod.service.verify(actor, created.id);
    expect(check(result, 'capability:audit-export')?.status).toBe('passed');
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ Bucket: 'acme-evidence', Key: 'rolegate/rolegate-verification.txt' });
    const probe = fake.state.brokered.find((b) => b.policy.Statement[0]?.Action.includes('s3:PutObject'));
    expect(probe?.policy.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: ['arn:aws:s3:::acme-evidence/rolegate/rolegate-verification.txt'],
      },
    ]);
    // Write-only: s3:ListAllMyBuckets must be refused (the over-privilege probe denied here).
    expect(check(result, 'over_privilege:s3')?.status).toBe('passed');
  });

  it('a role that may not write to the export prefix fails the audit-export check', async () => {
    const { actor, created, externalId } = await newConnection(['audit-export'], {
      s3Buckets: ['acme-evidence'],
    });
    fake.state.accepts = onlyWith(externalId);
    const result = await mod.service.verify(actor, created.id);
    const c = check(result, 'capability:audit-export');
    expect(c).toMatchObject({ status: 'failed', code: 'aws_access_denied' });
    expect(c?.advice).toContain('AuditExportPutObjects');
  });

  it('throttling is a failed check (aws_throttled, retry advice), never unsafe', async () => {
    const { actor, created, externalId } = await newConnection(['lambda-read']);
    fake.state.accepts = (ext) =>
      ext === externalId ? assumed : { outcome: 'error', code: 'aws_throttled', retryable: true };
    const result = await mod.service.verify(actor, created.id);
    expect(result.status).toBe('failed');
    expect(check(result, 'external_id_required')).toMatchObject({ status: 'failed', code: 'aws_throttled' });
    expect(check(result, 'external_id_required')?.advice).toMatch(/verify again/);

    // Throttled capability probe, too.
    fake.state.accepts = onlyWith(externalId);
    lambda
      .on(ListFunctionsCommand)
      .rejects(Object.assign(new Error('slow'), { name: 'TooManyRequestsException' }));
    const again = await mod.service.verify(actor, created.id);
    expect(again.status).toBe('failed');
    expect(check(again, 'capability:lambda-read')).toMatchObject({ status: 'failed', code: 'aws_throttled' });
    expect((await mod.service.get(actor.orgId, created.id)).status).toBe('failed');
  });

  it('write-type capabilities are skipped with a reason; over-privilege is a warning', async () => {
    const { actor, created, externalId } = await newConnection(['s3-write', 'cleanup', 'lambda-invoke']);
    fake.state.accepts = onlyWith(externalId);
    s3.on(ListBucketsCommand).resolves({ Buckets: [] }); // ListAllMyBuckets works, though no s3-read
    const result = await mod.service.verify(actor, created.id);
    expect(result.status).toBe('verified');
    for (const name of ['capability:s3-write', 'capability:cleanup', 'capability:lambda-invoke']) {
      expect(check(result, name)?.status).toBe('skipped');
      expect(check(result, name)?.advice).toBeTruthy();
    }
    // s3-write covers S3, so no S3 over-privilege warning; DynamoDB/Logs/EC2 are denied → passed.
    expect(check(result, 'over_privilege:s3')).toBeUndefined();
    expect(check(result, 'over_privilege:dynamodb')?.status).toBe('passed');

    const { actor: a2, created: c2, externalId: e2 } = await newConnection(['logs-read']);
    fake.state.accepts = onlyWith(e2);
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const r2 = await mod.service.verify(a2, c2.id);
    expect(r2.status).toBe('verified');
    expect(check(r2, 'over_privilege:s3')).toMatchObject({ status: 'warning', code: 'over_privileged' });
    expect(check(r2, 'over_privilege:s3')?.advice).toContain('s3:ListAllMyBuckets');
    // Nothing was ever written or invoked.
    expect(s3.calls().every((c) => c.args[0] instanceof ListBucketsCommand)).toBe(true);
  });

  it('a trust policy without sts:SetSourceIdentity fails with that exact fix', async () => {
    const { actor, created, externalId } = await newConnection(['dynamodb-read']);
    ddb.on(ListTablesCommand).resolves({ TableNames: [] });
    fake.state.accepts = (ext, _n, sourceIdentity) =>
      ext === externalId && !sourceIdentity ? assumed : denied;
    const result = await mod.service.verify(actor, created.id);
    expect(result.status).toBe('failed');
    expect(check(result, 'assume_role_with_external_id')?.status).toBe('passed');
    expect(check(result, 'source_identity_allowed')).toMatchObject({
      status: 'failed',
      code: 'source_identity_not_allowed',
    });
    expect(check(result, 'source_identity_allowed')?.advice).toContain('sts:SetSourceIdentity');
  });

  it('pending, unverified and other-organisation connections are never usable', async () => {
    const { actor, created } = await newConnection(['s3-read']);
    await expectCode(
      mod.resolver.resolveUsable(actor.orgId, created.id, 's3-read'),
      'connection_not_verified',
    );
    const other = await createTestUser(t);
    await expectCode(mod.resolver.resolveUsable(other.orgId, created.id, 's3-read'), 'not_found');
    await expectCode(mod.service.get(other.orgId, created.id), 'not_found');
    await expectCode(mod.service.verify(actorFor(other), created.id), 'not_found');
  });

  it('external-ID rotation: old ID stays in use until the new one verifies, then is discarded', async () => {
    const { actor, created, externalId: oldId } = await newConnection(['dynamodb-read']);
    ddb.on(ListTablesCommand).resolves({ TableNames: [] });
    fake.state.accepts = onlyWith(oldId);
    expect((await mod.service.verify(actor, created.id)).status).toBe('verified');

    const rotated = await mod.service.rotateExternalId(actor, created.id);
    expect(rotated).not.toHaveProperty('externalId');
    expect(rotated.rotationPending).toBe(true);
    expect(rotated.status).toBe('verified');
    // Operations keep using the old ID.
    expect((await mod.resolver.resolveUsable(actor.orgId, created.id, 'dynamodb-read')).externalId).toBe(
      oldId,
    );
    const tpl = await mod.service.templates(actor, created.id);
    const newId = tpl.externalId;
    expect(newId).not.toBe(oldId);
    expect(tpl.trustPolicy.Statement[0]?.Condition?.StringEquals?.['sts:ExternalId']).toEqual([newId, oldId]);

    // Customer has not updated the role yet: verification reports it, connection stays usable.
    const pending = await mod.service.verify(actor, created.id);
    expect(pending.status).toBe('failed');
    expect(check(pending, 'assume_role_with_external_id')?.code).toBe('external_id_rotation_pending');
    expect((await mod.service.get(actor.orgId, created.id)).status).toBe('verified');
    expect((await mod.resolver.resolveUsable(actor.orgId, created.id, 'dynamodb-read')).externalId).toBe(
      oldId,
    );

    // Customer updates the trust policy; re-verification with the new ID completes the rotation.
    fake.state.accepts = onlyWith(newId);
    expect((await mod.service.verify(actor, created.id)).status).toBe('verified');
    const after = await mod.service.get(actor.orgId, created.id);
    expect(after.rotationPending).toBe(false);
    expect((await mod.resolver.resolveUsable(actor.orgId, created.id, 'dynamodb-read')).externalId).toBe(
      newId,
    );
    const [row] = await t.database.db.select().from(connections).where(eq(connections.id, created.id));
    expect(row?.previousExternalId).toBeNull();
    expect((await auditActions(actor.orgId, created.id)).map((a) => a.action)).toContain(
      'connection.external_id_rotated',
    );
  });

  it('pending connections expire after 48 h and can then neither be used nor verified', async () => {
    const { actor, created } = await newConnection(['s3-read']);
    mutableClock.t += 49 * 3600 * 1000;
    expect((await mod.service.get(actor.orgId, created.id)).status).toBe('expired');
    expect(await mod.service.expirePending()).toBeGreaterThanOrEqual(1);
    const [row] = await t.database.db.select().from(connections).where(eq(connections.id, created.id));
    expect(row?.status).toBe('expired');
    await expectCode(
      mod.resolver.resolveUsable(actor.orgId, created.id, 's3-read'),
      'connection_not_verified',
    );
    await expectCode(mod.service.verify(actor, created.id), 'conflict');
    const audit = await auditActions(actor.orgId, created.id);
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'connection.expired', actorType: 'system' }),
    );
  });

  it('the scheduler disables a verified connection that became unsafe, as the system actor', async () => {
    const { actor, created, externalId } = await newConnection(['dynamodb-read']);
    ddb.on(ListTablesCommand).resolves({ TableNames: [] });
    fake.state.accepts = onlyWith(externalId);
    expect((await mod.service.verify(actor, created.id)).status).toBe('verified');

    // Someone loosened the trust policy; a day later the periodic pass runs.
    fake.state.accepts = () => assumed;
    mutableClock.t += 2 * 3600 * 1000;
    const run = await mod.scheduler.runOnce();
    expect(run.disabled).toBeGreaterThanOrEqual(1);
    expect((await mod.service.get(actor.orgId, created.id)).status).toBe('disabled');
    await expectCode(
      mod.resolver.resolveUsable(actor.orgId, created.id, 'dynamodb-read'),
      'connection_disabled',
    );
    const audit = await auditActions(actor.orgId, created.id);
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'connection.disabled', actorType: 'system' }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'connection.unsafe', actorType: 'system' }),
    );
  });

  it('the scheduler keeps a verified connection through transient throttling', async () => {
    const { actor, created, externalId } = await newConnection(['dynamodb-read']);
    ddb.on(ListTablesCommand).resolves({ TableNames: [] });
    fake.state.accepts = onlyWith(externalId);
    await mod.service.verify(actor, created.id);
    fake.state.accepts = (ext) =>
      ext === externalId ? assumed : { outcome: 'error', code: 'aws_throttled', retryable: true };
    mutableClock.t += 2 * 3600 * 1000;
    await mod.scheduler.runOnce();
    expect((await mod.service.get(actor.orgId, created.id)).status).toBe('verified');
  });
});

describe('source-IP pin (issue 20 item 3)', () => {
  const egressIps = ['203.0.113.10', '198.51.100.0/28'];
  const pinnedModule = () =>
    createConnectionsModule({
      db: t.database.db,
      clock,
      audit: createAuditWriter({ clock }),
      keyring: createKeyring(t.config.masterKeys),
      broker: {
        probeTrust: fake.broker.probeTrust,
        call: fake.broker.call,
        resolvePrincipalArn: async () => 'arn:aws:iam::111111111111:role/rolegate-service',
      },
      awsClients: createAwsClientFactory({ region: 'us-east-1' }),
      config: {
        aws: { region: 'us-east-1', verifyInterval: 3600, externalIdGrace: 7 * 24 * 3600, egressIps },
      },
      scans: createJobRegistry(),
      logger: { info: () => {}, error: () => {} },
    });

  it('is reported as a property of the rendered template, never as a probe result', async () => {
    const pinned = pinnedModule();
    const { actor, created, externalId } = await newConnection(['dynamodb-read']);
    fake.state.accepts = onlyWith(externalId);
    ddb.on(ListTablesCommand).resolves({ TableNames: [] });
    const result = await pinned.service.verify(actor, created.id);
    expect(result.status).toBe('verified');
    const c = check(result, 'source_ip_pinned');
    // `skipped`, not `passed`: nothing was asked of AWS about it (the probes come from inside the list).
    expect(c).toMatchObject({ status: 'skipped', code: 'template_property' });
    expect(c?.advice).toContain('203.0.113.10, 198.51.100.0/28');
    expect(c?.advice).toMatch(/reports the template, not the role/);
    expect(fake.state.calls).toHaveLength(3);
    // The templates the check speaks of do carry the pin.
    const templates = await pinned.service.templates(actor, created.id);
    expect(templates.sourceIpPin).toEqual(egressIps);
    expect(templates.trustPolicy.Statement[0]?.Condition?.IpAddress).toEqual({ 'aws:SourceIp': egressIps });
    // Without ROLEGATE_EGRESS_IPS there is nothing to report, and the templates pin nothing.
    const plain = await mod.service.verify(actor, created.id);
    expect(check(plain, 'source_ip_pinned')).toBeUndefined();
    expect((await mod.service.templates(actor, created.id)).sourceIpPin).toEqual([]);
  });

  it('a refused AssumeRole names the source-IP condition among the causes to check', async () => {
    const pinned = pinnedModule();
    const { actor, created } = await newConnection(['s3-read']);
    fake.state.accepts = () => denied;
    const result = await pinned.service.verify(actor, created.id);
    expect(result.status).toBe('failed');
    expect(check(result, 'assume_role_with_external_id')?.advice).toMatch(/aws:SourceIp/);
    expect(check(result, 'source_ip_pinned')?.status).toBe('skipped');
  });
});
