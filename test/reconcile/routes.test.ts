import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconciliations } from '../../src/reconcile/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser } from '../helpers/identity.ts';

/** The REST surface's refusals: nothing is created for a bad window, another tenant gets 404. */
let t: TestApp;
beforeAll(async () => {
  // Nothing listens on port 9: a reconciliation that starts fails fast, which these tests never need.
  // Its own database on PostgreSQL: the reconciliations created here must not be resumed by
  // another file's app (every app resumes unfinished ones at start).
  t = await createTestApp({
    env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', ROLEGATE_RECONCILE_INTERVAL: '0' },
    isolatedDatabase: true,
  });
});
afterAll(async () => {
  await t.close();
});

const url = (orgId: string, connId: string) => `/v1/orgs/${orgId}/connections/${connId}/reconciliations`;
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe('reconciliation routes', () => {
  it('refuses windows that are not final, too long, reversed or older than 90 days, and creates nothing', async () => {
    const user = await createTestUser(t);
    const conn = await createTestConnection(t, user.orgId, { capabilities: ['cloudtrail-read'] });
    for (const body of [
      { from: ago(60), to: ago(5) },
      { from: ago(60 * 48), to: ago(30) },
      { from: ago(30), to: ago(60) },
      { from: ago(91 * 24 * 60), to: ago(91 * 24 * 60 - 60) },
      { from: 'yesterday' },
      { from: ago(90), to: ago(30), extra: 1 },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: url(user.orgId, conn.id),
        headers: user.headers,
        payload: body,
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    const rows = await t.database.db
      .select()
      .from(reconciliations)
      .where(eq(reconciliations.orgId, user.orgId));
    expect(rows).toHaveLength(0);
  });

  it('needs the cloudtrail-read capability, and another organisation’s connection is 404', async () => {
    const user = await createTestUser(t);
    const other = await createTestUser(t);
    const without = await createTestConnection(t, user.orgId, { capabilities: ['s3-read'] });
    const theirs = await createTestConnection(t, other.orgId, { capabilities: ['cloudtrail-read'] });
    const res = await t.app.inject({
      method: 'POST',
      url: url(user.orgId, without.id),
      headers: user.headers,
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('capability_missing');
    for (const method of ['POST', 'GET'] as const) {
      const r = await t.app.inject({
        method,
        url: url(user.orgId, theirs.id),
        headers: user.headers,
        ...(method === 'POST' ? { payload: {} } : {}),
      });
      expect(r.statusCode).toBe(404);
    }
  });

  it('starts a window (202), lists it and reads it', async () => {
    const user = await createTestUser(t);
    const conn = await createTestConnection(t, user.orgId, { capabilities: ['cloudtrail-read'] });
    const first = await t.app.inject({
      method: 'POST',
      url: url(user.orgId, conn.id),
      headers: user.headers,
      payload: { from: ago(90), to: ago(30) },
    });
    expect(first.statusCode, first.body).toBe(202);
    const view = first.json();
    expect(view).toMatchObject({ connectionId: conn.id, trigger: 'manual', regions: ['us-east-1'] });
    const list = await t.app.inject({ method: 'GET', url: url(user.orgId, conn.id), headers: user.headers });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(view.id);
    const one = await t.app.inject({
      method: 'GET',
      url: `${url(user.orgId, conn.id)}/${view.id}`,
      headers: user.headers,
    });
    expect(one.statusCode).toBe(200);
    expect(one.json().reconciliation.id).toBe(view.id);
  });
});

describe('reconciliation as agent tools (intents)', () => {
  it('reconcile.run starts a window of the connection; reconcile.results reads it; another tenant’s id is 404', async () => {
    const user = await createTestUser(t);
    const other = await createTestUser(t);
    const conn = await createTestConnection(t, user.orgId, { capabilities: ['cloudtrail-read'] });
    const run = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers: user.headers,
      payload: {
        intent: 'reconcile.run',
        orgId: user.orgId,
        connectionId: conn.id,
        params: { from: ago(90), to: ago(30) },
      },
    });
    expect(run.statusCode, run.body).toBe(200);
    const id = (run.json() as { result: { id: string } }).result.id;
    expect(id).toMatch(/^rec_/);
    const read = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers: user.headers,
      payload: { intent: 'reconcile.results', orgId: user.orgId, params: { reconciliationId: id } },
    });
    expect(read.statusCode, read.body).toBe(200);
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers: other.headers,
      payload: { intent: 'reconcile.results', orgId: other.orgId, params: { reconciliationId: id } },
    });
    expect(foreign.statusCode).toBe(404);
  });
});
