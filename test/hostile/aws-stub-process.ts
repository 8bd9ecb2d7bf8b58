// The canned AWS stub (bench/aws-stub.ts) in a process of its own, so that a load generator in the
// test process never starves it (and it never competes with the server it feeds).
import { fork } from 'node:child_process';
import { type AwsStubOptions, startAwsStub } from '../../bench/aws-stub.ts';

export interface StubProcess {
  url: string;
  allowExternalId(id: string): Promise<void>;
  counts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

interface Message {
  id?: number;
  cmd?: 'allow' | 'counts';
  externalId?: string;
  url?: string;
  value?: unknown;
}

export async function startStubProcess(options: AwsStubOptions = {}): Promise<StubProcess> {
  const child = fork(import.meta.filename, ['--stub-child', JSON.stringify(options)], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve(String((m as Message).url)));
    child.once('exit', (code) => reject(new Error(`AWS stub process exited early (${code})`)));
  });
  let next = 1;
  const pending = new Map<number, (value: unknown) => void>();
  child.on('message', (m) => {
    const message = m as Message;
    if (message.id === undefined) return;
    pending.get(message.id)?.(message.value);
    pending.delete(message.id);
  });
  const ask = (message: Message) =>
    new Promise<unknown>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      child.send({ ...message, id });
    });
  return {
    url,
    allowExternalId: async (externalId) => {
      await ask({ cmd: 'allow', externalId });
    },
    counts: async () => (await ask({ cmd: 'counts' })) as Record<string, number>,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[2] === '--stub-child' && process.send !== undefined) {
  const stub = await startAwsStub(JSON.parse(process.argv[3] ?? '{}') as AwsStubOptions);
  process.on('message', (m) => {
    const message = m as Message;
    if (message.cmd === 'allow') stub.allowExternalId(String(message.externalId));
    process.send?.({ id: message.id, value: message.cmd === 'counts' ? { ...stub.counts } : null });
  });
  process.on('SIGTERM', () => {
    void stub.close().then(() => process.exit(0));
  });
  process.send({ url: stub.url });
}
