import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { memberships, users } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { createAccessTokens } from '../../src/identity/access-tokens.ts';
import { sessions } from '../../src/identity/tables.ts';
import { ssoDomains } from '../../src/sso/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

// SCIM 2.0 Users (RFC 7644) with a per-organisation bearer token.

const DOMAIN = 'scim-acme.test';
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let t: TestApp;
let owner: TestUser;
let other: TestUser;
let token: string;
let otherToken: string;

async function newToken(user: TestUser): Promise<{ id: string; token: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${user.orgId}/scim-tokens`,
    headers: { ...user.headers, 'content-type': 'application/json' },
    payload: { name: 'okta' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_PUBLIC_URL: 'http://rolegate.test' } });
  owner = await createTestUser(t, { role: 'owner' });
  other = await createTestUser(t, { role: 'owner' });
  await t.database.db
    .insert(ssoDomains)
    .values({ id: newId('dom'), orgId: owner.orgId, domain: DOMAIN, token: 'x', verifiedAt: new Date() });
  token = (await newToken(owner)).token;
  otherToken = (await newToken(other)).token;
});
afterAll(async () => {
  await t?.close();
});

function scim(method: string, url: string, bearer: string, payload?: unknown) {
  return t.app.inject({
    method: method as 'GET',
    url,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(payload === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
}

function expectScimError(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  scimType?: string,
) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toContain('application/scim+json');
  const body = res.json() as Record<string, unknown>;
  expect(body.schemas).toEqual([SCIM_ERROR]);
  expect(body.status).toBe(String(status));
  if (scimType !== undefined) expect(body.scimType).toBe(scimType);
  expect(typeof body.detail).toBe('string');
}

async function createUser(userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim('POST', '/scim/v2/Users', token, { schemas: [USER], userName, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; userName: string; active: boolean };
}

/** A signed-in person (session + access token), as if they had signed in with SSO. */
async function signedIn(userId: string, ssoOrgId: string | null = owner.orgId) {
  const sessionId = newId('ses');
  await t.database.db
    .insert(sessions)
    .values({ id: sessionId, userId, ssoOrgId, expiresAt: new Date(Date.now() + 3600_000) });
  const issuer = createAccessTokens({ keys: t.config.jwtKeys, ttlSeconds: 900, clock: systemClock });
  const { token: access } = await issuer.issue({ userId, sessionId });
  return { authorization: `Bearer ${access}` };
}

describe('SCIM tokens', () => {
  it('are created by owners only, shown once, listed without the secret, and revocable', async () => {
    const admin = await createTestUser(t, { orgId: owner.orgId, role: 'admin' });
    const denied = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/scim-tokens`,
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: { name: 'x' },
    });
    expect(denied.statusCode).toBe(403);
    const extra = await newToken(owner);
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/scim-tokens`,
      headers: admin.headers,
    });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(extra.token);
    expect((await scim('GET', '/scim/v2/Users', extra.token)).statusCode).toBe(200);
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${owner.orgId}/scim-tokens/${extra.id}`,
      headers: owner.headers,
    });
    expect(revoked.statusCode).toBe(204);
    expectScimError(await scim('GET', '/scim/v2/Users', extra.token), 401);
    // Another organisation cannot revoke it (404).
    const foreign = await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${other.orgId}/scim-tokens/${extra.id}`,
      headers: other.headers,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('answers 401 in the SCIM error shape to a missing, malformed or unknown token, or a session token', async () => {
    expectScimError(await t.app.inject({ method: 'GET', url: '/scim/v2/Users' }), 401);
    expectScimError(await scim('GET', '/scim/v2/Users', 'rg_scim_notarealtokenatall000000000'), 401);
    expectScimError(await scim('GET', '/scim/v2/Users', owner.accessToken), 401);
  });
});

describe('SCIM Users', () => {
  it('creates, gets and finds a user by userName; refuses duplicates and unverified domains', async () => {
    const created = await createUser(`Erin@${DOMAIN}`, {
      externalId: 'okta-1',
      displayName: 'Erin',
      name: { givenName: 'E' },
    });
    expect(created).toMatchObject({ userName: `erin@${DOMAIN}`, active: true, schemas: [USER] });
    const got = await scim('GET', `/scim/v2/Users/${created.id}`, token);
    expect(got.statusCode).toBe(200);
    expect(String(got.headers['content-type'])).toContain('application/scim+json');
    expect(got.json()).toMatchObject({
      id: created.id,
      externalId: 'okta-1',
      meta: { resourceType: 'User' },
    });
    const found = await scim(
      'GET',
      `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "erin@${DOMAIN}"`)}`,
      token,
    );
    expect(found.json()).toMatchObject({ totalResults: 1, Resources: [{ id: created.id }] });
    const none = await scim(
      'GET',
      `/scim/v2/Users?filter=${encodeURIComponent('userName eq "nobody@x.test"')}`,
      token,
    );
    expect(none.json()).toMatchObject({ totalResults: 0, Resources: [] });
    // A member of the organisation with the default role.
    const [member] = await t.database.db
      .select()
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, owner.orgId), eq(users.email, `erin@${DOMAIN}`)));
    expect(member!.memberships.role).toBe('viewer');

    expectScimError(
      await scim('POST', '/scim/v2/Users', token, { schemas: [USER], userName: `erin@${DOMAIN}` }),
      409,
      'uniqueness',
    );
    expectScimError(
      await scim('POST', '/scim/v2/Users', token, { schemas: [USER], userName: 'x@unverified.test' }),
      400,
      'invalidValue',
    );
    expectScimError(await scim('POST', '/scim/v2/Users', token, { schemas: [USER] }), 400, 'invalidValue');
    expectScimError(
      await scim('GET', `/scim/v2/Users?filter=${encodeURIComponent('displayName co "x"')}`, token),
      400,
      'invalidFilter',
    );
  });

  it('answers 404 to another organisation’s token, for get, patch and delete', async () => {
    const created = await createUser(`frank@${DOMAIN}`);
    expectScimError(await scim('GET', `/scim/v2/Users/${created.id}`, otherToken), 404);
    expectScimError(
      await scim('PATCH', `/scim/v2/Users/${created.id}`, otherToken, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
      404,
    );
    expectScimError(await scim('DELETE', `/scim/v2/Users/${created.id}`, otherToken), 404);
    expect((await scim('GET', '/scim/v2/Users', otherToken)).json()).toMatchObject({ totalResults: 0 });
    expect((await scim('GET', `/scim/v2/Users/${created.id}`, token)).json()).toMatchObject({ active: true });
  });

  it('active:false revokes sessions and access at the next request, and caps the person’s API keys', async () => {
    const created = await createUser(`grace@${DOMAIN}`);
    const [row] = await t.database.db
      .select()
      .from(users)
      .where(eq(users.email, `grace@${DOMAIN}`));
    await t.database.db
      .update(memberships)
      .set({ role: 'admin' })
      .where(and(eq(memberships.orgId, owner.orgId), eq(memberships.userId, row!.id)));
    const headers = await signedIn(row!.id);
    const key = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: { name: 'grace-ci', role: 'viewer' },
    });
    expect(key.statusCode, key.body).toBe(201);
    const apiKey = { authorization: `Bearer ${key.json().key}` };
    const connections = `/v1/orgs/${owner.orgId}/connections`;
    expect((await t.app.inject({ method: 'GET', url: connections, headers })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: connections, headers: apiKey })).statusCode).toBe(200);

    const patched = await scim('PATCH', `/scim/v2/Users/${created.id}`, token, {
      schemas: [PATCH],
      Operations: [{ op: 'Replace', value: { active: 'False' } }],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().active).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: connections, headers })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: connections, headers: apiKey })).statusCode).toBe(401);
    const live = await t.database.db.select().from(sessions).where(eq(sessions.userId, row!.id));
    expect(live.every((s) => s.revokedReason === 'scim_deprovisioned')).toBe(true);

    // Re-activated: a member again (default role), signing in anew.
    const back = await scim('PATCH', `/scim/v2/Users/${created.id}`, token, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    expect(back.json().active).toBe(true);
    const fresh = await signedIn(row!.id);
    expect((await t.app.inject({ method: 'GET', url: connections, headers: fresh })).statusCode).toBe(200);
  });

  it('DELETE deprovisions the same way and the user is gone from SCIM', async () => {
    const created = await createUser(`heidi@${DOMAIN}`);
    const [row] = await t.database.db
      .select()
      .from(users)
      .where(eq(users.email, `heidi@${DOMAIN}`));
    const headers = await signedIn(row!.id);
    const me = `/v1/orgs/${owner.orgId}`;
    expect((await t.app.inject({ method: 'GET', url: me, headers })).statusCode).toBe(200);
    const del = await scim('DELETE', `/scim/v2/Users/${created.id}`, token);
    expect(del.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: me, headers })).statusCode).toBe(401);
    expectScimError(await scim('GET', `/scim/v2/Users/${created.id}`, token), 404);
    const list = await scim(
      'GET',
      `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "heidi@${DOMAIN}"`)}`,
      token,
    );
    expect(list.json().totalResults).toBe(0);
    // Created again by the provider: the same person, a member again.
    const again = await createUser(`heidi@${DOMAIN}`);
    expect(again.id).toBe(created.id);
  });

  it('PUT (Okta’s default) replaces active and the names; userName cannot change', async () => {
    const created = await createUser(`judd@${DOMAIN}`, { externalId: 'e1' });
    const put = await scim('PUT', `/scim/v2/Users/${created.id}`, token, {
      schemas: [USER],
      userName: `judd@${DOMAIN}`,
      displayName: 'Judd',
      active: false,
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ active: false, displayName: 'Judd' });
    expect(put.json().externalId).toBeUndefined();
    expectScimError(
      await scim('PUT', `/scim/v2/Users/${created.id}`, token, {
        schemas: [USER],
        userName: `other@${DOMAIN}`,
      }),
      400,
      'mutability',
    );
    expect((await scim('GET', `/scim/v2/Users/${created.id}`, token)).json().active).toBe(false);
  });

  it('refuses malformed PATCH operations with RFC 7644 errors and changes nothing', async () => {
    const created = await createUser(`ivan@${DOMAIN}`);
    expectScimError(
      await scim('PATCH', `/scim/v2/Users/${created.id}`, token, {
        schemas: [USER],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
      400,
      'invalidSyntax',
    );
    expectScimError(
      await scim('PATCH', `/scim/v2/Users/${created.id}`, token, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: 'active', value: 'maybe' }],
      }),
      400,
      'invalidValue',
    );
    expectScimError(
      await scim('PATCH', `/scim/v2/Users/${created.id}`, token, {
        schemas: [PATCH],
        Operations: [{ op: 'move', path: 'active' }],
      }),
      400,
      'invalidSyntax',
    );
    expectScimError(await scim('GET', '/scim/v2/Users/not-an-id', token), 400);
    expect((await scim('GET', `/scim/v2/Users/${created.id}`, token)).json().active).toBe(true);
  });
});

describe('SSO review P4: a SCIM token cannot remove owners or reach other organisations', () => {
  const roleIn = async (userId: string) =>
    (
      await t.database.db
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.orgId, owner.orgId), eq(memberships.userId, userId)))
    )[0]?.role ?? null;

  it('refuses to deactivate, delete or link an owner (409 mutability) and changes nothing', async () => {
    const created = await createUser(`boss@${DOMAIN}`);
    const [row] = await t.database.db
      .select()
      .from(users)
      .where(eq(users.email, `boss@${DOMAIN}`));
    await t.database.db
      .update(memberships)
      .set({ role: 'owner' })
      .where(and(eq(memberships.orgId, owner.orgId), eq(memberships.userId, row!.id)));
    const headers = await signedIn(row!.id);
    const off = await scim('PATCH', `/scim/v2/Users/${created.id}`, token, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expectScimError(off, 409, 'mutability');
    expectScimError(await scim('DELETE', `/scim/v2/Users/${created.id}`, token), 409, 'mutability');
    expect(await roleIn(row!.id)).toBe('owner');
    expect((await scim('GET', `/scim/v2/Users/${created.id}`, token)).json().active).toBe(true);
    const connections = `/v1/orgs/${owner.orgId}/connections`;
    expect((await t.app.inject({ method: 'GET', url: connections, headers })).statusCode).toBe(200);

    // The organisation's own (break-glass) owner cannot be linked to a SCIM user either.
    const ownerEmail = `founder@${DOMAIN}`;
    await t.database.db.update(users).set({ email: ownerEmail }).where(eq(users.id, owner.userId));
    const linked = await scim('POST', '/scim/v2/Users', token, {
      schemas: [USER],
      userName: ownerEmail,
      active: false,
    });
    expectScimError(linked, 409, 'mutability');
    expect(await roleIn(owner.userId)).toBe('owner');
    expect(
      (await scim('GET', `/scim/v2/Users?filter=userName eq "${ownerEmail}"`, token)).json().totalResults,
    ).toBe(0);
  });

  it('create with active:false for an existing member removes their access', async () => {
    const member = await createTestUser(t, { orgId: owner.orgId, role: 'member' });
    const email = `quinn@${DOMAIN}`;
    await t.database.db.update(users).set({ email }).where(eq(users.id, member.userId));
    const created = await createUser(email, { active: false });
    expect(created.active).toBe(false);
    expect(await roleIn(member.userId)).toBeNull();
  });

  it('deprovisioning revokes only the sessions this organisation’s SSO opened', async () => {
    const created = await createUser(`ivo-p4@${DOMAIN}`);
    const [row] = await t.database.db
      .select()
      .from(users)
      .where(eq(users.email, `ivo-p4@${DOMAIN}`));
    await t.database.db
      .insert(memberships)
      .values({ id: newId('mem'), orgId: other.orgId, userId: row!.id, role: 'member' });
    const here = await signedIn(row!.id);
    const elsewhere = await signedIn(row!.id, other.orgId);
    const off = await scim('PATCH', `/scim/v2/Users/${created.id}`, token, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(off.statusCode, off.body).toBe(200);
    const url = (orgId: string) => `/v1/orgs/${orgId}/connections`;
    expect((await t.app.inject({ method: 'GET', url: url(owner.orgId), headers: here })).statusCode).toBe(
      401,
    );
    expect(
      (await t.app.inject({ method: 'GET', url: url(owner.orgId), headers: elsewhere })).statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: url(other.orgId), headers: elsewhere })).statusCode,
    ).toBe(200);
  });
});
