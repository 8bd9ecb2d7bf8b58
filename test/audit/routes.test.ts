import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';

let t: TestApp;
const audit = createAuditWriter({ clock: systemClock });

beforeAll(async () => {
  // Own database on PostgreSQL: these tests tamper with or verify whole chains, incl. the shared system chain.
  t = await createTestApp({ isolatedDatabase: true });
});
afterAll(async () => {
  await t.close();
});

async function write(orgId: string, overrides: Partial<AuditEvent> = {}): Promise<void> {
  await audit.record(t.database.db, {
    orgId,
    actorType: 'user',
    actorId: newId('usr'),
    action: 'connection.created',
    outcome: 'success',
    ...overrides,
  });
}

describe('GET /v1/orgs/:orgId/audit', () => {
  it('filters by action, actor, connection, outcome and time, newest first', async () => {
    const owner = await createTestUser(t);
    const conn = newId('con');
    const other = newId('usr');
    await write(owner.orgId, { action: 'aws.s3.list_buckets', connectionId: conn, actorId: other });
    await write(owner.orgId, { action: 'aws.s3.get_object', connectionId: conn, outcome: 'failure' });
    await write(owner.orgId, { action: 'connection.deleted' });
    const get = async (qs: string) => {
      const res = await t.app.inject({ url: `/v1/orgs/${owner.orgId}/audit?${qs}`, headers: owner.headers });
      expect(res.statusCode).toBe(200);
      return res.json() as { items: { action: string; seq: number }[]; nextCursor: string | null };
    };
    expect((await get('action=aws.s3.*')).items.map((i) => i.action)).toEqual([
      'aws.s3.get_object',
      'aws.s3.list_buckets',
    ]);
    expect((await get(`actorId=${other}`)).items.map((i) => i.action)).toEqual(['aws.s3.list_buckets']);
    expect((await get(`connectionId=${conn}&outcome=failure`)).items.map((i) => i.action)).toEqual([
      'aws.s3.get_object',
    ]);
    expect((await get('action=connection.deleted')).items).toHaveLength(1);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await get(`from=${encodeURIComponent(future)}`)).items).toEqual([]);
    const past = new Date(Date.now() - 3600_000).toISOString();
    expect(
      (await get(`from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}`)).items,
    ).toHaveLength(3);
  });

  it('paginates with a cursor until the end', async () => {
    const owner = await createTestUser(t);
    for (let i = 0; i < 5; i++) await write(owner.orgId, { details: { i } });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs: string = `limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
      const res = await t.app.inject({ url: `/v1/orgs/${owner.orgId}/audit?${qs}`, headers: owner.headers });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: { seq: number }[]; nextCursor: string | null };
      seen.push(...body.items.map((i) => i.seq));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    expect(pages).toBe(3);
  });

  it('refuses invalid queries with 400', async () => {
    const owner = await createTestUser(t);
    const now = Date.now();
    const bad = [
      'limit=201',
      'limit=0',
      'unknown=1',
      'outcome=maybe',
      'from=yesterday',
      `from=${new Date(now).toISOString()}&to=${new Date(now - 1000).toISOString()}`,
      `from=${new Date(now - 400 * 86_400_000).toISOString()}&to=${new Date(now).toISOString()}`,
      'cursor=not-a-cursor',
      'action=drop%20table',
      'connectionId=nope',
    ];
    for (const qs of bad) {
      const res = await t.app.inject({ url: `/v1/orgs/${owner.orgId}/audit?${qs}`, headers: owner.headers });
      expect(res.statusCode, qs).toBe(400);
    }
  });

  it("answers 404 for another organisation's trail, 403 for a viewer, 401 without credentials", async () => {
    const owner = await createTestUser(t);
    const stranger = await createTestUser(t);
    const viewer = await createTestUser(t, { role: 'viewer', orgId: owner.orgId });
    await write(owner.orgId);
    for (const path of ['audit', 'audit/verify', 'audit/export']) {
      const url = `/v1/orgs/${owner.orgId}/${path}`;
      expect((await t.app.inject({ url, headers: stranger.headers })).statusCode).toBe(404);
      expect((await t.app.inject({ url, headers: viewer.headers })).statusCode).toBe(403);
      expect((await t.app.inject({ url })).statusCode).toBe(401);
    }
  });

  it('never stores secrets in details', async () => {
    const owner = await createTestUser(t);
    await write(owner.orgId, {
      details: {
        password: 'hunter2-secret',
        nested: { refreshToken: 'rt-secret', externalId: 'ext-secret', secretAccessKey: 'aws-secret' },
        apiKey: 'rg_live_secret',
        email: 'someone@example.com',
        note: 'contact someone@example.com',
        big: 'x'.repeat(10_000),
      },
    });
    const res = await t.app.inject({ url: `/v1/orgs/${owner.orgId}/audit`, headers: owner.headers });
    const text = res.body;
    for (const secret of [
      'hunter2-secret',
      'rt-secret',
      'ext-secret',
      'aws-secret',
      'rg_live_secret',
      'someone@',
    ]) {
      expect(text).not.toContain(secret);
    }
    const rows = await t.database.db.select().from(auditEvents).where(eq(auditEvents.chain, owner.orgId));
    expect(JSON.stringify(rows)).not.toMatch(/-secret|rg_live_secret|someone@/);
    expect(Buffer.byteLength(JSON.stringify(rows[0]?.details))).toBeLessThanOrEqual(4096);
  });
});

describe('GET /v1/orgs/:orgId/audit/verify', () => {
  it('reports a valid chain, then the first broken link after tampering', async () => {
    const owner = await createTestUser(t);
    for (let i = 0; i < 4; i++) await write(owner.orgId);
    const url = `/v1/orgs/${owner.orgId}/audit/verify`;
    const ok = await t.app.inject({ url, headers: owner.headers });
    expect(ok.json()).toMatchObject({ valid: true, checked: 4, headSeq: 4, breaks: [], breakCount: 0 });
    await t.database.db.execute(
      sql`update audit_events set action = 'nothing.happened' where chain = ${owner.orgId} and seq = 2`,
    );
    const broken = await t.app.inject({ url: `${url}?full=true`, headers: owner.headers });
    expect(broken.json()).toMatchObject({
      valid: false,
      checked: 4,
      full: true,
      breaks: [{ seq: 2, reason: 'record_modified' }],
      breakCount: 1,
      firstBrokenSeq: 2,
      reason: 'record_modified',
    });
  });
});

describe('GET /v1/orgs/:orgId/audit/export', () => {
  it('streams NDJSON in chain order and audits the export', async () => {
    const owner = await createTestUser(t);
    for (let i = 0; i < 3; i++) await write(owner.orgId, { details: { i } });
    const res = await t.app.inject({
      url: `/v1/orgs/${owner.orgId}/audit/export?format=ndjson`,
      headers: owner.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; action: string; hash: string });
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(lines[3]?.action).toBe('audit.exported');
    const exported = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, owner.orgId), eq(auditEvents.action, 'audit.exported')));
    expect(exported).toHaveLength(1);
    expect(exported[0]?.actorId).toBe(owner.userId);
  });

  it('writes escaped CSV and neutralises spreadsheet formulas', async () => {
    const owner = await createTestUser(t);
    await write(owner.orgId, {
      resource: '=HYPERLINK("http://evil.test","click")',
      operation: '+cmd',
      errorCode: '@SUM(A1)',
      requestId: '-1+1',
      details: { note: 'a,b "quoted"\nnext line' },
    });
    const res = await t.app.inject({
      url: `/v1/orgs/${owner.orgId}/audit/export?format=csv`,
      headers: owner.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const body = res.body;
    const [header] = body.split('\r\n');
    expect(header?.startsWith('id,seq,createdAt,actorType')).toBe(true);
    expect(body).toContain(`"'=HYPERLINK(""http://evil.test"",""click"")"`);
    expect(body).toContain(",'+cmd,");
    expect(body).toContain(",'@SUM(A1),");
    expect(body).toContain(",'-1+1,");
    expect(body).toContain('"{""note"":""a,b \\""quoted\\""\\nnext line""}"');
    // No field starts with a formula character.
    expect(body).not.toMatch(/(^|,)[=+@]/m);
  });

  it('refuses an unknown format', async () => {
    const owner = await createTestUser(t);
    const res = await t.app.inject({
      url: `/v1/orgs/${owner.orgId}/audit/export?format=xlsx`,
      headers: owner.headers,
    });
    expect(res.statusCode).toBe(400);
  });
});
