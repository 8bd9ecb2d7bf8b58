import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { organizations } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { resolveDevelopmentKeys } from '../../src/dev-keys.ts';
import { progressLine, summaryTable } from '../../src/scans/cli.ts';
import type { ScanView } from '../../src/scans/jobs.ts';
import type { TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';

const view = (done: number, total: number, findings: number, status: ScanView['status']): ScanView => ({
  id: 'scn_x',
  connectionId: 'con_x',
  status,
  progress: { regionsDone: done, regionsTotal: total, findings },
  regions: [],
  warnings: [],
  attempt: 1,
  createdAt: '2026-11-24T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
});

describe('scan CLI output', () => {
  it('draws a progress bar of regions done', () => {
    expect(progressLine(view(1, 2, 3, 'running'))).toBe(
      `[${'#'.repeat(12)}${'.'.repeat(12)}] 1/2 regions · 3 findings · running`,
    );
    expect(progressLine(view(0, 0, 0, 'succeeded'))).toContain('#'.repeat(24));
  });

  it('prints a summary table with a total and the price-table date', () => {
    const out = summaryTable([
      { type: 'ebs_volume_unattached', region: 'us-east-1', count: 2, cents: 1600 },
      { type: 'eip_unassociated', region: 'eu-west-1', count: 1, cents: 365 },
    ]);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+REGION\s+COUNT\s+MONTHLY \(USD\)$/);
    expect(lines[1]).toMatch(/^ebs_volume_unattached\s+us-east-1\s+2\s+\$16\.00$/);
    expect(lines[3]).toMatch(/^total\s+3\s+\$19\.65$/);
    expect(lines[4]).toMatch(/price table of \d{4}-\d{2}-\d{2}/);
  });
});

// The CLI is a CLI (issue 22 item 8): stdout carries only the command's output (a table or JSON),
// logs and progress go to stderr, errors are one line. These run the real CLI in a child process.
describe('rolegate scan, spawned', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function cliEnv(dataDir: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      ROLEGATE_DATA_DIR: dataDir,
      // Nothing listens there: the scan's AssumeRole fails fast and the scan ends `failed`.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      ROLEGATE_AWS_PRINCIPAL_ARN: 'arn:aws:iam::111111111111:role/rolegate-service',
    };
    delete env.DATABASE_URL;
    delete env.ROLEGATE_MASTER_KEYS;
    delete env.ROLEGATE_JWT_KEYS;
    return env;
  }

  /** A file-backed database with one organisation and one verified connection, closed again. */
  async function seeded(): Promise<{ dataDir: string; orgId: string; connectionId: string }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'rolegate-scan-cli-'));
    dirs.push(dataDir);
    const parsed = loadConfig({ ...cliEnv(dataDir) });
    // Writes dev-keys.json into the directory, which the spawned CLI then reads.
    const config = resolveDevelopmentKeys(parsed, { warn: () => undefined });
    const database = await openDatabase({ url: undefined, dataDir, command: 'test' });
    try {
      await runMigrations(database);
      const orgId = newId('org');
      await database.db.insert(organizations).values({ id: orgId, name: 'cli test' });
      const connection = await createTestConnection({ config, database } as unknown as TestApp, orgId, {
        capabilities: ['cost-scan'],
        scopes: { regions: ['us-east-1'] },
      });
      return { dataDir, orgId, connectionId: connection.id };
    } finally {
      await database.close();
    }
  }

  it('prints only the summary table on stdout (logs and progress on stderr), or one JSON document with --json', async () => {
    const { dataDir, orgId, connectionId } = await seeded();
    const table = spawnSync(process.execPath, ['src/cli.ts', 'scan', connectionId, '--org', orgId], {
      env: cliEnv(dataDir),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(table.stdout.split('\n')[0], table.stderr).toMatch(/^TYPE\s+REGION\s+COUNT\s+MONTHLY \(USD\)$/);
    expect(table.stdout).not.toContain('{');
    expect(table.stderr).toContain('"level"'); // the log lines went here
    expect(table.stderr).toMatch(/regions · \d+ findings/);
    expect(table.status).toBe(1); // the scan failed: AWS was unreachable

    const json = spawnSync(process.execPath, ['src/cli.ts', 'scan', connectionId, '--org', orgId, '--json'], {
      env: cliEnv(dataDir),
      encoding: 'utf8',
      timeout: 120_000,
    });
    const doc = JSON.parse(json.stdout) as { scan: { id: string; status: string }; summary: unknown[] };
    expect(doc.scan.status).toBe('failed');
    expect(doc.summary).toEqual([]);
  }, 300_000);

  it('errors are one line on stderr with the fix; --version prints the version', () => {
    const env = cliEnv('memory://');
    const missing = spawnSync(process.execPath, ['src/cli.ts', 'scan', 'con_x'], { env, encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      "rolegate: required option '--org <orgId>' not specified (see rolegate --help)\n",
    );
    const bad = spawnSync(process.execPath, ['src/cli.ts', 'scan', 'con_x', '--org', 'org_y'], {
      env,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^rolegate: the connection id must look like con_… \(/);
    const version = spawnSync(process.execPath, ['src/cli.ts', '--version'], { env, encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  }, 60_000);
});
