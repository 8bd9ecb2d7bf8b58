import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberships, users } from '../../src/db/core-tables.ts';
import { permissionsOf } from '../../src/identity/rbac.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import { GOOD_PASSWORD, login, loginOk, me, uniqueEmail, uniqueIp } from '../identity/support.ts';

// Sign-up through an invitation link: the invitee joins the inviting organisation and gets no
// organisation of their own; a refused invitation creates nothing.

let t: TestApp;
let owner: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  owner = await createTestUser(t);
});
afterAll(async () => {
  await t.close();
});

async function invite(email: string, role = 'member'): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/invitations`,
    headers: owner.headers,
    payload: { email, role },
  });
  expect(res.statusCode).toBe(201);
  return res.json().token;
}

const signup = (payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/signup', remoteAddress: uniqueIp(), payload });

async function userCount(email: string): Promise<number> {
  return (await t.database.db.select().from(users).where(eq(users.email, email))).length;
}

describe('sign-up with an invitation', () => {
  it('joins the inviting organisation with the invited role, and creates no organisation of its own', async () => {
    const email = uniqueEmail();
    const token = await invite(email, 'admin');
    const res = await signup({ email, password: GOOD_PASSWORD, invitationToken: token });
    expect(res.statusCode).toBe(201);
    expect(res.json().organization).toEqual({ id: owner.orgId, name: `Org ${owner.orgId}` });
    const tokens = await loginOk(t, {
      userId: res.json().user.id,
      orgId: owner.orgId,
      email,
      password: GOOD_PASSWORD,
      ip: uniqueIp(),
    });
    const profile = (await me(t, tokens.accessToken)).json();
    expect(profile.organizations).toEqual([
      { id: owner.orgId, name: `Org ${owner.orgId}`, role: 'admin', permissions: permissionsOf('admin') },
    ]);
    expect(profile.organizations[0].permissions).toContain('connections:write');
    expect(profile.organizations[0].permissions).not.toContain('org:delete');
    const rows = await t.database.db
      .select()
      .from(memberships)
      .where(eq(memberships.userId, res.json().user.id));
    expect(rows).toHaveLength(1);
    // The link is single use.
    const again = await signup({ email: uniqueEmail(), password: GOOD_PASSWORD, invitationToken: token });
    expect(again.statusCode).toBe(404);
  });

  it("refuses another person's invitation (404) and leaves no account behind", async () => {
    const invited = uniqueEmail();
    const intruder = uniqueEmail();
    const token = await invite(invited);
    const res = await signup({ email: intruder, password: GOOD_PASSWORD, invitationToken: token });
    expect(res.statusCode).toBe(404);
    expect(await userCount(intruder)).toBe(0);
    expect((await login(t, { email: intruder, password: GOOD_PASSWORD })).statusCode).toBe(401);
    // The invitation is still there for the right person.
    expect(
      (await signup({ email: invited, password: GOOD_PASSWORD, invitationToken: token })).statusCode,
    ).toBe(201);
  });

  it('refuses an unknown or revoked token (404), a malformed one or one with an organisation name (400)', async () => {
    const email = uniqueEmail();
    const token = await invite(email);
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/invitations`,
      headers: owner.headers,
    });
    const invitationId = list.json().items.find((i: { email: string }) => i.email === email).id;
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${owner.orgId}/invitations/${invitationId}`,
      headers: owner.headers,
    });
    expect((await signup({ email, password: GOOD_PASSWORD, invitationToken: token })).statusCode).toBe(404);
    expect(
      (await signup({ email, password: GOOD_PASSWORD, invitationToken: 'x'.repeat(43) })).statusCode,
    ).toBe(404);
    expect((await signup({ email, password: GOOD_PASSWORD, invitationToken: 'short' })).statusCode).toBe(400);
    const both = await signup({
      email,
      password: GOOD_PASSWORD,
      invitationToken: await invite(uniqueEmail()),
      organizationName: 'Mine',
    });
    expect(both.statusCode).toBe(400);
    expect(await userCount(email)).toBe(0);
  });
});
