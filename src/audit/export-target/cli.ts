import type { ExportTargetService, ExportTargetView } from './service.ts';

/**
 * `rolegate audit deliver [--org <id>]`: delivers pending checkpoints to the export targets now (the
 * server does it every ROLEGATE_AUDIT_EXPORT_INTERVAL) and prints where each stands. Returns whether
 * everything that was due got delivered (the command exits 2 otherwise).
 */
export async function runDeliver(
  service: Pick<ExportTargetService, 'runOnce' | 'deliverNow'>,
  options: { org?: string | undefined; json: boolean; write: (line: string) => void },
): Promise<boolean> {
  if (options.org === undefined) {
    const r = await service.runOnce();
    options.write(
      options.json
        ? `${JSON.stringify(r)}\n`
        : `${r.delivered} checkpoint(s) delivered, ${r.failed} organisation(s) failed (see GET …/audit/export-target)\n`,
    );
    return r.failed === 0;
  }
  const target: ExportTargetView = await service.deliverNow(options.org);
  const s = target.status;
  if (options.json) {
    options.write(`${JSON.stringify(target)}\n`);
  } else {
    options.write(
      `${options.org}: ${s.deliveredN}/${s.latestN} checkpoint(s) in s3://${target.bucket}/${target.prefix}` +
        (s.lastError === null ? '' : `; last error ${s.lastError.code} at ${s.lastError.at}`) +
        '\n',
    );
  }
  return s.deliveredN === s.latestN;
}
