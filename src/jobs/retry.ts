import { setTimeout as sleep } from 'node:timers/promises';
import { classifyAwsError } from '../aws/errors.ts';

/** Shared by the background jobs (scans, CloudTrail reconciliation): waiting and retrying AWS reads. */

/** Throttling by AWS (after the SDK's own retries): worth a slower retry. */
export function isThrottling(err: unknown): boolean {
  return classifyAwsError(err) === 'throttled';
}

export interface BackoffOptions {
  attempts: number;
  baseDelayMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

/** Waits `ms`; an abort rejects with the signal's own reason (not Node's AbortError), as callers expect. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal === undefined ? {} : { signal });
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason;
    throw err;
  }
}

/**
 * Runs `fn` again after a throttling error, with exponential back-off and full jitter, on top of
 * the SDK's own `standard` retries (which a burst across many regions can exhaust).
 */
export async function withThrottleRetry<T>(fn: () => Promise<T>, options: BackoffOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isThrottling(err) || attempt >= options.attempts) throw err;
      const cap = options.baseDelayMs * 2 ** (attempt - 1);
      await options.sleep(Math.floor(cap / 2 + (Math.random() * cap) / 2), options.signal);
    }
  }
}
