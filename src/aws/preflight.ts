import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { classifyAwsError } from './errors.ts';

interface Warn {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** How long the start-up check waits for the default chain (instance metadata can be slow to answer). */
export const CREDENTIALS_CHECK_TIMEOUT_MS = 10_000;

/**
 * At start-up, asks the SDK default chain for Rolegate's base credentials once, so that a server
 * started without any says so in its log at once, naming what to set, instead of every AWS
 * operation later failing with a 503 `aws_not_configured`. It never blocks start-up and never
 * stops the server: credentials may appear later (a role attached, a profile written).
 */
export async function warnWithoutBaseCredentials(
  provider: AwsCredentialIdentityProvider,
  options: { principalArn: string | undefined; logger: Warn; timeoutMs?: number },
): Promise<'ok' | 'missing' | 'unknown'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? CREDENTIALS_CHECK_TIMEOUT_MS);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([provider().then(() => 'ok' as const), timeout]);
    if (outcome === 'timeout') return 'unknown';
    return 'ok';
  } catch (err) {
    if (classifyAwsError(err) !== 'not_configured') return 'unknown';
    options.logger.warn(
      { configuration: 'aws' },
      'AWS NOT CONFIGURED: the AWS SDK default chain found no base credentials (set AWS_ACCESS_KEY_ID and ' +
        'AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an instance/task role; for a local emulator also ' +
        'AWS_ENDPOINT_URL)' +
        (options.principalArn === undefined ? ', and ROLEGATE_AWS_PRINCIPAL_ARN is not set' : '') +
        '. Until then AWS operations answer 503 aws_not_configured.',
    );
    return 'missing';
  } finally {
    clearTimeout(timer);
  }
}
