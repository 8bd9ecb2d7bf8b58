import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { systemActor } from '../core/actor.ts';
import { idPattern } from '../db/ids.ts';
import { withCore } from '../main.ts';
import type { GroupSyncProgress } from './tables.ts';

const BAR_WIDTH = 24;
/** How often the progress is read back from the database (the run writes it there). */
const REDRAW_MS = 500;

/** One progress line of a group sync, redrawn in place on a terminal. */
export function groupProgressLine(p: GroupSyncProgress): string {
  const done = p.verified + p.unsafe + p.failed;
  const filled =
    p.state === 'done' || p.toVerify === 0
      ? p.state === 'done'
        ? BAR_WIDTH
        : 0
      : Math.min(BAR_WIDTH, Math.round((done / p.toVerify) * BAR_WIDTH));
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${p.state} · ${p.discovered} accounts · ` +
    `${p.created} new · ${p.disabled} disabled · verified ${p.verified}, unsafe ${p.unsafe}, failed ${p.failed} of ${p.toVerify}` +
    (p.retried > 0 ? ` · ${p.retried} retried` : '') +
    (p.error !== null ? ` · error ${p.error}` : '')
  );
}

/** `rolegate connection-group sync <groupId> --org <orgId>`: discovery and verification in this process. */
export function registerConnectionGroupCommands(program: Command): void {
  const group = program.command('connection-group').description('Connection groups over an AWS Organization');
  group
    .command('sync')
    .description(
      'Discover the accounts of a connection group through its management connection and verify new ' +
        'members, with a progress bar on stderr (runs in this process, as the system actor; audited).',
    )
    .argument('<groupId>', 'connection group id (cgr_…)')
    .requiredOption('--org <orgId>', 'organisation id (org_…)')
    .option('--all', 'verify every active member again, not only new and failed ones ("verify all")')
    .option('--json', 'print the final progress as one JSON document on stdout')
    .action(async (groupId: string, opts: { org: string; all?: boolean; json?: boolean }) => {
      if (!idPattern('cgr').test(groupId))
        throw new Error('the group id must look like cgr_… (GET …/connection-groups)');
      if (!idPattern('org').test(opts.org))
        throw new Error('--org must look like org_… (your organisation id)');
      await withCore(process.env, { command: 'connection-group sync', logTo: 'stderr' }, async (core) => {
        const service = core.connectionGroups.service;
        const actor = { ...systemActor('connection-group-cli', `cli-${randomUUID()}`), orgId: opts.org };
        const tty = process.stderr.isTTY === true;
        const draw = (p: GroupSyncProgress) =>
          process.stderr.write(tty ? `\r${groupProgressLine(p)}` : `${groupProgressLine(p)}\n`);
        draw(
          opts.all === true ? await service.verifyAll(actor, groupId) : await service.sync(actor, groupId),
        );
        let finished = false;
        const settled = service.settled().then(() => {
          finished = true;
        });
        while (!finished) {
          await Promise.race([settled, sleep(REDRAW_MS)]);
          draw((await service.get(opts.org, groupId)).progress);
        }
        const final = (await service.get(opts.org, groupId)).progress;
        process.stderr.write('\n');
        if (opts.json === true) process.stdout.write(`${JSON.stringify(final)}\n`);
        if (final.state !== 'done' || final.unsafe > 0 || final.failed > 0) process.exitCode = 1;
      });
    });
}
