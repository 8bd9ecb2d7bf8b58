import { readFileSync } from 'node:fs';
import { hash, verify } from '@node-rs/argon2';
import { AppError, ErrorCode } from '../core/errors.ts';

/**
 * Password rules and hashing. Policy (NIST SP 800-63B): 12–128 characters counted as Unicode code
 * points after NFKC normalisation, no truncation, no composition rules, refused when it is in the
 * list of common/breached passwords shipped with the code. Hashes are argon2id with OWASP's
 * parameters (m = 19 MiB, t = 2, p = 1); at most `maxConcurrent` hashes run at once and at most
 * `maxQueue` wait, so a login flood is answered with 503 + Retry-After instead of stalling.
 */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
export const EMAIL_MAX = 254;

export const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

let commonPasswords: Set<string> | null = null;

function loadCommonPasswords(): Set<string> {
  if (commonPasswords === null) {
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
    commonPasswords = new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0),
    );
  }
  return commonPasswords;
}

/** In the shipped list (case-insensitive), or nothing but a repeated unit of 1–4 characters ("aaaa…", "abcabc…"). */
export function isCommonPassword(password: string): boolean {
  const lower = normalisePassword(password).toLowerCase();
  return /^(.{1,4})\1+$/su.test(lower) || loadCommonPasswords().has(lower);
}

export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

export type PasswordProblem = 'too_short' | 'too_long' | 'common';

export function passwordProblem(password: string): PasswordProblem | null {
  const length = [...normalisePassword(password)].length;
  if (length < PASSWORD_MIN) return 'too_short';
  if (length > PASSWORD_MAX) return 'too_long';
  if (isCommonPassword(password)) return 'common';
  return null;
}

const PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  too_short: `The password must have at least ${PASSWORD_MIN} characters.`,
  too_long: `The password must have at most ${PASSWORD_MAX} characters.`,
  common: 'This password is too common; choose another one.',
};

/** Throws validation_failed naming the rule the password breaks. */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  const problem = passwordProblem(password);
  if (problem !== null) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, PROBLEM_MESSAGES[problem], {
      details: { field, reason: problem },
    });
  }
}

const EMAIL_SHAPE = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

/** Trimmed, lower-cased, at most 254 characters, `local@domain.tld`; null when not an email. */
export function normaliseEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  if (email.length === 0 || email.length > EMAIL_MAX) return null;
  return EMAIL_SHAPE.test(email) ? email : null;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
  /** Verifies against a fixed dummy hash (always false), so an unknown account costs the same time. */
  verifyDummy(password: string): Promise<false>;
}

/** A counting semaphore with a bounded queue; `run` throws 503 when the queue is full. */
export function createSemaphore(maxConcurrent: number, maxQueue: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active >= maxConcurrent) {
        if (waiting.length >= maxQueue) {
          throw new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The server is busy; retry shortly.', {
            retryAfter: 1,
          });
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        active += 1;
      }
      try {
        return await fn();
      } finally {
        const next = waiting.shift();
        if (next === undefined) active -= 1;
        else next();
      }
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
  };
}

export function createPasswordHasher(
  options: { maxConcurrent?: number; maxQueue?: number } = {},
): PasswordHasher {
  const gate = createSemaphore(options.maxConcurrent ?? 4, options.maxQueue ?? 64);
  let dummy: Promise<string> | null = null;
  const dummyHash = () => {
    dummy ??= hash('rolegate-dummy-password-for-timing', ARGON2_OPTIONS);
    return dummy;
  };
  return {
    hash: (password) => gate.run(() => hash(normalisePassword(password), ARGON2_OPTIONS)),
    async verify(hashed, password) {
      if (!hashed.startsWith('$argon2')) {
        // An unusable hash (e.g. '!unusable'): spend the same time, then refuse.
        await gate.run(async () => verify(await dummyHash(), normalisePassword(password)));
        return false;
      }
      return gate.run(async () => {
        try {
          return await verify(hashed, normalisePassword(password));
        } catch {
          return false;
        }
      });
    },
    async verifyDummy(password) {
      const target = await dummyHash();
      await gate.run(() => verify(target, normalisePassword(password)));
      return false;
    },
  };
}
