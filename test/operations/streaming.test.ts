import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
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
 * Streamed transfers are proved by behaviour, not by memory readings (those belong to
 * `npm run bench`, where the machine is quiet): bytes reach the client before the source has
 * ended, and while the client does not read, the source is not drained — what sits between the
 * two is bounded by socket and stream buffers, not by the size of the object or listing.
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

const opened: IncomingMessage[] = [];

function request(path: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) =>
    get(`${base}${path}`, { headers }, (res) => {
      opened.push(res);
      resolve(res);
    }).on('error', reject),
  );
}

/** Polls `read` until it stops changing (the producer stalled), or gives up after `rounds`. */
async function settled(read: () => number, rounds = 40): Promise<number> {
  let last = -1;
  for (let i = 0; i < rounds; i++) {
    await sleep(150);
    const now = read();
    if (now === last) return now;
    last = now;
  }
  return read();
}

describe('streamed transfers', () => {
  it('downloads a 200 MB object: bytes arrive before the source ends, and a paused client stalls the source', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const size = 200 * MB;
    const chunk = Buffer.alloc(64 * 1024, 120);
    let produced = 0;
    // The source's last chunk waits until the client has seen bytes: a server that buffered the
    // whole object before answering would never send any, and this test would time out.
    let clientSawBytes: () => void = () => undefined;
    const firstBytes = new Promise<void>((resolve) => {
      clientSawBytes = resolve;
    });
    s3.on(GetObjectCommand).callsFake(async () => ({
      Body: Readable.from(
        (async function* () {
          while (produced < size) {
            if (produced + chunk.length >= size) await firstBytes;
            produced += chunk.length;
            yield Buffer.from(chunk);
          }
        })(),
      ),
      ContentLength: size,
      ContentType: 'application/octet-stream',
    }));
    const res = await request(url(f, '/s3/buckets/acme-data/object?key=big.bin'), f.user.headers);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(size));

    // Backpressure: the client reads nothing, so the source stops being pulled far short of the end.
    res.pause();
    const stalledAt = await settled(() => produced);
    expect(stalledAt).toBeLessThan(size / 2);

    let received = 0;
    for await (const part of res) {
      received += (part as Buffer).length;
      clientSawBytes();
      // At every point, what the source has produced runs ahead of the client by a bounded buffer,
      // never by the object: a buffering proxy would be at `size` from the first byte.
      expect(produced - received).toBeLessThan(size / 2);
    }
    expect(received).toBe(size);
    expect(produced).toBe(size);
  }, 120_000);

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
    const stalled = await settled(() => s3.commandCalls(ListObjectsV2Command).length);
    expect(stalled).toBeLessThan(PAGES);
    await sleep(300);
    expect(s3.commandCalls(ListObjectsV2Command).length).toBe(stalled);
    res.resume();

    let lines = 0;
    let tail = '';
    let pagesWhenFirstLineArrived = -1;
    for await (const part of res) {
      const text = tail + (part as Buffer).toString('utf8');
      const parts = text.split('\n');
      tail = parts.pop() ?? '';
      if (lines === 0 && parts.length > 0)
        pagesWhenFirstLineArrived = s3.commandCalls(ListObjectsV2Command).length;
      lines += parts.length;
    }
    expect(lines).toBe(PAGES * 1000);
    // The first keys reached the client while most pages had not even been asked for.
    expect(pagesWhenFirstLineArrived).toBeGreaterThan(0);
    expect(pagesWhenFirstLineArrived).toBeLessThan(PAGES);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(PAGES);
  }, 120_000);

  it('a client that hangs up while the next page is on its way leaves nothing dangling', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    let failed = 0;
    s3.on(ListObjectsV2Command).callsFake(async (input: ListObjectsV2CommandInput) => {
      if (input.ContinuationToken === undefined) {
        return { Contents: [{ Key: 'data/a', Size: 1 }], IsTruncated: true, NextContinuationToken: 'p2' };
      }
      // The lookahead request fails only after the client has gone.
      await sleep(200);
      failed += 1;
      throw Object.assign(new Error('boom'), { name: 'InternalError' });
    });
    const res = await request(url(f, '/s3/buckets/acme-data/objects.ndjson?prefix=data/'), f.user.headers);
    expect(res.statusCode).toBe(200);
    const first = await new Promise<Buffer>((resolve) => res.once('data', resolve));
    expect(JSON.parse(first.toString('utf8').split('\n')[0] ?? '')).toMatchObject({ key: 'data/a' });
    res.destroy();
    await sleep(400);
    // The prefetch ran and failed with no one listening: no unhandled rejection (vitest fails the
    // run on one), and the server still answers.
    expect(failed).toBe(1);
    const again = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(again.statusCode).toBe(200);
  });
});
