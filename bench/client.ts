// The load generator, in its own process: the direct AWS SDK calls to the stub and the HTTP
// calls to Rolegate are made from here, so both sides are measured under the same conditions
// and neither shares an event loop with the stub or the server.
import { Agent, request } from 'node:http';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import autocannon from 'autocannon';
import { percentile } from './lib.ts';
import { serveRequests, startWorker } from './proc.ts';

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  errors: number;
}

export interface ThroughputSummary {
  requests: number;
  errors: number;
  non2xx: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Responses per HTTP status (autocannon runs only). */
  statusCodes?: Record<string, number>;
}

export interface TransferSummary {
  ms: number;
  bytes: number;
  items: number;
}

export interface Client {
  pid: number;
  sdkLatency(endpoint: string, n: number, warmup: number): Promise<LatencySummary>;
  httpLatency(
    url: string,
    headers: Record<string, string>,
    n: number,
    warmup: number,
  ): Promise<LatencySummary>;
  sdkThroughput(endpoint: string, concurrency: number, seconds: number): Promise<ThroughputSummary>;
  httpThroughput(
    url: string,
    headers: Record<string, string>,
    concurrency: number,
    load: { seconds: number } | { amount: number },
  ): Promise<ThroughputSummary>;
  sdkListAll(endpoint: string, bucket: string): Promise<TransferSummary>;
  sdkGet(endpoint: string, bucket: string, key: string): Promise<TransferSummary>;
  httpDrain(url: string, headers: Record<string, string>): Promise<TransferSummary & { status: number }>;
  stop(): Promise<void>;
}

export async function startClient(): Promise<Client> {
  const w = await startWorker('client.ts');
  return {
    pid: w.pid,
    sdkLatency: (endpoint, n, warmup) => w.call({ cmd: 'sdkLatency', endpoint, n, warmup }),
    httpLatency: (url, headers, n, warmup) => w.call({ cmd: 'httpLatency', url, headers, n, warmup }),
    sdkThroughput: (endpoint, concurrency, seconds) =>
      w.call({ cmd: 'sdkThroughput', endpoint, concurrency, seconds }),
    httpThroughput: (url, headers, concurrency, load) =>
      w.call({ cmd: 'httpThroughput', url, headers, concurrency, ...load }),
    sdkListAll: (endpoint, bucket) => w.call({ cmd: 'sdkListAll', endpoint, bucket }),
    sdkGet: (endpoint, bucket, key) => w.call({ cmd: 'sdkGet', endpoint, bucket, key }),
    httpDrain: (url, headers) => w.call({ cmd: 'httpDrain', url, headers }),
    stop: () => w.stop(),
  };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

function s3(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDBENCHSTUBDUMMY00', secretAccessKey: 'benchSecretKey' },
    maxAttempts: 1,
  });
}

function summarise(samples: number[], errors: number): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length);
  return {
    n: samples.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    mean: round(mean),
    errors,
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One GET over a keep-alive agent, body drained; resolves with status and byte/line counts. */
function get(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let bytes = 0;
      let lines = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function timed(n: number, warmup: number, once: () => Promise<boolean>): Promise<LatencySummary> {
  for (let i = 0; i < warmup; i++) await once();
  const samples: number[] = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const ok = await once();
    samples.push(performance.now() - t0);
    if (!ok) errors += 1;
  }
  return summarise(samples, errors);
}

async function handle(m: Record<string, unknown>): Promise<unknown> {
  switch (m.cmd) {
    case 'sdkLatency': {
      const client = s3(String(m.endpoint));
      return timed(Number(m.n), Number(m.warmup), async () => {
        const out = await client.send(new ListBucketsCommand({}));
        return (out.Buckets?.length ?? 0) > 0;
      });
    }
    case 'httpLatency': {
      const headers = m.headers as Record<string, string>;
      return timed(
        Number(m.n),
        Number(m.warmup),
        async () => (await get(String(m.url), headers)).status === 200,
      );
    }
    case 'sdkThroughput': {
      const client = s3(String(m.endpoint));
      const deadline = performance.now() + Number(m.seconds) * 1000;
      const samples: number[] = [];
      let errors = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: Number(m.concurrency) }, async () => {
          while (performance.now() < deadline) {
            const t0 = performance.now();
            try {
              await client.send(new ListBucketsCommand({}));
            } catch {
              errors += 1;
            }
            samples.push(performance.now() - t0);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const s = summarise(samples, errors);
      return {
        requests: samples.length,
        errors,
        non2xx: 0,
        seconds: round(seconds),
        rps: Math.round(samples.length / seconds),
        p50: s.p50,
        p99: s.p99,
      };
    }
    case 'httpThroughput': {
      const result = await autocannon({
        url: String(m.url),
        headers: m.headers as Record<string, string>,
        connections: Number(m.concurrency),
        ...(m.amount === undefined ? { duration: Number(m.seconds) } : { amount: Number(m.amount) }),
      });
      const requests = result.requests.total;
      const seconds = result.duration;
      return {
        requests,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        seconds: round(seconds),
        rps: Math.round(requests / seconds),
        p50: result.latency.p50,
        p99: result.latency.p99,
        statusCodes: Object.fromEntries(
          Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]),
        ),
      };
    }
    case 'sdkListAll': {
      const client = s3(String(m.endpoint));
      const t0 = performance.now();
      let items = 0;
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: String(m.bucket), ContinuationToken: token, MaxKeys: 1000 }),
        );
        items += page.Contents?.length ?? 0;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return { ms: Math.round(performance.now() - t0), bytes: 0, items };
    }
    case 'sdkGet': {
      const client = s3(String(m.endpoint));
      const t0 = performance.now();
      const out = await client.send(new GetObjectCommand({ Bucket: String(m.bucket), Key: String(m.key) }));
      let bytes = 0;
      for await (const chunk of out.Body as AsyncIterable<Buffer>) bytes += chunk.length;
      return { ms: Math.round(performance.now() - t0), bytes, items: 1 };
    }
    case 'httpDrain': {
      const t0 = performance.now();
      const r = await get(String(m.url), m.headers as Record<string, string>);
      return { ms: Math.round(performance.now() - t0), bytes: r.bytes, items: r.lines, status: r.status };
    }
    default:
      throw new Error(`unknown command ${String(m.cmd)}`);
  }
}

if (process.send !== undefined && process.argv[1]?.endsWith('client.ts')) {
  serveRequests({ ready: true }, handle);
}
