import { finished, Readable } from 'node:stream';
import { AppError, ErrorCode } from '../core/errors.ts';

/**
 * Per-organisation concurrency for brokered AWS calls (issue 14, item 7: noisy neighbours).
 *
 * Each organisation gets its own small budget of calls in flight, in two lanes: `short` for
 * ordinary calls (list, get, describe) and `long` for calls that hold a socket for seconds or
 * minutes (Lambda invoke, Logs Insights, streamed S3 transfers). A call beyond the budget waits in
 * the organisation's own queue, bounded in length and in time; beyond that it is refused with 429
 * `org_busy` and Retry-After. One organisation's flood therefore only ever queues behind itself.
 * The long lane also has its own socket pool (src/aws/clients.ts), so long calls cannot take the
 * sockets short calls need.
 *
 * Memory is bounded by construction: an entry exists only while an organisation has a call in
 * flight or waiting, and each organisation's waiters are capped.
 */

export type Lane = 'short' | 'long';

export interface LaneLimits {
  /** Calls of one organisation in flight at once in this lane. */
  perOrg: number;
  /** Calls of one organisation waiting for a slot; one more is refused at once. */
  queuePerOrg: number;
}

export interface LanesOptions {
  short: LaneLimits;
  long: LaneLimits;
  /** Longest a call waits for a slot before it is refused (milliseconds). */
  maxWaitMs: number;
}

export const DEFAULT_LANES_OPTIONS: LanesOptions = {
  short: { perOrg: 16, queuePerOrg: 64 },
  long: { perOrg: 4, queuePerOrg: 8 },
  maxWaitMs: 10_000,
};

export interface AcquireOptions {
  /** Gives up waiting (rejects with the signal's reason) when aborted. */
  signal?: AbortSignal;
  /**
   * Background jobs (scans) wait as long as it takes, outside the queue cap: their number is
   * already bounded by the scan scheduler, and a 429 has nobody to answer to.
   */
  background?: boolean;
}

/** Gives the slot back; calling it more than once is harmless. */
export type Release = () => void;

export interface Lanes {
  acquire(orgId: string, lane: Lane, options?: AcquireOptions): Promise<Release>;
  /** Runs `fn` in a slot of the organisation's lane; the slot is freed when `fn` settles. */
  run<T>(orgId: string, lane: Lane, fn: () => Promise<T>, options?: AcquireOptions): Promise<T>;
  /** Organisations with a call in flight or waiting, per lane (metrics, tests). */
  size(): number;
}

interface Waiter {
  grant(): void;
}

interface Entry {
  active: number;
  waiters: Waiter[];
}

function orgBusy(lane: Lane, retryAfterSeconds: number): AppError {
  return new AppError(
    ErrorCode.ORG_BUSY,
    lane === 'long'
      ? 'This organisation already has as many long-running AWS calls in progress as it may; retry shortly.'
      : 'This organisation already has as many AWS calls in progress as it may; retry shortly.',
    { retryAfter: retryAfterSeconds, details: { lane } },
  );
}

export function createLanes(options: LanesOptions = DEFAULT_LANES_OPTIONS): Lanes {
  const entries = new Map<string, Entry>();
  const retryAfterSeconds = Math.max(1, Math.ceil(options.maxWaitMs / 1000));

  function releaser(key: string, entry: Entry): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.active -= 1;
      const next = entry.waiters.shift();
      if (next !== undefined) next.grant();
      else if (entry.active === 0) entries.delete(key);
    };
  }

  async function acquire(orgId: string, lane: Lane, opts: AcquireOptions = {}): Promise<Release> {
    const limits = options[lane];
    const key = `${lane}\u0000${orgId}`;
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = { active: 0, waiters: [] };
      entries.set(key, entry);
    }
    const own = entry;
    if (own.active < limits.perOrg && own.waiters.length === 0) {
      own.active += 1;
      return releaser(key, own);
    }
    if (opts.background !== true && own.waiters.length >= limits.queuePerOrg) {
      throw orgBusy(lane, retryAfterSeconds);
    }
    opts.signal?.throwIfAborted();
    return new Promise<Release>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = () => {
        const at = own.waiters.indexOf(waiter);
        if (at >= 0) own.waiters.splice(at, 1);
        if (own.active === 0 && own.waiters.length === 0) entries.delete(key);
      };
      const onAbort = () => {
        clearTimeout(timer);
        leave();
        reject(opts.signal?.reason);
      };
      const waiter: Waiter = {
        grant() {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          own.active += 1;
          resolve(releaser(key, own));
        },
      };
      own.waiters.push(waiter);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.background !== true) {
        timer = setTimeout(() => {
          opts.signal?.removeEventListener('abort', onAbort);
          leave();
          reject(orgBusy(lane, retryAfterSeconds));
        }, options.maxWaitMs);
      }
    });
  }

  return {
    acquire,
    async run(orgId, lane, fn, opts) {
      const release = await acquire(orgId, lane, opts);
      try {
        return await fn();
      } finally {
        release();
      }
    },
    size: () => entries.size,
  };
}

/**
 * Frees `release` when the call is really over: a streamed result (a Readable, or an object with a
 * Readable `body`, like an S3 download) holds its slot until the stream ends, fails or is destroyed.
 */
export function releaseWhenDone<T>(result: T, release: Release): T {
  const body: unknown =
    typeof result === 'object' && result !== null ? (result as { body?: unknown }).body : undefined;
  const stream = result instanceof Readable ? result : body instanceof Readable ? body : null;
  if (stream === null || stream.destroyed || stream.readableEnded) {
    release();
    return result;
  }
  const cleanup = finished(stream, () => {
    cleanup();
    release();
  });
  return result;
}
