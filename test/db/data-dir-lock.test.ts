import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import {
  acquireDataDirLock,
  DataDirLockedError,
  LOCK_FILE,
  UNREADABLE_LOCK_GRACE_MS,
} from '../../src/db/data-dir-lock.ts';
import { newId } from '../../src/db/ids.ts';

// One owner per embedded database (issue 22 item 1): two processes on one PGlite directory each
// kept their own view and lost the other's writes. These run the real CLI in child processes.

const dirs: string[] = [];
const children: ChildProcess[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rolegate-lock-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function cliEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    ROLEGATE_DATA_DIR: dataDir,
    ROLEGATE_VERIFY_INTERVAL: '0',
    ...extra,
  };
  // The lock is PGlite's; the PostgreSQL run of the suite must not turn these into PostgreSQL tests.
  delete env.DATABASE_URL;
  return env;
}

function runCli(args: string[], env: NodeJS.ProcessEnv) {
  const res = spawnSync(process.execPath, ['src/cli.ts', ...args], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function readLock(dataDir: string): { pid: number; command: string; url?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as {
      pid: number;
      command: string;
      url?: string;
    };
  } catch {
    return undefined;
  }
}

/** A pid that was running a moment ago and is not any more. */
function deadPid(): number {
  const res = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(res.stdout);
}

describe('the PGlite data directory has exactly one owner', () => {
  it('a CLI command next to a running server is refused with one line naming the server, and runs once it stops', async () => {
    const dataDir = freshDir();
    const server = spawn(process.execPath, ['src/cli.ts', 'serve'], {
      env: cliEnv(dataDir, { PORT: '0' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(server);
    const lock = await waitFor(() => {
      const l = readLock(dataDir);
      return l?.url !== undefined ? l : undefined;
    }, 'the server to listen');
    expect(lock).toMatchObject({ pid: server.pid, command: 'serve' });
    expect(lock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${lock.url}/healthz`)).status).toBe(200);

    for (const args of [['audit', 'verify'], ['scan', newId('con'), '--org', newId('org')], ['migrate']]) {
      const res = runCli(args, cliEnv(dataDir));
      expect(res.status, res.stderr).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toBe(
        `rolegate: the server at ${lock.url} (pid ${server.pid}) owns ${dataDir}; stop it or use the API\n`,
      );
    }

    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const after = runCli(['audit', 'verify'], cliEnv(dataDir));
    expect(after.status, after.stderr).toBe(0);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('a lock left by a process that died is taken over', () => {
    const dataDir = freshDir();
    const pid = deadPid();
    writeFileSync(
      join(dataDir, LOCK_FILE),
      JSON.stringify({
        pid,
        processStartedAt: Date.now() - 60_000,
        command: 'serve',
        url: 'http://127.0.0.1:3000',
      }),
    );
    const res = runCli(['audit', 'verify', '--json'], cliEnv(dataDir));
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ valid: true });
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  }, 60_000);

  it('a live pid whose start time does not match (a reused pid) is stale too', () => {
    const dataDir = freshDir();
    const lock = acquireDataDirLock(dataDir, 'scan', {
      pid: 4242,
      processStartedAt: 1_000,
      isAlive: () => false,
    });
    // The same pid, alive, but started at another time than the lock says: not the holder.
    const next = acquireDataDirLock(dataDir, 'audit verify', {
      pid: 4343,
      processStartedAt: 2_000,
      isAlive: (p, started) => p === 4242 && started === 9_999,
    });
    expect(readLock(dataDir)).toMatchObject({ pid: 4343, command: 'audit verify' });
    next.release();
    lock.release(); // not its file any more: leaves nothing behind and removes nothing of another's
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('an unreadable lock is held while young (its writer is starting), stale once old', () => {
    const dataDir = freshDir();
    const file = join(dataDir, LOCK_FILE);
    writeFileSync(file, '');
    const alive = { pid: 1, processStartedAt: 0, isAlive: () => true };
    expect(() => acquireDataDirLock(dataDir, 'scan', alive)).toThrow(/cannot be read/);
    const old = new Date(Date.now() - UNREADABLE_LOCK_GRACE_MS - 60_000);
    utimesSync(file, old, old);
    const lock = acquireDataDirLock(dataDir, 'scan', alive);
    expect(readLock(dataDir)).toMatchObject({ pid: 1, command: 'scan' });
    lock.setUrl('http://127.0.0.1:1');
    expect(readLock(dataDir)).toMatchObject({ pid: 1, command: 'scan', url: 'http://127.0.0.1:1' });
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('in one process, a second open of the same directory is refused; memory:// is not locked', async () => {
    const dataDir = freshDir();
    const first = await openDatabase({ url: undefined, dataDir, command: 'serve' });
    try {
      first.lock?.setUrl('http://127.0.0.1:3999');
      const err = await openDatabase({ url: undefined, dataDir, command: 'scan' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirLockedError);
      expect((err as Error).message).toBe(
        `the server at http://127.0.0.1:3999 (pid ${process.pid}) owns ${dataDir}; stop it or use the API`,
      );
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const a = await openDatabase({ url: undefined, dataDir: 'memory://' });
    const b = await openDatabase({ url: undefined, dataDir: 'memory://' });
    await a.close();
    await b.close();
  }, 60_000);

  it('a one-shot command names itself in the lock', () => {
    const dataDir = freshDir();
    const held = acquireDataDirLock(dataDir, 'scan');
    try {
      const res = runCli(['audit', 'verify'], cliEnv(dataDir));
      expect(res.status).toBe(1);
      expect(res.stderr).toBe(
        `rolegate: \`rolegate scan\` (pid ${process.pid}) owns ${dataDir}; wait for it to finish or stop it\n`,
      );
    } finally {
      held.release();
    }
  }, 60_000);
});
