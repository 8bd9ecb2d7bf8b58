import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { AuditEvent } from '../src/audit/types.ts';
import { verifyChain } from '../src/audit/verify.ts';
import { createAuditWriter } from '../src/audit/writer.ts';
import { systemClock } from '../src/clock.ts';
import { openDatabase, statementRunnerOf } from '../src/db/client.ts';
import { newId } from '../src/db/ids.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { type BenchResult, machine, percentile } from './lib.ts';
import { createThrowawayPostgres } from './pg.ts';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** A brokered call's attempt record, as an API key writes it (no personal data, no subject key). */
function callEvent(orgId: string, i: number): AuditEvent {
  return {
    orgId,
    actorType: 'apiKey',
    actorId: 'key_bench',
    action: 'aws.s3.list_buckets',
    outcome: 'attempt',
    connectionId: 'con_bench',
    operation: 's3.ListBuckets',
    requestId: `req-${i}`,
    details: { i },
  };
}

interface Variant {
  label: string;
  /** Appends one record of `orgId`; resolves when it is durable. */
  append(orgId: string, i: number): Promise<void>;
}

async function measure(variant: Variant, sequential: number, concurrency: number, seconds: number) {
  const orgId = newId('org');
  for (let i = 0; i < 20; i++) await variant.append(orgId, i);
  const times: number[] = [];
  for (let i = 0; i < sequential; i++) {
    const t = performance.now();
    await variant.append(orgId, i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  let done = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < until) {
        await variant.append(orgId, w);
        done += 1;
      }
    }),
  );
  return {
    orgId,
    p50Ms: Math.round(percentile(times, 50) * 1000) / 1000,
    p99Ms: Math.round(percentile(times, 99) * 1000) / 1000,
    recordsPerSecond: Math.round(done / seconds),
  };
}

/**
 * The audit append alone, in-process, for each way of writing a record: `transaction` (the locking
 * transaction the writer used before: BEGIN, head UPDATE, INSERT, COMMIT), `statement` (the
 * single-statement chain append it uses now) and `insertOnly` (a durable INSERT of the same row into
 * an unchained copy of the table: the request-path cost of a "durable append, seal later" design,
 * without its sealer). One chain, latency at concurrency 1, records/s at concurrency 64.
 */
export async function benchAppend(): Promise<BenchResult> {
  const sequential = num('BENCH_APPEND_RECORDS', 500);
  const seconds = num('BENCH_APPEND_SECONDS', 5);
  const concurrency = 64;
  const metrics: BenchResult['metrics'] = { sequential, seconds, concurrency };
  const pg = await createThrowawayPostgres();
  const dataDir = mkdtempSync(join(tmpdir(), 'rolegate-bench-append-'));
  const targets: Array<{ kind: string; url: string | undefined }> = [{ kind: 'pglite', url: undefined }];
  if (pg !== null) targets.push({ kind: 'postgres', url: pg.url });
  try {
    for (const { kind, url } of targets) {
      const database = await openDatabase({ url, dataDir: join(dataDir, kind) });
      try {
        await runMigrations(database);
        const run = statementRunnerOf(database.db)!;
        await database.db.execute(sql`create table bench_unsealed (like audit_events including defaults)`);
        const writers = {
          transaction: createAuditWriter({ clock: systemClock, statementPath: false }),
          statement: createAuditWriter({ clock: systemClock }),
        };
        let n = 0;
        const variants: Variant[] = [
          ...Object.entries(writers).map(([label, writer]) => ({
            label,
            append: async (orgId: string, i: number) => {
              await writer.record(database.db, callEvent(orgId, i));
            },
          })),
          {
            label: 'insertOnly',
            append: async (orgId: string, i: number) => {
              n += 1;
              await run(
                {
                  name: 'bench_unsealed_insert',
                  text: `insert into bench_unsealed (id, chain, org_id, seq, created_at, actor_type, actor_id, action,
                    outcome, connection_id, operation, request_id, details, prev_hash, hash)
                    values ($1, $2, $2, $3, now(), 'apiKey', 'key_bench', 'aws.s3.list_buckets', 'attempt',
                    'con_bench', 's3.ListBuckets', $4, $5, '', '')`,
                  values: [newId('aud'), orgId, n, `req-${i}`, JSON.stringify({ i })],
                },
                () => true,
              );
            },
          },
        ];
        for (const variant of variants) {
          const r = await measure(variant, sequential, concurrency, seconds);
          metrics[`${kind}${variant.label[0]!.toUpperCase()}${variant.label.slice(1)}P50Ms`] = r.p50Ms;
          metrics[`${kind}${variant.label[0]!.toUpperCase()}${variant.label.slice(1)}P99Ms`] = r.p99Ms;
          metrics[`${kind}${variant.label[0]!.toUpperCase()}${variant.label.slice(1)}RecordsPerSecond`] =
            r.recordsPerSecond;
          if (variant.label !== 'insertOnly') {
            const verified = await verifyChain(database.db, r.orgId, { checkpoint: false });
            metrics[`${kind}${variant.label[0]!.toUpperCase()}${variant.label.slice(1)}ChainValid`] = String(
              verified.valid,
            );
          }
        }
      } finally {
        await database.close();
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await pg?.drop();
  }
  const valid = Object.entries(metrics)
    .filter(([k]) => k.endsWith('ChainValid'))
    .every(([, v]) => v === 'true');
  return {
    name: 'append',
    description:
      'audit append alone, in-process: locking transaction (before) vs single-statement chain append (now) vs an unchained INSERT (the request-path cost of append-then-seal); p50 at concurrency 1, records/s at 64',
    date: new Date().toISOString(),
    machine: machine(),
    metrics,
    targets: [
      {
        metric: 'postgresStatementP50Ms',
        target: 'reported (no target); every chain verifies valid',
        value: metrics.postgresStatementP50Ms ?? 'not measured',
        pass: valid,
      },
    ],
  };
}
