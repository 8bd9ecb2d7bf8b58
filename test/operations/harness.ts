import { AssumeRoleCommand, type AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { and, asc, eq } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import type { PolicyStatement } from '../../src/broker/types.ts';
import type { Capability, ConnectionScopes } from '../../src/connections/types.ts';
import type { Role } from '../../src/identity/rbac.ts';
import type { TestApp } from '../helpers/app.ts';
import { withoutApprovals } from '../helpers/approvals.ts';
import { createTestConnection, type TestConnection } from '../helpers/connections.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

export const sts = mockClient(STSClient);

/** Every AssumeRole answers with fresh fake credentials valid for 15 minutes. */
export function mockSts(): void {
  sts.reset();
  sts.on(AssumeRoleCommand).callsFake(async () => ({
    Credentials: {
      AccessKeyId: 'ASIAFAKEFAKEFAKEFAKE',
      SecretAccessKey: 'fake-secret-do-not-log',
      SessionToken: 'fake-session-token-do-not-log',
      Expiration: new Date(Date.now() + 900_000),
    },
    AssumedRoleUser: {
      AssumedRoleId: 'AROAFAKE:rg',
      Arn: 'arn:aws:sts::123456789012:assumed-role/RolegateAccess/rg',
    },
  }));
}

export function assumeCalls(connection: TestConnection): AssumeRoleCommandInput[] {
  return sts
    .commandCalls(AssumeRoleCommand)
    .map((c) => c.args[0].input)
    .filter((i) => i.RoleArn === connection.roleArn && i.ExternalId === connection.externalId);
}

/** The session policy statements the broker sent to STS for this connection's (only) call. */
export function sessionStatements(connection: TestConnection): PolicyStatement[] {
  const calls = assumeCalls(connection);
  expect(calls).toHaveLength(1);
  const policy = JSON.parse(calls[0]?.Policy ?? '{}') as { Version: string; Statement: PolicyStatement[] };
  expect(policy.Version).toBe('2012-10-17');
  return policy.Statement;
}

export async function auditOf(t: TestApp, orgId: string, action: string) {
  return t.database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)))
    .orderBy(asc(auditEvents.seq));
}

export function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} raised by the fake`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

export interface Fixture {
  user: TestUser;
  connection: TestConnection;
}

export async function fixture(
  t: TestApp,
  options: { capabilities: Capability[]; scopes?: Partial<ConnectionScopes>; role?: Role },
): Promise<Fixture> {
  const owner = await createTestUser(t);
  // These suites test the operations themselves; test/approvals tests the four-eyes rule over them.
  await withoutApprovals(t, owner.orgId);
  const user =
    options.role === undefined || options.role === 'owner'
      ? owner
      : await createTestUser(t, { role: options.role, orgId: owner.orgId });
  const connection = await createTestConnection(t, owner.orgId, {
    capabilities: options.capabilities,
    ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
  });
  return { user, connection };
}

export interface OperationCase {
  /** Catalogue name, e.g. `s3.list_objects`. */
  operation: string;
  capability: Capability;
  /** The weakest role allowed; for `member` operations a viewer is refused with 403. */
  minRole: 'viewer' | 'member';
  scopes?: Partial<ConnectionScopes>;
  request(f: Fixture): InjectOptions;
  /** A request the schema refuses (400 validation_failed). */
  invalid(f: Fixture): InjectOptions;
  /** Makes the AWS call succeed. */
  succeed(): void;
  /** Makes the AWS call fail with `err`. */
  fail(err: Error): void;
  status?: number;
  check(body: unknown, f: Fixture): void;
  /** Exactly the statements the session policy must hold. */
  policy(f: Fixture): PolicyStatement[];
  /** Whether the service mock was called (to prove refused requests never reach AWS). */
  awsCalls(): number;
}

export function url(f: Fixture, path: string): string {
  return `/v1/orgs/${f.connection.orgId}/connections/${f.connection.id}${path}`;
}

/** The standard matrix every operation passes. */
export function operationMatrix(getApp: () => TestApp, c: OperationCase): void {
  const base = { capabilities: [c.capability], ...(c.scopes === undefined ? {} : { scopes: c.scopes }) };
  const send = (f: Fixture, options: InjectOptions) =>
    getApp().app.inject({ ...options, headers: { ...f.user.headers, ...(options.headers ?? {}) } });

  it(`${c.operation}: happy path, audited before and after, least-privilege session policy`, async () => {
    const t = getApp();
    const f = await fixture(t, base);
    c.succeed();
    const res = await send(f, c.request(f));
    expect(res.statusCode, res.body).toBe(c.status ?? 200);
    c.check(
      res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : res.rawPayload,
      f,
    );
    expect(sessionStatements(f.connection)).toEqual(c.policy(f));
    const records = await auditOf(t, f.user.orgId, `aws.${c.operation}`);
    expect(records.map((r) => r.outcome)).toEqual(['attempt', 'success']);
    expect(records[0]).toMatchObject({
      connectionId: f.connection.id,
      operation: c.operation,
      actorId: f.user.userId,
    });
  });

  it(`${c.operation}: schema violation is a 400 and reaches neither STS nor the service`, async () => {
    const f = await fixture(getApp(), base);
    c.succeed();
    const before = c.awsCalls();
    const res = await send(f, c.invalid(f));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(assumeCalls(f.connection)).toHaveLength(0);
    expect(c.awsCalls()).toBe(before);
  });

  it(`${c.operation}: another organisation's connection is a 404`, async () => {
    const t = getApp();
    const f = await fixture(t, base);
    const other = await createTestUser(t);
    c.succeed();
    const req = c.request(f);
    const res = await t.app.inject({
      ...req,
      url: String(req.url).replace(`/orgs/${f.connection.orgId}/`, `/orgs/${other.orgId}/`),
      headers: { ...(req.headers ?? {}), ...other.headers },
    });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect(assumeCalls(f.connection)).toHaveLength(0);
  });

  if (c.minRole === 'member') {
    it(`${c.operation}: a viewer is refused with 403`, async () => {
      const f = await fixture(getApp(), { ...base, role: 'viewer' });
      c.succeed();
      const res = await send(f, c.request(f));
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
      expect(assumeCalls(f.connection)).toHaveLength(0);
    });
  } else {
    it(`${c.operation}: a viewer may call it; a non-member gets 404`, async () => {
      const t = getApp();
      const f = await fixture(t, { ...base, role: 'viewer' });
      c.succeed();
      expect((await send(f, c.request(f))).statusCode).toBe(c.status ?? 200);
      const stranger = await createTestUser(t);
      const res = await t.app.inject({
        ...c.request(f),
        headers: { ...(c.request(f).headers ?? {}), ...stranger.headers },
      });
      expect(res.statusCode).toBe(404);
    });
  }

  it(`${c.operation}: a connection without the capability is refused with capability_missing`, async () => {
    const other: Capability = c.capability === 'logs-read' ? 'dynamodb-read' : 'logs-read';
    const f = await fixture(getApp(), { ...base, capabilities: [other] });
    c.succeed();
    const res = await send(f, c.request(f));
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error.code).toBe('capability_missing');
    expect(assumeCalls(f.connection)).toHaveLength(0);
  });

  const errors: Array<[string, Error, number, string]> = [
    ['AccessDenied', awsError('AccessDeniedException', 403), 403, 'aws_access_denied'],
    ['throttling', awsError('ThrottlingException', 400), 429, 'aws_throttled'],
    ['a timeout', awsError('TimeoutError', 0), 503, 'aws_unavailable'],
  ];
  for (const [label, err, status, code] of errors) {
    it(`${c.operation}: AWS ${label} is ${status} ${code}, recorded as the outcome`, async () => {
      const t = getApp();
      const f = await fixture(t, base);
      c.fail(err);
      const res = await send(f, c.request(f));
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error.code).toBe(code);
      expect(res.body).not.toContain('raised by the fake');
      if (code === 'aws_throttled') expect(res.headers['retry-after']).toBeDefined();
      const records = await auditOf(t, f.user.orgId, `aws.${c.operation}`);
      expect(records.map((r) => [r.outcome, r.errorCode])).toEqual([
        ['attempt', null],
        [code === 'aws_access_denied' ? 'denied' : 'failure', code],
      ]);
    });
  }
}
