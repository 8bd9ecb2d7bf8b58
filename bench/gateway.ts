import { startClient, type ThroughputSummary } from './client.ts';
import { startTenantServer } from './flow.ts';
import { type BenchResult, machine } from './lib.ts';
import { createThrowawayPostgres } from './pg.ts';
import { startStub } from './stub-process.ts';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** Cache `off`: warm-up plus measured requests stay within the STS budget's burst of 60 (verification used 3). */
const OFF_WARMUP = 5;
const OFF_REQUESTS = 50;

/**
 * Gateway overhead: an authenticated (API key), rate-limited, audited S3 ListBuckets through
 * Rolegate against the direct AWS SDK ListBuckets to the same stub, with the credential cache
 * `memory` and `off` (one server run each). Latency at concurrency 1 (sequential requests after a
 * warm-up, timed client-side) and throughput at concurrency 64 (autocannon against Rolegate, 64
 * concurrent SDK loops against the stub), all from one separate load-generator process.
 */
export async function benchGateway(): Promise<BenchResult> {
  const n = num('BENCH_GATEWAY_REQUESTS', 500);
  const warmup = num('BENCH_GATEWAY_WARMUP', 100);
  const seconds = num('BENCH_GATEWAY_SECONDS', 10);
  const concurrency = 64;
  const stub = await startStub();
  const client = await startClient();
  const pg = await createThrowawayPostgres();
  const metrics: BenchResult['metrics'] = { requests: n, warmup, seconds, concurrency };
  try {
    const direct = await client.sdkLatency(stub.url, n, warmup);
    const directTp: ThroughputSummary = await client.sdkThroughput(stub.url, concurrency, seconds);
    Object.assign(metrics, {
      directP50Ms: direct.p50,
      directP99Ms: direct.p99,
      directRps: directTp.rps,
      directTpP50Ms: directTp.p50,
      directTpP99Ms: directTp.p99,
      directErrors: direct.errors + directTp.errors,
    });
    // The targets apply to the default deployment (PGlite); the PostgreSQL run shows the database's share.
    const runs: Array<{ label: string; cache: 'memory' | 'off'; env: Record<string, string> }> = [
      { label: 'memory', cache: 'memory', env: {} },
      { label: 'off', cache: 'off', env: {} },
    ];
    if (pg !== null) runs.push({ label: 'postgresMemory', cache: 'memory', env: { DATABASE_URL: pg.url } });
    for (const { label, cache, env } of runs) {
      const { tenant, verification, stop } = await startTenantServer(stub, {
        ROLEGATE_CREDENTIAL_CACHE: cache,
        ...env,
      });
      metrics.verification = verification;
      try {
        const url = `${tenant.base}/s3/buckets`;
        const before = await stub.counts();
        // With `off` every request is an AssumeRole, and the broker's per-organisation STS budget
        // (burst 60, then 120/min) refuses the rest with 429: measure latency within the burst.
        const latN = cache === 'off' ? Math.min(n, OFF_REQUESTS) : n;
        const latWarmup = cache === 'off' ? OFF_WARMUP : warmup;
        const lat = await client.httpLatency(url, tenant.headers, latN, latWarmup);
        const tp = await client.httpThroughput(url, tenant.headers, concurrency, { seconds });
        const after = await stub.counts();
        const assumes = (after['sts.AssumeRole'] ?? 0) - (before['sts.AssumeRole'] ?? 0);
        // Only answered (2xx) requests count as throughput; refusals are reported separately.
        const okRps = Math.round((tp.requests - tp.non2xx - tp.errors) / tp.seconds);
        Object.assign(metrics, {
          [`${label}Requests`]: latN,
          [`${label}P50Ms`]: lat.p50,
          [`${label}P99Ms`]: lat.p99,
          [`${label}AddedP50Ms`]: Math.round((lat.p50 - direct.p50) * 1000) / 1000,
          [`${label}P50Ratio`]: Math.round((lat.p50 / direct.p50) * 100) / 100,
          [`${label}LatencyErrors`]: lat.errors,
          [`${label}Rps`]: okRps,
          [`${label}TpP50Ms`]: tp.p50,
          [`${label}TpP99Ms`]: tp.p99,
          [`${label}RpsRatio`]: Math.round((okRps / directTp.rps) * 100) / 100,
          [`${label}TpNon2xx`]: tp.non2xx,
          [`${label}TpErrors`]: tp.errors,
          [`${label}TpStatusCodes`]: JSON.stringify(tp.statusCodes ?? {}),
          [`${label}AssumeRoleCalls`]: assumes,
        });
      } finally {
        await stop();
      }
    }
  } finally {
    await pg?.drop();
    await client.stop();
    await stub.stop();
  }
  const added = Number(metrics.memoryAddedP50Ms);
  const ratio = Number(metrics.memoryRpsRatio);
  return {
    name: 'gateway',
    description:
      'S3 ListBuckets through Rolegate (API key, rate limit, audit) vs the direct AWS SDK call to the same stub; ' +
      'latency at concurrency 1, throughput at concurrency 64; credential cache memory and off',
    date: new Date().toISOString(),
    machine: machine(),
    metrics,
    targets: [
      {
        metric: 'memoryAddedP50Ms',
        target: '≤ 1.5 ms added p50 (cache memory, PGlite; issue 16)',
        value: added,
        pass: added <= 1.5,
      },
      {
        metric: 'memoryRpsRatio',
        target: '≥ 0.5 of the direct SDK throughput at 64 (cache memory, PGlite; issue 16)',
        value: ratio,
        pass: ratio >= 0.5 && metrics.memoryTpNon2xx === 0,
      },
      // The same targets on PostgreSQL, the multi-node deployment, when it was measured.
      ...(metrics.postgresMemoryRpsRatio === undefined
        ? []
        : [
            {
              metric: 'postgresMemoryAddedP50Ms',
              target: '≤ 1 ms added p50 (cache memory, PostgreSQL; issue 16)',
              value: Number(metrics.postgresMemoryAddedP50Ms),
              pass: Number(metrics.postgresMemoryAddedP50Ms) <= 1,
            },
            {
              metric: 'postgresMemoryRpsRatio',
              target: '≥ 0.6 of the direct SDK throughput at 64 (cache memory, PostgreSQL; issue 16)',
              value: Number(metrics.postgresMemoryRpsRatio),
              pass: Number(metrics.postgresMemoryRpsRatio) >= 0.6 && metrics.postgresMemoryTpNon2xx === 0,
            },
          ]),
    ],
  };
}
