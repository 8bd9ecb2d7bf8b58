import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, CommanderError } from 'commander';
import {
  loadVerificationKeys,
  readCheckpointDir,
  readCheckpointsFromS3,
  runCheckpointVerify,
} from './audit/checkpoints/cli.ts';
import { runAuditVerify } from './audit/cli.ts';
import { runDeliver } from './audit/export-target/cli.ts';
import { ConfigError } from './config.ts';
import { registerConnectionGroupCommands } from './connection-groups/cli.ts';
import { registerPolicyCommands } from './connections/cli.ts';
import { registerTemplateCommands } from './connections/publish.ts';
import { rotateKeys } from './crypto/rotate.ts';
import { openRuntime, serve, withCore } from './main.ts';
import { registerReconcileCommand } from './reconcile/cli.ts';
import { registerScanCommand } from './scans/cli.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command();
program
  .name('rolegate')
  .description("Keyless, least-privilege, audited access to your customers' AWS accounts.")
  .version(pkg.version, '-V, --version', 'print the version and exit')
  // Usage errors in one line that says where the fix is (commands created below inherit this).
  .configureOutput({
    outputError: (text, write) =>
      write(`rolegate: ${oneLine(text.replace(/^error: /, ''))} (see rolegate --help)\n`),
  })
  .exitOverride();

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
    const { database, logger } = await openRuntime(process.env, { command: 'migrate', logTo: 'stderr' });
    logger.info('migrations applied');
    await database.close();
  });

const keys = program.command('keys').description('Manage encryption keys.');
keys
  .command('rotate')
  .description(
    'Re-encrypt every stored secret under the active key (the first of ROLEGATE_MASTER_KEYS; with ' +
      'ROLEGATE_KMS_KEY_ID, a new KMS data key created first). ' +
      'Runs in batches while the service keeps serving; keep the old key listed until it finishes.',
  )
  .option('--batch-size <n>', 'rows per batch', '200')
  .option(
    '--activation-delay <seconds>',
    'with ROLEGATE_KMS_KEY_ID: seconds before the new KMS data key becomes active, so that every node ' +
      'loads it first (default: twice ROLEGATE_KMS_REFRESH_INTERVAL plus 5; 0 when no server runs)',
  )
  .action(async (opts: { batchSize: string; activationDelay?: string }) => {
    const batchSize = Number(opts.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new Error('--batch-size must be a whole number between 1 and 10000');
    }
    const delay = opts.activationDelay === undefined ? undefined : Number(opts.activationDelay);
    if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > 86_400)) {
      throw new Error('--activation-delay must be a whole number of seconds between 0 and 86400');
    }
    await withCore(process.env, { command: 'keys rotate', logTo: 'stderr' }, async (core) => {
      if (core.kms !== null && core.config.kms !== null) {
        // A new KMS data key, active only once every node has had time to load it: a node never
        // meets a value encrypted under a key it does not hold.
        const wait = delay ?? core.config.kms.refreshSeconds * 2 + 5;
        const { kid, activatesAt } = await core.kms.rotate(wait);
        process.stderr.write(`  new KMS data key ${kid}, active from ${activatesAt.toISOString()}\n`);
        const remaining = activatesAt.getTime() - Date.now();
        if (remaining > 0) {
          process.stderr.write(`  waiting ${Math.ceil(remaining / 1000)} s for every node to load it\n`);
          await sleep(remaining);
        }
      }
      const result = await rotateKeys(core.database.db, core.keyring, {
        batchSize,
        onProgress: (p) =>
          process.stderr.write(`  ${p.table}.${p.column}: ${p.reencrypted}/${p.scanned} re-encrypted\n`),
      });
      for (const c of result.columns)
        process.stdout.write(`${c.table}.${c.column}: ${c.reencrypted} re-encrypted\n`);
      process.stdout.write(`done: ${result.total} values now under key ${core.keyring.activeKid}\n`);
    });
  });

const audit = program.command('audit').description('Inspect the audit trail.');
audit
  .command('checkpoint')
  .description(
    "Sign a checkpoint of the head of one organisation's chain (--org) or of every chain whose head " +
      'moved since its last checkpoint, now (the server does this every ROLEGATE_AUDIT_CHECKPOINT_INTERVAL).',
  )
  .option('--org <id>', 'organisation id (default: every chain that moved)')
  .action(async (opts: { org?: string }) => {
    await withCore(process.env, { command: 'audit checkpoint', logTo: 'stderr' }, async (core) => {
      if (opts.org !== undefined) {
        const outcome = await core.checkpoints.checkpointChain(opts.org, { force: true });
        const c = 'checkpoint' in outcome ? outcome.checkpoint : null;
        process.stdout.write(
          c === null ? `${outcome.status}\n` : `${outcome.status} ${opts.org} #${c.n} at seq ${c.seq}\n`,
        );
        if (outcome.status === 'contradicted') process.exitCode = 2;
        return;
      }
      const r = await core.checkpoints.runOnce();
      process.stdout.write(
        `${r.created} checkpoint(s) signed, ${r.contradicted} chain(s) contradict their last one\n`,
      );
      if (r.contradicted > 0) process.exitCode = 2;
    });
  });
audit
  .command('deliver')
  .description(
    "Deliver pending signed checkpoints to the organisations' S3 export targets now (the server does " +
      'this every ROLEGATE_AUDIT_EXPORT_INTERVAL); with --org, that one, even during its back-off.',
  )
  .option('--org <id>', 'organisation id (default: every organisation that is due)')
  .option('--json', 'print JSON')
  .action(async (opts: { org?: string; json?: boolean }) => {
    await withCore(process.env, { command: 'audit deliver', logTo: 'stderr' }, async (core) => {
      const ok = await runDeliver(core.auditExport, {
        org: opts.org,
        json: opts.json === true,
        write: (line) => process.stdout.write(line),
      });
      if (!ok) process.exitCode = 2;
    });
  });
audit
  .command('verify')
  .description(
    'Recompute the hash chain of one organisation (--org) or of every chain, report every ' +
      'break, and exit non-zero if any chain is broken. Checks each chain from its last verified ' +
      'checkpoint on unless --full is given.',
  )
  .option('--org <id>', 'organisation id (default: all chains, including the system chain)')
  .option('--full', 're-hash every record from the first, trusting no checkpoint')
  .option(
    '--json',
    'one JSON document {valid, chains: [{chain, valid, headSeq, checked, breakCount, breaks, …}]}',
  )
  .option(
    '--checkpoints <dir|s3://bucket/prefix>',
    "also check the organisation's chain against the signed checkpoints kept there (re-hashes every record)",
  )
  .option(
    '--public-key <file|url>',
    'with --checkpoints: the keys document (/.well-known/rolegate-audit-keys) or a PEM public key you trust',
  )
  .option(
    '--deployment <id>',
    "with --checkpoints: the deployment the checkpoints must name (default: the keys document's)",
  )
  .action(
    async (opts: {
      org?: string;
      full?: boolean;
      json?: boolean;
      checkpoints?: string;
      publicKey?: string;
      deployment?: string;
    }) => {
      if (opts.checkpoints !== undefined) {
        if (opts.publicKey === undefined)
          throw new Error('--checkpoints needs --public-key (the keys you trust)');
        const keys = await loadVerificationKeys(opts.publicKey);
        await withCore(process.env, { command: 'audit verify', logTo: 'stderr' }, async (core) => {
          const source = opts.checkpoints as string;
          const inputs = source.startsWith('s3://')
            ? await readCheckpointsFromS3(source, core.config.aws)
            : await readCheckpointDir(source);
          const report = await runCheckpointVerify(core.database.db, {
            org: opts.org,
            deployment: opts.deployment,
            inputs,
            keys,
            write: opts.json === true ? () => undefined : (l) => process.stdout.write(l),
          });
          if (opts.json === true) process.stdout.write(`${JSON.stringify(report)}\n`);
          if (!report.valid) process.exitCode = 2;
        });
        return;
      }
      await withCore(process.env, { command: 'audit verify', logTo: 'stderr' }, async (core) => {
        const report = await runAuditVerify(core.database.db, {
          org: opts.org,
          full: opts.full,
          write: opts.json === true ? () => undefined : (l) => process.stdout.write(l),
        });
        if (opts.json === true) process.stdout.write(`${JSON.stringify(report)}\n`);
        if (!report.valid) process.exitCode = 2;
      });
    },
  );

registerPolicyCommands(program);
registerTemplateCommands(program);
registerScanCommand(program);
registerConnectionGroupCommands(program);
registerReconcileCommand(program);

/** Errors are one line on stderr: a message that names the fix, never a stack trace. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Already written by outputError (usage errors) or is --help / --version, which exit 0.
    process.exit(err.exitCode);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`rolegate: ${oneLine(err.message)}\n`);
  } else {
    process.stderr.write(`rolegate: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
  }
  process.exit(1);
});
