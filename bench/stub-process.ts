// The AWS stub in its own process: `startStub(options)` from the benchmarks; requests over IPC.
import { type AwsStubOptions, startAwsStub } from './aws-stub.ts';
import { serveRequests, startWorker } from './proc.ts';

export interface StubProcess {
  url: string;
  pid: number;
  allowExternalId(id: string): Promise<void>;
  counts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startStub(options: AwsStubOptions = {}): Promise<StubProcess> {
  const worker = await startWorker('stub-process.ts', [JSON.stringify(options)]);
  const { url } = worker.hello as { url: string };
  return {
    url,
    pid: worker.pid,
    allowExternalId: (id) => worker.call({ cmd: 'allow', externalId: id }),
    counts: () => worker.call({ cmd: 'counts' }),
    stop: () => worker.stop(),
  };
}

if (process.send !== undefined && process.argv[1]?.endsWith('stub-process.ts')) {
  const stub = await startAwsStub(JSON.parse(process.argv[2] ?? '{}') as AwsStubOptions);
  serveRequests({ url: stub.url }, async (m) => {
    if (m.cmd === 'allow') {
      stub.allowExternalId(String(m.externalId));
      return null;
    }
    if (m.cmd === 'counts') return { ...stub.counts };
    throw new Error(`unknown command ${String(m.cmd)}`);
  });
}
