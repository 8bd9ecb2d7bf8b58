import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// `rolegate policy render` needs no database, keys or AWS: without a configured principal it renders
// with a placeholder and says so on stderr (issue 22 item 8).
function render(args: string[], extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development' };
  delete env.ROLEGATE_AWS_PRINCIPAL_ARN;
  Object.assign(env, extra);
  return spawnSync(process.execPath, ['src/cli.ts', 'policy', 'render', ...args], { env, encoding: 'utf8' });
}

describe('rolegate policy render', () => {
  it('without a principal: a placeholder in the trust policy, a note on stderr naming --principal', () => {
    const res = render(['--capabilities', 's3-read', '--bucket', 'reports']);
    expect(res.status, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as {
      trustPolicy: { Statement: Array<{ Principal: { AWS: string } }> };
    };
    expect(doc.trustPolicy.Statement[0]?.Principal.AWS).toBe('<ROLEGATE_PRINCIPAL_ARN>');
    expect(res.stderr).toMatch(
      /^note: .*<ROLEGATE_PRINCIPAL_ARN>.*--principal <arn>.*ROLEGATE_AWS_PRINCIPAL_ARN/,
    );
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('with --principal (or the environment) the ARN is used, --json is compact; a bad ARN is one line', () => {
    const arn = 'arn:aws:iam::111111111111:role/rolegate';
    const res = render(['--capabilities', 'logs-read', '--principal', arn, '--json']);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(res.stdout).trustPolicy.Statement[0].Principal.AWS).toBe(arn);
    expect(res.stderr).toBe('');
    const fromEnv = render(['--capabilities', 'logs-read'], { ROLEGATE_AWS_PRINCIPAL_ARN: arn });
    expect(JSON.parse(fromEnv.stdout).trustPolicy.Statement[0].Principal.AWS).toBe(arn);
    const bad = render(['--capabilities', 'logs-read', '--principal', 'arn:aws:iam::1:root']);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^rolegate: --principal must be an IAM role or user ARN .*\n$/);
  });

  it('reads the principal as the server does: a session ARN becomes its role (issue 15.5)', () => {
    // ROLEGATE_AWS_PRINCIPAL_ARN accepts an assumed-role session ARN; the CLI used to refuse it.
    const session = 'arn:aws:sts::111111111111:assumed-role/rolegate/i-0abc';
    const res = render(['--capabilities', 'logs-read'], { ROLEGATE_AWS_PRINCIPAL_ARN: session });
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).trustPolicy.Statement[0].Principal.AWS).toBe(
      'arn:aws:iam::111111111111:role/rolegate',
    );
  });
});
