import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import {
  type ApiKeyScope,
  apiKeyScopeInput,
  checkKeyScope,
  normaliseScope,
  parseCidr,
  sourceAllowed,
} from './scope.ts';

const SCOPE: ApiKeyScope = {
  connectionIds: ['con_a'],
  capabilities: ['s3-read', 'cost-scan'],
  readOnly: true,
  allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'],
};

function codeOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

describe('parseCidr', () => {
  it('accepts IPv4/IPv6 blocks and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('0.0.0.0/0')).toEqual({ address: '0.0.0.0', prefix: 0, family: 'ipv4' });
    expect(parseCidr('198.51.100.7')).toEqual({ address: '198.51.100.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('2001:DB8::/32')).toEqual({ address: '2001:db8::', prefix: 32, family: 'ipv6' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
  });

  it('refuses anything not strictly an address with an in-range decimal prefix', () => {
    for (const bad of [
      '',
      '10.0.0.0/33',
      '2001:db8::/129',
      '10.0.0.0/08',
      '10.0.0.0/+8',
      '10.0.0.0/ 8',
      '10.0.0.0/',
      '10.0.0.0/8/8',
      '10.0.0',
      '010.0.0.1',
      '256.0.0.1',
      'fe80::1%eth0',
      'example.com',
      `${'1'.repeat(70)}`,
    ]) {
      expect(parseCidr(bad), bad).toBeNull();
    }
  });
});

describe('sourceAllowed', () => {
  it('matches IPv4, IPv6 and IPv4-mapped IPv6 sources against the blocks', () => {
    const cidrs = ['203.0.113.0/24', '2001:db8::/32'];
    expect(sourceAllowed(cidrs, '203.0.113.255')).toBe(true);
    expect(sourceAllowed(cidrs, '::ffff:203.0.113.1')).toBe(true);
    expect(sourceAllowed(cidrs, '2001:db8:ffff::1')).toBe(true);
    expect(sourceAllowed(cidrs, '203.0.114.0')).toBe(false);
    expect(sourceAllowed(cidrs, '2001:db9::1')).toBe(false);
    expect(sourceAllowed(cidrs, 'not-an-ip')).toBe(false);
    expect(sourceAllowed(cidrs, '')).toBe(false);
  });
});

describe('apiKeyScopeInput and normaliseScope', () => {
  it('canonicalises CIDRs, deduplicates, and treats a scope that narrows nothing as unscoped', () => {
    const parsed = apiKeyScopeInput.parse({
      allowedCidrs: [' 198.51.100.7 ', '198.51.100.7/32'],
      capabilities: ['s3-read', 's3-read'],
    });
    expect(normaliseScope(parsed)).toEqual({
      connectionIds: null,
      capabilities: ['s3-read'],
      readOnly: false,
      allowedCidrs: ['198.51.100.7/32'],
    });
    expect(normaliseScope(apiKeyScopeInput.parse({ readOnly: false }))).toBeNull();
    expect(normaliseScope(undefined)).toBeNull();
  });
});

describe('checkKeyScope', () => {
  const ip = '203.0.113.5';

  it('lets an unscoped key through untouched', () => {
    expect(codeOf(() => checkKeyScope(null, { ip: 'x', permission: 'api-keys:manage' }))).toBeNull();
    expect(codeOf(() => checkKeyScope(undefined, { ip: 'x', permission: 'audit:read' }))).toBeNull();
  });

  it('allows an operation inside every limit', () => {
    expect(
      codeOf(() =>
        checkKeyScope(SCOPE, { ip, permission: 's3:read', connectionId: 'con_a', capability: 's3-read' }),
      ),
    ).toBeNull();
    expect(
      codeOf(() => checkKeyScope(SCOPE, { ip, permission: 'scans:run', connectionId: 'con_a' })),
    ).toBeNull();
  });

  it('refuses, in order: source address, management permission, writes, connection, capability', () => {
    expect(codeOf(() => checkKeyScope(SCOPE, { ip: '198.51.100.1', permission: 's3:read' }))).toBe(
      'key_source_denied',
    );
    for (const permission of [
      'api-keys:manage',
      'connections:write',
      'audit:read',
      'insights:read',
    ] as const) {
      expect(
        codeOf(() => checkKeyScope(SCOPE, { ip, permission })),
        permission,
      ).toBe('key_scope_denied');
    }
    for (const permission of ['s3:write', 'lambda:invoke', 'cleanup:execute', 'findings:dismiss'] as const) {
      expect(
        codeOf(() => checkKeyScope(SCOPE, { ip, permission })),
        permission,
      ).toBe('key_scope_denied');
    }
    expect(codeOf(() => checkKeyScope(SCOPE, { ip, permission: 's3:read', connectionId: 'con_b' }))).toBe(
      'not_found',
    );
    expect(codeOf(() => checkKeyScope(SCOPE, { ip, permission: 'logs:read', connectionId: 'con_a' }))).toBe(
      'key_scope_denied',
    );
    // A presigned PUT is guarded by s3:read on its route but uses the s3-write capability.
    const writer: ApiKeyScope = { ...SCOPE, readOnly: false, capabilities: ['s3-read'] };
    expect(codeOf(() => checkKeyScope(writer, { ip, permission: 's3:write', capability: 's3-write' }))).toBe(
      'key_scope_denied',
    );
  });

  it('authentication-only checks look at the source address alone', () => {
    expect(codeOf(() => checkKeyScope(SCOPE, { ip }))).toBeNull();
    expect(codeOf(() => checkKeyScope(SCOPE, { ip: '2001:db8::9' }))).toBeNull();
    expect(codeOf(() => checkKeyScope(SCOPE, { ip: '192.0.2.1' }))).toBe('key_source_denied');
  });
});
