import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../bench/lib.ts';
import { type StubProcess, startStubProcess } from './aws-stub-process.ts';
import { fetchJson, signUpWithApiKey } from './support.ts';

// Issue 25.3: what a slow or idle client may hold. The server runs in its own process with short
// limits (2 s) so the tests are quick; assertions are "answered or closed, not hung" within a
// generous bound, never a duration.

const BOUND_MS = 10_000;
const OBJECTS = 300_000;
const PER_ADDRESS = 20;

let stub: StubProcess;
let server: RunningServer;
let port: number;

beforeAll(async () => {
  stub = await startStubProcess({ objectCount: OBJECTS });
  server = await startServer({
    AWS_ENDPOINT_URL: stub.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAHOSTILEEXHAUST00',
    AWS_SECRET_ACCESS_KEY: 'hostile-exhaust-base-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    ROLEGATE_AWS_PRINCIPAL_ARN: 'arn:aws:iam::111111111111:role/rolegate-service',
    ROLEGATE_RATE_LIMIT_AUTH_MAX: '100000',
    ROLEGATE_RATE_LIMIT_API_MAX: '1000000',
    ROLEGATE_PRESSURE_MAX_EVENT_LOOP_DELAY: '0',
    ROLEGATE_VERIFY_INTERVAL: '0',
    ROLEGATE_REQUEST_TIMEOUT: '2',
    ROLEGATE_HEADERS_TIMEOUT: '2',
    ROLEGATE_STREAM_STALL_TIMEOUT: '2',
    ROLEGATE_MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS),
    ROLEGATE_UPLOAD_MIN_BYTES_PER_SECOND: '1024',
    ROLEGATE_UPLOAD_THROUGHPUT_WINDOW: '1',
  });
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await server?.stop();
  await stub?.stop();
});

interface RawOutcome {
  /** The status line's code, or null when the server closed without answering. */
  status: number | null;
  text: string;
  /** Whether the server closed (or reset) the connection. */
  closed: boolean;
}

/** A raw HTTP/1.1 exchange: `onOpen` writes the request (possibly slowly); resolves on close or at the bound. */
function raw(onOpen: (socket: Socket) => void, bound = BOUND_MS): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      socket.destroy();
      resolve({ status: m === null ? null : Number(m[1]), text, closed });
    };
    const timer = setTimeout(() => finish(false), bound);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => onOpen(socket));
  });
}

/** Writes one byte of `body` at a time, every `everyMs`, until the socket closes. */
function trickle(socket: Socket, body: string, everyMs: number): void {
  let i = 0;
  const tick = setInterval(() => {
    if (socket.destroyed || i >= body.length) return clearInterval(tick);
    socket.write(body[i++]!);
  }, everyMs);
  socket.once('close', () => clearInterval(tick));
}

let tenantMemo: Promise<{ headers: Record<string, string>; connPath: string }> | undefined;

/** One organisation with an admin API key, no approvals, and a verified S3 connection (made once). */
function tenant(): Promise<{ headers: Record<string, string>; connPath: string }> {
  tenantMemo ??= (async () => {
    const base = server.url;
    const { orgId, headers, ownerHeaders } = await signUpWithApiKey(base, 'exhaust', BOUND_MS);
    // Uploads are what these limits are about, not the four-eyes rule that gates S3 writes by default.
    await fetchJson(
      'PUT',
      `${base}/v1/orgs/${orgId}/approval-policy`,
      {
        operations: [],
        approverRoles: ['admin', 'owner'],
        approvalsRequired: 1,
        grantTtlSeconds: 3600,
        grantMode: 'single_use',
      },
      ownerHeaders,
    );
    const conn = await fetchJson<{ id: string; externalId: string }>(
      'POST',
      `${base}/v1/orgs/${orgId}/connections`,
      { name: 'exhaust', capabilities: ['s3-read', 's3-write'] },
      headers,
    );
    await stub.allowExternalId(conn.externalId);
    const connPath = `/v1/orgs/${orgId}/connections/${conn.id}`;
    await fetchJson(
      'PATCH',
      `${base}${connPath}`,
      { roleArn: 'arn:aws:iam::222222222222:role/customer' },
      headers,
    );
    const verified = await fetchJson<{ status: string }>(
      'POST',
      `${base}${connPath}/verify`,
      undefined,
      headers,
    );
    expect(verified.status).toBe('verified');

    return { headers, connPath };
  })();
  return tenantMemo;
}

describe('request and connection limits (25.3)', () => {
  for (const path of ['/v1/auth/login', '/v1/intents']) {
    it(`a body trickled to ${path} is cut off (408, connection closed) instead of held open`, async () => {
      // Authenticated, so the route really waits for the body (an early 401 would not).
      const { headers } = await tenant();
      const body = JSON.stringify({ email: 'slow@example.test', password: 'x'.repeat(40) });
      const out = await raw((socket) => {
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${headers.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        trickle(socket, body, 500);
      });
      expect(out.closed).toBe(true);
      expect(out.status).toBe(408);
      expect(out.text).toContain('request_timeout');
    });
  }

  it('an upload is exempt from the request deadline while it keeps the throughput floor', async () => {
    const { headers, connPath } = await tenant();
    const chunk = 'u'.repeat(8 * 1024);
    const chunks = 14; // 8 KiB every 250 ms: ~3.5 s, past the 2 s request deadline, 32 KiB/s > 1 KiB/s
    const out = await raw((socket) => {
      socket.write(
        `PUT ${connPath}/s3/buckets/bucket-1/object?key=big.bin HTTP/1.1\r\nHost: x\r\nAuthorization: ${headers.authorization}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${chunk.length * chunks}\r\nConnection: close\r\n\r\n`,
      );
      let sent = 0;
      const tick = setInterval(() => {
        if (socket.destroyed || sent === chunks) return clearInterval(tick);
        socket.write(chunk);
        sent++;
      }, 250);
    });
    expect(out.status, out.text).toBe(200);
    expect(out.text).toContain('"size":114688');
  });

  it('an upload below the throughput floor is cut off (408, closed)', async () => {
    const { headers, connPath } = await tenant();
    const out = await raw((socket) => {
      socket.write(
        `PUT ${connPath}/s3/buckets/bucket-1/object?key=slow.bin HTTP/1.1\r\nHost: x\r\nAuthorization: ${headers.authorization}\r\nContent-Type: application/octet-stream\r\nContent-Length: 4096\r\n\r\n`,
      );
      trickle(socket, 'x'.repeat(4096), 200);
    });
    expect(out.closed).toBe(true);
    expect(out.status).toBe(408);
  });

  it('an unknown route with a declared body is answered 404 without the body being sent, and closed', async () => {
    const out = await raw((socket) => {
      // 512 KiB declared (under the body limit), not one byte sent.
      socket.write(
        'POST /v1/no-such-route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 524288\r\n\r\n',
      );
    });
    expect(out.status).toBe(404);
    expect(out.text).toContain('not_found');
    expect(out.closed).toBe(true);
  });

  it(`sockets over the per-address cap (${PER_ADDRESS}) are refused; the cap frees up as they close`, async () => {
    const sockets: Socket[] = [];
    const answers = await Promise.all(
      Array.from(
        { length: PER_ADDRESS * 2 },
        () =>
          new Promise<number | null>((resolve) => {
            const socket = connect(port, '127.0.0.1');
            sockets.push(socket);
            let text = '';
            const settle = () =>
              resolve(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ? Number(text.slice(9, 12)) : null);
            socket.setEncoding('latin1');
            socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
            socket.on('data', (c: string) => {
              text += c;
              if (/\r\n\r\n/.test(text)) settle();
            });
            socket.on('error', settle);
            socket.on('close', settle);
            setTimeout(settle, BOUND_MS);
          }),
      ),
    );
    const answered = answers.filter((s) => s === 200).length;
    const refused = answers.filter((s) => s === null).length;
    for (const s of sockets) s.destroy();
    expect(answered).toBeLessThanOrEqual(PER_ADDRESS);
    expect(refused).toBeGreaterThanOrEqual(PER_ADDRESS);
    // Closed sockets are no longer counted.
    await new Promise((r) => setTimeout(r, 200));
    const again = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(BOUND_MS) });
    expect(again.status).toBe(200);
  });

  it('a listing stream the client stops reading is aborted, and so is its S3 pagination', async () => {
    const { headers, connPath } = await tenant();
    const pagesBefore = (await stub.counts())['s3.ListObjectsV2'] ?? 0;
    let socket!: Socket;
    let received = '';
    const closed = new Promise<void>((resolve) => {
      socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `GET ${connPath}/s3/buckets/bucket-1/objects.ndjson HTTP/1.1\r\nHost: x\r\nAuthorization: ${headers.authorization}\r\n\r\n`,
        );
        // Read nothing: the server's writes back up into the socket buffers.
        socket.pause();
      });
      socket.setEncoding('latin1');
      socket.on('data', (c: string) => {
        received += c;
      });
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    // Longer than the stall limit (2 s) by far; then read whatever the server still sends.
    await new Promise((r) => setTimeout(r, 6_000));
    socket.resume();
    const ended = await Promise.race([
      closed.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), BOUND_MS)),
    ]);
    socket.destroy();
    const lines = received.split('\n').filter((l) => l.startsWith('{"key"')).length;
    const pages = ((await stub.counts())['s3.ListObjectsV2'] ?? 0) - pagesBefore;
    process.stderr.write(`unread listing: ${lines} lines received, ${pages} S3 pages fetched\n`);
    expect(received.startsWith('HTTP/1.1 200')).toBe(true);
    // The server gave up on the stream: the connection closed before the listing was complete…
    expect(ended).toBe(true);
    expect(lines).toBeLessThan(OBJECTS);
    expect(received.endsWith('\r\n0\r\n\r\n')).toBe(false);
    // …and stopped asking S3 for pages.
    expect(pages).toBeLessThan(OBJECTS / 1000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(((await stub.counts())['s3.ListObjectsV2'] ?? 0) - pagesBefore).toBe(pages);
  });
});
