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
    expect(out).toEqual([`ok      ${good}: 3 records\n`]);

    await t.database.db.execute(
      sql`update audit_events set outcome = 'failure' where chain = ${bad} and seq = 2`,
    );
    const all: string[] = [];
    expect(await runAuditVerify(t.database.db, { write: (l) => all.push(l) })).toMatchObject({
      valid: false,
    });
    expect(all).toContain(`ok      ${good}: 3 records\n`);
    expect(all).toContain(
      `BROKEN  ${bad}: first broken link at seq 2 (record_modified); 1 records verified before it\n`,
    );
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
