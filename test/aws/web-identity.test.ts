import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import { createBroker } from '../../src/broker/broker.ts';
import {
  captureLogger,
  credentialsVia,
  listBucketsPolicy,
  memoryAudit,
  testActor,
  testClock,
  testConnection,
} from '../broker/fixtures.ts';
import { type FakeAws, fakeCredentials, reply, startFakeAws, stsAssumeRole } from '../helpers/fake-aws.ts';

/**
 * Rolegate's own identity on EKS (IRSA / EKS Pod Identity's web identity form) and anywhere a web
 * identity token is mounted (issue 20 item 4): with AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN and
 * no static keys, the SDK default chain calls STS AssumeRoleWithWebIdentity (real XML wire format,
 * here a local fake STS) and the broker's AssumeRole into a customer's role is signed with the
 * credentials it returned. Nothing in Rolegate is specific to it: this proves the chain is not
 * bypassed (invariant 2).
 */

let fake: FakeAws | null = null;
let dir: string;
const WEB_ROLE = 'arn:aws:iam::111111111111:role/rolegate-irsa';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rolegate-web-identity-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.sig');
  // No static keys, no profile: the chain reaches the web identity link.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'none-config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'none-credentials'));
  vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', tokenFile);
  vi.stubEnv('AWS_ROLE_ARN', WEB_ROLE);
  vi.stubEnv('AWS_ROLE_SESSION_NAME', 'rolegate-pod');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
  fake = null;
  rmSync(dir, { recursive: true, force: true });
});

function webIdentityResponse(accessKeyId: string, secret: string, token: string): string {
  const expiration = new Date(Date.now() + 3600_000).toISOString();
  return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey><SessionToken>${token}</SessionToken><Expiration>${expiration}</Expiration></Credentials><SubjectFromWebIdentityToken>system:serviceaccount:rolegate:rolegate</SubjectFromWebIdentityToken><AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/rolegate-irsa/rolegate-pod</Arn><AssumedRoleId>AROAWEBIDENTITY:rolegate-pod</AssumedRoleId></AssumedRoleUser><Provider>arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE</Provider><Audience>sts.amazonaws.com</Audience></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>fake-request-id</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
}

describe('base credentials from a web identity token (IRSA)', () => {
  it('AssumeRoleWithWebIdentity with the mounted token, then the broker AssumeRole signed with those credentials', async () => {
    fake = await startFakeAws((req, res) => {
      if (req.params.get('Action') === 'AssumeRoleWithWebIdentity')
        return reply(
          res,
          200,
          webIdentityResponse('ASIAWEBIDENTITY00001', 'web-secret', 'web-session-token'),
        );
      if (req.params.get('Action') === 'AssumeRole')
        return stsAssumeRole(res, fakeCredentials(new Date(Date.now() + 900_000), 'CUSTOMER'));
      return reply(res, 400, '<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
    });
    // The web identity provider's own STS client finds the endpoint through the environment.
    vi.stubEnv('AWS_ENDPOINT_URL', fake.url);
    const clients = createAwsClientFactory({ region: 'eu-west-1', endpointUrl: fake.url });
    const recorded = memoryAudit();
    const broker = createBroker({
      clients,
      clock: testClock(Date.now()),
      audit: recorded.audit,
      db: recorded.db,
      logger: captureLogger().logger,
      config: { aws: { credentialCache: 'off', sessionDuration: 900, principalArn: undefined } },
    });
    const creds = await credentialsVia(broker, {
      connection: testConnection(),
      actor: testActor(),
      policy: listBucketsPolicy,
      operation: 's3.list_buckets',
    });
    expect(creds.accessKeyId).toBe('ASIACUSTOMERXXXXXXXX');

    const [web] = fake.calls('AssumeRoleWithWebIdentity');
    expect(web?.params.get('RoleArn')).toBe(WEB_ROLE);
    expect(web?.params.get('RoleSessionName')).toBe('rolegate-pod');
    expect(web?.params.get('WebIdentityToken')).toBe(
      'eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.sig',
    );
    // The web identity call itself is not signed (the token is the proof).
    expect(web?.headers.authorization).toBeUndefined();

    const [assume] = fake.calls('AssumeRole');
    expect(assume?.params.get('ExternalId')).toMatch(/^rg-ext-/);
    expect(String(assume?.headers.authorization)).toMatch(/Credential=ASIAWEBIDENTITY00001\//);
    expect(assume?.headers['x-amz-security-token']).toBe('web-session-token');
    // Order: the base credentials first, then the customer's role.
    expect(web!.index).toBeLessThan(assume!.index);
    clients.destroy();
  });
});
