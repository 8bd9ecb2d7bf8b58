import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import type { Clock } from '../../src/clock.ts';
import { memberships, organizations } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { apiKeys } from '../../src/identity/api-keys/tables.ts';
import { invitations } from '../../src/identity/orgs/tables.ts';
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

async function actionsOf(orgId: string): Promise<string[]> {
  const rows = await t.database.db
    .select({ action: auditEvents.action })
    .from(auditEvents)
    .where(eq(auditEvents.orgId, orgId))
    .orderBy(auditEvents.seq);
  return rows.map((r) => r.action);
}

async function roleIn(orgId: string, userId: string): Promise<string | null> {
  const rows = await t.database.db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  return rows[0]?.role ?? null;
}

/** An owner with a fresh organisation plus an admin, a member and a viewer in it. */
async function team() {
  const owner = await createTestUser(t);
  const orgId = owner.orgId;
  const admin = await createTestUser(t, { orgId, role: 'admin' });
  const member = await createTestUser(t, { orgId, role: 'member' });
  const viewer = await createTestUser(t, { orgId, role: 'viewer' });
  return { orgId, owner, admin, member, viewer };
}

describe('organisations', () => {
  it('creates an organisation whose creator is owner, lists, reads, renames and deletes it', async () => {
    const user = await createTestUser(t);
    const created = await call(user, 'POST', '/v1/orgs', { name: '  Acme Corp ' });
    expect(created.statusCode).toBe(201);
    const org = created.json();
    expect(org).toMatchObject({ name: 'Acme Corp', role: 'owner' });
    expect(org.id).toMatch(/^org_/);

    const mine = (await call(user, 'GET', '/v1/orgs')).json();
    expect(mine.items.map((o: { id: string; role: string }) => [o.id, o.role])).toEqual(
      expect.arrayContaining([
        [user.orgId, 'owner'],
        [org.id, 'owner'],
      ]),
    );
    expect((await call(user, 'GET', `/v1/orgs/${org.id}`)).json()).toMatchObject({
      id: org.id,
      name: 'Acme Corp',
    });

    const renamed = await call(user, 'PATCH', `/v1/orgs/${org.id}`, { name: 'Acme 2' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().name).toBe('Acme 2');

    const del = await call(user, 'DELETE', `/v1/orgs/${org.id}`);
    expect(del.statusCode).toBe(204);
    expect((await call(user, 'GET', `/v1/orgs/${org.id}`)).statusCode).toBe(404);
    expect(await actionsOf(org.id)).toEqual(['org.created', 'org.updated', 'org.deleted']);
  });

  it('refuses bad names and unknown fields', async () => {
    const user = await createTestUser(t);
    for (const body of [
      { name: '' },
      { name: 'x'.repeat(101) },
      { name: 'a\u0000b' },
      { name: 'ok', extra: 1 },
      {},
    ]) {
      expect((await call(user, 'POST', '/v1/orgs', body)).statusCode).toBe(400);
    }
  });

  it('deleting an organisation removes memberships, invitations and API keys; only an owner may', async () => {
    const { orgId, owner, admin } = await team();
    const inv = await call(admin, 'POST', `/v1/orgs/${orgId}/invitations`, {
      email: 'x@example.test',
      role: 'member',
    });
    expect(inv.statusCode).toBe(201);
    const key = await call(admin, 'POST', `/v1/orgs/${orgId}/api-keys`, { name: 'ci', role: 'viewer' });
    expect(key.statusCode).toBe(201);

    expect((await call(admin, 'DELETE', `/v1/orgs/${orgId}`)).statusCode).toBe(403);
    expect((await call(admin, 'PATCH', `/v1/orgs/${orgId}`, { name: 'by admin' })).statusCode).toBe(200);
    expect((await call(owner, 'DELETE', `/v1/orgs/${orgId}`)).statusCode).toBe(204);

    const db = t.database.db;
    expect(await db.select().from(organizations).where(eq(organizations.id, orgId))).toHaveLength(0);
    expect(await db.select().from(memberships).where(eq(memberships.orgId, orgId))).toHaveLength(0);
    expect(await db.select().from(invitations).where(eq(invitations.orgId, orgId))).toHaveLength(0);
    expect(await db.select().from(apiKeys).where(eq(apiKeys.orgId, orgId))).toHaveLength(0);
    // The audit trail outlives the organisation.
    expect(await actionsOf(orgId)).toContain('org.deleted');
    // The API key died with it.
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/orgs',
      headers: { authorization: `Bearer ${key.json().key}` },
    });
    expect(res.statusCode).toBe(401);
  });

  it('viewers and members cannot rename; another organisation is 404', async () => {
    const { orgId, member, viewer } = await team();
    const stranger = await createTestUser(t);
    expect((await call(viewer, 'PATCH', `/v1/orgs/${orgId}`, { name: 'x' })).statusCode).toBe(403);
    expect((await call(member, 'PATCH', `/v1/orgs/${orgId}`, { name: 'x' })).statusCode).toBe(403);
    expect((await call(viewer, 'GET', `/v1/orgs/${orgId}`)).json().role).toBe('viewer');
    expect((await call(stranger, 'GET', `/v1/orgs/${orgId}`)).statusCode).toBe(404);
    expect((await call(stranger, 'DELETE', `/v1/orgs/${orgId}`)).statusCode).toBe(404);
    expect((await call(stranger, 'GET', `/v1/orgs/${newId('org')}`)).statusCode).toBe(404);
  });
});

describe('members', () => {
  it('lists members with a cursor', async () => {
    const { orgId, viewer } = await team();
    const first = await call(viewer, 'GET', `/v1/orgs/${orgId}/members?limit=3`);
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(3);
    expect(page1.nextCursor).toMatch(/^usr_/);
    const page2 = (
      await call(viewer, 'GET', `/v1/orgs/${orgId}/members?limit=3&cursor=${page1.nextCursor}`)
    ).json();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    const all = [...page1.items, ...page2.items];
    expect(new Set(all.map((m: { role: string }) => m.role))).toEqual(
      new Set(['owner', 'admin', 'member', 'viewer']),
    );
    expect(all[0]).toEqual(
      expect.objectContaining({
        userId: expect.any(String),
        email: expect.any(String),
        joinedAt: expect.any(String),
      }),
    );
  });

  it('viewers and members cannot change roles or remove others', async () => {
    const { orgId, member, viewer, admin } = await team();
    for (const actor of [viewer, member]) {
      expect(
        (await call(actor, 'PATCH', `/v1/orgs/${orgId}/members/${admin.userId}`, { role: 'viewer' }))
          .statusCode,
      ).toBe(403);
      expect((await call(actor, 'DELETE', `/v1/orgs/${orgId}/members/${admin.userId}`)).statusCode).toBe(403);
    }
    expect(await roleIn(orgId, admin.userId)).toBe('admin');
  });

  it('admins manage non-owners but cannot touch owners or grant owner', async () => {
    const { orgId, owner, admin, member, viewer } = await team();
    const patch = (actor: TestUser, target: string, role: string) =>
      call(actor, 'PATCH', `/v1/orgs/${orgId}/members/${target}`, { role });

    const promoted = await patch(admin, viewer.userId, 'member');
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json()).toEqual({ userId: viewer.userId, role: 'member' });
    expect(await roleIn(orgId, viewer.userId)).toBe('member');

    expect((await patch(admin, member.userId, 'owner')).statusCode).toBe(403);
    expect((await patch(admin, admin.userId, 'owner')).statusCode).toBe(403);
    const demoteOwner = await patch(admin, owner.userId, 'admin');
    expect(demoteOwner.statusCode).toBe(403);
    expect(demoteOwner.json().error.message).toMatch(/owner/);
    expect((await call(admin, 'DELETE', `/v1/orgs/${orgId}/members/${owner.userId}`)).statusCode).toBe(403);
    expect(await roleIn(orgId, owner.userId)).toBe('owner');

    expect((await call(admin, 'DELETE', `/v1/orgs/${orgId}/members/${member.userId}`)).statusCode).toBe(204);
    expect(await roleIn(orgId, member.userId)).toBeNull();
    // The removed member loses access at once.
    expect((await call(member, 'GET', `/v1/orgs/${orgId}/members`)).statusCode).toBe(404);
    expect((await call(admin, 'DELETE', `/v1/orgs/${orgId}/members/${member.userId}`)).statusCode).toBe(404);

    // Owners can grant owner.
    expect((await patch(owner, admin.userId, 'owner')).statusCode).toBe(200);
    expect(await actionsOf(orgId)).toEqual([
      'membership.role_changed',
      'membership.removed',
      'membership.role_changed',
    ]);
  });

  it('the last owner cannot be demoted or removed, nor leave; with two owners one may go', async () => {
    const { orgId, owner, admin } = await team();
    const demote = await call(owner, 'PATCH', `/v1/orgs/${orgId}/members/${owner.userId}`, { role: 'admin' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('last_owner');
    const leave = await call(owner, 'DELETE', `/v1/orgs/${orgId}/members/${owner.userId}`);
    expect(leave.statusCode).toBe(409);
    expect(leave.json().error.code).toBe('last_owner');

    expect(
      (await call(owner, 'PATCH', `/v1/orgs/${orgId}/members/${admin.userId}`, { role: 'owner' })).statusCode,
    ).toBe(200);
    // Now two owners: the first may step down, after which the second is the last one.
    expect(
      (await call(owner, 'PATCH', `/v1/orgs/${orgId}/members/${owner.userId}`, { role: 'member' }))
        .statusCode,
    ).toBe(200);
    const removeLast = await call(admin, 'DELETE', `/v1/orgs/${orgId}/members/${admin.userId}`);
    expect(removeLast.json().error.code).toBe('last_owner');
    expect(await roleIn(orgId, admin.userId)).toBe('owner');
  });

  it('concurrent demotions of the two owners leave one owner', async () => {
    const { orgId, owner } = await team();
    const second = await createTestUser(t, { orgId, role: 'owner' });
    const results = await Promise.all([
      call(owner, 'PATCH', `/v1/orgs/${orgId}/members/${owner.userId}`, { role: 'admin' }),
      call(second, 'PATCH', `/v1/orgs/${orgId}/members/${second.userId}`, { role: 'admin' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const roles = [await roleIn(orgId, owner.userId), await roleIn(orgId, second.userId)];
    expect(roles.filter((r) => r === 'owner')).toHaveLength(1);
  });

  it('any member may leave', async () => {
    const { orgId, viewer } = await team();
    expect((await call(viewer, 'DELETE', `/v1/orgs/${orgId}/members/${viewer.userId}`)).statusCode).toBe(204);
    expect(await roleIn(orgId, viewer.userId)).toBeNull();
    expect(await actionsOf(orgId)).toEqual(['membership.left']);
  });
});

describe('invitations', () => {
  async function invite(actor: TestUser, orgId: string, email: string, role = 'member') {
    return call(actor, 'POST', `/v1/orgs/${orgId}/invitations`, { email, role });
  }
  const emailOf = (u: TestUser) => `${u.userId}@example.test`;

  it('invite, list without tokens, accept once', async () => {
    const { orgId, admin } = await team();
    const invitee = await createTestUser(t);
    const created = await invite(admin, orgId, emailOf(invitee).toUpperCase(), 'admin');
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.id).toMatch(/^inv_/);
    expect(new Date(body.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    expect(created.headers['cache-control']).toBe('no-store');

    const stored = await t.database.db.select().from(invitations).where(eq(invitations.id, body.id));
    expect(JSON.stringify(stored)).not.toContain(body.token);

    const list = await call(admin, 'GET', `/v1/orgs/${orgId}/invitations`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({ id: body.id, email: emailOf(invitee), role: 'admin' }),
    ]);
    expect(list.body).not.toContain(body.token);

    const accepted = await call(invitee, 'POST', '/v1/invitations/accept', { token: body.token });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({ orgId, role: 'admin' });
    expect(await roleIn(orgId, invitee.userId)).toBe('admin');
    expect((await call(invitee, 'GET', `/v1/orgs/${orgId}/members`)).statusCode).toBe(200);

    const again = await call(invitee, 'POST', '/v1/invitations/accept', { token: body.token });
    expect(again.statusCode).toBe(404);
    expect((await call(admin, 'GET', `/v1/orgs/${orgId}/invitations`)).json().items).toEqual([]);
    expect(await actionsOf(orgId)).toEqual(['invitation.created', 'invitation.accepted']);
  });

  it('refuses the wrong email, a revoked invitation, an expired one and an unknown token alike', async () => {
    const { orgId, admin } = await team();
    const invitee = await createTestUser(t);
    const other = await createTestUser(t);
    const body = (await invite(admin, orgId, emailOf(invitee))).json();

    const wrong = await call(other, 'POST', '/v1/invitations/accept', { token: body.token });
    expect(wrong.statusCode).toBe(404);
    const unknown = await call(other, 'POST', '/v1/invitations/accept', { token: 'A'.repeat(43) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toBe(wrong.json().error.message);
    expect((await call(other, 'POST', '/v1/invitations/accept', { token: 'short' })).statusCode).toBe(400);

    expect((await call(admin, 'DELETE', `/v1/orgs/${orgId}/invitations/${body.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'DELETE', `/v1/orgs/${orgId}/invitations/${body.id}`)).statusCode).toBe(404);
    const revoked = await call(invitee, 'POST', '/v1/invitations/accept', { token: body.token });
    expect(revoked.statusCode).toBe(404);
    expect(revoked.json().error.message).toBe(wrong.json().error.message);

    // Expiry: the invitation is created 8 days in the past (the app's clock), so it is expired now.
    offsetMs = -8 * 24 * 3600 * 1000;
    let old: { token: string };
    try {
      const res = await invite(admin, orgId, emailOf(invitee));
      expect(res.statusCode).toBe(201);
      old = res.json();
    } finally {
      offsetMs = 0;
    }
    const expired = await call(invitee, 'POST', '/v1/invitations/accept', { token: old.token });
    expect(expired.statusCode).toBe(404);
    expect(await roleIn(orgId, invitee.userId)).toBeNull();
  });

  it('role at most the inviter’s, admins only, another organisation 404', async () => {
    const { orgId, admin, member, viewer } = await team();
    const stranger = await createTestUser(t);
    expect((await invite(admin, orgId, 'a@example.test', 'owner')).statusCode).toBe(403);
    expect((await invite(member, orgId, 'a@example.test', 'viewer')).statusCode).toBe(403);
    expect((await invite(viewer, orgId, 'a@example.test', 'viewer')).statusCode).toBe(403);
    expect((await call(viewer, 'GET', `/v1/orgs/${orgId}/invitations`)).statusCode).toBe(403);
    expect((await invite(stranger, orgId, 'a@example.test')).statusCode).toBe(404);
    expect((await invite(admin, orgId, 'not-an-email')).statusCode).toBe(400);
    const existing = await invite(admin, orgId, emailOf(member));
    expect(existing.statusCode).toBe(409);

    const body = (await invite(admin, orgId, 'b@example.test')).json();
    // Another organisation's admin cannot revoke it.
    expect(
      (await call(stranger, 'DELETE', `/v1/orgs/${stranger.orgId}/invitations/${body.id}`)).statusCode,
    ).toBe(404);
    expect((await call(admin, 'GET', `/v1/orgs/${orgId}/invitations`)).json().items).toHaveLength(1);
  });

  it('an invitation for someone who became a member meanwhile is refused and stays unused', async () => {
    const { orgId, admin } = await team();
    const invitee = await createTestUser(t);
    const body = (await invite(admin, orgId, emailOf(invitee))).json();
    await t.database.db
      .insert(memberships)
      .values({ id: newId('mem'), orgId, userId: invitee.userId, role: 'viewer' });
    const res = await call(invitee, 'POST', '/v1/invitations/accept', { token: body.token });
    expect(res.statusCode).toBe(409);
    expect(await roleIn(orgId, invitee.userId)).toBe('viewer');
    expect((await call(admin, 'GET', `/v1/orgs/${orgId}/invitations`)).json().items).toHaveLength(1);
  });

  // Issue 25 item 6: an invitation carries its inviter's authority, and must not outlive it.
  describe('invitations outlive their inviter’s authority no longer', () => {
    async function revokedReasons(orgId: string): Promise<unknown[]> {
      const rows = await t.database.db
        .select({
          details: auditEvents.details,
          actorId: auditEvents.actorId,
          targetId: auditEvents.targetId,
        })
        .from(auditEvents)
        .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, 'invitation.revoked')))
        .orderBy(auditEvents.seq);
      return rows;
    }

    it('removing the inviter revokes their pending invitations (audited); the token no longer grants the role', async () => {
      const { orgId, owner, admin } = await team();
      const alt = await createTestUser(t);
      const body = (await invite(admin, orgId, emailOf(alt), 'admin')).json();
      const other = (await invite(owner, orgId, 'kept@example.test', 'viewer')).json();
      expect((await call(owner, 'DELETE', `/v1/orgs/${orgId}/members/${admin.userId}`)).statusCode).toBe(204);
      const res = await call(alt, 'POST', '/v1/invitations/accept', { token: body.token });
      expect(res.statusCode, res.body).toBe(404);
      expect(await roleIn(orgId, alt.userId)).toBeNull();
      const [stored] = await t.database.db.select().from(invitations).where(eq(invitations.id, body.id));
      expect(stored?.revokedAt).not.toBeNull();
      expect(await revokedReasons(orgId)).toEqual([
        { details: { reason: 'inviter_removed', role: 'admin' }, actorId: owner.userId, targetId: body.id },
      ]);
      // The owner's own invitation is untouched.
      const pending = (await call(owner, 'GET', `/v1/orgs/${orgId}/invitations`)).json().items;
      expect(pending.map((i: { id: string }) => i.id)).toEqual([other.id]);
    });

    it('demoting the inviter revokes their pending invitations', async () => {
      const { orgId, owner, admin } = await team();
      const alt = await createTestUser(t);
      const body = (await invite(admin, orgId, emailOf(alt), 'admin')).json();
      const demoted = await call(owner, 'PATCH', `/v1/orgs/${orgId}/members/${admin.userId}`, {
        role: 'member',
      });
      expect(demoted.statusCode, demoted.body).toBe(200);
      expect((await call(alt, 'POST', '/v1/invitations/accept', { token: body.token })).statusCode).toBe(404);
      expect(await roleIn(orgId, alt.userId)).toBeNull();
      expect(await revokedReasons(orgId)).toEqual([
        { details: { reason: 'inviter_demoted', role: 'admin' }, actorId: owner.userId, targetId: body.id },
      ]);
    });

    it('an inviter who lost the role by any other path (no revocation ran) is checked again at accept time', async () => {
      const { orgId, admin } = await team();
      const alt = await createTestUser(t);
      const body = (await invite(admin, orgId, emailOf(alt), 'admin')).json();
      // Straight in the database: as if the demotion happened without the service (or raced with it).
      await t.database.db
        .update(memberships)
        .set({ role: 'member' })
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, admin.userId)));
      const res = await call(alt, 'POST', '/v1/invitations/accept', { token: body.token });
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error.message).toMatch(/no longer/);
      expect(await roleIn(orgId, alt.userId)).toBeNull();
      await t.database.db
        .delete(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, admin.userId)));
      expect((await call(alt, 'POST', '/v1/invitations/accept', { token: body.token })).statusCode).toBe(404);
      expect(await roleIn(orgId, alt.userId)).toBeNull();
    });

    it('an inviter who still holds the role: accepted as before', async () => {
      const { orgId, owner, admin } = await team();
      const alt = await createTestUser(t);
      const body = (await invite(admin, orgId, emailOf(alt), 'member')).json();
      // Demoting someone else does not touch this admin's invitations.
      const { member } = { member: await createTestUser(t, { orgId, role: 'member' }) };
      expect(
        (await call(owner, 'PATCH', `/v1/orgs/${orgId}/members/${member.userId}`, { role: 'viewer' }))
          .statusCode,
      ).toBe(200);
      expect((await call(alt, 'POST', '/v1/invitations/accept', { token: body.token })).statusCode).toBe(200);
      expect(await roleIn(orgId, alt.userId)).toBe('member');
    });
  });
});
