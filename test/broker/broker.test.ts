import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAwsStub } from '../../bench/aws-stub.ts';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import { type BrokerOptions, createBroker, TRUST_PROBE_POLICY } from '../../src/broker/broker.ts';
import { SESSION_NAME_PATTERN, sessionPolicy } from '../../src/broker/session.ts';
import { AppError } from '../../src/core/errors.ts';
import {
  captureLogger,
  credentialsVia,
  getObjectPolicy,
  listBucketsPolicy,
  type MutableClock,
  memoryAudit,
  testActor,
  testAuditEvent,
  testClock,
  testConnection,
} from './fixtures.ts';

const sts = mockClient(STSClient);
let seq = 0;

function stsCredentials(clock: MutableClock, lifetimeSeconds = 900) {
  seq += 1;
  return {
    Credentials: {
      AccessKeyId: `ASIAFAKE${seq}`,
      SecretAccessKey: `very-secret-${seq}-value`,
      SessionToken: `session-token-${seq}-value`,
      Expiration: new Date(clock.now().getTime() + lifetimeSeconds * 1000),
    },
  };
}

function setup(
  options: {
    cache?: 'memory' | 'off';
    sessionDuration?: number;
    principalArn?: string;
    broker?: BrokerOptions;
  } = {},
) {
  const clock = testClock();
  const log = captureLogger();
  const clients = createAwsClientFactory({ region: 'eu-west-1' });
  const recorded = memoryAudit();
  const broker = createBroker({
    clients,
    clock,
    audit: recorded.audit,
    db: recorded.db,
    logger: log.logger,
    config: {
      aws: {
        credentialCache: options.cache ?? 'memory',
        sessionDuration: options.sessionDuration ?? 900,
        principalArn: options.principalArn,
      },
    },
    ...(options.broker === undefined ? {} : { options: options.broker }),
  });
  return { clock, log, broker, events: recorded.events };
}

/** Answers AssumeRole with `first` errors in order, then with fresh credentials. */
function failThenSucceed(clock: MutableClock, ...first: Error[]) {
  let n = 0;
  sts.on(AssumeRoleCommand).callsFake(() => {
    const err = first[n++];
    if (err !== undefined) throw err;
    return stsCredentials(clock);
  });
}

function awsError(name: string, status?: number): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
  });
}

function denied() {
  return Object.assign(
    new Error(
      'User: arn:aws:sts::111111111111:assumed-role/rolegate-service/i-123 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/x',
    ),
    { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } },
  );
}

/** A trust probe request for `connection` with exactly `externalId`. */
function trustRequest(
  connection: ReturnType<typeof testConnection>,
  externalId: string | null,
  actor = testActor({ orgId: connection.orgId }),
) {
  return {
    connection,
    externalId,
    probe: externalId === null ? ('without_external_id' as const) : ('with_external_id' as const),
    actor,
    audit: testAuditEvent(actor),
  };
}

beforeEach(() => {
  sts.reset();
});
afterEach(() => {
  sts.reset();
});

describe('every AssumeRole', () => {
  it('carries ExternalId, session name, SourceIdentity, the exact session policy and DurationSeconds', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const connection = testConnection();
    const actor = testActor();
    const creds = await credentialsVia(broker, {
      connection,
      actor,
      policy: getObjectPolicy,
      operation: 's3.get_object',
    });
    expect(creds.accessKeyId).toMatch(/^ASIAFAKE/);
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.RoleArn).toBe(connection.roleArn);
    expect(input.ExternalId).toBe(connection.externalId);
    expect(input.RoleSessionName).toBe(`rg.u.${actor.id}.${actor.requestId.slice(0, 26)}`);
    expect(input.RoleSessionName).toMatch(SESSION_NAME_PATTERN);
    expect(input.SourceIdentity).toBe(actor.id);
    expect(JSON.parse(input.Policy ?? 'null')).toEqual(getObjectPolicy);
    expect(input.DurationSeconds).toBe(900);
  });

  it('omits SourceIdentity when the connection does not enable it', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    await credentialsVia(broker, {
      connection: testConnection({ sourceIdentityEnabled: false }),
      actor: testActor({ type: 'apiKey', id: 'key_abc123' }),
      policy: listBucketsPolicy,
      operation: 's3.list_buckets',
    });
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(input).not.toHaveProperty('SourceIdentity');
    expect(input.RoleSessionName?.startsWith('rg.k.key_abc123.')).toBe(true);
  });

  it('uses the configured DurationSeconds when base credentials are not an assumed role', async () => {
    const { clock, broker } = setup({ sessionDuration: 7200 });
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Arn: 'arn:aws:iam::111111111111:user/rolegate', Account: '111111111111' });
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock, 7200));
    await credentialsVia(broker, {
      connection: testConnection(),
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    });
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.DurationSeconds).toBe(7200);
  });

  it('caps DurationSeconds at 3600 when base credentials are an assumed role (role chaining), asking STS once', async () => {
    const { clock, broker } = setup({ sessionDuration: 7200, cache: 'off' });
    sts.on(GetCallerIdentityCommand).resolves({
      Arn: 'arn:aws:sts::111111111111:assumed-role/rolegate-task/abc',
      Account: '111111111111',
    });
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock, 3600));
    for (let i = 0; i < 3; i++) {
      await credentialsVia(broker, {
        connection: testConnection(),
        actor: testActor(),
        policy: listBucketsPolicy,
        operation: 'x',
      });
    }
    for (const call of sts.commandCalls(AssumeRoleCommand))
      expect(call.args[0].input.DurationSeconds).toBe(3600);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it('does not call GetCallerIdentity when the duration is within the chaining limit', async () => {
    const { clock, broker } = setup({ sessionDuration: 900 });
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    await credentialsVia(broker, {
      connection: testConnection(),
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    });
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  it('refuses an oversized or wildcard session policy before calling STS', async () => {
    const { broker } = setup();
    const big = {
      Version: '2012-10-17' as const,
      Statement: [
        {
          Effect: 'Allow' as const,
          Action: ['s3:GetObject'],
          Resource: [`arn:aws:s3:::${'b'.repeat(2100)}/*`],
        },
      ],
    };
    await expect(
      credentialsVia(broker, {
        connection: testConnection(),
        actor: testActor(),
        policy: big,
        operation: 'x',
      }),
    ).rejects.toMatchObject({ code: 'internal_error' });
    const wildcard = {
      Version: '2012-10-17' as const,
      Statement: [{ Effect: 'Allow' as const, Action: ['s3:*'], Resource: ['*'] }],
    };
    await expect(
      credentialsVia(broker, {
        connection: testConnection(),
        actor: testActor(),
        policy: wildcard,
        operation: 'x',
      }),
    ).rejects.toMatchObject({ code: 'internal_error' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });
});

describe('tenancy', () => {
  it("refuses a connection of another organisation than the actor's, without calling STS", async () => {
    const { broker } = setup();
    const connection = testConnection();
    await expect(
      credentialsVia(broker, {
        connection,
        actor: testActor({ orgId: 'org_someone_else' }),
        policy: listBucketsPolicy,
        operation: 'x',
      }),
    ).rejects.toMatchObject({ code: 'not_found', status: 404 });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('refuses an actor that carries no organisation at all, without calling STS', async () => {
    const { broker } = setup();
    await expect(
      credentialsVia(broker, {
        connection: testConnection(),
        actor: testActor({ orgId: null }),
        policy: listBucketsPolicy,
        operation: 'x',
      }),
    ).rejects.toMatchObject({ code: 'not_found', status: 404 });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('a trust probe refuses an actor of another organisation, or of none, without calling STS', async () => {
    const { broker } = setup();
    const connection = testConnection();
    const probe = (orgId: string | null) =>
      broker.probeTrust(trustRequest(connection, connection.externalId, testActor({ orgId })));
    await expect(probe('org_someone_else')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(probe(null)).rejects.toMatchObject({ code: 'not_found', status: 404 });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('serves an actor of the connection’s own organisation', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const connection = testConnection();
    await expect(
      credentialsVia(broker, {
        connection,
        actor: testActor({ orgId: connection.orgId }),
        policy: listBucketsPolicy,
        operation: 'x',
      }),
    ).resolves.toBeDefined();
  });
});

describe('cache mode off', () => {
  it('assumes the role for every operation', async () => {
    const { clock, broker } = setup({ cache: 'off' });
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const connection = testConnection();
    const a = await credentialsVia(broker, {
      connection,
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    });
    const b = await credentialsVia(broker, {
      connection,
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
  });
});

describe('cache mode memory', () => {
  it('single-flight: 100 concurrent operations cause exactly one AssumeRole', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(async () => {
      await new Promise((r) => setTimeout(r, 20));
      return stsCredentials(clock);
    });
    const connection = testConnection();
    const actor = testActor();
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        credentialsVia(broker, {
          connection,
          actor,
          policy: listBucketsPolicy,
          operation: 's3.list_buckets',
        }),
      ),
    );
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(new Set(results.map((r) => r.accessKeyId)).size).toBe(1);
  });

  it('a failed AssumeRole is not cached and every waiter sees the error', async () => {
    const { clock, broker } = setup();
    failThenSucceed(clock, awsError('InternalFailure', 500));
    const connection = testConnection();
    const req = { connection, actor: testActor(), policy: listBucketsPolicy, operation: 'x' };
    const settled = await Promise.allSettled([credentialsVia(broker, req), credentialsVia(broker, req)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect((settled[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'aws_unavailable' });
    await expect(credentialsVia(broker, req)).resolves.toMatchObject({
      accessKeyId: expect.stringMatching(/^ASIA/),
    });
  });

  it('reuses credentials, refreshes ahead of expiry, and never hands out nearly expired ones', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const req = {
      connection: testConnection(),
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    };
    const first = await credentialsVia(broker, req);
    clock.advance(5 * 60_000); // 10 min left: fresh enough
    expect((await credentialsVia(broker, req)).accessKeyId).toBe(first.accessKeyId);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);

    clock.advance(6 * 60_000); // 4 min left: below the refresh threshold -> old one now, refresh in background
    expect((await credentialsVia(broker, req)).accessKeyId).toBe(first.accessKeyId);
    await new Promise((r) => setImmediate(r));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    const refreshed = await credentialsVia(broker, req);
    expect(refreshed.accessKeyId).not.toBe(first.accessKeyId);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);

    clock.advance(14.5 * 60_000); // 30 s left on the refreshed set: must not be handed out
    const third = await credentialsVia(broker, req);
    expect(third.accessKeyId).not.toBe(refreshed.accessKeyId);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
  });

  it('honours minValiditySeconds for callers that need longer-lived credentials', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const req = {
      connection: testConnection(),
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    };
    await credentialsVia(broker, req);
    clock.advance(8 * 60_000); // 7 min left
    await credentialsVia(broker, { ...req, minValiditySeconds: 600 });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('keys entries by connection, session policy, external ID and actor', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const connection = testConnection();
    const actor = testActor();
    const base = { connection, actor, operation: 'x' };
    await credentialsVia(broker, { ...base, policy: listBucketsPolicy });
    await credentialsVia(broker, { ...base, policy: listBucketsPolicy });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    await credentialsVia(broker, { ...base, policy: getObjectPolicy });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    await credentialsVia(broker, {
      ...base,
      policy: listBucketsPolicy,
      connection: { ...connection, externalId: 'rotated-external-id-123' },
    });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    await credentialsVia(broker, {
      ...base,
      policy: listBucketsPolicy,
      actor: testActor({ id: 'usr_other' }),
    });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
    await credentialsVia(broker, { ...base, policy: listBucketsPolicy, connection: testConnection() });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(5);
    const policies = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.Policy);
    expect(policies[1]).toBe(JSON.stringify(getObjectPolicy));
  });

  it('is bounded: the least recently used entry is evicted', async () => {
    const { clock, broker } = setup({ broker: { cacheSize: 3 } });
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const connection = testConnection();
    const policies = ['a', 'b', 'c', 'd'].map((b) =>
      sessionPolicy([
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::bucket-${b}/*`] },
      ]),
    );
    for (const policy of policies) {
      await credentialsVia(broker, { connection, actor: testActor(), policy, operation: 'x' });
    }
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
    await credentialsVia(broker, { connection, actor: testActor(), policy: policies[3]!, operation: 'x' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
    await credentialsVia(broker, { connection, actor: testActor(), policy: policies[0]!, operation: 'x' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(5);
  });

  it('forgetConnection drops the connection’s cached credentials', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const req = {
      connection: testConnection(),
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    };
    await credentialsVia(broker, req);
    broker.forgetConnection(req.connection.id);
    await credentialsVia(broker, req);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });
});

describe('negative cache', () => {
  it('remembers AccessDenied for ~60 s per connection and external ID without calling STS', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).rejects(denied());
    const connection = testConnection();
    const req = { connection, actor: testActor(), policy: listBucketsPolicy, operation: 's3.list_buckets' };
    for (let i = 0; i < 5; i++) {
      const err = await credentialsVia(broker, req).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({
        code: 'aws_access_denied',
        status: 403,
        details: { action: 'sts:AssumeRole' },
      });
      expect((err as AppError).message).not.toContain('111111111111');
    }
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    // Another external ID (rotation) is tried right away.
    await credentialsVia(broker, {
      ...req,
      connection: { ...connection, externalId: 'new-external-id-1234' },
    }).catch(() => {});
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    clock.advance(61_000);
    await credentialsVia(broker, req).catch(() => {});
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
  });

  it('a successful trust probe with the external ID clears the denial', async () => {
    const { clock, broker } = setup();
    failThenSucceed(clock, denied());
    const connection = testConnection();
    const req = { connection, actor: testActor(), policy: listBucketsPolicy, operation: 'x' };
    await expect(credentialsVia(broker, req)).rejects.toMatchObject({ code: 'aws_access_denied' });
    const probe = await broker.probeTrust(trustRequest(connection, connection.externalId));
    expect(probe).toEqual({ outcome: 'accepted' });
    await expect(credentialsVia(broker, req)).resolves.toBeDefined();
  });
});

describe('STS budget per organisation', () => {
  it('refuses over budget with aws_throttled and Retry-After, without calling STS; other orgs unaffected', async () => {
    const { clock, broker } = setup({ cache: 'off', broker: { stsBudget: { perMinute: 6, burst: 3 } } });
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const connection = testConnection();
    const req = { connection, actor: testActor(), policy: listBucketsPolicy, operation: 'x' };
    for (let i = 0; i < 3; i++) await credentialsVia(broker, req);
    const err = await credentialsVia(broker, req).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'aws_throttled', status: 429 });
    expect((err as AppError).retryAfter).toBe(10);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    const other = testConnection({ orgId: 'org_other' });
    await credentialsVia(broker, { ...req, connection: other, actor: testActor({ orgId: other.orgId }) });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
    clock.advance(10_000);
    await credentialsVia(broker, req);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(5);
  });

  it('backs off an organisation whose AssumeRole STS throttled', async () => {
    const { clock, broker } = setup({ cache: 'off', broker: { stsBudget: { perMinute: 60, burst: 10 } } });
    failThenSucceed(clock, awsError('Throttling', 400));
    const req = {
      connection: testConnection(),
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    };
    await expect(credentialsVia(broker, req)).rejects.toMatchObject({ code: 'aws_throttled', retryAfter: 2 });
    await expect(credentialsVia(broker, req)).rejects.toMatchObject({
      code: 'aws_throttled',
      details: { reason: 'sts_budget' },
    });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    clock.advance(1_000);
    await expect(credentialsVia(broker, req)).resolves.toBeDefined();
  });
});

describe('trust probe', () => {
  let probes = 0;
  // Each probe for a connection of its own organisation, so STS budgets do not interfere.
  const probeInput = (externalId: string | null) => {
    probes += 1;
    return trustRequest(testConnection({ orgId: `org_probe${probes}` }), externalId);
  };

  it('sends exactly the given external ID, or none, and never caches', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const input = probeInput('ext-123456');
    await broker.probeTrust(input);
    await broker.probeTrust(input);
    const without = await broker.probeTrust({ ...input, externalId: null, probe: 'without_external_id' });
    // Accepted or not, a probe never hands out the credentials AWS returned.
    expect(without).toEqual({ outcome: 'accepted' });
    const calls = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls[0]!.ExternalId).toBe('ext-123456');
    expect(calls[2]).not.toHaveProperty('ExternalId');
    // A deny-all session policy: even credentials of a role that wrongly accepted are useless.
    expect(JSON.parse(calls[2]!.Policy ?? 'null')).toEqual(TRUST_PROBE_POLICY);
    expect(calls[2]!.RoleSessionName).toMatch(SESSION_NAME_PATTERN);
  });

  it('reports denied, throttled and unavailable outcomes', async () => {
    const { clock, broker } = setup();
    failThenSucceed(
      clock,
      denied(),
      awsError('Throttling', 400),
      awsError('TimeoutError'),
      awsError('MalformedPolicyDocument', 400),
    );
    expect(await broker.probeTrust(probeInput(null))).toEqual({ outcome: 'denied', code: 'AccessDenied' });
    expect(await broker.probeTrust(probeInput('e-1234'))).toEqual({
      outcome: 'error',
      code: 'Throttling',
      retryable: true,
    });
    expect(await broker.probeTrust(probeInput('e-1234'))).toEqual({
      outcome: 'error',
      code: 'TimeoutError',
      retryable: true,
    });
    expect(await broker.probeTrust(probeInput('e-1234'))).toEqual({
      outcome: 'error',
      code: 'MalformedPolicyDocument',
      retryable: false,
    });
  });
});

describe('principal ARN', () => {
  it('uses the configured ARN without calling STS', async () => {
    const { broker } = setup({ principalArn: 'arn:aws:iam::111111111111:role/rolegate-service' });
    expect(await broker.resolvePrincipalArn()).toBe('arn:aws:iam::111111111111:role/rolegate-service');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  it('converts an assumed-role caller ARN into the exact IAM role ARN', async () => {
    const { broker } = setup();
    sts.on(GetCallerIdentityCommand).resolves({
      Arn: 'arn:aws:sts::111111111111:assumed-role/rolegate-task/3f2a9c',
      Account: '111111111111',
    });
    expect(await broker.resolvePrincipalArn()).toBe('arn:aws:iam::111111111111:role/rolegate-task');
    await broker.resolvePrincipalArn();
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it('refuses an account root as principal', async () => {
    const { broker } = setup();
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Arn: 'arn:aws:iam::111111111111:root', Account: '111111111111' });
    await expect(broker.resolvePrincipalArn()).rejects.toMatchObject({ code: 'internal_error' });
  });
});

describe('secrecy', () => {
  it('never logs the secret key or session token', async () => {
    const { clock, broker, log } = setup({ cache: 'memory' });
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const connection = testConnection();
    const creds = await credentialsVia(broker, {
      connection,
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    });
    await broker.probeTrust(trustRequest(connection, connection.externalId));
    const text = log.text();
    expect(text).toContain('assumed customer role');
    expect(text).not.toContain(creds.secretAccessKey);
    expect(text).not.toContain(creds.sessionToken);
    expect(text).not.toContain('very-secret-');
    expect(text).not.toContain('session-token-');
    expect(text).not.toContain(connection.externalId);
  });

  it('hands each caller its own credentials object, usable by a real SDK client', async () => {
    const { clock, broker } = setup();
    sts.on(AssumeRoleCommand).callsFake(() => stsCredentials(clock));
    const request = {
      connection: testConnection(),
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 'x',
    };
    const first = await credentialsVia(broker, request);
    const second = await credentialsVia(broker, request);
    expect(first).not.toBe(second);
    expect(first).toEqual(second);
    // The SDK writes bookkeeping onto the credentials it is given; a frozen object made every real call fail.
    const stub = await startAwsStub();
    try {
      const s3 = new S3Client({
        region: 'us-east-1',
        endpoint: stub.url,
        forcePathStyle: true,
        credentials: first,
      });
      const out = await s3.send(new ListBucketsCommand({}));
      expect(out.Buckets?.length).toBeGreaterThan(0);
      s3.destroy();
    } finally {
      await stub.close();
    }
    const third = await credentialsVia(broker, request);
    expect(third.secretAccessKey).toBe(second.secretAccessKey);
  });
});
