import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditVerify } from '../../src/audit/cli.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
const audit = createAuditWriter({ clock: systemClock });

beforeAll(async () => {
  // Own database on PostgreSQL: these tests tamper with or verify whole chains, incl. the shared system chain.
  t = await createTestApp({ isolatedDatabase: true });
});
afterAll(async () => {
  await t.close();
});

async function chainOf(n: number): Promise<string> {
  const orgId = newId('org');
  for (let i = 0; i < n; i++) {
    await audit.record(t.database.db, {
      orgId,
      actorType: 'system',
      actorId: null,
      action: 'x.y',
      outcome: 'success',
    });
  }
  return orgId;
}

describe('rolegate audit verify', () => {
  it('reports one organisation, then every chain, and fails when one is broken', async () => {
    const good = await chainOf(3);
    const bad = await chainOf(3);
    const out: string[] = [];
    expect(await runAuditVerify(t.database.db, { org: good, write: (l) => out.push(l) })).toMatchObject({
      valid: true,
    });
    expect(out).toEqual([`ok      ${good}: 3 records (3 re-hashed from the first)\n`]);

    await t.database.db.execute(
      sql`update audit_events set outcome = 'failure' where chain = ${bad} and seq = 2`,
    );
    const all: string[] = [];
    expect(await runAuditVerify(t.database.db, { write: (l) => all.push(l) })).toMatchObject({
      valid: false,
    });
    // The good chain was verified before: only what came after its checkpoint is re-hashed.
    expect(all).toContain(`ok      ${good}: 3 records (0 re-hashed after the checkpoint at seq 3)\n`);
    expect(all).toContain(`BROKEN  ${bad}: 1 break(s) in 3 records (3 re-hashed from the first)\n`);
    expect(
      all[all.indexOf(`BROKEN  ${bad}: 1 break(s) in 3 records (3 re-hashed from the first)\n`) + 1],
    ).toBe('        seq 2: record_modified\n');
  });

  it('--full trusts no checkpoint: it finds an edit before the checkpoint that incremental runs skip', async () => {
    const org = await chainOf(4);
    expect(await runAuditVerify(t.database.db, { org, write: () => undefined })).toMatchObject({
      valid: true,
    });
    await t.database.db.execute(sql`update audit_events set action = 'x.z' where chain = ${org} and seq = 2`);
    const incremental: string[] = [];
    expect(await runAuditVerify(t.database.db, { org, write: (l) => incremental.push(l) })).toMatchObject({
      valid: true,
    });
    expect(incremental).toEqual([`ok      ${org}: 4 records (0 re-hashed after the checkpoint at seq 4)\n`]);
    const full: string[] = [];
    expect(
      await runAuditVerify(t.database.db, { org, full: true, write: (l) => full.push(l) }),
    ).toMatchObject({ valid: false });
    expect(full).toEqual([
      `BROKEN  ${org}: 1 break(s) in 4 records (4 re-hashed from the first)\n`,
      '        seq 2: record_modified\n',
    ]);
  });
});

describe('rolegate audit verify, spawned', () => {
  it('--json prints one JSON document on stdout; the log lines (development keys) go to stderr', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rolegate-audit-cli-'));
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        ROLEGATE_DATA_DIR: dataDir,
      };
      delete env.DATABASE_URL;
      delete env.ROLEGATE_MASTER_KEYS;
      delete env.ROLEGATE_JWT_KEYS;
      const res = spawnSync(process.execPath, ['src/cli.ts', 'audit', 'verify', '--json'], {
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(res.status, res.stderr).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual({ valid: true, chains: [] });
      expect(res.stderr).toContain('DEVELOPMENT KEYS IN USE');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
