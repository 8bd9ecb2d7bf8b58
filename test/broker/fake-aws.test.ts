import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import { createBroker } from '../../src/broker/broker.ts';
import { type FakeAws, fakeCredentials, startFakeAws, stsAssumeRole, stsError } from '../helpers/fake-aws.ts';
import {
  captureLogger,
  credentialsVia,
  listBucketsPolicy,
  memoryAudit,
  testActor,
  testClock,
  testConnection,
} from './fixtures.ts';

/**
 * The real SDK stack (standard retries, timeouts, XML parsing) against a fake STS endpoint on
 * 127.0.0.1: aws-sdk-client-mock replaces send() and would skip exactly what is tested here.
 */

let fake: FakeAws | null = null;

beforeEach(() => {
  // Base credentials for the SDK default provider chain (its first link: the environment).
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFAKEBASE000000000');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'fake-base-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
  fake = null;
});

function brokerFor(url: string, timeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 800 }) {
  const clock = testClock(Date.now());
  const clients = createAwsClientFactory({
    region: 'eu-west-1',
    endpointUrl: url,
    maxAttempts: 3,
    ...timeouts,
  });
  const recorded = memoryAudit();
  const broker = createBroker({
    clients,
    clock,
    audit: recorded.audit,
    db: recorded.db,
    logger: captureLogger().logger,
    config: { aws: { credentialCache: 'off', sessionDuration: 900, principalArn: undefined } },
  });
  return { broker, clients, clock };
}

const request = () => ({
  connection: testConnection(),
  actor: testActor(),
  policy: listBucketsPolicy,
  operation: 's3.list_buckets',
});

describe('SDK retries and timeouts against a fake STS endpoint', () => {
  it('Throttling twice, then success: the call succeeds after 3 attempts', async () => {
    fake = await startFakeAws((req, res) => {
      if (req.index <= 2) return stsError(res, 400, 'Throttling', 'Rate exceeded');
      return stsAssumeRole(res, fakeCredentials(new Date(Date.now() + 900_000), 'RETRY'));
    });
    const { broker, clients } = brokerFor(fake.url);
    const creds = await credentialsVia(broker, request());
    expect(creds.accessKeyId).toBe('ASIARETRYXXXXXXXXXXX');
    expect(fake.calls('AssumeRole')).toHaveLength(3);
    // Every attempt is the same, fully parameterised AssumeRole.
    for (const r of fake.calls('AssumeRole')) {
      expect(r.params.get('ExternalId')).toMatch(/^rg-ext-/);
      expect(r.params.get('RoleSessionName')).toMatch(/^rg\.u\./);
      expect(r.params.get('DurationSeconds')).toBe('900');
      expect(JSON.parse(r.params.get('Policy') ?? 'null')).toEqual(listBucketsPolicy);
    }
    clients.destroy();
  });

  it('SlowDown/Throttling until attempts run out: aws_throttled after maxAttempts', async () => {
    fake = await startFakeAws((req, res) =>
      req.index % 2 === 0
        ? stsError(res, 503, 'SlowDown', 'Please reduce your request rate.')
        : stsError(res, 400, 'Throttling'),
    );
    const { broker, clients } = brokerFor(fake.url);
    const err = await credentialsVia(broker, request()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'aws_throttled', status: 429 });
    expect((err as { retryAfter?: number }).retryAfter).toBeGreaterThan(0);
    expect(fake.calls('AssumeRole')).toHaveLength(3);
    clients.destroy();
  });

  it('a response that never comes: aws_unavailable within the request timeout, no hang', async () => {
    fake = await startFakeAws(() => {
      // never answer
    });
    const { broker, clients } = brokerFor(fake.url, { connectionTimeoutMs: 300, requestTimeoutMs: 300 });
    const started = Date.now();
    const err = await credentialsVia(broker, request()).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({ code: 'aws_unavailable', status: 503 });
    // 3 attempts of 300 ms plus back-off, far below any hang.
    expect(elapsed).toBeLessThan(6_000);
    expect(fake.requests.length).toBeGreaterThanOrEqual(1);
    expect(fake.requests.length).toBeLessThanOrEqual(3);
    clients.destroy();
  });

  it('AccessDenied from the real XML protocol maps to aws_access_denied without the AWS message', async () => {
    fake = await startFakeAws((_req, res) =>
      stsError(
        res,
        403,
        'AccessDenied',
        'User: arn:aws:sts::111111111111:assumed-role/rolegate-service/i-1 is not authorized to perform: sts:AssumeRole',
      ),
    );
    const { broker, clients } = brokerFor(fake.url);
    const err = await credentialsVia(broker, request()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'aws_access_denied', details: { action: 'sts:AssumeRole' } });
    expect((err as Error).message).not.toContain('111111111111');
    expect(fake.calls('AssumeRole')).toHaveLength(1);
    clients.destroy();
  });

  it('a refused connection (nothing listening): aws_unavailable', async () => {
    fake = await startFakeAws(() => {});
    const url = fake.url;
    await fake.close();
    fake = null;
    const { broker, clients } = brokerFor(url);
    await expect(credentialsVia(broker, request())).rejects.toMatchObject({ code: 'aws_unavailable' });
    clients.destroy();
  });
});
