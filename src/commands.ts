import { Command } from 'commander';
import { runAuditVerify } from './audit/cli.ts';
import { ConfigError } from './config.ts';
import { registerPolicyCommands } from './connections/cli.ts';
import { createKeyring } from './crypto/field-encryption.ts';
import { rotateKeys } from './crypto/rotate.ts';
import { openRuntime, serve } from './main.ts';
import { registerScanCommand } from './scans/cli.ts';

const program = new Command();
program
  .name('rolegate')
  .description("Keyless, least-privilege, audited access to your customers' AWS accounts.")
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the HTTP API, console and MCP endpoint. Applies pending migrations first.')
  .action(async () => {
    await serve(process.env);
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit (safe to run from several nodes at once).')
  .action(async () => {
    const { database, logger } = await openRuntime(process.env);
    logger.info('migrations applied');
    await database.close();
  });

const keys = program.command('keys').description('Manage encryption keys.');
keys
  .command('rotate')
  .description(
    'Re-encrypt every stored secret under the active key (the first of ROLEGATE_MASTER_KEYS). ' +
      'Runs in batches while the service keeps serving; keep the old key listed until it finishes.',
  )
  .option('--batch-size <n>', 'rows per batch', '200')
  .action(async (opts: { batchSize: string }) => {
    const { config, database } = await openRuntime(process.env);
    const batchSize = Number(opts.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new Error('--batch-size must be a whole number between 1 and 10000');
    }
    try {
      const result = await rotateKeys(database.db, createKeyring(config.masterKeys), {
        batchSize,
        onProgress: (p) =>
          process.stderr.write(`  ${p.table}.${p.column}: ${p.reencrypted}/${p.scanned} re-encrypted\n`),
      });
      for (const c of result.columns)
        process.stdout.write(`${c.table}.${c.column}: ${c.reencrypted} re-encrypted\n`);
      process.stdout.write(`done: ${result.total} values now under key ${config.masterKeys[0]!.kid}\n`);
    } finally {
      await database.close();
    }
  });

const audit = program.command('audit').description('Inspect the audit trail.');
audit
  .command('verify')
  .description(
    'Recompute the hash chain of one organisation (--org) or of every chain, report every ' +
      'break, and exit non-zero if any chain is broken. Checks each chain from its last verified ' +
      'checkpoint on unless --full is given.',
  )
  .option('--org <id>', 'organisation id (default: all chains, including the system chain)')
  .option('--full', 're-hash every record from the first, trusting no checkpoint')
  .action(async (opts: { org?: string; full?: boolean }) => {
    const { database } = await openRuntime(process.env);
    try {
      const ok = await runAuditVerify(database.db, {
        org: opts.org,
        full: opts.full,
        write: (l) => process.stdout.write(l),
      });
      if (!ok) process.exitCode = 2;
    } finally {
      await database.close();
    }
  });

registerPolicyCommands(program);
registerScanCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`rolegate: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
