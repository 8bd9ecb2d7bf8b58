import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import type { Clock } from '../../src/clock.ts';
import { memberships } from '../../src/db/core-tables.ts';
import { apiKeys } from '../../src/identity/api-keys/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

let t: TestApp;
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
function call(user: { headers: { authorization: string } }, method: Method, url: string, payload?: object) {
  return t.app.inject({ method, url, headers: user.headers, ...(payload === undefined ? {} : { payload }) });
}
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

async function createKey(actor: TestUser, orgId: string, body: Record<string, unknown>) {
  return call(actor, 'POST', `/v1/orgs/${orgId}/api-keys`, body);
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met');
}

describe('API keys', () => {
  it('round trip: create, call the API with it, list shows lastUsedAt and never the secret', async () => {
    const admin = await createTestUser(t, { role: 'owner' });
    const created = await createKey(admin, admin.orgId, { name: 'ci', role: 'viewer' });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ name: 'ci', role: 'viewer', expiresAt: null });
    expect(body.id).toMatch(/^key_/);
    expect(body.key).toMatch(/^rg_live_[0-9a-z]{12}_[A-Za-z0-9_-]{43}$/);
    expect(body.key.startsWith(`rg_live_${body.prefix}_`)).toBe(true);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret = body.key.slice(`rg_live_${body.prefix}_`.length);

    const stored = await t.database.db.select().from(apiKeys).where(eq(apiKeys.id, body.id));
    expect(JSON.stringify(stored)).not.toContain(secret);

    const members = await call(bearer(body.key), 'GET', `/v1/orgs/${admin.orgId}/members`);
    expect(members.statusCode).toBe(200);
    expect(members.json().items[0].userId).toBe(admin.userId);
    const mine = (await call(bearer(body.key), 'GET', '/v1/orgs')).json();
    expect(mine.items).toEqual([expect.objectContaining({ id: admin.orgId, role: 'viewer' })]);

    await waitFor(async () => {
      const list = (await call(admin, 'GET', `/v1/orgs/${admin.orgId}/api-keys`)).json();
      return list.items[0]?.lastUsedAt !== null;
    });
    const list = await call(admin, 'GET', `/v1/orgs/${admin.orgId}/api-keys`);
    expect(list.json().items).toEqual([
      expect.objectContaining({
        id: body.id,
        prefix: body.prefix,
        name: 'ci',
        role: 'viewer',
        createdBy: admin.userId,
      }),
    ]);
    expect(list.body).not.toContain(secret);
    expect(list.body).not.toContain(stored[0]!.secretHash);

    // Several keys at once (rotation), each works.
    const second = (await createKey(admin, admin.orgId, { name: 'ci-2', role: 'member' })).json();
    expect((await call(bearer(second.key), 'GET', `/v1/orgs/${admin.orgId}/members`)).statusCode).toBe(200);
    expect((await call(bearer(body.key), 'GET', `/v1/orgs/${admin.orgId}/members`)).statusCode).toBe(200);
    expect((await call(admin, 'GET', `/v1/orgs/${admin.orgId}/api-keys`)).json().items).toHaveLength(2);

    const actions = await t.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.orgId, admin.orgId));
    expect(actions.map((a) => a.action)).toEqual(['api_key.created', 'api_key.created']);
  });

  it('last use is written at most once a minute per key', async () => {
    const owner = await createTestUser(t);
    const key = (await createKey(owner, owner.orgId, { name: 'k', role: 'viewer' })).json();
    await call(bearer(key.key), 'GET', `/v1/orgs/${owner.orgId}/members`);
    const lastUsed = async () =>
      (await t.database.db.select({ v: apiKeys.lastUsedAt }).from(apiKeys).where(eq(apiKeys.id, key.id)))[0]!
        .v;
    await waitFor(async () => (await lastUsed()) !== null);
    const first = await lastUsed();
    await call(bearer(key.key), 'GET', `/v1/orgs/${owner.orgId}/members`);
    await new Promise((r) => setTimeout(r, 100));
    expect(await lastUsed()).toEqual(first);
  });

  it('a key of organisation A gets 404 on organisation B', async () => {
    const a = await createTestUser(t);
    const b = await createTestUser(t);
    const key = (await createKey(a, a.orgId, { name: 'a', role: 'admin' })).json();
    expect((await call(bearer(key.key), 'GET', `/v1/orgs/${b.orgId}/members`)).statusCode).toBe(404);
    expect((await call(bearer(key.key), 'GET', `/v1/orgs/${b.orgId}/api-keys`)).statusCode).toBe(404);
    // Nor can B's owner revoke A's key through B.
    expect((await call(b, 'DELETE', `/v1/orgs/${b.orgId}/api-keys/${key.id}`)).statusCode).toBe(404);
    expect((await call(bearer(key.key), 'GET', `/v1/orgs/${a.orgId}/members`)).statusCode).toBe(200);
  });

  it('a key cannot have a role above its creator; only admins create keys; keys cannot create keys', async () => {
    const owner = await createTestUser(t);
    const admin = await createTestUser(t, { orgId: owner.orgId, role: 'admin' });
    const member = await createTestUser(t, { orgId: owner.orgId, role: 'member' });
    const viewer = await createTestUser(t, { orgId: owner.orgId, role: 'viewer' });

    const above = await createKey(admin, owner.orgId, { name: 'x', role: 'owner' });
    expect(above.statusCode).toBe(403);
    expect(above.json().error.code).toBe('forbidden');
    expect(above.json().error.message).toMatch(/above your own/);
    expect((await createKey(member, owner.orgId, { name: 'x', role: 'viewer' })).statusCode).toBe(403);
    expect((await createKey(viewer, owner.orgId, { name: 'x', role: 'viewer' })).statusCode).toBe(403);
    expect((await call(member, 'GET', `/v1/orgs/${owner.orgId}/api-keys`)).statusCode).toBe(403);
    expect((await createKey(owner, owner.orgId, { name: 'x', role: 'owner' })).statusCode).toBe(201);

    const adminKey = (await createKey(admin, owner.orgId, { name: 'x', role: 'admin' })).json();
    const byKey = await createKey(bearer(adminKey.key) as TestUser, owner.orgId, {
      name: 'y',
      role: 'viewer',
    });
    expect(byKey.statusCode).toBe(403);
    // A viewer key cannot do admin actions.
    const viewerKey = (await createKey(admin, owner.orgId, { name: 'v', role: 'viewer' })).json();
    expect((await call(bearer(viewerKey.key), 'GET', `/v1/orgs/${owner.orgId}/api-keys`)).statusCode).toBe(
      403,
    );
    expect(
      (await call(bearer(viewerKey.key), 'DELETE', `/v1/orgs/${owner.orgId}/members/${member.userId}`))
        .statusCode,
    ).toBe(403);
  });

  it('validates the body: unknown fields, bad role, past or malformed expiry', async () => {
    const owner = await createTestUser(t);
    for (const body of [
      { name: 'x', role: 'root' },
      { name: '', role: 'viewer' },
      { name: 'x', role: 'viewer', extra: true },
      { name: 'x', role: 'viewer', expiresAt: 'tomorrow' },
      { name: 'x', role: 'viewer', expiresAt: new Date(Date.now() - 1000).toISOString() },
      { name: 'x', role: 'viewer', expiresAt: new Date(Date.now() + 6 * 366 * 86400_000).toISOString() },
    ]) {
      expect((await createKey(owner, owner.orgId, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await call(owner, 'GET', `/v1/orgs/${owner.orgId}/api-keys`)).json().items).toEqual([]);
  });

  it('a revoked key is refused immediately', async () => {
    const owner = await createTestUser(t);
    const key = (await createKey(owner, owner.orgId, { name: 'k', role: 'admin' })).json();
    expect((await call(bearer(key.key), 'GET', `/v1/orgs/${owner.orgId}/members`)).statusCode).toBe(200);
    expect((await call(owner, 'DELETE', `/v1/orgs/${owner.orgId}/api-keys/${key.id}`)).statusCode).toBe(204);
    const after = await call(bearer(key.key), 'GET', `/v1/orgs/${owner.orgId}/members`);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('api_key_revoked');
    expect(after.json().error.message).toContain('revoked');
    // Only the real secret learns that: the same prefix with another secret is a plain 401.
    const forged = `${key.key.slice(0, -4)}${key.key.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const wrong = await call(bearer(forged), 'GET', `/v1/orgs/${owner.orgId}/members`);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('unauthenticated');
    expect((await call(owner, 'DELETE', `/v1/orgs/${owner.orgId}/api-keys/${key.id}`)).statusCode).toBe(404);
    expect((await call(owner, 'GET', `/v1/orgs/${owner.orgId}/api-keys`)).json().items).toEqual([]);
    const actions = await t.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.orgId, owner.orgId))
      .orderBy(auditEvents.seq);
    expect(actions.map((a) => a.action)).toEqual(['api_key.created', 'api_key.revoked']);
  });

  it('an expired key is refused', async () => {
    const owner = await createTestUser(t);
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const key = (await createKey(owner, owner.orgId, { name: 'k', role: 'viewer', expiresAt })).json();
    expect(key.expiresAt).toBe(expiresAt);
    expect((await call(bearer(key.key), 'GET', `/v1/orgs/${owner.orgId}/members`)).statusCode).toBe(200);
    offsetMs = 3600_000 + 1000;
    try {
      expect((await call(bearer(key.key), 'GET', `/v1/orgs/${owner.orgId}/members`)).statusCode).toBe(401);
    } finally {
      offsetMs = 0;
    }
  });

  it('tampered secret, unknown prefix and malformed keys are refused', async () => {
    const owner = await createTestUser(t);
    const key: string = (await createKey(owner, owner.orgId, { name: 'k', role: 'viewer' })).json().key;
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    const candidates = [
      `${key.slice(0, -1)}${last}`,
      `rg_live_${'0'.repeat(12)}${key.slice(20)}`,
      key.slice(0, -1),
      `${key}x`,
      'rg_live_',
      `rg_live_${key.slice(8, 20)}`,
      key.replace('rg_live_', 'rg_test_'),
      key.toUpperCase(),
    ];
    for (const candidate of candidates) {
      const res = await call(bearer(candidate), 'GET', `/v1/orgs/${owner.orgId}/members`);
      expect(res.statusCode, candidate).toBe(401);
      expect(res.body).not.toContain(key.slice(20));
    }
    expect(t.logs()).not.toContain(key.slice(21));
  });

  it('a key never exceeds its creator: capped when the creator is demoted, refused when they leave', async () => {
    const owner = await createTestUser(t);
    const admin = await createTestUser(t, { orgId: owner.orgId, role: 'admin' });
    const key = (await createKey(admin, owner.orgId, { name: 'k', role: 'admin' })).json();
    const asKey = bearer(key.key);
    expect((await call(asKey, 'GET', `/v1/orgs/${owner.orgId}/api-keys`)).statusCode).toBe(200);

    expect(
      (await call(owner, 'PATCH', `/v1/orgs/${owner.orgId}/members/${admin.userId}`, { role: 'member' }))
        .statusCode,
    ).toBe(200);
    // Capped at member: admin actions refused, member reads fine, the key reports the capped role.
    expect((await call(asKey, 'GET', `/v1/orgs/${owner.orgId}/api-keys`)).statusCode).toBe(403);
    expect((await call(asKey, 'GET', `/v1/orgs/${owner.orgId}/members`)).statusCode).toBe(200);
    expect((await call(asKey, 'GET', `/v1/orgs/${owner.orgId}`)).json().role).toBe('member');

    await t.database.db
      .delete(memberships)
      .where(and(eq(memberships.orgId, owner.orgId), eq(memberships.userId, admin.userId)));
    expect((await call(asKey, 'GET', `/v1/orgs/${owner.orgId}/members`)).statusCode).toBe(401);
  });
});
