import { describe, expect, it } from 'vitest';
import { roleFromClaims } from './role-mapping.ts';

const mapping = {
  claim: 'groups',
  rules: [
    { value: 'aws-admins', role: 'admin' as const },
    { value: 'aws-devs', role: 'member' as const },
  ],
  defaultRole: null,
};

describe('roleFromClaims', () => {
  it('grants the highest matching rule, from an array or a single string', () => {
    expect(roleFromClaims({ groups: ['aws-devs', 'aws-admins'] }, mapping)).toBe('admin');
    expect(roleFromClaims({ groups: 'aws-devs' }, mapping)).toBe('member');
  });
  it('falls back to the default role, or refuses (null) without one', () => {
    expect(roleFromClaims({ groups: ['other'] }, mapping)).toBeNull();
    expect(roleFromClaims({}, { ...mapping, defaultRole: 'viewer' })).toBe('viewer');
  });
  it('ignores non-string values and near misses', () => {
    expect(
      roleFromClaims({ groups: [1, { v: 'aws-admins' }, 'AWS-ADMINS', 'aws-admins '] }, mapping),
    ).toBeNull();
    expect(roleFromClaims({ groups: { 0: 'aws-admins' } }, mapping)).toBeNull();
  });
});
