import { describe, expect, it } from 'vitest';
import { warnWithoutBaseCredentials } from './preflight.ts';

function recorder() {
  const lines: string[] = [];
  return { lines, logger: { warn: (_obj: Record<string, unknown>, msg: string) => void lines.push(msg) } };
}

const noCredentials = () =>
  Promise.reject(
    Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    }),
  );

describe('start-up check of the base AWS credentials', () => {
  it('warns, naming what to set, when the default chain finds none', async () => {
    const { lines, logger } = recorder();
    expect(await warnWithoutBaseCredentials(noCredentials, { principalArn: undefined, logger })).toBe(
      'missing',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /AWS_ACCESS_KEY_ID.*AWS_PROFILE.*ROLEGATE_AWS_PRINCIPAL_ARN.*aws_not_configured/,
    );
  });

  it('is silent when credentials resolve, and when the check cannot tell (other errors, slow chain)', async () => {
    const { lines, logger } = recorder();
    const ok = () => Promise.resolve({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' });
    expect(
      await warnWithoutBaseCredentials(ok, { principalArn: 'arn:aws:iam::111111111111:role/r', logger }),
    ).toBe('ok');
    const broken = () => Promise.reject(new Error('socket hang up'));
    expect(await warnWithoutBaseCredentials(broken, { principalArn: undefined, logger })).toBe('unknown');
    const never = () => new Promise<never>(() => undefined);
    expect(await warnWithoutBaseCredentials(never, { principalArn: undefined, logger, timeoutMs: 20 })).toBe(
      'unknown',
    );
    expect(lines).toEqual([]);
  });
});
