import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { organizations } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { resolveDevelopmentKeys } from '../../src/dev-keys.ts';
import { progressLine } from '../../src/reconcile/cli.ts';
import type { ReconciliationView } from '../../src/reconcile/jobs.ts';
import type { TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { type FakeAccount, startFakeAccount } from '../helpers/fake-cloudtrail.ts';

const view = (status: ReconciliationView['status'], pages: number): ReconciliationView => ({
  id: 'rec_x',
  connectionId: 'con_x',
  status,
  trigger: 'manual',
  window: { start: '2026-11-30T00:00:00.000Z', end: '2026-11-30T01:00:00.000Z' },
  regions: ['us-east-1'],
  progress: { pages, eventsSeen: pages * 50 },
  counts: { matched: 4, unmatched: 1, unlogged: 0, foreignAssumeRoles: 0 },
  truncated: false,
  warnings: [],
  createdAt: '2026-11-30T01:30:00.000Z',
  startedAt: null,
  finishedAt: null,
});

describe('reconcile CLI output', () => {
  it('draws an indeterminate bar while running and the counts when done', () => {
    expect(progressLine(view('running', 2))).toMatch(/^\[\.\.###\.+\] - 2 pages · 100 events · running$/);
    expect(progressLine(view('succeeded', 3))).toContain(`[${'#'.repeat(24)}]`);
    expect(progressLine(view('succeeded', 3))).toContain('matched 4 · unmatched 1');
  });
});

describe('rolegate reconcile, spawned', () => {
  const dirs: string[] = [];
  const offset = { ms: 0 };
  let fake: FakeAccount;
  beforeAll(async () => {
    fake = await startFakeAccount({
      accountId: '123456789012',
      now: () => new Date(Date.now() + offset.ms),
      callerAccounts: { AKIAFOREIGN: '999999999999' },
    });
  });
  afterAll(async () => {
    await fake.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function cliEnv(dataDir: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      ROLEGATE_DATA_DIR: dataDir,
      AWS_ENDPOINT_URL: fake.url,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
      AWS_REGION: 'us-east-1',
      ROLEGATE_AWS_PRINCIPAL_ARN: 'arn:aws:iam::111111111111:role/rolegate-service',
    };
    delete env.DATABASE_URL;
    delete env.ROLEGATE_MASTER_KEYS;
    delete env.ROLEGATE_JWT_KEYS;
    return env;
  }

  function run(
    args: string[],
    env: NodeJS.ProcessEnv,
  ): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['src/cli.ts', ...args], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  it('reports a leaked-session event of the last window on stdout as JSON, progress on stderr, exit code 2', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rolegate-reconcile-cli-'));
    dirs.push(dataDir);
    const config = resolveDevelopmentKeys(loadConfig({ ...cliEnv(dataDir) }), { warn: () => undefined });
    const database = await openDatabase({ url: undefined, dataDir, command: 'test' });
    const orgId = newId('org');
    let connection: { id: string; roleArn: string };
    try {
      await runMigrations(database);
      await database.db.insert(organizations).values({ id: orgId, name: 'cli test' });
      connection = await createTestConnection({ config, database } as unknown as TestApp, orgId, {
        capabilities: ['cloudtrail-read'],
        scopes: { regions: ['us-east-1'] },
      });
    } finally {
      await database.close();
    }
    // Forty minutes ago someone assumed the role under a Rolegate-looking name and listed buckets.
    offset.ms = -40 * 60_000;
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: fake.url,
      credentials: { accessKeyId: 'AKIAFOREIGN000000000', secretAccessKey: 'x' },
    });
    const c = (
      await sts.send(
        new AssumeRoleCommand({ RoleArn: connection.roleArn, RoleSessionName: 'rg.u.usr_someone.req-1' }),
      )
    ).Credentials;
    sts.destroy();
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: fake.url,
      forcePathStyle: true,
      credentials: {
        accessKeyId: c?.AccessKeyId as string,
        secretAccessKey: c?.SecretAccessKey as string,
        sessionToken: c?.SessionToken as string,
      },
    });
    await s3.send(new ListBucketsCommand({}));
    s3.destroy();
    offset.ms = 0;

    const out = await run(['reconcile', connection.id, '--org', orgId, '--json'], cliEnv(dataDir));
    expect(out.stdout, `${out.status} ${out.stderr.slice(-3000)}`).not.toBe('');
    const doc = JSON.parse(out.stdout) as {
      reconciliation: { status: string; counts: { unmatched: number; foreignAssumeRoles: number } };
      items: Array<{ kind: string; sessionName: string | null }>;
    };
    expect(doc.reconciliation.status, out.stderr).toBe('succeeded');
    expect(doc.reconciliation.counts).toMatchObject({ unmatched: 1, foreignAssumeRoles: 1 });
    expect(doc.items.find((i) => i.kind === 'unmatched_event')?.sessionName).toBe('rg.u.usr_someone.req-1');
    expect(out.stderr).toMatch(/pages · \d+ events · succeeded/);
    expect(out.status).toBe(2);

    const bad = await run(['reconcile', connection.id, '--org', orgId, '--to', 'yesterday'], cliEnv(dataDir));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/--to must be an ISO 8601 time/);
  }, 300_000);
});
