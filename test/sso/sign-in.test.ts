import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import type { Clock } from '../../src/clock.ts';
import { bindingFor } from '../../src/crypto/encrypted-columns.ts';
import { createKeyring, decryptField } from '../../src/crypto/field-encryption.ts';
import { memberships, users } from '../../src/db/core-tables.ts';
import { ssoConfigs, ssoIdentities, ssoLogins } from '../../src/sso/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import { startTestIdp, type TestIdp, throughProvider } from './idp.ts';

// The whole Authorization Code flow against a real OpenID Provider (oidc-provider) over HTTP:
// Rolegate's start → the provider's authorization and login → the callback → a session.

const PUBLIC_URL = 'http://rolegate.test';
const REDIRECT_URI = `${PUBLIC_URL}/v1/auth/sso/callback`;
const DOMAIN = 'acme-sso.test';

let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
const txt = new Map<string, string[][]>();

let t: TestApp;
let idp: TestIdp;
let owner: TestUser;

beforeAll(async () => {
  idp = await startTestIdp({ redirectUri: REDIRECT_URI });
  t = await createTestApp({
    clock,
    env: { ROLEGATE_PUBLIC_URL: PUBLIC_URL, ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' },
    ssoTxtResolver: async (name) => {
      const records = txt.get(name);
      if (records === undefined) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return records;
    },
  });
  owner = await createTestUser(t, { role: 'owner' });
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
});

const json = (headers: Record<string, string>) => ({ ...headers, 'content-type': 'application/json' });

function configBody(extra: Record<string, unknown> = {}) {
  return {
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    scopes: ['openid', 'email', 'profile', 'groups'],
    allowedDomains: [DOMAIN],
    roleMapping: {
      claim: 'groups',
      rules: [
        { value: 'aws-admins', role: 'admin' },
        { value: 'aws-devs', role: 'member' },
      ],
      defaultRole: null,
    },
    ...extra,
  };
}

async function configure(): Promise<void> {
  const put = await t.app.inject({
    method: 'PUT',
    url: `/v1/orgs/${owner.orgId}/sso`,
    headers: json(owner.headers),
    payload: configBody(),
  });
  expect(put.statusCode, put.body).toBe(200);
  const added = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/sso/domains`,
    headers: json(owner.headers),
    payload: { domain: DOMAIN },
  });
  expect(added.statusCode, added.body).toBe(201);
  const domain = added.json() as { id: string; record: { name: string; value: string } };
  txt.set(domain.record.name, [[domain.record.value]]);
  const verified = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/sso/domains/${domain.id}/verify`,
    headers: owner.headers,
  });
  expect(verified.statusCode, verified.body).toBe(200);
}

interface Started {
  authorizationUrl: URL;
  state: string;
}

async function start(email: string): Promise<Started> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/v1/auth/sso/start?email=${encodeURIComponent(email)}`,
  });
  expect(res.statusCode, res.body).toBe(302);
  const cookie = String(res.headers['set-cookie']);
  const state = /rolegate_sso_state=([^;]+)/.exec(cookie)![1]!;
  expect(cookie).toMatch(/HttpOnly/);
  return { authorizationUrl: new URL(String(res.headers.location)), state };
}

function callback(url: URL, stateCookie: string | null) {
  return t.app.inject({
    method: 'GET',
    url: `${url.pathname}${url.search}`,
    headers: stateCookie === null ? {} : { cookie: `rolegate_sso_state=${stateCookie}` },
  });
}

/** The full flow as `sub`; returns the callback answer. */
async function signIn(sub: string) {
  const account = idp.accounts.get(sub)!;
  idp.login(sub);
  const started = await start(account.email);
  const back = await throughProvider(started.authorizationUrl.href, idp);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  const res = await callback(back, started.state);
  return { res, back, started };
}

/** Turns the refresh cookie into an access token, as the console does after the redirect. */
/** The access token of the last session `sessionFrom` opened. */
let lastAccessToken = '';

async function sessionFrom(res: { headers: Record<string, unknown> }) {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]);
  const refresh = cookies.map((c) => /^rolegate_refresh=([^;]+)/.exec(c)?.[1]).find((v) => v !== undefined);
  expect(refresh, cookies.join(' | ')).toBeDefined();
  const pair = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/refresh',
    headers: {
      cookie: `rolegate_refresh=${refresh}`,
      'x-rolegate-client': 'browser',
      origin: 'http://localhost:80',
      'content-type': 'application/json',
    },
    payload: {},
  });
  expect(pair.statusCode, pair.body).toBe(200);
  const { accessToken } = pair.json() as { accessToken: string };
  lastAccessToken = accessToken;
  const me = await t.app.inject({
    method: 'GET',
    url: '/v1/me',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(me.statusCode).toBe(200);
  return me.json() as {
    user: { id: string; email: string };
    organizations: Array<{ id: string; role: string }>;
  };
}

async function failures(action: string) {
  return (
    t.database.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.orgId, owner.orgId),
          eq(auditEvents.action, action),
          eq(auditEvents.outcome, 'denied'),
        ),
      )
      // In chain order: callers read the latest with .at(-1), and PostgreSQL returns rows in no
      // particular order without one (CI saw an older refusal last).
      .orderBy(auditEvents.seq)
  );
}

describe('SSO settings', () => {
  it('only an owner configures it; the secret is encrypted, bound to its row, and never returned', async () => {
    const admin = await createTestUser(t, { orgId: owner.orgId, role: 'admin' });
    const denied = await t.app.inject({
      method: 'PUT',
      url: `/v1/orgs/${owner.orgId}/sso`,
      headers: json(admin.headers),
      payload: configBody(),
    });
    expect(denied.statusCode).toBe(403);
    await configure();
    const got = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/sso`,
      headers: admin.headers,
    });
    expect(got.statusCode).toBe(200);
    expect(got.body).not.toContain(idp.clientSecret);
    expect(got.json()).toMatchObject({ clientSecretSet: true, redirectUri: REDIRECT_URI, requireSso: false });
    const [row] = await t.database.db.select().from(ssoConfigs).where(eq(ssoConfigs.orgId, owner.orgId));
    expect(row!.clientSecretEnc).not.toContain(idp.clientSecret);
    const keyring = createKeyring(t.config.masterKeys);
    expect(
      decryptField(
        keyring,
        row!.clientSecretEnc,
        bindingFor('sso_configs', 'client_secret_enc', row!.id, owner.orgId),
      ),
    ).toBe(idp.clientSecret);
    expect(() =>
      decryptField(
        keyring,
        row!.clientSecretEnc,
        bindingFor('sso_configs', 'client_secret_enc', 'sso_other', owner.orgId),
      ),
    ).toThrow();
  });

  it('refuses bad input and changes nothing', async () => {
    for (const payload of [
      configBody({ issuer: 'ftp://idp.example' }),
      configBody({ scopes: ['email'] }),
      configBody({
        roleMapping: { claim: 'groups', rules: [{ value: 'x', role: 'owner' }], defaultRole: null },
      }),
      configBody({ requireSso: true }),
      configBody({ unknown: 1 }),
    ]) {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/v1/orgs/${owner.orgId}/sso`,
        headers: json(owner.headers),
        payload,
      });
      expect(res.statusCode, res.body).toBe(400);
    }
    const got = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/sso`,
      headers: owner.headers,
    });
    expect(got.json()).toMatchObject({ issuer: idp.issuer, requireSso: false });
  });

  it('"test connection" fetches the discovery document', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/sso/test`,
      headers: owner.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, issuer: idp.issuer, tokenEndpoint: `${idp.issuer}/token` });
  });
});

describe('sign-in through the provider', () => {
  it('redirects with PKCE (S256), state and nonce, and opens the same session as a password sign-in', async () => {
    idp.accounts.set('alice-sub', {
      email: `alice@${DOMAIN}`,
      email_verified: true,
      name: 'Alice',
      groups: ['aws-admins'],
    });
    idp.login('alice-sub');
    const started = await start(`alice@${DOMAIN}`);
    const params = started.authorizationUrl.searchParams;
    expect(started.authorizationUrl.origin).toBe(idp.issuer);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('state')).toBe(started.state);
    expect(params.get('nonce')?.length).toBeGreaterThan(20);
    expect(params.get('redirect_uri')).toBe(REDIRECT_URI);
    const back = await throughProvider(started.authorizationUrl.href, idp);
    const res = await callback(back, started.state);
    expect(res.statusCode, res.body).toBe(302);
    expect(res.headers.location).toBe('/');
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] as string[]);
    expect(cookies.find((c) => c.startsWith('rolegate_refresh='))).toMatch(/HttpOnly; SameSite=Strict/);
    const me = await sessionFrom(res);
    expect(me.user.email).toBe(`alice@${DOMAIN}`);
    expect(me.organizations).toEqual([expect.objectContaining({ id: owner.orgId, role: 'admin' })]);
    // Provisioned just in time, with no usable password.
    const [user] = await t.database.db.select().from(users).where(eq(users.id, me.user.id));
    expect(user!.passwordHash).toBe('!sso');
    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: { email: `alice@${DOMAIN}`, password: '!sso' },
    });
    expect(login.statusCode).toBe(401);
  });

  it('recomputes the role from the groups at every sign-in, and refuses when no rule matches', async () => {
    idp.accounts.set('bob-sub', { email: `bob@${DOMAIN}`, email_verified: true, groups: ['aws-devs'] });
    const first = await sessionFrom((await signIn('bob-sub')).res);
    expect(first.organizations[0]!.role).toBe('member');
    idp.accounts.set('bob-sub', {
      email: `bob@${DOMAIN}`,
      email_verified: true,
      groups: ['aws-admins', 'aws-devs'],
    });
    const second = await sessionFrom((await signIn('bob-sub')).res);
    expect(second.user.id).toBe(first.user.id);
    expect(second.organizations[0]!.role).toBe('admin');
    idp.accounts.set('bob-sub', { email: `bob@${DOMAIN}`, email_verified: true, groups: ['marketing'] });
    const refused = (await signIn('bob-sub')).res;
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('sso_failed');
    expect(String(refused.headers['set-cookie'])).not.toContain('rolegate_refresh=');
  });

  it('refuses a callback whose state does not match the browser’s cookie, or comes without it', async () => {
    idp.accounts.set('carol-sub', { email: `carol@${DOMAIN}`, email_verified: true, groups: ['aws-devs'] });
    idp.login('carol-sub');
    const started = await start(`carol@${DOMAIN}`);
    const back = await throughProvider(started.authorizationUrl.href, idp);
    const other = await start(`carol@${DOMAIN}`);
    for (const cookie of [other.state, null]) {
      const res = await callback(back, cookie);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('sso_failed');
    }
    // A browser (navigating, Accept: text/html) is sent back to the console with the code only.
    const navigated = await t.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { accept: 'text/html,application/xhtml+xml', cookie: `rolegate_sso_state=${other.state}` },
    });
    expect(navigated.statusCode).toBe(302);
    expect(navigated.headers.location).toBe('/?sso_error=sso_failed');
    expect(String(navigated.headers['set-cookie'])).not.toContain('rolegate_refresh=');
    // A forged state (cookie and query agree, but no pending sign-in has it).
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state-value-000000000000');
    expect((await callback(forged, 'forged-state-value-000000000000')).statusCode).toBe(401);
  });

  it('refuses a replayed callback (code and state are single use)', async () => {
    const { res, back, started } = await signIn('carol-sub');
    expect(res.statusCode, res.body).toBe(302);
    const replay = await callback(back, started.state);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('sso_failed');
  });

  it('refuses a replayed code even under a fresh state: the provider redeems a code once', async () => {
    const { back } = await signIn('carol-sub');
    const fresh = await start(`carol@${DOMAIN}`);
    const replay = new URL(back);
    replay.searchParams.set('state', fresh.state);
    const before = (await failures('sso.login')).length;
    const res = await callback(replay, fresh.state);
    expect(res.statusCode).toBe(401);
    // Refused by the provider's token endpoint (invalid_grant), not by Rolegate's state check.
    const denied = await failures('sso.login');
    expect(denied.length).toBe(before + 1);
    expect(denied.at(-1)!.details).toMatchObject({ reason: 'token_rejected' });
  });

  it.each([
    [
      'a wrong nonce',
      (c: Record<string, unknown>) => ({ ...c, nonce: 'not-the-nonce-we-sent' }),
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    ],
    [
      'a wrong audience',
      (c: Record<string, unknown>) => ({ ...c, aud: 'some-other-client' }),
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    ],
    [
      'an expired ID token',
      (c: Record<string, unknown>) => {
        const now = Math.floor(Date.now() / 1000);
        return { ...c, iat: now - 7200, exp: now - 3600 };
      },
      'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
    ],
    [
      'another issuer',
      (c: Record<string, unknown>) => ({ ...c, iss: 'https://evil.example' }),
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    ],
  ])('refuses %s in a validly signed ID token', async (_name, change, error) => {
    const before = (await failures('sso.login')).length;
    idp.tamperNextIdToken(change);
    const { res } = await signIn('carol-sub');
    expect(res.statusCode, res.body).toBe(401);
    expect(res.json().error.code).toBe('sso_failed');
    const denied = await failures('sso.login');
    expect(denied.length).toBe(before + 1);
    expect(denied.at(-1)!.details).toEqual({ reason: 'token_rejected', error });
  });

  it('refuses a callback after the pending sign-in expired (10 minutes)', async () => {
    idp.login('carol-sub');
    const started = await start(`carol@${DOMAIN}`);
    const back = await throughProvider(started.authorizationUrl.href, idp);
    offsetMs = 11 * 60 * 1000;
    try {
      const res = await callback(back, started.state);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toMatch(/expired or was already used/);
    } finally {
      offsetMs = 0;
    }
  });

  it('refuses an ID token that has expired by Rolegate’s clock', async () => {
    idp.login('carol-sub');
    const started = await start(`carol@${DOMAIN}`);
    const back = await throughProvider(started.authorizationUrl.href, idp);
    offsetMs = 2 * 3600 * 1000;
    try {
      // The pending sign-in would have expired too; its own expiry is tested above, this one the token's.
      await t.database.db.update(ssoLogins).set({ expiresAt: new Date(Date.now() + 3 * 3600 * 1000) });
      const res = await callback(back, started.state);
      expect(res.statusCode, res.body).toBe(401);
      const denied = await failures('sso.login');
      expect(denied.at(-1)!.details).toEqual({
        reason: 'token_rejected',
        error: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      });
    } finally {
      offsetMs = 0;
    }
  });

  it('answers 404 for an email domain no organisation verified, and refuses domains it does not allow', async () => {
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/v1/auth/sso/start?email=someone@unknown.test',
    });
    expect(unknown.statusCode).toBe(404);
    const navigated = await t.app.inject({
      method: 'GET',
      url: '/v1/auth/sso/start?email=someone@unknown.test',
      headers: { accept: 'text/html' },
    });
    expect(navigated.headers.location, navigated.body).toBe('/?sso_error=not_found');
    // The provider vouches for an address outside the allowed domains: refused.
    idp.accounts.set('mallory-sub', {
      email: 'mallory@evil.test',
      email_verified: true,
      groups: ['aws-admins'],
    });
    idp.login('mallory-sub');
    const started = await t.app.inject({ method: 'GET', url: `/v1/auth/sso/start?org=${owner.orgId}` });
    expect(started.statusCode).toBe(302);
    const state = /rolegate_sso_state=([^;]+)/.exec(String(started.headers['set-cookie']))![1]!;
    const back = await throughProvider(String(started.headers.location), idp);
    const res = await callback(back, state);
    expect(res.statusCode).toBe(401);
    const members = await t.database.db.select().from(memberships).where(eq(memberships.orgId, owner.orgId));
    const emails = await t.database.db.select({ email: users.email }).from(users);
    expect(emails.map((e) => e.email)).not.toContain('mallory@evil.test');
    expect(members.length).toBeGreaterThan(0);
  });

  it('answers 400 to a start without exactly one of email or org', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/sso/start' })).statusCode).toBe(400);
    expect(
      (await t.app.inject({ method: 'GET', url: `/v1/auth/sso/start?email=a@b.test&org=${owner.orgId}` }))
        .statusCode,
    ).toBe(400);
  });
});

describe('domain verification', () => {
  it('needs the TXT record, and a domain verified by one organisation cannot be verified by another', async () => {
    const other = await createTestUser(t, { role: 'owner' });
    const add = async (user: TestUser, domain: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/orgs/${user.orgId}/sso/domains`,
        headers: json(user.headers),
        payload: { domain },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string; record: { name: string; value: string } };
    };
    const verify = (user: TestUser, id: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/orgs/${user.orgId}/sso/domains/${id}/verify`,
        headers: user.headers,
      });

    const mine = await add(owner, 'Contested.Test');
    expect(mine.record.name).toBe('_rolegate.contested.test');
    const missing = await verify(owner, mine.id);
    expect(missing.statusCode).toBe(409);
    txt.set(mine.record.name, [
      ['v=spf1 -all'],
      [`${mine.record.value.slice(0, 10)}`, mine.record.value.slice(10)],
    ]);
    const ok = await verify(owner, mine.id);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ domain: 'contested.test', verified: true });

    // The other organisation may list it, but even with its own record in DNS it cannot verify it.
    const theirs = await add(other, 'contested.test');
    txt.set(theirs.record.name, [[theirs.record.value]]);
    const claimed = await verify(other, theirs.id);
    expect(claimed.statusCode).toBe(409);
    expect(claimed.json().error.details).toEqual({ reason: 'claimed' });
    // … nor see or touch this organisation's domain: 404, as if it did not exist.
    expect((await verify(other, mine.id)).statusCode).toBe(404);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${other.orgId}/sso/domains/${mine.id}`,
      headers: other.headers,
    });
    expect(del.statusCode).toBe(404);
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/sso/domains`,
      headers: owner.headers,
    });
    expect(list.json().items.map((d: { domain: string }) => d.domain)).toContain('contested.test');
  });
});

describe('SSO after SCIM deprovisioning', () => {
  it('refuses a person the provider deactivated through SCIM, even though the IdP still signs them in', async () => {
    idp.accounts.set('judy-sub', { email: `judy@${DOMAIN}`, email_verified: true, groups: ['aws-devs'] });
    const before = await sessionFrom((await signIn('judy-sub')).res);
    expect(before.organizations[0]!.role).toBe('member');
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/scim-tokens`,
      headers: json(owner.headers),
      payload: { name: 'idp' },
    });
    const scimToken = created.json().token as string;
    const scimHeaders = { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' };
    const user = await t.app.inject({
      method: 'POST',
      url: '/scim/v2/Users',
      headers: scimHeaders,
      payload: JSON.stringify({ userName: `judy@${DOMAIN}` }),
    });
    expect(user.statusCode, user.body).toBe(201);
    const off = await t.app.inject({
      method: 'PATCH',
      url: `/scim/v2/Users/${user.json().id}`,
      headers: scimHeaders,
      payload: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
    });
    expect(off.statusCode, off.body).toBe(200);
    const { res } = await signIn('judy-sub');
    expect(res.statusCode).toBe(401);
    const denied = await failures('sso.login');
    expect(denied.at(-1)!.details).toEqual({ reason: 'deprovisioned' });
    const rows = await t.database.db
      .select()
      .from(memberships)
      .where(and(eq(memberships.orgId, owner.orgId), eq(memberships.userId, before.user.id)));
    expect(rows).toHaveLength(0);
  });
});

describe('SSO review P3: no account takeover through email linking', () => {
  async function victim(email: string, options: { mfa: boolean; role: 'owner' | 'member' }) {
    const other = await createTestUser(t, { role: options.role });
    await t.database.db
      .update(users)
      .set({ email, ...(options.mfa ? { totpEnabledAt: new Date() } : {}) })
      .where(eq(users.id, other.userId));
    return other;
  }
  const linkedTo = async (userId: string) => ({
    identities: await t.database.db.select().from(ssoIdentities).where(eq(ssoIdentities.userId, userId)),
    memberships: await t.database.db
      .select()
      .from(memberships)
      .where(and(eq(memberships.orgId, owner.orgId), eq(memberships.userId, userId))),
  });

  it('refuses an email the provider does not mark verified, and never links an owner with MFA', async () => {
    const v = await victim(`ceo@${DOMAIN}`, { mfa: true, role: 'owner' });
    idp.accounts.set('ceo-sub', { email: `ceo@${DOMAIN}`, groups: ['aws-admins'] });
    const unverified = await signIn('ceo-sub');
    expect(unverified.res.statusCode).toBe(401);
    expect((await failures('sso.login')).at(-1)!.details).toEqual({ reason: 'email_unverified' });
    expect(await linkedTo(v.userId)).toEqual({ identities: [], memberships: [] });

    // Even verified, an account with its own password/MFA or an owner role links only from a session.
    idp.accounts.set('ceo-sub', { email: `CEO@${DOMAIN}`, email_verified: true, groups: ['aws-admins'] });
    const verified = await signIn('ceo-sub');
    expect(verified.res.statusCode, verified.res.body).toBe(409);
    expect(verified.res.json()).toMatchObject({ error: { code: 'sso_link_required' } });
    expect((await failures('sso.login')).at(-1)!.details).toEqual({ reason: 'link_required' });
    expect(await linkedTo(v.userId)).toEqual({ identities: [], memberships: [] });
  });

  it('refuses to link an existing password account, even a plain member', async () => {
    const v = await victim(`pat@${DOMAIN}`, { mfa: false, role: 'member' });
    idp.accounts.set('pat-sub', { email: `pat@${DOMAIN}`, email_verified: true, groups: ['aws-devs'] });
    const { res } = await signIn('pat-sub');
    expect(res.statusCode).toBe(409);
    expect(await linkedTo(v.userId)).toEqual({ identities: [], memberships: [] });
  });

  it('refuses an email that only matches after Unicode case folding (Kelvin sign) or compatibility mapping', async () => {
    const v = await victim(`kelvin@${DOMAIN}`, { mfa: false, role: 'member' });
    await t.database.db.update(users).set({ passwordHash: '!sso' }).where(eq(users.id, v.userId));
    for (const email of [`\u212Aelvin@${DOMAIN}`, `ｋelvin@${DOMAIN}`, `kelvin@ａcme-sso.test`]) {
      idp.accounts.set('kelvin-sub', { email, email_verified: true, groups: ['aws-devs'] });
      idp.login('kelvin-sub');
      const started = await start(`kelvin@${DOMAIN}`);
      const res = await callback(await throughProvider(started.authorizationUrl.href, idp), started.state);
      expect(res.statusCode, email).toBe(401);
      expect((await failures('sso.login')).at(-1)!.details).toEqual({ reason: 'email_not_canonical' });
    }
    expect(await linkedTo(v.userId)).toEqual({ identities: [], memberships: [] });
  });

  it('accepts an absent email_verified only when the organisation opted in (Entra ID)', async () => {
    const put = (trust: boolean) =>
      t.app.inject({
        method: 'PUT',
        url: `/v1/orgs/${owner.orgId}/sso`,
        headers: json(owner.headers),
        payload: configBody({ trustUnverifiedEmail: trust }),
      });
    expect((await put(true)).json()).toMatchObject({ trustUnverifiedEmail: true });
    idp.accounts.set('entra-sub', { email: `entra@${DOMAIN}`, groups: ['aws-devs'] });
    expect((await signIn('entra-sub')).res.statusCode).toBe(302);
    idp.accounts.set('entra2-sub', {
      email: `entra2@${DOMAIN}`,
      email_verified: false,
      groups: ['aws-devs'],
    });
    expect((await signIn('entra2-sub')).res.statusCode).toBe(401);
    expect((await put(false)).json()).toMatchObject({ trustUnverifiedEmail: false });
  });
});

describe('SSO review P2: an SSO session is valid only where that SSO may be used', () => {
  it('an organisation that requires SSO refuses a session opened by another organisation’s SSO, and revokes password sessions when turned on', async () => {
    const ownerB = await createTestUser(t, { role: 'owner' });
    const memberB = await createTestUser(t, { orgId: ownerB.orgId, role: 'member' });
    await t.database.db.update(users).set({ totpEnabledAt: new Date() }).where(eq(users.id, ownerB.userId));
    idp.accounts.set('dual-sub', { email: `dual@${DOMAIN}`, email_verified: true, groups: ['aws-devs'] });
    const me = await sessionFrom((await signIn('dual-sub')).res);
    const tokenA = { authorization: `Bearer ${lastAccessToken}` };
    await t.database.db
      .insert(memberships)
      .values({ id: `mem_dual${Date.now()}`, orgId: ownerB.orgId, userId: me.user.id, role: 'member' });
    const inB = () =>
      t.app.inject({ method: 'GET', url: `/v1/orgs/${ownerB.orgId}/connections`, headers: tokenA });
    expect((await inB()).statusCode).toBe(200);
    const put = await t.app.inject({
      method: 'PUT',
      url: `/v1/orgs/${ownerB.orgId}/sso`,
      headers: json(ownerB.headers),
      payload: configBody({
        issuer: 'https://other-idp.example',
        allowedDomains: ['other-b.test'],
        requireSso: true,
        breakGlassUserId: ownerB.userId,
      }),
    });
    expect(put.statusCode, put.body).toBe(200);
    const refused = await inB();
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'sso_required' } });
    // The same through an intent, which takes the organisation from the body.
    const intent = (orgId: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/intents',
        headers: json(tokenA),
        payload: { intent: 'findings.list', orgId, params: {} },
      });
    const viaIntent = await intent(ownerB.orgId);
    expect(viaIntent.statusCode, viaIntent.body).toBe(403);
    expect(viaIntent.json()).toMatchObject({ error: { code: 'sso_required' } });
    expect((await intent(owner.orgId)).statusCode).toBe(200);
    const inA = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/connections`,
      headers: tokenA,
    });
    expect(inA.statusCode).toBe(200);
    // The member's password session was revoked; the break-glass owner's was kept.
    const member = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${ownerB.orgId}/connections`,
      headers: memberB.headers,
    });
    expect(member.statusCode).toBe(401);
    const breakGlass = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${ownerB.orgId}/connections`,
      headers: ownerB.headers,
    });
    expect(breakGlass.statusCode).toBe(200);
  });
});

describe('SSO review P7: identities are keyed by issuer and subject', () => {
  it('a link recorded for another issuer with the same subject is not honoured', async () => {
    const victimUser = await createTestUser(t, { orgId: owner.orgId, role: 'admin' });
    await t.database.db.insert(ssoIdentities).values({
      id: `sid_p7${Date.now()}`,
      orgId: owner.orgId,
      issuer: 'https://previous-idp.example',
      subject: 'zed-sub',
      userId: victimUser.userId,
    });
    idp.accounts.set('zed-sub', { email: `zed@${DOMAIN}`, email_verified: true, groups: ['aws-devs'] });
    const me = await sessionFrom((await signIn('zed-sub')).res);
    expect(me.user.id).not.toBe(victimUser.userId);
    expect(me.user.email).toBe(`zed@${DOMAIN}`);
    const [link] = await t.database.db
      .select()
      .from(ssoIdentities)
      .where(eq(ssoIdentities.userId, me.user.id));
    expect(link).toMatchObject({ issuer: idp.issuer, subject: 'zed-sub' });
  });
});
