import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchResult {
  name: string;
  description: string;
  date: string;
  machine: { cpus: number; model: string; node: string };
  metrics: Record<string, number | string>;
  targets: Array<{ metric: string; target: string; value: number | string; pass: boolean }>;
}

export function machine(): BenchResult['machine'] {
  return { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts `rolegate serve` as a child process (own event loop, as in production) and waits for /readyz. */
export async function startServer(
  env: Record<string, string> = {},
  // BENCH_READY_TIMEOUT_MS: a machine busy with other work can take longer than a minute.
  timeoutMs = Number(process.env.BENCH_READY_TIMEOUT_MS ?? 60_000),
  /** `src/cli.ts` (type-stripped at start, `npm start`) or `dist/cli.js` (built, `npm run start:production`). */
  entry = 'src/cli.ts',
): Promise<RunningServer & { readyMs: number }> {
  const port = await freePort();
  const dataDir = env.ROLEGATE_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'rolegate-bench-'));
  const started = performance.now();
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the server under load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, entry, 'serve'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      ROLEGATE_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error('server did not become ready');
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const readyMs = performance.now() - started;
  return {
    url,
    child,
    dataDir,
    readyMs,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (env.ROLEGATE_DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
