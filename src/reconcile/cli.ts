import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { systemActor } from '../core/actor.ts';
import { idPattern } from '../db/ids.ts';
import { withCore } from '../main.ts';
import { requesterOf } from '../scans/service.ts';
import type { ReconciliationView } from './jobs.ts';

const BAR_WIDTH = 24;
const SPIN = ['|', '/', '-', '\\'];

/**
 * One progress line. LookupEvents never says how many pages are left, so while the job runs the
 * bar is indeterminate (a block moving with each page) and the line counts pages and events.
 */
export function progressLine(view: ReconciliationView): string {
  const finished = view.status === 'succeeded';
  const at = view.progress.pages % (BAR_WIDTH - 3);
  const bar = finished
    ? '#'.repeat(BAR_WIDTH)
    : `${'.'.repeat(at)}${view.status === 'running' ? '###' : '...'}${'.'.repeat(BAR_WIDTH - 3 - at)}`;
  const spin = SPIN[view.progress.pages % SPIN.length] ?? '|';
  const c = view.counts;
  return (
    `[${bar}] ${view.status === 'running' ? spin : ' '} ` +
    `${view.progress.pages} pages · ${view.progress.eventsSeen} events · ${view.status}` +
    (view.status === 'succeeded'
      ? ` · matched ${c.matched} · unmatched ${c.unmatched} · unlogged ${c.unlogged} · foreign AssumeRole ${c.foreignAssumeRoles}`
      : '')
  );
}

/** `rolegate reconcile <connectionId> --org <orgId> [--from --to] [--json]`, in this process. */
export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description(
      "Reconcile a window of the audit trail with the connection's CloudTrail now (needs cloudtrail-read), " +
        'progress on stderr, results on stdout (runs in this process as the system actor; audited).',
    )
    .argument('<connectionId>', 'connection id (con_…)')
    .requiredOption('--org <orgId>', 'organisation id (org_…)')
    .option('--from <time>', 'window start (ISO 8601); default: the end of the last reconciled window')
    .option('--to <time>', 'window end (ISO 8601), at least 20 minutes ago; default: 20 minutes ago')
    .option('--json', 'print one JSON document {reconciliation, items} on stdout')
    .action(
      async (connectionId: string, opts: { org: string; from?: string; to?: string; json?: boolean }) => {
        if (!idPattern('con').test(connectionId)) throw new Error('the connection id must look like con_…');
        if (!idPattern('org').test(opts.org))
          throw new Error('--org must look like org_… (your organisation id)');
        for (const [name, value] of [
          ['--from', opts.from],
          ['--to', opts.to],
        ] as const) {
          if (value !== undefined && Number.isNaN(Date.parse(value)))
            throw new Error(`${name} must be an ISO 8601 time, e.g. 2026-11-30T10:00:00Z`);
        }
        await withCore(process.env, { command: 'reconcile', logTo: 'stderr' }, async (core) => {
          const { reconcile } = core;
          const tty = process.stderr.isTTY === true;
          const draw = (view: ReconciliationView) =>
            process.stderr.write(tty ? `\r${progressLine(view)}` : `${progressLine(view)}\n`);
          try {
            const started = await reconcile.service.start(
              requesterOf({ ...systemActor('reconcile-cli', `cli-${randomUUID()}`), orgId: opts.org }),
              connectionId,
              {
                ...(opts.from === undefined ? {} : { from: new Date(opts.from).toISOString() }),
                ...(opts.to === undefined ? {} : { to: new Date(opts.to).toISOString() }),
              },
            );
            const unsubscribe = reconcile.runner.subscribe(started.id, draw);
            draw(started);
            await reconcile.runner.idle();
            unsubscribe();
            const result = await reconcile.service.items(opts.org, started.id, 200, undefined);
            draw(result.reconciliation);
            process.stderr.write('\n');
            const final = result.reconciliation;
            for (const w of final.warnings)
              process.stderr.write(`warning: ${w.region} ${w.code}: ${w.message}\n`);
            if (final.error !== undefined)
              process.stderr.write(`reconciliation ${final.status}: ${final.error.message}\n`);
            if (opts.json === true) {
              process.stdout.write(`${JSON.stringify({ reconciliation: final, items: result.items })}\n`);
            } else {
              process.stdout.write(`window ${final.window.start} – ${final.window.end}\n`);
              for (const i of result.items) {
                process.stdout.write(
                  `${i.severity.padEnd(6)} ${i.kind.padEnd(20)} ${i.eventTime ?? ''} ${i.eventSource ?? i.operation ?? ''} ${i.eventName ?? ''} ${i.sessionName ?? i.principal ?? ''}\n`,
                );
              }
              const action = result.items.find((i) => typeof i.details.recommendedAction === 'string');
              if (action !== undefined)
                process.stdout.write(`\nrecommended action:\n${String(action.details.recommendedAction)}\n`);
            }
            // Non-zero when something needs a look, so scripts and CI can alert on it.
            if (final.status !== 'succeeded') process.exitCode = 1;
            else if (final.counts.unmatched > 0 || final.counts.foreignAssumeRoles > 0) process.exitCode = 2;
          } finally {
            await reconcile.runner.stop();
          }
        });
      },
    );
}
