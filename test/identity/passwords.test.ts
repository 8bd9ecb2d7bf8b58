import { describe, expect, it } from 'vitest';
import {
  createPasswordHasher,
  createSemaphore,
  isCommonPassword,
  normaliseEmail,
  passwordProblem,
} from '../../src/identity/passwords.ts';

describe('password policy', () => {
  it('length is counted in code points, 12 to 128', () => {
    expect(passwordProblem(`${'a'.repeat(11)}Q`)).toBeNull();
    expect(passwordProblem('abcdefghijk')).toBe('too_short');
    const emoji = ['🦄', '🐉', '🔐', '🌈', '🍀', '🎲', '🎯', '🎸', '🎺', '🚀', '🛸', '🌋'];
    expect(passwordProblem(emoji.join(''))).toBeNull(); // 24 UTF-16 units, 12 characters
    expect(passwordProblem(emoji.slice(1).join(''))).toBe('too_short');
    expect(passwordProblem('z'.repeat(128))).toBe('common'); // a repeated short unit
    expect(passwordProblem('zq7!'.repeat(10))).toBe('common');
    const long = 'the quick brown fox jumps over the lazy dog, 128 characters long: '.padEnd(128, 'xyz');
    expect(passwordProblem(long)).toBeNull();
    expect(passwordProblem(`${long}!`)).toBe('too_long');
  });

  it('the shipped list holds thousands of entries and matches case-insensitively', () => {
    for (const p of [
      'password1234',
      'Password1234',
      'qwerty123456',
      '123456789012',
      'iloveyou1234',
      'letmein12345',
    ]) {
      expect(isCommonPassword(p)).toBe(true);
    }
    expect(isCommonPassword('correct horse battery staple 7')).toBe(false);
  });
});

describe('email normalisation', () => {
  it('trims, lower-cases and checks the shape', () => {
    expect(normaliseEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    expect(normaliseEmail('ada@example')).toBeNull();
    expect(normaliseEmail('a b@example.com')).toBeNull();
    expect(normaliseEmail(`${'a'.repeat(65)}@example.com`)).toBeNull();
    expect(normaliseEmail(`${'a'.repeat(60)}@${'b'.repeat(190)}.com`)).toBeNull(); // 255 > 254
  });
});

describe('password hashing', () => {
  it('argon2id with OWASP parameters; verifies, refuses the wrong password and unusable hashes', async () => {
    const hasher = createPasswordHasher();
    const hash = await hasher.hash('a long enough passphrase');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(hash, 'a long enough passphrase')).toBe(true);
    expect(await hasher.verify(hash, 'a long enough passphrasE')).toBe(false);
    expect(await hasher.verify('!unusable', 'anything at all')).toBe(false);
    expect(await hasher.verifyDummy('anything at all')).toBe(false);
  });

  it('NFKC: the same password typed in composed or decomposed form verifies', async () => {
    const hasher = createPasswordHasher();
    const hash = await hasher.hash('caf\u00e9 au lait, s\u00e9rieux');
    expect(await hasher.verify(hash, 'cafe\u0301 au lait, se\u0301rieux')).toBe(true);
  });

  it('bounds concurrency: a full queue answers 503 with Retry-After', async () => {
    const gate = createSemaphore(2, 1);
    let release!: () => void;
    const blocker = new Promise<void>((r) => {
      release = r;
    });
    const running = [gate.run(() => blocker), gate.run(() => blocker), gate.run(() => blocker)];
    expect(gate.active).toBe(2);
    expect(gate.queued).toBe(1);
    await expect(gate.run(async () => 1)).rejects.toMatchObject({
      code: 'service_unavailable',
      retryAfter: 1,
    });
    release();
    await Promise.all(running);
    expect(gate.active).toBe(0);
    expect(await gate.run(async () => 7)).toBe(7);
  });
});
