import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const key = (b: number) => Buffer.alloc(32, b).toString('base64');
const prodKeys = { ROLEGATE_MASTER_KEYS: `k1:${key(1)}`, ROLEGATE_JWT_KEYS: `j1:${key(2)}` };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts with no configuration at all outside production', () => {
    const c = loadConfig({});
    expect(c.env).toBe('development');
    expect(c.http).toMatchObject({ port: 3000, host: '127.0.0.1', bodyLimit: 1024 * 1024 });
    expect(c.db).toMatchObject({ url: undefined, dataDir: './data' });
    expect(c.masterKeys).toBeNull();
    expect(c.aws).toMatchObject({ credentialCache: 'memory', sessionDuration: 900 });
  });

  it('ROLEGATE_TEMPLATE_URL is an https URL or unset; ROLEGATE_EXTERNAL_ID_GRACE is bounded seconds', () => {
    expect(loadConfig({}).aws.templateUrl).toBeNull();
    const url = 'https://b.s3.eu-west-1.amazonaws.com/cfn/rolegate-role-0123456789ab.json';
    expect(loadConfig({ ROLEGATE_TEMPLATE_URL: url }).aws.templateUrl).toBe(url);
    expect(
      errorOf(() => loadConfig({ ROLEGATE_TEMPLATE_URL: 'http://127.0.0.1:3000/x.yaml' })).variable,
    ).toBe('ROLEGATE_TEMPLATE_URL');
    expect(loadConfig({ ROLEGATE_EXTERNAL_ID_GRACE: '0' }).aws.externalIdGrace).toBe(0);
    expect(errorOf(() => loadConfig({ ROLEGATE_EXTERNAL_ID_GRACE: String(91 * 86400) })).variable).toBe(
      'ROLEGATE_EXTERNAL_ID_GRACE',
    );
  });

  it('ROLEGATE_EGRESS_IPS: addresses and CIDRs, validated; a bad entry refuses to start (issue 20 item 3)', () => {
    expect(loadConfig({}).aws.egressIps).toEqual([]);
    expect(
      loadConfig({ ROLEGATE_EGRESS_IPS: ' 203.0.113.10, 198.51.100.0/28,2001:db8::/56,203.0.113.10 ' }).aws
        .egressIps,
    ).toEqual(['203.0.113.10', '198.51.100.0/28', '2001:db8::/56']);
    for (const bad of [
      'not-an-ip',
      '203.0.113.10/33',
      '0.0.0.0/0',
      '::/0',
      '203.0.113.0/24/1',
      '2001:db8::/129',
      '203.0.113.10,example.com',
      ',',
      '203.0.113.10/ 24',
    ]) {
      const err = errorOf(() => loadConfig({ ROLEGATE_EGRESS_IPS: bad }));
      expect(err.variable, bad).toBe('ROLEGATE_EGRESS_IPS');
      expect(err.message).toMatch(/egress addresses or CIDRs/);
    }
  });

  it('ROLEGATE_KMS_KEY_ID needs ROLEGATE_DEPLOYMENT_ID and replaces ROLEGATE_MASTER_KEYS in production (issue 20 item 1)', () => {
    expect(loadConfig({}).kms).toBeNull();
    const arn = 'arn:aws:kms:eu-west-1:111111111111:key/0f0e0d0c-0b0a-4909-8807-060504030201';
    expect(errorOf(() => loadConfig({ ROLEGATE_KMS_KEY_ID: arn })).variable).toBe('ROLEGATE_DEPLOYMENT_ID');
    for (const bad of ['not a key', 'arn:aws:s3:::bucket', 'alias/has space']) {
      expect(
        errorOf(() => loadConfig({ ROLEGATE_KMS_KEY_ID: bad, ROLEGATE_DEPLOYMENT_ID: 'd' })).variable,
      ).toBe('ROLEGATE_KMS_KEY_ID');
    }
    expect(
      errorOf(() => loadConfig({ ROLEGATE_KMS_KEY_ID: arn, ROLEGATE_DEPLOYMENT_ID: 'prod eu' })).variable,
    ).toBe('ROLEGATE_DEPLOYMENT_ID');
    for (const keyId of [
      arn,
      'alias/rolegate',
      '0f0e0d0c-0b0a-4909-8807-060504030201',
      'mrk-0123456789abcdef0123456789abcdef',
    ]) {
      const c = loadConfig({
        NODE_ENV: 'production',
        ROLEGATE_JWT_KEYS: prodKeys.ROLEGATE_JWT_KEYS,
        ROLEGATE_KMS_KEY_ID: keyId,
        ROLEGATE_DEPLOYMENT_ID: 'prod-eu',
      });
      expect(c.kms).toEqual({ keyId, deploymentId: 'prod-eu', refreshSeconds: 60 });
      expect(c.masterKeys).toBeNull();
    }
  });

  it('refuses to start in production without real keys, naming the variable', () => {
    expect(errorOf(() => loadConfig({ NODE_ENV: 'production' })).variable).toBe('ROLEGATE_MASTER_KEYS');
    expect(
      errorOf(() =>
        loadConfig({ NODE_ENV: 'production', ROLEGATE_MASTER_KEYS: prodKeys.ROLEGATE_MASTER_KEYS }),
      ).variable,
    ).toBe('ROLEGATE_JWT_KEYS');
    expect(loadConfig({ NODE_ENV: 'production', ...prodKeys }).masterKeys?.[0]?.kid).toBe('k1');
  });

  it('names the bad variable and never prints its value', () => {
    const secret = 'postgres-password-canary-123';
    const cases: Array<[Record<string, string>, string]> = [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ DATABASE_URL: `mysql://u:${secret}@h/db` }, 'DATABASE_URL'],
      [{ REDIS_URL: `http://${secret}` }, 'REDIS_URL'],
      [{ ROLEGATE_MASTER_KEYS: `k1:${secret}` }, 'ROLEGATE_MASTER_KEYS'],
      [{ ROLEGATE_MASTER_KEYS: `${key(1)}` }, 'ROLEGATE_MASTER_KEYS'],
      [{ ROLEGATE_MASTER_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }, 'ROLEGATE_MASTER_KEYS'],
      [{ ROLEGATE_MASTER_KEYS: `k1:${key(1)},k1:${key(2)}` }, 'ROLEGATE_MASTER_KEYS'],
      [{ ROLEGATE_JWT_KEYS: `j1:${Buffer.alloc(8).toString('base64')}` }, 'ROLEGATE_JWT_KEYS'],
      [{ ROLEGATE_CREDENTIAL_CACHE: 'redis' }, 'ROLEGATE_CREDENTIAL_CACHE'],
      [{ ROLEGATE_SESSION_DURATION: '60' }, 'ROLEGATE_SESSION_DURATION'],
      [{ ROLEGATE_AWS_PRINCIPAL_ARN: 'arn:aws:iam::12:root' }, 'ROLEGATE_AWS_PRINCIPAL_ARN'],
      [{ ROLEGATE_CORS_ORIGINS: 'https://ok.example.com,*' }, 'ROLEGATE_CORS_ORIGINS'],
      [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
      [{ ROLEGATE_TRUST_PROXY: 'maybe' }, 'ROLEGATE_TRUST_PROXY'],
    ];
    for (const [env, variable] of cases) {
      const err = errorOf(() => loadConfig(env));
      expect(err.variable, JSON.stringify(env)).toBe(variable);
      expect(err.message).toContain(variable);
      expect(err.message).not.toContain(secret);
    }
  });

  it('reads secrets from NAME_FILE', () => {
    const files: Record<string, string> = { '/run/secrets/master': `k9:${key(9)}\n` };
    const c = loadConfig({ ROLEGATE_MASTER_KEYS_FILE: '/run/secrets/master' }, (p) => {
      const v = files[p];
      if (v === undefined) throw new Error('ENOENT');
      return v;
    });
    expect(c.masterKeys?.[0]).toMatchObject({ kid: 'k9' });
    expect(c.masterKeys?.[0]?.key.equals(Buffer.alloc(32, 9))).toBe(true);
  });

  it('refuses an unreadable _FILE and a variable set twice', () => {
    const read = () => {
      throw new Error('ENOENT');
    };
    expect(errorOf(() => loadConfig({ ROLEGATE_JWT_KEYS_FILE: '/nope' }, read)).variable).toBe(
      'ROLEGATE_JWT_KEYS_FILE',
    );
    expect(
      errorOf(() =>
        loadConfig({ ROLEGATE_JWT_KEYS_FILE: '/x', ROLEGATE_JWT_KEYS: `j:${key(1)}` }, () => `j:${key(1)}`),
      ).variable,
    ).toBe('ROLEGATE_JWT_KEYS');
  });

  it('parses key lists with the first key active', () => {
    const c = loadConfig({ ROLEGATE_MASTER_KEYS: `new:${key(2)}, old:${key(1)}` });
    expect(c.masterKeys?.map((k) => k.kid)).toEqual(['new', 'old']);
  });
});

describe('transport limits', () => {
  it('defaults to the documented values, in milliseconds where Node wants them', () => {
    expect(loadConfig({}).http).toMatchObject({
      jsonMaxDepth: 64,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      connectionTimeoutMs: 120_000,
      keepAliveTimeoutMs: 5_000,
      uploadMinBytesPerSecond: 16 * 1024,
      uploadThroughputWindowMs: 30_000,
      maxConnections: 4096,
      maxConnectionsPerAddress: 256,
      streamStallTimeoutMs: 30_000,
    });
  });

  it('refuses a zero deadline (which would mean none) and accepts 0 for the caps', () => {
    expect(errorOf(() => loadConfig({ ROLEGATE_REQUEST_TIMEOUT: '0' })).variable).toBe(
      'ROLEGATE_REQUEST_TIMEOUT',
    );
    expect(errorOf(() => loadConfig({ ROLEGATE_JSON_MAX_DEPTH: '2' })).variable).toBe(
      'ROLEGATE_JSON_MAX_DEPTH',
    );
    expect(loadConfig({ ROLEGATE_MAX_CONNECTIONS_PER_ADDRESS: '0' }).http.maxConnectionsPerAddress).toBe(0);
  });
});

describe('audit checkpoint signing', () => {
  const key = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
  it('needs a deployment id with a signing key, and accepts only 32-byte Ed25519 seeds', () => {
    expect(() => loadConfig({ ROLEGATE_AUDIT_SIGNING_KEYS: key })).toThrow(
      /ROLEGATE_DEPLOYMENT_ID is required/,
    );
    const c = loadConfig({ ROLEGATE_AUDIT_SIGNING_KEYS: key, ROLEGATE_DEPLOYMENT_ID: 'acme-prod' });
    expect(c.auditCheckpoints).toMatchObject({ deployment: 'acme-prod', intervalSeconds: 300 });
    expect(c.auditCheckpoints.signingKeys?.[0]?.kid).toBe('k1');
    expect(() =>
      loadConfig({
        ROLEGATE_AUDIT_SIGNING_KEYS: `k1:${Buffer.alloc(16).toString('base64')}`,
        ROLEGATE_DEPLOYMENT_ID: 'x',
      }),
    ).toThrow(/exactly 32 bytes/);
    expect(() => loadConfig({ ROLEGATE_DEPLOYMENT_ID: 'has space' })).toThrow(/ROLEGATE_DEPLOYMENT_ID/);
    expect(loadConfig({}).auditCheckpoints).toMatchObject({ deployment: null, signingKeys: null });
  });

  it('takes an asymmetric KMS key id for signing (with a deployment id) and the export interval', () => {
    expect(() => loadConfig({ ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID: 'alias/audit' })).toThrow(
      /ROLEGATE_DEPLOYMENT_ID is required/,
    );
    expect(() =>
      loadConfig({ ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID: 'not a key', ROLEGATE_DEPLOYMENT_ID: 'x' }),
    ).toThrow(/ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID/);
    const c = loadConfig({
      ROLEGATE_AUDIT_SIGNING_KMS_KEY_ID: 'alias/audit',
      ROLEGATE_DEPLOYMENT_ID: 'x',
      ROLEGATE_AUDIT_EXPORT_INTERVAL: '0',
    });
    expect(c.auditCheckpoints).toMatchObject({ kmsKeyId: 'alias/audit', exportIntervalSeconds: 0 });
    expect(loadConfig({}).auditCheckpoints).toMatchObject({ kmsKeyId: null, exportIntervalSeconds: 30 });
  });
});
