import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchResult, machine, median, startServer } from './lib.ts';

/** Time from process start to /readyz 200 on PGlite: a fresh data directory (migrations included) and a warm one. */
export async function benchStartup(runs = 5): Promise<BenchResult> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'rolegate-startup-'));
    try {
      const first = await startServer({ ROLEGATE_DATA_DIR: dir });
      cold.push(first.readyMs);
      await first.stop();
      const second = await startServer({ ROLEGATE_DATA_DIR: dir });
      warm.push(second.readyMs);
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const coldMedian = Math.round(median(cold));
  const warmMedian = Math.round(median(warm));
  return {
    name: 'startup',
    description: 'process start → GET /readyz 200 on PGlite (file-backed data directory)',
    date: new Date().toISOString(),
    machine: machine(),
    metrics: {
      runs,
      coldMedianMs: coldMedian,
      warmMedianMs: warmMedian,
      coldMaxMs: Math.round(Math.max(...cold)),
      warmMaxMs: Math.round(Math.max(...warm)),
    },
    targets: [
      {
        metric: 'warmMedianMs',
        target: 'a few seconds (≤ 5000 ms)',
        value: warmMedian,
        pass: warmMedian <= 5000,
      },
    ],
  };
}
