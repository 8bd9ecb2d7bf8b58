import { startClient } from './client.ts';
import { memoryOf, startTenantServer } from './flow.ts';
import { type BenchResult, machine } from './lib.ts';
import { createThrowawayPostgres } from './pg.ts';
import { startStub } from './stub-process.ts';

const MiB = 1024 * 1024;

/** Samples the server's resident memory every 50 ms while `work` runs; returns the peak seen. */
async function withMemoryPeak<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ value: T; peakRss: number }> {
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, (await memoryOf(pid)).rss);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    return { value: await work(), peakRss };
  } finally {
    sampling = false;
    await sampler;
  }
}

/**
 * Streaming: list every object of a bucket (NDJSON route, paged 1,000 at a time against the stub)
 * and download one large object through Rolegate, against the direct AWS SDK doing the same
 * (paging ListObjectsV2; streaming GetObject to nowhere). Peak RSS of the server process from
 * /proc (VmRSS sampled every 50 ms during the transfers, and VmHWM over the whole process life).
 */
export async function benchStreaming(): Promise<BenchResult> {
  const objects = Number(process.env.BENCH_STREAM_OBJECTS ?? 1_000_000);
  const bytes = Number(process.env.BENCH_STREAM_BYTES ?? 1024 * MiB);
  const stub = await startStub({ objectCount: objects, objectSize: bytes });
  const client = await startClient();
  // PostgreSQL when reachable: with PGlite the database itself lives in the server process and
  // its WASM heap would dominate the RSS figure.
  const pg = await createThrowawayPostgres();
  const metrics: BenchResult['metrics'] = { objects, bytes, database: pg === null ? 'pglite' : 'postgres' };
  try {
    const directList = await client.sdkListAll(stub.url, 'bench-bucket');
    const directGet = await client.sdkGet(stub.url, 'bench-bucket', 'big/object.bin');
    Object.assign(metrics, {
      directListMs: directList.ms,
      directListItems: directList.items,
      directGetMs: directGet.ms,
      directGetBytes: directGet.bytes,
    });
    const { server, tenant, verification, stop } = await startTenantServer(
      stub,
      {
        ROLEGATE_CREDENTIAL_CACHE: 'memory',
        ...(pg === null ? {} : { DATABASE_URL: pg.url }),
      },
      // A fresh process for the transfers: VmHWM then covers start-up and the transfers only, not
      // the verification probes (the stub answers any two-segment GET, Lambda's included, with
      // the large object).
      { restartAfterSetup: true },
    );
    metrics.verification = verification;
    try {
      const pid = server.child.pid ?? 0;
      const idle = await memoryOf(pid);
      const list = await withMemoryPeak(pid, () =>
        client.httpDrain(`${tenant.base}/s3/buckets/bench-bucket/objects.ndjson`, tenant.headers),
      );
      const get = await withMemoryPeak(pid, () =>
        client.httpDrain(
          `${tenant.base}/s3/buckets/bench-bucket/object?key=${encodeURIComponent('big/object.bin')}`,
          tenant.headers,
        ),
      );
      const end = await memoryOf(pid);
      Object.assign(metrics, {
        idleRssMiB: Math.round(idle.rss / MiB),
        listStatus: list.value.status,
        listMs: list.value.ms,
        listItems: list.value.items,
        listRatio: Math.round((list.value.ms / directList.ms) * 100) / 100,
        listPeakRssMiB: Math.round(list.peakRss / MiB),
        getStatus: get.value.status,
        getMs: get.value.ms,
        getBytes: get.value.bytes,
        getRatio: Math.round((get.value.ms / directGet.ms) * 100) / 100,
        getPeakRssMiB: Math.round(get.peakRss / MiB),
        getMiBps: Math.round(bytes / MiB / (get.value.ms / 1000)),
        lifetimePeakRssMiB: Math.round(end.hwm / MiB),
      });
    } finally {
      await stop();
    }
  } finally {
    await pg?.drop();
    await client.stop();
    await stub.stop();
  }
  const peak = Number(metrics.lifetimePeakRssMiB);
  const listRatio = Number(metrics.listRatio);
  const getRatio = Number(metrics.getRatio);
  const complete = metrics.listItems === objects && metrics.getBytes === bytes;
  return {
    name: 'streaming',
    description: `list ${objects} objects (NDJSON) and download a ${Math.round(bytes / MiB)} MiB object through Rolegate vs the direct SDK`,
    date: new Date().toISOString(),
    machine: machine(),
    metrics,
    targets: [
      {
        metric: 'lifetimePeakRssMiB',
        target: '< 200 MiB (server VmHWM)',
        value: peak,
        pass: peak < 200 && complete,
      },
      {
        metric: 'listRatio',
        target: '≤ 1.3× the direct SDK',
        value: listRatio,
        pass: listRatio <= 1.3 && complete,
      },
      {
        metric: 'getRatio',
        target: '≤ 1.3× the direct SDK',
        value: getRatio,
        pass: getRatio <= 1.3 && complete,
      },
    ],
  };
}
