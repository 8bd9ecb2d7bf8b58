import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { fixture, mockSts, sts, url } from './harness.ts';

/**
 * Streamed transfers keep memory flat: a 200 MB object and a 100,000-key listing pass through
 * the real HTTP server while the heap (plus Buffer memory) stays within a small bound.
 */

let t: TestApp;
let base: string;
const s3 = mockClient(S3Client);
const MB = 1024 * 1024;

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of opened) res.destroy();
  await t.close();
  s3.restore();
  sts.restore();
});
beforeEach(() => {
  s3.reset();
  mockSts();
});

// A handle on the collector without --expose-gc, so growth measures retained memory, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const used = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const opened: IncomingMessage[] = [];

function request(path: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) =>
    get(`${base}${path}`, { headers }, (res) => {
      opened.push(res);
      resolve(res);
    }).on('error', reject),
  );
}

/**
 * Consumes a response while sampling retained memory (after a collection). Returns the bytes read,
 * the typical (median) growth over the baseline, and the drift between the first and the last
 * quarter of the transfer: a stream that buffers grows with the bytes transferred, a flat one does
 * not. (Medians: socket buffers cause brief, unrelated spikes in single samples.)
 */
async function consume(
  res: IncomingMessage,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ bytes: number; growth: number; drift: number }> {
  const baseline = used();
  const samples: number[] = [];
  let bytes = 0;
  let n = 0;
  for await (const chunk of res) {
    bytes += (chunk as Buffer).length;
    onChunk?.(chunk as Buffer);
    if (++n % 256 === 0) samples.push(used());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? baseline;
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  return {
    bytes,
    growth: median(samples) - baseline,
    drift: median(samples.slice(-quarter)) - median(samples.slice(0, quarter)),
  };
}

describe('streaming keeps memory flat', () => {
  it('downloads a 200 MB object generated on the fly', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const size = 200 * MB;
    const chunk = Buffer.alloc(64 * 1024, 120);
    s3.on(GetObjectCommand).callsFake(async () => ({
      Body: Readable.from(
        (function* () {
          for (let sent = 0; sent < size; sent += chunk.length) yield Buffer.from(chunk);
        })(),
      ),
      ContentLength: size,
      ContentType: 'application/octet-stream',
    }));
    const res = await request(url(f, '/s3/buckets/acme-data/object?key=big.bin'), f.user.headers);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(size));
    const { bytes, growth, drift } = await consume(res);
    expect(bytes).toBe(size);
    // Flat: no growth as 200 MB pass through, and a small fraction of the object held at a time
    // (bounds leave room for GC timing on a loaded 2-core machine; buffering would hold ≥ 200 MB).
    expect(drift).toBeLessThan(40 * MB);
    expect(growth).toBeLessThan(80 * MB);
  }, 60_000);

  it('streams a 100,000-key listing as NDJSON, fetching pages only as the client reads', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const PAGES = 100;
    s3.on(ListObjectsV2Command).callsFake(async (input: ListObjectsV2CommandInput) => {
      const page = input.ContinuationToken === undefined ? 0 : Number(input.ContinuationToken);
      return {
        Contents: Array.from({ length: 1000 }, (_, i) => ({
          Key: `data/${String(page * 1000 + i).padStart(8, '0')}.json`,
          Size: i,
          LastModified: new Date('2024-01-01T00:00:00Z'),
        })),
        IsTruncated: page + 1 < PAGES,
        ...(page + 1 < PAGES ? { NextContinuationToken: String(page + 1) } : {}),
      };
    });
    const res = await request(url(f, '/s3/buckets/acme-data/objects.ndjson?prefix=data/'), f.user.headers);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');

    // Backpressure: while the client does not read, Rolegate does not keep paging.
    // (Socket buffers absorb a few pages first; then paging stops until the client reads.)
    res.pause();
    let stalled = -1;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 150));
      const now = s3.commandCalls(ListObjectsV2Command).length;
      if (now === stalled) break;
      stalled = now;
    }
    expect(stalled).toBeLessThan(PAGES);
    await new Promise((r) => setTimeout(r, 300));
    expect(s3.commandCalls(ListObjectsV2Command).length).toBe(stalled);
    res.resume();

    let lines = 0;
    let tail = '';
    const { growth, drift } = await consume(res, (chunk) => {
      const text = tail + chunk.toString('utf8');
      const parts = text.split('\n');
      tail = parts.pop() ?? '';
      lines += parts.length;
    });
    expect(lines).toBe(PAGES * 1000);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(PAGES);
    expect(drift).toBeLessThan(40 * MB);
    expect(growth).toBeLessThan(80 * MB);
  }, 60_000);
  it('a client that hangs up while the next page is on its way leaves nothing dangling', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    let failed = 0;
    s3.on(ListObjectsV2Command).callsFake(async (input: ListObjectsV2CommandInput) => {
      if (input.ContinuationToken === undefined) {
        return { Contents: [{ Key: 'data/a', Size: 1 }], IsTruncated: true, NextContinuationToken: 'p2' };
      }
      // The lookahead request fails only after the client has gone.
      await new Promise((r) => setTimeout(r, 200));
      failed += 1;
      throw Object.assign(new Error('boom'), { name: 'InternalError' });
    });
    const res = await request(url(f, '/s3/buckets/acme-data/objects.ndjson?prefix=data/'), f.user.headers);
    expect(res.statusCode).toBe(200);
    const first = await new Promise<Buffer>((resolve) => res.once('data', resolve));
    expect(JSON.parse(first.toString('utf8').split('\n')[0] ?? '')).toMatchObject({ key: 'data/a' });
    res.destroy();
    await new Promise((r) => setTimeout(r, 400));
    // The prefetch ran and failed with no one listening: no unhandled rejection (vitest fails the
    // run on one), and the server still answers.
    expect(failed).toBe(1);
    const again = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(again.statusCode).toBe(200);
  });
});
