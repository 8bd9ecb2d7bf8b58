import { LRUCache } from 'lru-cache';
import type { DbOrTx } from '../db/client.ts';
import { readChainHead } from './store.ts';
import { type ChainVerification, type VerifyProgress, verifyChain } from './verify.ts';

/**
 * Runs chain verifications for the API so that they cannot stall the server (issue 14.12 / 25.1):
 *
 * - at most one run per chain at a time on this node: concurrent callers share the running one
 *   (a full request waits for a running incremental one, then starts its own);
 * - at most `maxParallel` runs at a time on this node, across organisations;
 * - a run is incremental (from the chain's checkpoint, see verify.ts) unless `full` is asked, and
 *   yields to the event loop between slices, so other requests are served meanwhile;
 * - a run does not belong to a request: a caller that goes away does not cancel it, and its result
 *   is kept for `cacheMs` and returned (with its `verifiedAt`) while the chain has not grown.
 */
export interface VerificationRunnerOptions {
  db: DbOrTx;
  /** How long a result is returned without a new run while the chain's head has not moved. */
  cacheMs: number;
  /** Runs at a time on this node, across organisations. */
  maxParallel: number;
  now?: () => Date;
}

export interface VerifyRequest {
  full: boolean;
  onProgress?: (progress: VerifyProgress) => void;
}

export interface VerifyOutcome {
  result: ChainVerification;
  cached: boolean;
}

interface Run {
  full: boolean;
  done: Promise<ChainVerification>;
  listeners: Set<(progress: VerifyProgress) => void>;
  /** The latest progress, for a caller that joins midway. */
  last(): VerifyProgress | null;
}

/** Results kept per node: one per organisation that verified recently, bounded for memory. */
const MAX_CACHED = 10_000;

export function createVerificationRunner(options: VerificationRunnerOptions) {
  const { db, cacheMs, maxParallel } = options;
  const now = options.now ?? (() => new Date());
  const running = new Map<string, Run>();
  // Freshness (cacheMs, head unchanged) is checked in `fresh` against the injected clock.
  const cache = new LRUCache<string, ChainVerification>({ max: MAX_CACHED });
  let active = 0;
  const waiting: Array<() => void> = [];

  async function acquire(): Promise<void> {
    if (active < maxParallel) {
      active += 1;
      return;
    }
    // The releasing run hands its slot over directly (active stays the same).
    await new Promise<void>((resolve) => waiting.push(resolve));
  }

  function release(): void {
    const next = waiting.shift();
    if (next === undefined) active -= 1;
    else next();
  }

  function start(chain: string, full: boolean): Run {
    const listeners = new Set<(progress: VerifyProgress) => void>();
    let last: VerifyProgress | null = null;
    const progress = (p: VerifyProgress) => {
      last = p;
      for (const listener of listeners) listener(p);
    };
    const done = (async () => {
      await acquire();
      try {
        return await verifyChain(db, chain, { full, onProgress: progress, now });
      } finally {
        release();
      }
    })();
    const run: Run = { full, done, listeners, last: () => last };
    running.set(chain, run);
    run.done.then(
      (result) => void cache.set(chain, result),
      () => cache.delete(chain),
    );
    // Settled either way: the next caller starts a new run.
    void run.done
      .catch(() => undefined)
      .finally(() => {
        if (running.get(chain) === run) running.delete(chain);
      });
    return run;
  }

  async function join(run: Run, request: VerifyRequest): Promise<VerifyOutcome> {
    const listener = request.onProgress;
    if (listener !== undefined) {
      const last = run.last();
      if (last !== null) listener(last);
      run.listeners.add(listener);
    }
    try {
      return { result: await run.done, cached: false };
    } finally {
      if (listener !== undefined) run.listeners.delete(listener);
    }
  }

  /** A recent result for a chain whose head has not moved since, if any (one indexed read). */
  async function fresh(chain: string): Promise<ChainVerification | null> {
    const cached = cache.get(chain);
    if (cached === undefined || now().getTime() - cached.verifiedAt.getTime() >= cacheMs) return null;
    const head = await readChainHead(db, chain);
    return (head?.seq ?? 0) === cached.headSeq ? cached : null;
  }

  return {
    async verify(chain: string, request: VerifyRequest): Promise<VerifyOutcome> {
      for (;;) {
        const current = running.get(chain);
        // A full run answers an incremental request too; an incremental one cannot answer a full one.
        if (current !== undefined && (current.full || !request.full)) return join(current, request);
        if (current !== undefined) {
          await current.done.catch(() => undefined);
          continue;
        }
        if (!request.full) {
          const cached = await fresh(chain);
          if (cached !== null) return { result: cached, cached: true };
          // Someone may have started a run while the head was read: join it instead.
          if (running.has(chain)) continue;
        }
        return join(start(chain, request.full), request);
      }
    },
  };
}
export type VerificationRunner = ReturnType<typeof createVerificationRunner>;
