import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type SecretFetcher, SecretShapeError } from './references.ts';

// Its own module, loaded only when a secret is given by reference: the two SDK clients are not worth
// loading in every process (every CLI command starts through src/main.ts).

/** Secrets Manager and SSM clients with the base credentials, timeouts, standard retries and custom endpoints. */
export function createAwsSecretFetcher(options: {
  region: string;
  endpointUrl?: string | undefined;
  serviceEndpoints?: Record<string, string>;
}): SecretFetcher {
  const handler = () =>
    new NodeHttpHandler({
      connectionTimeout: 3_000,
      requestTimeout: 5_000,
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 2 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 2 }),
    });
  const common = (suffix: string) => {
    const endpoint = options.serviceEndpoints?.[suffix] ?? options.endpointUrl;
    return {
      region: options.region,
      retryMode: 'standard' as const,
      maxAttempts: 3,
      requestHandler: handler(),
      ...(endpoint === undefined ? {} : { endpoint }),
    };
  };
  const sm = new SecretsManagerClient(common('SECRETS_MANAGER'));
  const ssm = new SSMClient(common('SSM'));
  return {
    async secretString(arn) {
      const out = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
      if (out.SecretString === undefined)
        throw new SecretShapeError('is binary (SecretBinary); store it as a string');
      return out.SecretString;
    },
    async parameter(name) {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      const value = out.Parameter?.Value;
      if (value === undefined) throw new SecretShapeError('has no value');
      return value;
    },
  };
}
