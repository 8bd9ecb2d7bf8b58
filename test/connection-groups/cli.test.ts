import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { groupProgressLine } from '../../src/connection-groups/cli.ts';
import { newGroupSecret } from '../../src/connection-groups/external-id.ts';
import { connectionGroups, IDLE_PROGRESS } from '../../src/connection-groups/tables.ts';
import { EMPTY_SCOPES } from '../../src/connections/schemas.ts';
import { bindingFor } from '../../src/crypto/encrypted-columns.ts';
import { createKeyring, encryptField } from '../../src/crypto/field-encryption.ts';
import { openDatabase } from '../../src/db/client.ts';
import { organizations } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { resolveDevelopmentKeys } from '../../src/dev-keys.ts';
import type { TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';

describe('connection-group CLI output', () => {
  it('draws a progress bar of members verified', () => {
    const line = groupProgressLine({
      ...IDLE_PROGRESS,
      state: 'verifying',
      discovered: 52,
      created: 50,
      toVerify: 50,
      verified: 20,
      unsafe: 3,
      failed: 2,
      retried: 4,
    });
    expect(line).toBe(
      `[${'#'.repeat(12)}${'.'.repeat(12)}] verifying · 52 accounts · 50 new · 0 disabled · verified 20, unsafe 3, failed 2 of 50 · 4 retried`,
    );
    expect(groupProgressLine({ ...IDLE_PROGRESS, state: 'done' })).toContain('#'.repeat(24));
    expect(groupProgressLine({ ...IDLE_PROGRESS, state: 'failed', error: 'aws_unavailable' })).toMatch(
      /^\[\.{24}\] failed .* error aws_unavailable$/,
    );
  });
});

describe('rolegate connection-group sync, spawned', () => {
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
      // Nothing listens there: ListAccounts fails fast and the sync ends `failed`.
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

  it('shows the progress on stderr, the final progress as JSON on stdout, and fails when discovery fails', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rolegate-group-cli-'));
    dirs.push(dataDir);
    const config = resolveDevelopmentKeys(loadConfig({ ...cliEnv(dataDir) }), { warn: () => undefined });
    const database = await openDatabase({ url: undefined, dataDir, command: 'test' });
    const orgId = newId('org');
    const groupId = newId('cgr');
    try {
      await runMigrations(database);
      await database.db.insert(organizations).values({ id: orgId, name: 'cli test' });
      const management = await createTestConnection({ config, database } as unknown as TestApp, orgId, {
        capabilities: ['organizations-read'],
        accountId: '999999999999',
      });
      await database.db.insert(connectionGroups).values({
        id: groupId,
        orgId,
        name: 'cli group',
        managementConnectionId: management.id,
        roleName: 'Rolegate-cli',
        capabilities: ['cost-scan'],
        scopes: EMPTY_SCOPES,
        ouIds: [],
        region: 'us-east-1',
        secret: encryptField(
          createKeyring(config.masterKeys),
          newGroupSecret(),
          bindingFor('connection_groups', 'secret', groupId, orgId),
        ),
        progress: IDLE_PROGRESS,
      });
    } finally {
      await database.close();
    }
    const run = spawnSync(
      process.execPath,
      ['src/cli.ts', 'connection-group', 'sync', groupId, '--org', orgId, '--json'],
      { env: cliEnv(dataDir), encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).toMatch(/\] discovering · 0 accounts/);
    const final = JSON.parse(run.stdout) as { state: string; error: string };
    expect(final.state, run.stderr).toBe('failed');
    expect(run.status).toBe(1);

    const bad = spawnSync(
      process.execPath,
      ['src/cli.ts', 'connection-group', 'sync', 'grp_x', '--org', orgId],
      {
        env: cliEnv('memory://'),
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^rolegate: the group id must look like cgr_… /);
  }, 300_000);
});
