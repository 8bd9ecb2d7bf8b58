import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PATTERN_WILDCARDS, scopesSchema } from '../connections/schemas.ts';
import { matchesPattern } from './validation.ts';

/** The textbook dynamic-programming glob matcher (`*` only): obviously correct, used as the oracle. */
function reference(name: string, pattern: string): boolean {
  const n = name.length;
  const m = pattern.length;
  // row[j]: pattern[0..j) matches name[0..i)
  let row = Array.from({ length: m + 1 }, () => false);
  row[0] = true;
  for (let j = 1; j <= m; j++) row[j] = row[j - 1]! && pattern[j - 1] === '*';
  for (let i = 1; i <= n; i++) {
    const next = Array.from({ length: m + 1 }, () => false);
    for (let j = 1; j <= m; j++) {
      next[j] =
        pattern[j - 1] === '*' ? next[j - 1]! || row[j]! : row[j - 1]! && pattern[j - 1] === name[i - 1];
    }
    row = next;
  }
  return row[m]!;
}

describe('matchesPattern', () => {
  it('treats * as the only wildcard and everything else literally', () => {
    expect(matchesPattern('debug-echo', 'debug-*')).toBe(true);
    expect(matchesPattern('prod-echo', 'debug-*')).toBe(false);
    expect(matchesPattern('debugXecho', 'debug.echo')).toBe(false);
    expect(matchesPattern('a-b', '*-b')).toBe(true);
    expect(matchesPattern('abc', 'abc')).toBe(true);
    expect(matchesPattern('abcd', 'abc')).toBe(false);
    expect(matchesPattern('ab', 'a*b*')).toBe(true);
    expect(matchesPattern('aba', 'ab*ba')).toBe(false);
    expect(matchesPattern('abba', 'ab*ba')).toBe(true);
    expect(matchesPattern('x', '**x**')).toBe(true);
    expect(matchesPattern('', '*')).toBe(true);
  });

  it('agrees with the dynamic-programming reference on arbitrary small inputs', () => {
    const alphabet = fc.constantFrom('a', 'b', '-');
    const name = fc.array(alphabet, { maxLength: 12 }).map((cs) => cs.join(''));
    const pattern = fc
      .array(fc.oneof(alphabet, fc.constant('*')), { maxLength: 10 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(name, pattern, (n, p) => {
        expect(matchesPattern(n, p)).toBe(reference(n, p));
      }),
      { numRuns: 5000 },
    );
  });

  it('answers the backtracking worst case (fifteen a* then b, 64-character name) at once', () => {
    // A backtracking regex needs on the order of C(64, 15) steps here; the matcher needs one scan per
    // literal run. "At once" is asserted as a count of calls finishing, not as a duration.
    const hostile = `${'a*'.repeat(15)}b`;
    const name = 'a'.repeat(64);
    let answered = 0;
    for (let i = 0; i < 1000; i++) if (!matchesPattern(name, hostile)) answered++;
    expect(answered).toBe(1000);
    expect(matchesPattern(`${'a'.repeat(63)}b`, hostile)).toBe(true);
  });
});

describe('lambdaFunctionPatterns schema', () => {
  const parse = (p: string) => scopesSchema.safeParse({ lambdaFunctionPatterns: [p] }).success;
  it(`accepts up to ${MAX_PATTERN_WILDCARDS} wildcards and refuses more`, () => {
    expect(parse(`${'a*'.repeat(MAX_PATTERN_WILDCARDS)}b`)).toBe(true);
    expect(parse(`${'a*'.repeat(MAX_PATTERN_WILDCARDS + 1)}b`)).toBe(false);
    expect(parse('debug-*')).toBe(true);
  });
});
