import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { users } from '../../src/db/core-tables.ts';
import { mfaBackupCodes } from '../../src/identity/tables.ts';
import { totpCodeAt } from '../../src/identity/totp.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, fakeClock, login, loginOk, me, type SignedUp, signUp, uniqueIp } from './support.ts';

// A hand-moved clock so codes for the current, previous and next 30 s steps are predictable.
const clock = fakeClock(Math.floor(Date.now() / 30_000) * 30_000 + 1_000);
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => {
  await t.close();
});

const post = (url: string, accessToken: string, payload?: Record<string, string>) =>
  t.app.inject({
    method: 'POST',
    url,
    remoteAddress: uniqueIp(),
    headers: bearer(accessToken),
    ...(payload ? { payload } : {}),
  });

const codeNow = (secret: string, offsetSteps = 0) =>
  totpCodeAt(secret, clock.now().getTime() + offsetSteps * 30_000);

async function enrolled(): Promise<{
  user: SignedUp;
  secret: string;
  backupCodes: string[];
  accessToken: string;
}> {
  const user = await signUp(t);
  const { accessToken } = await loginOk(t, user);
  const setup = await post('/v1/auth/mfa/setup', accessToken);
  expect(setup.statusCode).toBe(200);
  const { secret } = setup.json();
  const enable = await post('/v1/auth/mfa/enable', accessToken, { code: codeNow(secret) });
  expect(enable.statusCode).toBe(200);
  clock.advance(30_000); // the enabling code's step is used up
  return { user, secret, backupCodes: enable.json().backupCodes, accessToken };
}

describe('TOTP enrolment', () => {
  it('setup returns a secret, an otpauth URI and a QR code; the secret is stored encrypted', async () => {
    const user = await signUp(t);
    const { accessToken } = await loginOk(t, user);
    const res = await post('/v1/auth/mfa/setup', accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Rolegate:.+\?.*secret=/);
    expect(body.otpauthUri).toContain('period=30');
    expect(body.qrCodeDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(String(body.qrCodeDataUrl).split(',')[1] ?? '', 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg[^>]*viewBox/);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, user.userId));
    expect(row!.totpSecret).not.toBeNull();
    expect(row!.totpSecret).not.toContain(body.secret);
    expect(row!.totpEnabledAt).toBeNull();
    // Not enabled yet: login still works without a code.
    await loginOk(t, user);
  });

  it('enable refuses a wrong code and returns 10 distinct backup codes, stored hashed', async () => {
    const user = await signUp(t);
    const { accessToken } = await loginOk(t, user);
    const noSetup = await post('/v1/auth/mfa/enable', accessToken, { code: '123456' });
    expect(noSetup.statusCode).toBe(409);
    const { secret } = (await post('/v1/auth/mfa/setup', accessToken)).json();
    const wrong = await post('/v1/auth/mfa/enable', accessToken, { code: codeNow(secret, 5) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('mfa_invalid');
    const ok = await post('/v1/auth/mfa/enable', accessToken, { code: codeNow(secret) });
    expect(ok.statusCode).toBe(200);
    const { backupCodes } = ok.json();
    expect(backupCodes).toHaveLength(10);
    expect(new Set(backupCodes).size).toBe(10);
    const rows = await t.database.db
      .select()
      .from(mfaBackupCodes)
      .where(eq(mfaBackupCodes.userId, user.userId));
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(rows);
    for (const code of backupCodes) expect(stored).not.toContain(code.replace('-', ''));
    expect((await me(t, accessToken)).json().user.mfaEnabled).toBe(true);
    expect((await post('/v1/auth/mfa/setup', accessToken)).statusCode).toBe(409);
  });
});

describe('login with MFA', () => {
  it('mfa_required only after a correct password; wrong password stays invalid_credentials', async () => {
    const { user, secret } = await enrolled();
    const wrongPw = await login(t, {
      email: user.email,
      password: 'wrong password entirely',
      totp: codeNow(secret),
    });
    expect(wrongPw.json().error.code).toBe('invalid_credentials');
    const noCode = await login(t, { email: user.email, password: user.password });
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().error.code).toBe('mfa_required');
    const badCode = await login(t, { email: user.email, password: user.password, totp: codeNow(secret, 3) });
    expect(badCode.json().error.code).toBe('mfa_invalid');
    const ok = await login(t, { email: user.email, password: user.password, totp: codeNow(secret) });
    expect(ok.statusCode).toBe(200);
  });

  it('a code is accepted once (replay refused), as is any code of an earlier step', async () => {
    const { user, secret } = await enrolled();
    const code = codeNow(secret);
    expect((await login(t, { email: user.email, password: user.password, totp: code })).statusCode).toBe(200);
    const replay = await login(t, { email: user.email, password: user.password, totp: code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('mfa_invalid');
    expect(replay.json().error.message).toBe('This code was just used; wait for the next one.');
    const previous = await login(t, {
      email: user.email,
      password: user.password,
      totp: codeNow(secret, -1),
    });
    expect(previous.json().error.code).toBe('mfa_invalid');
    clock.advance(30_000);
    expect(
      (await login(t, { email: user.email, password: user.password, totp: codeNow(secret) })).statusCode,
    ).toBe(200);
  });

  it('the same code sent twice in parallel logs in at most once', async () => {
    const { user, secret } = await enrolled();
    const code = codeNow(secret);
    const results = await Promise.all([
      login(t, { email: user.email, password: user.password, totp: code }),
      login(t, { email: user.email, password: user.password, totp: code }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('accepts ±1 step of drift, not 2', async () => {
    const { user, secret } = await enrolled();
    const far = await login(t, { email: user.email, password: user.password, totp: codeNow(secret, 2) });
    expect(far.json().error.code).toBe('mfa_invalid');
    const next = await login(t, { email: user.email, password: user.password, totp: codeNow(secret, 1) });
    expect(next.statusCode).toBe(200);
  });

  it('a backup code works once, in any format', async () => {
    const { user, backupCodes } = await enrolled();
    const code = backupCodes[0]!;
    const first = await login(t, { email: user.email, password: user.password, totp: code.toUpperCase() });
    expect(first.statusCode).toBe(200);
    const again = await login(t, { email: user.email, password: user.password, totp: code.replace('-', '') });
    expect(again.json().error.code).toBe('mfa_invalid');
    expect(
      (await login(t, { email: user.email, password: user.password, totp: backupCodes[1]! })).statusCode,
    ).toBe(200);
  });

  it("another user's backup code is refused", async () => {
    const a = await enrolled();
    const b = await enrolled();
    const res = await login(t, { email: a.user.email, password: a.user.password, totp: b.backupCodes[0]! });
    expect(res.json().error.code).toBe('mfa_invalid');
  });

  it('wrong MFA codes count toward the account lockout', async () => {
    const { user, secret } = await enrolled();
    for (let i = 0; i < 5; i += 1) {
      const res = await login(t, { email: user.email, password: user.password, totp: '000000' }, uniqueIp());
      expect(res.statusCode).toBe(401);
    }
    const locked = await login(
      t,
      { email: user.email, password: user.password, totp: codeNow(secret) },
      uniqueIp(),
    );
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('account_locked');
    const rows = await t.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.actorId, user.userId));
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['auth.mfa.verify', 'auth.lockout']));
    clock.advance(2_000);
  });
});

describe('disabling MFA', () => {
  it('needs a current code (or a backup code), then login needs no code', async () => {
    const { user, secret, accessToken } = await enrolled();
    const wrong = await post('/v1/auth/mfa/disable', accessToken, { code: codeNow(secret, 4) });
    expect(wrong.statusCode).toBe(401);
    // A code of an already used step (here the one of the login just made) is refused, and says why.
    const used = codeNow(secret);
    expect((await login(t, { email: user.email, password: user.password, totp: used })).statusCode).toBe(200);
    const replayed = await post('/v1/auth/mfa/disable', accessToken, { code: used });
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json().error.message).toBe('This code was just used; wait for the next one.');
    expect((await me(t, accessToken)).json().user.mfaEnabled).toBe(true);
    clock.advance(30_000);
    const ok = await post('/v1/auth/mfa/disable', accessToken, { code: codeNow(secret) });
    expect(ok.statusCode).toBe(204);
    expect((await me(t, accessToken)).json().user.mfaEnabled).toBe(false);
    await loginOk(t, user);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, user.userId));
    expect(row!.totpSecret).toBeNull();
    expect(
      await t.database.db.select().from(mfaBackupCodes).where(eq(mfaBackupCodes.userId, user.userId)),
    ).toEqual([]);
  });

  it('with a backup code', async () => {
    const { backupCodes, accessToken } = await enrolled();
    expect((await post('/v1/auth/mfa/disable', accessToken, { code: backupCodes[3]! })).statusCode).toBe(204);
    expect((await post('/v1/auth/mfa/disable', accessToken, { code: backupCodes[4]! })).statusCode).toBe(409);
  });
});
