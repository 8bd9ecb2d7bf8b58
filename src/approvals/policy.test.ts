import { describe, expect, it } from 'vitest';
import { scopeCovers, wildcardScopeValid } from './policy.ts';

const group = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}`;

describe('approvals review 4: grant scope matching', () => {
  it('checks every ARN of a multi-resource call: all must be covered', () => {
    const both = [group('app/a'), group('secret/b')].join(',');
    expect(scopeCovers(`${group('app/')}*`, both)).toBe(false);
    expect(scopeCovers(`${group('app/')}*`, [group('app/a'), group('app/b')].join(','))).toBe(true);
    // An exact grant for exactly that call still matches.
    expect(scopeCovers(both, both)).toBe(true);
  });

  it('takes a `*` only right after `/` or `:`: bucket-a* does not cover bucket-ab', () => {
    expect(scopeCovers('arn:aws:s3:::bucket-a*', 'arn:aws:s3:::bucket-ab/x')).toBe(false);
    expect(scopeCovers('arn:aws:s3:::bucket-a/*', 'arn:aws:s3:::bucket-ab/x')).toBe(false);
    expect(scopeCovers('arn:aws:s3:::bucket-a/*', 'arn:aws:s3:::bucket-a/x')).toBe(true);
    expect(
      scopeCovers(
        'arn:aws:lambda:us-east-1:1:function:debug-*',
        'arn:aws:lambda:us-east-1:1:function:debug-x',
      ),
    ).toBe(false);
    expect(
      scopeCovers(
        'arn:aws:lambda:us-east-1:1:function:debug:*',
        'arn:aws:lambda:us-east-1:1:function:debug:2',
      ),
    ).toBe(true);
  });

  it('refuses wildcards that name no bucket, function or log group', () => {
    for (const scope of [
      'arn:aws:s3:::*',
      'arn:aws:s3:::bucket*',
      'arn:aws:lambda:us-east-1:1:function:*',
      'arn:aws:lambda:us-east-1:1:*',
      `${group('')}*`,
      `${group('/')}*`,
      'arn:*',
      'arn:aws:*',
    ]) {
      expect(wildcardScopeValid(scope), scope).toBe(false);
      expect(scopeCovers(scope, 'arn:aws:s3:::bucket/x'), scope).toBe(false);
    }
    for (const scope of [
      'arn:aws:s3:::b/*',
      'arn:aws:s3:::b/x/*',
      `${group('/aws/lambda/')}*`,
      `${group('app')}:*`,
    ]) {
      expect(wildcardScopeValid(scope), scope).toBe(true);
    }
  });
});
