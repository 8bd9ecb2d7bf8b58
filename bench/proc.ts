// Request/response over a forked child's IPC channel, so the AWS stub and the load generators
// each run on their own event loop (never sharing one with the process they measure).
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

export interface Worker {
  pid: number;
  call<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Forks `bench/<script>` (a module that calls `serveRequests`) and waits for its first message. */
export async function startWorker(script: string, args: string[] = []): Promise<Worker & { hello: unknown }> {
  const child: ChildProcess = fork(join(import.meta.dirname, script), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const hello = await new Promise<unknown>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code})`)));
  });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m) => {
    const reply = m as Reply;
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(reply.error ?? 'worker error'));
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${script} exited (${code})`));
    pending.clear();
  });
  return {
    pid: child.pid ?? 0,
    hello,
    call: <T>(message: Record<string, unknown>) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...message, id });
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** In the child: answers each `{id, ...}` request with the handler's result. */
export function serveRequests(
  hello: unknown,
  handler: (message: Record<string, unknown>) => Promise<unknown>,
): void {
  const send = (m: unknown) => process.send?.(m);
  process.on('message', (m) => {
    const message = m as Record<string, unknown> & { id: number };
    handler(message).then(
      (value) => send({ id: message.id, ok: true, value }),
      (err: unknown) =>
        send({ id: message.id, ok: false, error: err instanceof Error ? err.stack : String(err) }),
    );
  });
  process.on('SIGTERM', () => process.exit(0));
  send(hello);
}
