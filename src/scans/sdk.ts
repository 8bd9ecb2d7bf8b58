/**
 * The AWS SDK packages only waste scans and clean-ups use, loaded on first use rather than at start:
 * `@aws-sdk/client-ec2` alone is about 60 MiB of resident memory and 0.7 s of start-up when imported
 * (docs/benchmarks.md, "Lever 3"), and a deployment whose connections never scan never needs it.
 * Everything here is imported by type only; the modules come from `loadScanSdk()`.
 */
import type * as Ec2 from '@aws-sdk/client-ec2';
import type * as Elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import type * as Rds from '@aws-sdk/client-rds';

export interface ScanSdk {
  ec2: typeof Ec2;
  elbv2: typeof Elbv2;
  rds: typeof Rds;
}

let loading: Promise<ScanSdk> | null = null;

/** The three modules, imported once per process (a failed import is retried by the next call). */
export function loadScanSdk(): Promise<ScanSdk> {
  loading ??= Promise.all([
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-elastic-load-balancing-v2'),
    import('@aws-sdk/client-rds'),
  ]).then(
    ([ec2, elbv2, rds]) => ({ ec2, elbv2, rds }),
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}
