import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * The scan-only SDK packages (EC2 alone is ~60 MiB resident and ~0.7 s to import) are not part of
 * the server's start-up: they load when a scan, a clean-up or a cost-scan probe first needs them
 * (src/scans/sdk.ts). Checked on the real module graph of `rolegate serve`, in a fresh process.
 */
describe('AWS SDK loading', () => {
  it('starting the server loads no EC2, RDS or ELBv2 client; the first scan loads them', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(import.meta.dirname, '../fixtures/loaded-modules.ts')],
      {
        timeout: 60_000,
      },
    );
    const { atStart, afterScanSdk } = JSON.parse(stdout) as { atStart: string[]; afterScanSdk: string[] };
    // The broker's own services are loaded at start (proves the hook sees SDK packages at all).
    expect(atStart).toContain('client-sts');
    expect(atStart).toContain('client-s3');
    for (const lazy of ['client-ec2', 'client-rds', 'client-elastic-load-balancing-v2']) {
      expect(atStart).not.toContain(lazy);
      expect(afterScanSdk).toContain(lazy);
    }
  });
});
