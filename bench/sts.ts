import { startClient } from './client.ts';
import { startTenantServer } from './flow.ts';
import { type BenchResult, machine } from './lib.ts';
import { createThrowawayPostgres } from './pg.ts';
import { startStub } from './stub-process.ts';

/**
 * STS economy: N brokered S3 ListBuckets from 100 concurrent clients, one API key (the broker's
 * cache key includes the actor), one connection, credential cache `memory`; AssumeRole calls are
 * counted by the stub. The server runs on PostgreSQL when one is reachable (only to get through
 * the operations faster; the count does not depend on the database), else on PGlite.
 */
export async function benchSts(): Promise<BenchResult> {
  const operations = Number(process.env.BENCH_STS_OPERATIONS ?? 10_000);
  const concurrency = 100;
  const stub = await startStub();
  const client = await startClient();
  const pg = await createThrowawayPostgres();
  const metrics: BenchResult['metrics'] = {
    operations,
    concurrency,
    database: pg === null ? 'pglite' : 'postgres',
  };
  try {
    const { tenant, verification, stop } = await startTenantServer(stub, {
      ROLEGATE_CREDENTIAL_CACHE: 'memory',
      ...(pg === null ? {} : { DATABASE_URL: pg.url }),
    });
    metrics.verification = verification;
    try {
      const before = await stub.counts();
      const run = await client.httpThroughput(`${tenant.base}/s3/buckets`, tenant.headers, concurrency, {
        amount: operations,
      });
      const after = await stub.counts();
      const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
      Object.assign(metrics, {
        completed: run.requests,
        non2xx: run.non2xx,
        errors: run.errors,
        seconds: run.seconds,
        rps: run.rps,
        p50Ms: run.p50,
        p99Ms: run.p99,
        statusCodes: JSON.stringify(run.statusCodes ?? {}),
        s3ListBucketsCalls: delta('s3.ListBuckets'),
        assumeRoleCalls: delta('sts.AssumeRole'),
      });
    } finally {
      await stop();
    }
  } finally {
    await pg?.drop();
    await client.stop();
    await stub.stop();
  }
  const calls = Number(metrics.assumeRoleCalls);
  const ok = Number(metrics.s3ListBucketsCalls) === operations && Number(metrics.non2xx) === 0;
  return {
    name: 'sts',
    description: `AssumeRole calls for ${operations} S3 ListBuckets from ${concurrency} concurrent clients, one connection, cache memory`,
    date: new Date().toISOString(),
    machine: machine(),
    metrics,
    targets: [
      {
        metric: 'assumeRoleCalls',
        target: `exactly 1 (plus refreshes) for ${operations} operations`,
        value: calls,
        pass: calls === 1,
      },
      {
        metric: 's3ListBucketsCalls',
        target: `${operations}: every operation answered 200`,
        value: Number(metrics.s3ListBucketsCalls),
        pass: ok,
      },
    ],
  };
}
