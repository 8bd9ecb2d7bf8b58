import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { sha256Hex } from '../crypto/tokens.ts';

/**
 * TOTP per RFC 6238: SHA-1, 6 digits, 30 s steps, ±1 step of drift. `matchStep` returns the time
 * step a code belongs to; the caller accepts it only if it is later than the last accepted step
 * (compare-and-set in the store), which is what makes a code single-use.
 */
export const TOTP_PERIOD = 30;
const TOTP_ISSUER = 'Rolegate';

function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: TOTP_PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUri(secretBase32: string, email: string): string {
  return totpFor(secretBase32, email).toString();
}

export function isTotpCodeShape(code: string): boolean {
  return /^\d{6}$/.test(code);
}

/** The step (floor(unix time / 30) ± 1) whose code equals `code`, or null. */
export function matchTotpStep(secretBase32: string, code: string, nowMs: number): number | null {
  if (!isTotpCodeShape(code)) return null;
  const delta = totpFor(secretBase32, 'user').validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null) return null;
  return Math.floor(nowMs / 1000 / TOTP_PERIOD) + delta;
}

/** The code for a given time (tests and the console's setup preview use it). */
export function totpCodeAt(secretBase32: string, nowMs: number): string {
  return totpFor(secretBase32, 'user').generate({ timestamp: nowMs });
}

const BACKUP_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const BACKUP_CODE_COUNT = 10;

/** Ten codes of 10 base32 characters (50 bits each), shown as `xxxxx-xxxxx`. */
export function generateBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODE_COUNT }, () => {
    let raw = '';
    for (let i = 0; i < 10; i += 1) raw += BACKUP_ALPHABET[randomInt(BACKUP_ALPHABET.length)];
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
}

/** Lower-cased, separators removed; null when it cannot be a backup code. */
export function normaliseBackupCode(code: string): string | null {
  const raw = code.toLowerCase().replace(/[\s-]/g, '');
  return /^[0-9a-hjkmnp-tv-z]{10}$/.test(raw) ? raw : null;
}

/** Backup codes carry 50 random bits, so SHA-256 bound to the user is enough (no argon2 needed). */
export function backupCodeHash(userId: string, normalisedCode: string): string {
  return sha256Hex(`mfa-backup:${userId}:${normalisedCode}`);
}
