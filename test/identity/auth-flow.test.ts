import * as argon2 from '@node-rs/argon2';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { users } from '../../src/db/core-tables.ts';
import { permissionsOf } from '../../src/identity/rbac.ts';
import { refreshTokens, sessions } from '../../src/identity/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';
import {
  bearer,
  GOOD_PASSWORD,
  login,
  loginOk,
  me,
  refresh,
  signUp,
  uniqueEmail,
  uniqueIp,
} from './support.ts';

// The real argon2, observed: the login test counts verifications instead of timing them (a clock
// assertion fails on a busy machine; a skipped verification is what the timing was a proxy for).
vi.mock('@node-rs/argon2', async (original) => {
  const real = await original<typeof import('@node-rs/argon2')>();
  return { ...real, verify: vi.fn(real.verify) };
});

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

async function actionsFor(targetId: string): Promise<string[]> {
  const rows = await t.database.db
    .select({ action: auditEvents.action })
    .from(auditEvents)
    .where(eq(auditEvents.targetId, targetId));
  return rows.map((r) => r.action);
}

describe('sign-up', () => {
  it('creates the user, their first organisation (as owner) and normalises the email', async () => {
    const local = uniqueEmail();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      remoteAddress: uniqueIp(),
      payload: { email: `  ${local.toUpperCase()} `, password: GOOD_PASSWORD, name: 'Ada' },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user.email).toBe(local);
    expect(body.user.id).toMatch(/^usr_/);
    expect(body.organization.id).toMatch(/^org_/);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, body.user.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row!.passwordHash).not.toContain(GOOD_PASSWORD);
    const tokens = await loginOk(t, { ...body.user, email: local, password: GOOD_PASSWORD, ip: uniqueIp() });
    const profile = await me(t, tokens.accessToken);
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toEqual({
      user: { id: body.user.id, email: local, name: 'Ada', mfaEnabled: false },
      organizations: [
        {
          id: body.organization.id,
          name: body.organization.name,
          role: 'owner',
          permissions: permissionsOf('owner'),
        },
      ],
    });
    expect(await actionsFor(body.user.id)).toContain('auth.signup');
    // Default name, in the one spelling the product uses.
    expect(body.organization.name).toBe("Ada's organisation");
  });

  it('names the first organisation as asked; a blank or control-character name is refused', async () => {
    const named = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      remoteAddress: uniqueIp(),
      payload: { email: uniqueEmail(), password: GOOD_PASSWORD, organizationName: '  Acme Ltd ' },
    });
    expect(named.statusCode).toBe(201);
    expect(named.json().organization.name).toBe('Acme Ltd');
    for (const organizationName of ['   ', 'Acme\u0000Ltd']) {
      const email = uniqueEmail();
      const bad = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/signup',
        remoteAddress: uniqueIp(),
        payload: { email, password: GOOD_PASSWORD, organizationName },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details.fields[0].path).toBe('organizationName');
      expect((await login(t, { email, password: GOOD_PASSWORD })).statusCode).toBe(401);
    }
  });

  it.each([
    ['too short', 'short pw 11', 'too_short'],
    ['too long (129)', 'x'.repeat(129), 'too_long'],
    ['common', 'password1234', 'common'],
    ['common, different case', 'PassWord1234', 'common'],
    ['common keyboard walk', 'qwertyuiop123', 'common'],
  ])('refuses a password that is %s', async (_label, password, reason) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      remoteAddress: uniqueIp(),
      payload: { email: uniqueEmail(), password },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.details).toMatchObject({ reason });
  });

  it('accepts exactly 128 characters and unicode, without truncation', async () => {
    const long = `${'ä'.repeat(127)}Z`;
    const user = await signUp(t, { password: long });
    await loginOk(t, user);
    // A 127-character prefix is a different password.
    const res = await login(t, { email: user.email, password: long.slice(0, 127) });
    expect(res.statusCode).toBe(401);
    const emoji = await signUp(t, { password: '🔐🦄 mot de passe sûr' });
    await loginOk(t, emoji);
  });

  it('refuses malformed emails and unknown fields', async () => {
    for (const email of ['no-at-sign', 'a@b', `${'a'.repeat(250)}@x.io`, 'two@@example.com']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/signup',
        remoteAddress: uniqueIp(),
        payload: { email, password: GOOD_PASSWORD },
      });
      expect(res.statusCode).toBe(400);
    }
    const extra = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      remoteAddress: uniqueIp(),
      payload: { email: uniqueEmail(), password: GOOD_PASSWORD, role: 'owner' },
    });
    expect(extra.statusCode).toBe(400);
  });

  it('answers a taken email with a generic 409 that does not echo the address', async () => {
    const user = await signUp(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      remoteAddress: uniqueIp(),
      payload: { email: user.email.toUpperCase(), password: 'another long passphrase 9' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('conflict');
    expect(res.body).not.toContain(user.email);
  });
});

describe('login', () => {
  it('answers a wrong password and an unknown email identically, both after an argon2 verification', async () => {
    const user = await signUp(t);
    const verifications = vi.mocked(argon2.verify);
    const before1 = verifications.mock.calls.length;
    const wrong = await login(t, { email: user.email, password: 'not the right password' });
    const wrongVerifications = verifications.mock.calls.length - before1;
    const before2 = verifications.mock.calls.length;
    const unknown = await login(t, { email: uniqueEmail(), password: 'not the right password' });
    const unknownVerifications = verifications.mock.calls.length - before2;
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (body: { error: Record<string, unknown> }) => ({ ...body.error, requestId: undefined });
    expect(strip(wrong.json())).toEqual(strip(unknown.json()));
    expect(wrong.json().error.code).toBe('invalid_credentials');
    // Both paths ran one argon2id verification: the unknown email against a dummy hash, so neither
    // answer comes back early.
    expect(wrongVerifications).toBe(1);
    expect(unknownVerifications).toBe(1);
  });

  it('records success and failure in the audit trail', async () => {
    const user = await signUp(t);
    await login(t, { email: user.email, password: 'not the right password' });
    const tokens = await loginOk(t, user);
    const rows = await t.database.db
      .select({ action: auditEvents.action, outcome: auditEvents.outcome })
      .from(auditEvents)
      .where(eq(auditEvents.actorId, user.userId));
    expect(rows).toEqual(
      expect.arrayContaining([
        { action: 'auth.login', outcome: 'failure' },
        { action: 'auth.login', outcome: 'success' },
      ]),
    );
    expect(tokens.expiresIn).toBe(t.config.auth.accessTokenTtl);
  });
});

describe('sessions', () => {
  it('round trip: login, use, refresh (rotated), logout', async () => {
    const user = await signUp(t);
    const first = await loginOk(t, user);
    expect((await me(t, first.accessToken)).statusCode).toBe(200);
    const r1 = await refresh(t, first.refreshToken);
    expect(r1.statusCode).toBe(200);
    const second = r1.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(t, second.accessToken)).statusCode).toBe(200);
    const out = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      remoteAddress: uniqueIp(),
      headers: bearer(second.accessToken),
    });
    expect(out.statusCode).toBe(204);
    expect((await me(t, second.accessToken)).statusCode).toBe(401);
    expect((await me(t, first.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, second.refreshToken)).statusCode).toBe(401);
  });

  it('never writes passwords or tokens to the logs', async () => {
    const user = await signUp(t, { password: 'a very distinctive passphrase 42' });
    await login(t, { email: user.email, password: 'another distinctive wrong one 17' });
    const tokens = await loginOk(t, user);
    const rotated = (await refresh(t, tokens.refreshToken)).json();
    const logs = t.logs();
    for (const secret of [
      'a very distinctive passphrase 42',
      'another distinctive wrong one 17',
      tokens.refreshToken,
      tokens.accessToken,
      rotated.refreshToken,
    ]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('stores refresh tokens only as hashes', async () => {
    const user = await signUp(t);
    const tokens = await loginOk(t, user);
    const rows = await t.database.db.select().from(refreshTokens);
    expect(JSON.stringify(rows)).not.toContain(tokens.refreshToken);
  });

  it('reuse of a rotated refresh token revokes the whole family (the newer token dies too)', async () => {
    const user = await signUp(t);
    const first = await loginOk(t, user);
    const second = (await refresh(t, first.refreshToken)).json();
    const reuse = await refresh(t, first.refreshToken);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().error.code).toBe('token_invalid');
    expect((await refresh(t, second.refreshToken)).statusCode).toBe(401);
    expect((await me(t, second.accessToken)).statusCode).toBe(401);
    const claims = JSON.parse(Buffer.from(second.accessToken.split('.')[1]!, 'base64url').toString());
    const [session] = await t.database.db.select().from(sessions).where(eq(sessions.id, claims.sid));
    expect(session!.revokedReason).toBe('refresh_reuse');
    expect(await actionsFor(claims.sid)).toContain('session.refresh_reuse_detected');
  });

  it('two concurrent refreshes with one token: at most one succeeds', async () => {
    const user = await signUp(t);
    const first = await loginOk(t, user);
    const results = await Promise.all([refresh(t, first.refreshToken), refresh(t, first.refreshToken)]);
    const ok = results.filter((r) => r.statusCode === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.statusCode === 401).length).toBeGreaterThanOrEqual(1);
  });

  it('refuses unknown and malformed refresh tokens', async () => {
    expect((await refresh(t, 'A'.repeat(43))).statusCode).toBe(401);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      remoteAddress: uniqueIp(),
      payload: { refreshToken: 'x' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('a refresh token is never accepted as an access token, nor an access token as a refresh token', async () => {
    const user = await signUp(t);
    const tokens = await loginOk(t, user);
    expect((await me(t, tokens.refreshToken)).statusCode).toBe(401);
    expect((await refresh(t, tokens.accessToken)).statusCode).toBe(400);
  });

  it('logout-all revokes every session of the user, and only theirs', async () => {
    const user = await signUp(t);
    const other = await signUp(t);
    const a = await loginOk(t, user);
    const b = await loginOk(t, user);
    const o = await loginOk(t, other);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/logout-all',
      remoteAddress: uniqueIp(),
      headers: bearer(a.accessToken),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ revoked: 2 });
    expect((await me(t, a.accessToken)).statusCode).toBe(401);
    expect((await me(t, b.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, b.refreshToken)).statusCode).toBe(401);
    expect((await me(t, o.accessToken)).statusCode).toBe(200);
  });

  it('a forged access token (alg none, with a live session id) is refused over HTTP', async () => {
    const user = await signUp(t);
    const tokens = await loginOk(t, user);
    const [, payload] = tokens.accessToken.split('.');
    const header = Buffer.from(
      JSON.stringify({ alg: 'none', kid: 'dev', typ: 'rolegate-access+jwt' }),
    ).toString('base64url');
    expect((await me(t, `${header}.${payload}.`)).statusCode).toBe(401);
    expect((await me(t, `${header}.${payload}.x${tokens.accessToken.split('.')[2]}`)).statusCode).toBe(401);
  });

  it('a revoked session (test helper user) stops its access token at once', async () => {
    const u = await createTestUser(t);
    expect((await me(t, u.accessToken)).statusCode).toBe(200);
    await t.database.db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, u.sessionId));
    expect((await me(t, u.accessToken)).statusCode).toBe(401);
  });
});

describe('password change', () => {
  it('needs the current password, applies the policy and revokes the other sessions', async () => {
    const user = await signUp(t);
    const mine = await loginOk(t, user);
    const other = await loginOk(t, user);
    const change = (body: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/password',
        remoteAddress: uniqueIp(),
        headers: bearer(mine.accessToken),
        payload: body,
      });

    const wrong = await change({
      currentPassword: 'not my password at all',
      newPassword: 'a brand new passphrase 1',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    const weak = await change({ currentPassword: user.password, newPassword: 'password1234' });
    expect(weak.statusCode).toBe(400);
    expect((await me(t, other.accessToken)).statusCode).toBe(200);

    const ok = await change({ currentPassword: user.password, newPassword: 'a brand new passphrase 1' });
    expect(ok.statusCode).toBe(204);
    expect((await me(t, mine.accessToken)).statusCode).toBe(200);
    expect((await me(t, other.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, other.refreshToken)).statusCode).toBe(401);
    expect((await login(t, { email: user.email, password: user.password })).statusCode).toBe(401);
    await loginOk(t, { ...user, password: 'a brand new passphrase 1' });
  });
});

describe('authentication required', () => {
  const routes: Array<{ method: 'GET' | 'POST'; url: string; payload?: Record<string, string> }> = [
    { method: 'GET', url: '/v1/me' },
    { method: 'POST', url: '/v1/auth/logout' },
    { method: 'POST', url: '/v1/auth/logout-all' },
    {
      method: 'POST',
      url: '/v1/auth/password',
      payload: { currentPassword: 'x'.repeat(12), newPassword: 'y'.repeat(12) },
    },
    { method: 'POST', url: '/v1/auth/mfa/setup' },
    { method: 'POST', url: '/v1/auth/mfa/enable', payload: { code: '123456' } },
    { method: 'POST', url: '/v1/auth/mfa/disable', payload: { code: '123456' } },
  ];
  it.each(routes)('$method $url without a token, or with garbage, is 401', async (route) => {
    for (const headers of [
      {},
      { authorization: 'Bearer not-a-valid-token-at-all' },
      { authorization: 'Basic abc' },
    ]) {
      const res = await t.app.inject({ ...route, headers, remoteAddress: uniqueIp() });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
  });
});
