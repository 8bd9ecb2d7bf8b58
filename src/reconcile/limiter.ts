import { LRUCache } from 'lru-cache';

/**
 * CloudTrail allows LookupEvents 2 calls per second per account and region. Every call of this
 * process waits for its slot on that key, so parallel reconciliations of connections to the same
 * account (two organisations may connect one account) stay within it together. Per process: several
 * nodes each keep their own pace, and throttling answers (ThrottlingException) back off on top.
 */
export interface CallPacer {
  /** Resolves when a call on `key` may go; rejects with the signal's reason when aborted. */
  wait(key: string, signal?: AbortSignal): Promise<void>;
}

export function createCallPacer(options: {
  perSecond: number;
  now?: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}): CallPacer {
  const interval = 1000 / options.perSecond;
  const now = options.now ?? (() => performance.now());
  // The next free slot per key; bounded (an idle key's entry is worthless after a second).
  const next = new LRUCache<string, number>({ max: 10_000 });
  return {
    async wait(key, signal) {
      const t = now();
      const slot = Math.max(t, next.get(key) ?? t);
      next.set(key, slot + interval);
      if (slot > t) await options.sleep(slot - t, signal);
    },
  };
}

export const LOOKUP_EVENTS_PER_SECOND = 2;
