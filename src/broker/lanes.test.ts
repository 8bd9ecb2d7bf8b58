import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { createLanes, releaseWhenDone } from './lanes.ts';

const options = {
  short: { perOrg: 2, queuePerOrg: 1 },
  long: { perOrg: 1, queuePerOrg: 0 },
  maxWaitMs: 60_000,
};

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('lanes', () => {
  it('limits one organisation, queues a bounded number, refuses the rest with org_busy', async () => {
    const lanes = createLanes(options);
    const r1 = await lanes.acquire('org_a', 'short');
    const r2 = await lanes.acquire('org_a', 'short');
    let granted = false;
    const third = lanes.acquire('org_a', 'short').then((r) => {
      granted = true;
      return r;
    });
    const err = await refusal(lanes.acquire('org_a', 'short'));
    expect(err.code).toBe('org_busy');
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBeGreaterThan(0);
    // Another organisation has its own budget.
    const other = await lanes.acquire('org_b', 'short');
    expect(granted).toBe(false);
    r1();
    r1(); // a second release is harmless
    const r3 = await third;
    expect(granted).toBe(true);
    for (const r of [r2, r3, other]) r();
    expect(lanes.size()).toBe(0);
  });

  it('keeps the long lane separate from the short one', async () => {
    const lanes = createLanes(options);
    const long = await lanes.acquire('org_a', 'long');
    expect((await refusal(lanes.acquire('org_a', 'long'))).details).toEqual({ lane: 'long' });
    const short = await lanes.acquire('org_a', 'short');
    long();
    short();
    expect(lanes.size()).toBe(0);
  });

  it('refuses a call that waited too long, and forgets it', async () => {
    const lanes = createLanes({ ...options, maxWaitMs: 20 });
    const r1 = await lanes.acquire('org_a', 'short');
    const r2 = await lanes.acquire('org_a', 'short');
    expect((await refusal(lanes.acquire('org_a', 'short'))).code).toBe('org_busy');
    r1();
    r2();
    expect(lanes.size()).toBe(0);
  });

  it('lets background work wait past the queue cap, until aborted', async () => {
    const lanes = createLanes(options);
    const held = [await lanes.acquire('org_a', 'long')];
    const controller = new AbortController();
    const waiting = lanes.acquire('org_a', 'long', { background: true, signal: controller.signal });
    const second = lanes.acquire('org_a', 'long', { background: true });
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    held[0]?.();
    (await second)();
    expect(lanes.size()).toBe(0);
  });

  it('holds the slot of a streamed result until the stream ends', async () => {
    const lanes = createLanes(options);
    const release = await lanes.acquire('org_a', 'long');
    const body = new PassThrough();
    const result = releaseWhenDone({ body }, release);
    expect(result.body).toBe(body);
    expect(lanes.size()).toBe(1);
    body.resume();
    body.end('done');
    await new Promise((r) => body.on('close', r));
    await new Promise((r) => setImmediate(r));
    expect(lanes.size()).toBe(0);
    // A plain result frees the slot at once.
    releaseWhenDone({ ok: true }, await lanes.acquire('org_a', 'long'));
    expect(lanes.size()).toBe(0);
  });
});
