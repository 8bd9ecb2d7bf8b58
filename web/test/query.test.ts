import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api.ts';
import { retryDelay, shouldRetry } from '../src/query.tsx';

/** The console's retry policy for reads (web/src/query.tsx): only "try again" answers are retried. */
describe('console query retry policy', () => {
  const err = (status: number, retryAfter: number | null = null) =>
    new ApiError({ status, code: 'internal_error', message: 'x', requestId: null, retryAfter });

  it('retries 503, 429 with Retry-After and network failures, a bounded number of times', () => {
    expect(shouldRetry(0, err(503))).toBe(true);
    expect(shouldRetry(0, err(429, 3))).toBe(true);
    expect(shouldRetry(0, new TypeError('Failed to fetch'))).toBe(true);
    expect(shouldRetry(3, err(503))).toBe(false);
  });

  it('never retries a final answer', () => {
    for (const status of [400, 401, 403, 404, 409, 422, 500]) expect(shouldRetry(0, err(status))).toBe(false);
    expect(shouldRetry(0, err(429))).toBe(false);
    expect(shouldRetry(0, new Error('bug'))).toBe(false);
  });

  it('waits what Retry-After says, capped, and backs off without it', () => {
    expect(retryDelay(1, err(503, 2))).toBe(2000);
    expect(retryDelay(1, err(503, 3600))).toBe(30_000);
    expect(retryDelay(0, err(503))).toBe(1000);
    expect(retryDelay(2, err(503))).toBe(4000);
  });
});
