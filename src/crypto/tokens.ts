import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Helpers for high-entropy tokens (refresh tokens, API key secrets, invitation tokens).
 * SHA-256 is right for them: they are random, so there is nothing to brute-force the way a
 * password can be; argon2 is for passwords only.
 */

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function hmacSha256Hex(key: string | Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/** Constant-time comparison of two strings; different lengths compare unequal without early exit on content. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}
