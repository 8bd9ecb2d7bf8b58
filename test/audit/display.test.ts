import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CHAIN } from '../../src/audit/chain.ts';
import { auditEvents } from '../../src/audit/tables.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { memberships, users } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../helpers/identity.ts';

/**
 * The audit view's display data and the sign-ins of an organisation's members (docs/audit.md,
 * "Names in the audit view" and "Sign-ins"): names resolved at read time for the organisation only,
 * never an erased person, never another organisation's people, keys or connections, and the chain
 * untouched.
 */

let t: TestApp;
const audit = createAuditWriter({ clock: systemClock });

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

interface Display {
  kind: string;
  status: string;
  name: string | null;
  email: string | null;
  onBehalfOf: string | null;
}
interface Item {
  id: string;
  action: string;
  outcome: string;
  actorType: string;
  actorId: string | null;
  targetId: string | null;
  connectionId: string | null;
  details: Record<string, unknown>;
  chain?: string;
  device?: string;
}
interface PageBody {
  items: Item[];
  nextCursor: string | null;
  actors: Record<string, Display>;
  connections: Record<string, { name: string }>;
}

const emailOf = (u: TestUser) => `${u.userId}@example.test`;

async function named(user: TestUser, name: string): Promise<void> {
  await t.database.db.update(users).set({ name }).where(eq(users.id, user.userId));
}

async function write(orgId: string | null, event: Partial<AuditEvent>): Promise<void> {
  await audit.record(t.database.db, {
    orgId,
    actorType: 'user',
    actorId: null,
    action: 'connection.created',
    outcome: 'success',
    ...event,
  });
}

async function get(user: { headers: { authorization: string } }, url: string) {
  return t.app.inject({ url, headers: user.headers });
}

async function page(user: TestUser, path: string): Promise<PageBody> {
  const res = await get(user, `/v1/orgs/${user.orgId}/${path}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as PageBody;
}

async function login(user: TestUser, password = TEST_PASSWORD): Promise<number> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email: emailOf(user), password },
  });
  return res.statusCode;
}

async function verifiedFull(user: TestUser): Promise<boolean> {
  const res = await get(user, `/v1/orgs/${user.orgId}/audit/verify?full=true`);
  expect(res.statusCode).toBe(200);
  return (res.json() as { valid: boolean }).valid;
}

describe('GET /v1/orgs/:orgId/audit: names of actors, keys and connections', () => {
  it('names members, API keys with their creator and connections; the records themselves are unchanged', async () => {
    const owner = await createTestUser(t);
    await named(owner, 'Olivia Owner');
    const key = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: owner.headers,
      payload: { name: 'ci pipeline', role: 'viewer' },
    });
    expect(key.statusCode).toBe(201);
    const keyId = (key.json() as { id: string }).id;
    const conn = await createTestConnection(t, owner.orgId, { capabilities: ['s3-read'] });
    await write(owner.orgId, {
      actorType: 'apiKey',
      actorId: keyId,
      action: 'aws.s3.list_buckets',
      connectionId: conn.id,
    });

    const body = await page(owner, 'audit');
    expect(body.actors[owner.userId]).toEqual({
      kind: 'user',
      status: 'member',
      name: 'Olivia Owner',
      email: emailOf(owner),
      onBehalfOf: null,
    });
    expect(body.actors[keyId]).toEqual({
      kind: 'apiKey',
      status: 'active',
      name: 'ci pipeline',
      email: null,
      onBehalfOf: owner.userId,
    });
    expect(body.connections[conn.id]).toEqual({ name: `test ${conn.id}` });
    // Display data sits beside the records, never inside them: a record is exactly as stored.
    const stored = await t.database.db.select().from(auditEvents).where(eq(auditEvents.chain, owner.orgId));
    for (const item of body.items) {
      expect(Object.keys(item)).not.toContain('actorName');
      const row = stored.find((r) => r.id === item.id);
      expect(item.actorId).toBe(row?.actorId);
      expect(item.details).toEqual(row?.details);
    }
    expect(await verifiedFull(owner)).toBe(true);
  });

  it('still names a member who left (their account exists), as a former member', async () => {
    const owner = await createTestUser(t);
    const admin = await createTestUser(t, { role: 'admin', orgId: owner.orgId });
    await named(admin, 'Ada Admin');
    // The admin acts in the organisation (a real, audited action), then is removed.
    const key = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: admin.headers,
      payload: { name: 'admin key', role: 'viewer' },
    });
    expect(key.statusCode).toBe(201);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${owner.orgId}/members/${admin.userId}`,
      headers: owner.headers,
    });
    expect(removed.statusCode).toBe(204);

    const body = await page(owner, 'audit');
    expect(body.actors[admin.userId]).toMatchObject({
      kind: 'user',
      status: 'former_member',
      name: 'Ada Admin',
      email: emailOf(admin),
    });
  });

  it('never names an erased user: no id, no email in the answer; their key shows no creator', async () => {
    const owner = await createTestUser(t);
    const leaver = await createTestUser(t, { role: 'admin', orgId: owner.orgId, password: TEST_PASSWORD });
    await named(leaver, 'Erin Erased');
    const key = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: leaver.headers,
      payload: { name: 'erased key', role: 'viewer' },
    });
    const keyId = (key.json() as { id: string }).id;
    const before = await page(owner, 'audit');
    expect(before.actors[leaver.userId]?.email).toBe(emailOf(leaver));

    const erased = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: leaver.headers,
      payload: { password: TEST_PASSWORD },
    });
    expect(erased.statusCode).toBe(200);

    const res = await get(owner, `/v1/orgs/${owner.orgId}/audit?limit=200`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(leaver.userId);
    expect(res.body).not.toContain(emailOf(leaver));
    expect(res.body).not.toContain('Erin Erased');
    const body = res.json() as PageBody;
    // Their records are still there, as "a user" without an id.
    expect(
      body.items.some((i) => i.action === 'api_key.created' && i.actorType === 'user' && i.actorId === null),
    ).toBe(true);
    expect(body.actors[keyId]).toMatchObject({ kind: 'apiKey', status: 'revoked', onBehalfOf: null });
    expect(await verifiedFull(owner)).toBe(true);
  });

  it("resolves nothing of another organisation: its users, keys and connections named in this organisation's chain", async () => {
    const owner = await createTestUser(t);
    const stranger = await createTestUser(t);
    await named(stranger, 'Stella Stranger');
    const strangerKey = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${stranger.orgId}/api-keys`,
      headers: stranger.headers,
      payload: { name: 'their key', role: 'viewer' },
    });
    const strangerKeyId = (strangerKey.json() as { id: string }).id;
    const theirConn = await createTestConnection(t, stranger.orgId, { capabilities: ['s3-read'] });
    // A refused request naming the stranger, a denied record with them as actor, their key and
    // their connection: none of it is evidence that this organisation may see who they are.
    await write(owner.orgId, {
      actorId: owner.userId,
      action: 'membership.role_changed',
      outcome: 'denied',
      targetType: 'user',
      targetId: stranger.userId,
    });
    await write(owner.orgId, { actorId: stranger.userId, action: 'connection.created', outcome: 'denied' });
    await write(owner.orgId, {
      actorType: 'apiKey',
      actorId: strangerKeyId,
      action: 'aws.s3.list_buckets',
      connectionId: theirConn.id,
      outcome: 'failure',
    });

    const res = await get(owner, `/v1/orgs/${owner.orgId}/audit`);
    expect(res.statusCode).toBe(200);
    const body = res.json() as PageBody;
    expect(body.actors[stranger.userId]).toBeUndefined();
    expect(body.actors[strangerKeyId]).toBeUndefined();
    expect(body.connections[theirConn.id]).toBeUndefined();
    expect(res.body).not.toContain(emailOf(stranger));
    expect(res.body).not.toContain('Stella Stranger');
    expect(res.body).not.toContain('their key');
  });
});

describe('GET /v1/orgs/:orgId/audit/sign-ins', () => {
  it("shows current members' sign-ins (success and failure) with their names, and nobody else's", async () => {
    const owner = await createTestUser(t, { password: TEST_PASSWORD });
    const member = await createTestUser(t, { role: 'member', orgId: owner.orgId, password: TEST_PASSWORD });
    await named(member, 'Mona Member');
    const other = await createTestUser(t, { password: TEST_PASSWORD });
    expect(await login(member)).toBe(200);
    expect(await login(member, 'a wrong passphrase entirely')).toBe(401);
    expect(await login(other)).toBe(200);

    const body = await page(owner, 'audit/sign-ins?limit=200');
    const mine = body.items.filter((i) => i.actorId === member.userId);
    expect(mine.map((i) => `${i.action}:${i.outcome}`).sort()).toEqual([
      'auth.login:failure',
      'auth.login:success',
    ]);
    expect(mine.every((i) => i.chain === 'system')).toBe(true);
    // The injected requests name no browser: the user agent in words says so.
    expect(mine.map((i) => i.device)).toEqual(['Unknown device', 'Unknown device']);
    expect(body.actors[member.userId]).toMatchObject({ name: 'Mona Member', email: emailOf(member) });
    expect(body.items.some((i) => i.actorId === other.userId)).toBe(false);
    expect(JSON.stringify(body)).not.toContain(emailOf(other));
    // Only sign-in related actions, even of members.
    const actions = new Set(body.items.map((i) => i.action));
    for (const action of actions)
      expect([
        'auth.login',
        'auth.mfa.verify',
        'auth.lockout',
        'session.revoked',
        'auth.break_glass',
        'sso.login',
      ]).toContain(action);

    // The other organisation sees its own member, not ours.
    const theirs = await page(other, 'audit/sign-ins?limit=200');
    expect(theirs.items.some((i) => i.actorId === other.userId)).toBe(true);
    expect(theirs.items.some((i) => i.actorId === member.userId)).toBe(false);

    // Filters: one member, failures only.
    const failures = await page(owner, `audit/sign-ins?actorId=${member.userId}&outcome=failure`);
    expect(failures.items.map((i) => i.action)).toEqual(['auth.login']);
  });

  it('shows nothing from before a member joined, and nothing once they left', async () => {
    const owner = await createTestUser(t, { password: TEST_PASSWORD });
    const joiner = await createTestUser(t, { password: TEST_PASSWORD });
    expect(await login(joiner)).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    await t.database.db.insert(memberships).values({
      id: newId('mem'),
      orgId: owner.orgId,
      userId: joiner.userId,
      role: 'member',
      createdAt: new Date(),
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(await login(joiner)).toBe(200);
    const seen = (await page(owner, `audit/sign-ins?actorId=${joiner.userId}`)).items;
    expect(seen).toHaveLength(1);
    const logins = await t.database.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.chain, SYSTEM_CHAIN),
          eq(auditEvents.actorId, joiner.userId),
          eq(auditEvents.action, 'auth.login'),
        ),
      );
    expect(logins).toHaveLength(2);
    expect(seen[0]?.id).toBe(logins.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0]?.id);

    await t.database.db
      .delete(memberships)
      .where(and(eq(memberships.orgId, owner.orgId), eq(memberships.userId, joiner.userId)));
    expect((await page(owner, `audit/sign-ins?actorId=${joiner.userId}`)).items).toEqual([]);
  });

  it("cuts system-chain details to this organisation's: another organisation's SSO id is left out", async () => {
    const owner = await createTestUser(t);
    const member = await createTestUser(t, { role: 'admin', orgId: owner.orgId });
    const elsewhere = newId('org');
    await write(null, {
      actorId: member.userId,
      action: 'auth.login',
      details: { mfa: false, method: 'sso', ssoOrgId: elsewhere, note: 'x' },
    });
    await write(null, {
      actorId: member.userId,
      action: 'auth.login',
      details: { mfa: true, method: 'sso', ssoOrgId: owner.orgId },
    });
    const body = await page(owner, `audit/sign-ins?actorId=${member.userId}`);
    expect(body.items.map((i) => i.details)).toEqual([
      { mfa: true, method: 'sso', ssoOrgId: owner.orgId },
      { mfa: false, method: 'sso' },
    ]);
    expect(JSON.stringify(body)).not.toContain(elsewhere);
  });

  it("includes the organisation's own SSO sign-ins, and pages through everything with the cursor", async () => {
    const owner = await createTestUser(t);
    const member = await createTestUser(t, { role: 'member', orgId: owner.orgId });
    for (let i = 0; i < 3; i++) await write(null, { actorId: member.userId, action: 'auth.login' });
    await write(owner.orgId, {
      actorId: member.userId,
      action: 'sso.login',
      targetType: 'user',
      targetId: member.userId,
    });
    await write(owner.orgId, { actorType: 'anonymous', action: 'sso.login', outcome: 'denied' });
    await write(owner.orgId, { actorId: member.userId, action: 'connection.created' });

    const all = await page(owner, 'audit/sign-ins?limit=200');
    expect(all.items.filter((i) => i.chain === 'organization').map((i) => i.action)).toEqual([
      'sso.login',
      'sso.login',
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body: PageBody = await page(
        owner,
        `audit/sign-ins?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.items.map((i) => i.id));
    expect(new Set(seen).size).toBe(seen.length);

    const bad = await get(owner, `/v1/orgs/${owner.orgId}/audit/sign-ins?cursor=bm90LWEtY3Vyc29y`);
    expect(bad.statusCode).toBe(400);
    const notMember = await get(owner, `/v1/orgs/${owner.orgId}/audit/sign-ins?actorId=key_x`);
    expect(notMember.statusCode).toBe(400);
  });

  it('is refused to a member without audit:read (403) and to another organisation (404)', async () => {
    const owner = await createTestUser(t);
    const member = await createTestUser(t, { role: 'member', orgId: owner.orgId });
    const outsider = await createTestUser(t);
    expect((await get(member, `/v1/orgs/${owner.orgId}/audit/sign-ins`)).statusCode).toBe(403);
    expect((await get(member, `/v1/orgs/${owner.orgId}/audit`)).statusCode).toBe(403);
    expect((await get(outsider, `/v1/orgs/${owner.orgId}/audit/sign-ins`)).statusCode).toBe(404);
  });
});
