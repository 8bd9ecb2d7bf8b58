import { ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { fakeCredentials, reply, startFakeAws } from '../helpers/fake-aws.ts';

const creds = fakeCredentials(new Date(Date.now() + 900_000));

interface Sendable {
  middlewareStack: {
    add(
      mw: (next: unknown) => (args: { request: { hostname?: string; path?: string } }) => Promise<never>,
      options: { step: 'build' },
    ): void;
  };
  send(command: never): Promise<unknown>;
}

/** The host and path a client would call, captured before signing or sending. */
async function target(client: unknown, command: unknown): Promise<{ hostname: string; path: string }> {
  const c = client as Sendable;
  let seen = { hostname: '', path: '' };
  c.middlewareStack.add(
    () => async (args) => {
      seen = { hostname: args.request.hostname ?? '', path: args.request.path ?? '' };
      throw new Error('captured');
    },
    { step: 'build' },
  );
  await c.send(command as never).catch((err: Error) => {
    if (err.message !== 'captured') throw err;
  });
  return seen;
}

beforeEach(() => {
  // Base credentials for the default provider chain (resolved before the request is built).
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFAKEBASE000000000');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'fake-base-secret');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('AWS client factory', () => {
  it('uses the regional STS endpoint and the standard retry mode with 3 attempts', async () => {
    const clients = createAwsClientFactory({ region: 'eu-west-1' });
    const sts = clients.sts();
    expect(await target(sts, new GetCallerIdentityCommand({}))).toMatchObject({
      hostname: 'sts.eu-west-1.amazonaws.com',
    });
    expect(await target(clients.sts('ap-southeast-2'), new GetCallerIdentityCommand({}))).toMatchObject({
      hostname: 'sts.ap-southeast-2.amazonaws.com',
    });
    const strategy = await sts.config.retryStrategy();
    expect((strategy as { mode?: string }).mode).toBe('standard');
    expect(await sts.config.maxAttempts()).toBe(3);
    expect(clients.sts()).toBe(sts);
    clients.destroy();
  });

  it('uses virtual-hosted S3 on AWS and path-style S3 on a custom endpoint', async () => {
    const aws = createAwsClientFactory({ region: 'eu-west-1' });
    expect(await target(aws.s3(creds), new ListObjectsV2Command({ Bucket: 'my-bucket' }))).toMatchObject({
      hostname: 'my-bucket.s3.eu-west-1.amazonaws.com',
    });
    const local = createAwsClientFactory({ region: 'eu-west-1', endpointUrl: 'http://localhost:4566' });
    const seen = await target(
      local.s3(creds, 'us-east-2'),
      new ListObjectsV2Command({ Bucket: 'my-bucket' }),
    );
    expect(seen.hostname).toBe('localhost');
    expect(seen.path).toMatch(/^\/my-bucket\/?$/);
    expect(await target(local.logs(creds), new GetCallerIdentityCommand({}))).toMatchObject({
      hostname: 'localhost',
    });
    aws.destroy();
    local.destroy();
  });

  it('per-service endpoints win over the global one, as in the SDK', async () => {
    const config = loadConfig({ AWS_ENDPOINT_URL_S3: 'http://minio.local:9000', OTHER: 'x' });
    const serviceEndpoints = config.aws.serviceEndpoints;
    expect(serviceEndpoints).toEqual({ S3: 'http://minio.local:9000' });
    expect(() => loadConfig({ AWS_ENDPOINT_URL_STS: 'ftp://nope' })).toThrow(ConfigError);
    const clients = createAwsClientFactory({
      region: 'eu-west-1',
      endpointUrl: 'http://localhost:4566',
      serviceEndpoints,
    });
    expect(clients.endpointFor('s3')).toBe('http://minio.local:9000');
    expect(clients.endpointFor('sts')).toBe('http://localhost:4566');
    expect(await target(clients.s3(creds), new ListBucketsCommand({}))).toMatchObject({
      hostname: 'minio.local',
    });
    const s3Only = createAwsClientFactory({ region: 'eu-west-1', serviceEndpoints });
    expect(s3Only.endpointFor('dynamodb')).toBeUndefined();
    expect(s3Only.s3(creds).config.forcePathStyle).toBe(true);
    expect(createAwsClientFactory({ region: 'eu-west-1' }).s3(creds).config.forcePathStyle).toBe(false);
    clients.destroy();
    s3Only.destroy();
  });

  it('destroying one short-lived client does not break others sharing the connection pool', async () => {
    const fake = await startFakeAws((_req, res) =>
      reply(
        res,
        200,
        '<ListAllMyBucketsResult><Buckets></Buckets><Owner><ID>x</ID></Owner></ListAllMyBucketsResult>',
        {
          'content-type': 'application/xml',
        },
      ),
    );
    const clients = createAwsClientFactory({ region: 'eu-west-1', endpointUrl: fake.url });
    const a = clients.s3(creds);
    const b = clients.s3(creds);
    await a.send(new ListBucketsCommand({}));
    a.destroy();
    await expect(b.send(new ListBucketsCommand({}))).resolves.toMatchObject({ Buckets: [] });
    expect(fake.requests).toHaveLength(2);
    clients.destroy();
    await fake.close();
  });

  it('reuses one SDK client per service, region and credential set, never across credential sets', () => {
    const clients = createAwsClientFactory({ region: 'eu-west-1' });
    // Another assumed session: its own session token (and secret), same access key id shape.
    const other = { ...creds, secretAccessKey: 'other-secret', sessionToken: 'other-session-token' };
    const a = clients.s3(creds);
    // A copy with the same values is the same credential set (the broker hands out copies).
    expect(clients.s3({ ...creds })).toBe(a);
    expect(clients.s3(other)).not.toBe(a);
    expect(clients.s3(creds, 'us-east-1')).not.toBe(a);
    expect(clients.logs(creds)).not.toBe(clients.logs(other));
    // The caller's object is not the one the SDK annotates.
    expect(Object.keys(creds)).not.toContain('$source');
    clients.destroy();
    // A destroyed factory forgets its clients.
    expect(clients.s3(creds)).not.toBe(a);
  });
});
