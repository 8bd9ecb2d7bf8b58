import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, fakeClock, me, refresh, type SignedUp, signUp, type Tokens, uniqueIp } from './support.ts';

// Sign-in history (GET /v1/me/sessions), revoking one session, and "sign out everywhere else".

const clock = fakeClock();
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => {
  await t.close();
});

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';

async function loginFrom(user: SignedUp, userAgent: string, ip = uniqueIp()): Promise<Tokens> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    remoteAddress: ip,
    headers: { 'user-agent': userAgent },
    payload: { email: user.email, password: user.password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

const list = (token: string) =>
  t.app.inject({ method: 'GET', url: '/v1/me/sessions', headers: bearer(token) });
const revoke = (token: string, sessionId: string) =>
  t.app.inject({ method: 'DELETE', url: `/v1/me/sessions/${sessionId}`, headers: bearer(token) });
const revokeOthers = (token: string) =>
  t.app.inject({ method: 'POST', url: '/v1/me/sessions/revoke-others', headers: bearer(token) });

interface Item {
  id: string;
  device: string;
  ip: string | null;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
}

describe('GET /v1/me/sessions', () => {
  it('lists the live sessions with device, address, first and last seen, and marks the current one', async () => {
    const user = await signUp(t);
    const laptop = await loginFrom(user, FIREFOX, '192.0.2.10');
    const phone = await loginFrom(user, SAFARI_IPHONE, '192.0.2.20');
    const res = await list(laptop.accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json() as { items: Item[]; nextCursor: null };
    expect(body.nextCursor).toBeNull();
    expect(body.items).toHaveLength(2);
    const byDevice = new Map(body.items.map((i) => [i.device, i]));
    expect(byDevice.get('Firefox on Linux')).toMatchObject({ ip: '192.0.2.10', current: true });
    expect(byDevice.get('Safari on iPhone')).toMatchObject({ ip: '192.0.2.20', current: false });
    for (const item of body.items) {
      expect(item.id).toMatch(/^ses_/);
      expect(Date.parse(item.createdAt)).toBeLessThanOrEqual(Date.parse(item.lastSeenAt));
    }
    // The phone sees the same two, with itself as current.
    const fromPhone = (await list(phone.accessToken)).json() as { items: Item[] };
    expect(fromPhone.items.find((i) => i.current)?.device).toBe('Safari on iPhone');
  });

  it('shows another user nothing of this user, and leaves out revoked and idle sessions', async () => {
    const user = await signUp(t);
    const other = await signUp(t);
    const a = await loginFrom(user, FIREFOX);
    const b = await loginFrom(user, SAFARI_IPHONE);
    const o = await loginFrom(other, FIREFOX);
    const mine = ((await list(a.accessToken)).json() as { items: Item[] }).items.map((i) => i.id);
    const theirs = ((await list(o.accessToken)).json() as { items: Item[] }).items.map((i) => i.id);
    expect(mine).toHaveLength(2);
    expect(theirs).toHaveLength(1);
    expect(mine).not.toContain(theirs[0]);

    // b stays unused past the idle limit while a refreshes: b drops out of the list.
    clock.advance(20 * 60_000);
    const a2 = (await refresh(t, a.refreshToken)).json() as Tokens;
    clock.advance(11 * 60_000);
    const after = ((await list(a2.accessToken)).json() as { items: Item[] }).items;
    expect(after.map((i) => i.current)).toEqual([true]);
    expect((await refresh(t, b.refreshToken)).statusCode).toBe(401);
  });

  it('is refused to an API key (403) and without credentials (401)', async () => {
    const user = await signUp(t);
    const tokens = await loginFrom(user, FIREFOX);
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${user.orgId}/api-keys`,
      headers: bearer(tokens.accessToken),
      payload: { name: 'ci', role: 'admin' },
    });
    expect(created.statusCode).toBe(201);
    const keyHeaders = bearer(created.json().key);
    for (const [method, url] of [
      ['GET', '/v1/me/sessions'],
      ['POST', '/v1/me/sessions/revoke-others'],
      ['DELETE', `/v1/me/sessions/${newId('ses')}`],
    ] as const) {
      expect((await t.app.inject({ method, url, headers: keyHeaders })).statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/me/sessions' })).statusCode).toBe(401);
  });
});

describe('DELETE /v1/me/sessions/:sessionId', () => {
  it('kills the session at once: its access token at the next request, its refresh token too', async () => {
    const user = await signUp(t);
    const laptop = await loginFrom(user, FIREFOX);
    const phone = await loginFrom(user, SAFARI_IPHONE);
    const items = ((await list(laptop.accessToken)).json() as { items: Item[] }).items;
    const phoneId = items.find((i) => !i.current)!.id;
    expect((await me(t, phone.accessToken)).statusCode).toBe(200);

    const res = await revoke(laptop.accessToken, phoneId);
    expect(res.statusCode).toBe(204);
    expect((await me(t, phone.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, phone.refreshToken)).statusCode).toBe(401);
    expect((await me(t, laptop.accessToken)).statusCode).toBe(200);
    expect(
      ((await list(laptop.accessToken)).json() as { items: Item[] }).items.map((i) => i.id),
    ).not.toContain(phoneId);
    const audit = await t.database.db
      .select({ action: auditEvents.action, actorId: auditEvents.actorId })
      .from(auditEvents)
      .where(eq(auditEvents.targetId, phoneId));
    expect(audit).toContainEqual({ action: 'session.revoked', actorId: user.userId });

    // Revoked already: 404, like any session that is not there.
    expect((await revoke(laptop.accessToken, phoneId)).statusCode).toBe(404);
  });

  it("another user's session id answers 404 and that session keeps working", async () => {
    const user = await signUp(t);
    const victim = await signUp(t);
    const mine = await loginFrom(user, FIREFOX);
    const theirs = await loginFrom(victim, FIREFOX);
    const theirId = ((await list(theirs.accessToken)).json() as { items: Item[] }).items[0]!.id;

    const res = await revoke(mine.accessToken, theirId);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect((await me(t, theirs.accessToken)).statusCode).toBe(200);
    expect((await refresh(t, theirs.refreshToken)).statusCode).toBe(200);
    // A well-formed id that exists nowhere: the same answer.
    expect((await revoke(mine.accessToken, newId('ses'))).statusCode).toBe(404);
  });

  it('refuses a malformed id with 400 and changes nothing', async () => {
    const user = await signUp(t);
    const tokens = await loginFrom(user, FIREFOX);
    expect((await revoke(tokens.accessToken, 'not-a-session')).statusCode).toBe(400);
    expect((await me(t, tokens.accessToken)).statusCode).toBe(200);
  });
});

describe('POST /v1/me/sessions/revoke-others', () => {
  it('signs out every other session of the user, keeps the current one, touches no other user', async () => {
    const user = await signUp(t);
    const other = await signUp(t);
    const here = await loginFrom(user, FIREFOX);
    const there = await loginFrom(user, SAFARI_IPHONE);
    const elsewhere = await loginFrom(user, 'curl/8.5.0');
    const o = await loginFrom(other, FIREFOX);

    const res = await revokeOthers(here.accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ revoked: 2 });
    expect((await me(t, here.accessToken)).statusCode).toBe(200);
    expect((await me(t, there.accessToken)).statusCode).toBe(401);
    expect((await me(t, elsewhere.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, there.refreshToken)).statusCode).toBe(401);
    expect((await me(t, o.accessToken)).statusCode).toBe(200);
    expect(((await list(here.accessToken)).json() as { items: Item[] }).items).toHaveLength(1);
    expect((await revokeOthers(here.accessToken)).json()).toEqual({ revoked: 0 });
  });
});
