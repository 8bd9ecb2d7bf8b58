import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { systemActor } from '../core/actor.ts';
import { idPattern } from '../db/ids.ts';
import { withCore } from '../main.ts';
import type { ScanView } from './jobs.ts';
import { PRICE_TABLE_DATE } from './prices.ts';
import { requesterOf } from './service.ts';

const BAR_WIDTH = 24;

/** One progress line, redrawn in place on a terminal. */
export function progressLine(view: ScanView): string {
  const { regionsDone, regionsTotal, findings } = view.progress;
  const filled = regionsTotal === 0 ? BAR_WIDTH : Math.round((regionsDone / regionsTotal) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${regionsDone}/${regionsTotal} regions · ${findings} findings · ${view.status}`;
}

export interface SummaryRow {
  type: string;
  region: string;
  count: number;
  cents: number;
}

/** A plain-text table: type, region, count, monthly cost, and a total line. */
export function summaryTable(rows: SummaryRow[]): string {
  const body = rows.map((r) => [r.type, r.region, String(r.count), `$${(Number(r.cents) / 100).toFixed(2)}`]);
  const total = rows.reduce((n, r) => n + Number(r.cents), 0);
  const count = rows.reduce((n, r) => n + Number(r.count), 0);
  const all = [
    ['TYPE', 'REGION', 'COUNT', 'MONTHLY (USD)'],
    ...body,
    ['total', '', String(count), `$${(total / 100).toFixed(2)}`],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  return `${all.map(line).join('\n')}\n(estimates from the price table of ${PRICE_TABLE_DATE})\n`;
}

/** `rolegate scan <connectionId> --org <orgId>`: runs a scan in this process as the system actor. */
export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description(
      "Scan a connection's regions for cost waste now, showing progress on stderr and a summary " +
        'table on stdout (runs in this process, as the system actor; recorded in the audit trail).',
    )
    .argument('<connectionId>', 'connection id (con_…)')
    .requiredOption('--org <orgId>', 'organisation id (org_…)')
    .option('--json', 'print one JSON document {scan, summary} on stdout instead of the table')
    .action(async (connectionId: string, opts: { org: string; json?: boolean }) => {
      if (!idPattern('con').test(connectionId))
        throw new Error(
          'the connection id must look like con_… (list them in the console or GET …/connections)',
        );
      if (!idPattern('org').test(opts.org))
        throw new Error('--org must look like org_… (your organisation id)');
      // The server's own module graph (src/core/create-core.ts): same broker, audit and lanes.
      await withCore(process.env, { command: 'scan', logTo: 'stderr' }, async (core) => {
        const { scans, clock } = core;
        const tty = process.stderr.isTTY === true;
        const draw = (view: ScanView) =>
          process.stderr.write(tty ? `\r${progressLine(view)}` : `${progressLine(view)}\n`);
        let scanId: string | null = null;
        const onSignal = () => {
          if (scanId === null) return;
          process.stderr.write('\ncancelling…\n');
          void scans.store.requestCancel(opts.org, scanId, clock.now()).then(() => {
            if (scanId !== null) scans.runner.abortLocal(scanId);
          });
        };
        process.once('SIGINT', onSignal);
        try {
          const started = await scans.service.start(
            requesterOf({ ...systemActor('scan-cli', `cli-${randomUUID()}`), orgId: opts.org }),
            connectionId,
          );
          scanId = started.id;
          const unsubscribe = scans.runner.subscribe(started.id, draw);
          draw(started);
          await scans.runner.idle();
          unsubscribe();
          const final = await scans.service.get(opts.org, started.id);
          draw(final);
          process.stderr.write('\n');
          for (const w of final.warnings)
            process.stderr.write(`warning: ${w.region} ${w.detector}: ${w.message}\n`);
          if (final.error !== undefined)
            process.stderr.write(`scan ${final.status}: ${final.error.message}\n`);
          const summary = await scans.store.summaryForScan(opts.org, started.id);
          process.stdout.write(
            opts.json === true
              ? `${JSON.stringify({ scan: final, summary, priceTableDate: PRICE_TABLE_DATE })}\n`
              : summaryTable(summary),
          );
          if (final.status !== 'succeeded') process.exitCode = 1;
        } finally {
          process.off('SIGINT', onSignal);
          await scans.runner.stop();
        }
      });
    });
}
