import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * One owner per embedded database. PGlite is a single-process PostgreSQL: two processes that open the
 * same directory each keep their own shared buffers and WAL position, so each sees its own records
 * and the last one to checkpoint overwrites the other's pages (issue 22: an API key created through
 * the server and a CLI scan's audit records were gone after a restart, and `audit verify` said
 * valid). The lock file is created with O_CREAT|O_EXCL, so exactly one process can hold it; it names
 * the holder so that the second one can say who to stop or which API to use instead.
 */

export const LOCK_FILE = 'rolegate.lock';

export interface LockOwner {
  pid: number;
  /** When the holding process started (ms since the epoch): tells a live holder from a reused pid. */
  processStartedAt: number;
  /** The command line's rolegate command, e.g. `serve`, `scan`, `audit verify`. */
  command: string;
  /** The server's address while `serve` holds the lock. */
  url?: string;
}

export class DataDirLockedError extends Error {
  readonly owner: LockOwner | undefined;
  constructor(dataDir: string, owner: LockOwner | undefined) {
    const who =
      owner === undefined
        ? `another process owns ${dataDir} (its ${LOCK_FILE} cannot be read); if none is running, remove that file`
        : owner.command === 'serve'
          ? `the server${owner.url === undefined ? '' : ` at ${owner.url}`} (pid ${owner.pid}) owns ${dataDir}; stop it or use the API`
          : `\`rolegate ${owner.command}\` (pid ${owner.pid}) owns ${dataDir}; wait for it to finish or stop it`;
    super(who);
    this.name = 'DataDirLockedError';
    this.owner = owner;
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Records the address once the server listens (the port may be chosen by the OS). */
  setUrl(url: string): void;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** How the current process is identified; the platform parts are injectable for tests. */
export interface LockEnvironment {
  pid: number;
  processStartedAt: number;
  /** Whether `pid` is a running process that started at `startedAt` (± clock granularity). */
  isAlive(pid: number, startedAt: number): boolean;
}

export function currentProcess(): LockEnvironment {
  return {
    pid: process.pid,
    processStartedAt: Math.round(Date.now() - process.uptime() * 1000),
    isAlive: processIsAlive,
  };
}

/** Signal 0 checks existence; on Linux /proc tells whether the pid was reused by a later process. */
export function processIsAlive(pid: number, startedAt: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = linuxProcessStart(pid);
  // Start times from /proc are in clock ticks (10 ms) since boot; two seconds of slack absorbs the
  // rounding of both measurements and an NTP step between them.
  return started === undefined || Math.abs(started - startedAt) < 2_000;
}

function linuxProcessStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!Number.isFinite(ticks) || boot === null) return undefined;
    // USER_HZ is 100 on every Linux ABI Node supports.
    return Number(boot[1]) * 1000 + ticks * 10;
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid !== 'number' || typeof v.processStartedAt !== 'number' || typeof v.command !== 'string')
      return undefined;
    return {
      pid: v.pid,
      processStartedAt: v.processStartedAt,
      command: v.command,
      ...(typeof v.url === 'string' ? { url: v.url } : {}),
    };
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Takes the lock on `dataDir` or throws DataDirLockedError naming the live holder. A lock left by a
 * process that died (SIGKILL, power loss) is taken over. A lock file that cannot be parsed is
 * treated as held for UNREADABLE_LOCK_GRACE_MS (its writer is most likely starting right now), then
 * as stale.
 */
export function acquireDataDirLock(
  dataDir: string,
  command: string,
  env: LockEnvironment = currentProcess(),
): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const me: LockOwner = { pid: env.pid, processStartedAt: env.processStartedAt, command };
  let mine = '';
  const write = (owner: LockOwner, exclusive: boolean): boolean => {
    const text = `${JSON.stringify(owner)}\n`;
    if (!exclusive) {
      // Replaced whole (rename is atomic): a reader never sees a half-written lock.
      const next = `${path}.${env.pid}.tmp`;
      writeFileSync(next, text, { mode: 0o600 });
      renameSync(next, path);
      mine = text;
      return true;
    }
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    mine = text;
    return true;
  };

  for (let attempt = 0; attempt < 5; attempt++) {
    if (write(me, true)) return handle();
    const seen = readText(path);
    if (seen === undefined) continue; // released between our open and our read
    const holder = parseOwner(seen);
    if (holder === undefined) {
      // Created but not yet written by a process starting right now, or left empty by one that died
      // in between: held while young, stale once older than any start could take.
      if (ageMs(path) < UNREADABLE_LOCK_GRACE_MS) throw new DataDirLockedError(dataDir, undefined);
    } else if (env.isAlive(holder.pid, holder.processStartedAt)) {
      throw new DataDirLockedError(dataDir, holder);
    }
    // Stale. Move it aside atomically, then check that what we moved is what we judged: another
    // process may have taken over the same stale lock and written a fresh one in between, which we
    // then put back (link fails if yet another holder exists, and that one wins).
    const aside = `${path}.stale-${env.pid}-${attempt}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = readText(aside);
    if (moved !== seen) {
      try {
        linkSync(aside, path);
      } catch {
        // Somebody else holds it now; either way we are not the owner.
      }
      unlinkSync(aside);
      throw new DataDirLockedError(dataDir, parseOwner(readText(path) ?? ''));
    }
    unlinkSync(aside);
  }
  throw new Error(`could not take the lock ${path}; another process keeps changing it`);

  function handle(): DataDirLock {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      for (const s of SIGNALS) process.off(s, onSignal);
      // Only our own lock is removed: a file that says otherwise belongs to someone else.
      if (readText(path) === mine) unlinkSync(path);
    };
    // A signal with no other listener would end the process without 'exit'; release and re-raise so
    // that the exit status still says "killed by SIGINT". With other listeners (the server's graceful
    // shutdown, the scan's cancel) those decide, and 'exit' releases.
    const onSignal = (signal: NodeJS.Signals) => {
      if (process.listenerCount(signal) > 1) return;
      release();
      process.kill(process.pid, signal);
    };
    process.on('exit', release);
    for (const s of SIGNALS) process.on(s, onSignal);
    return {
      path,
      setUrl(url: string) {
        if (released) return;
        write({ ...me, url }, false);
      },
      release,
    };
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** An unreadable lock file younger than this is treated as held (its writer is between open and write). */
export const UNREADABLE_LOCK_GRACE_MS = 10_000;

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
