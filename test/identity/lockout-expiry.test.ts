import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { fakeClock, login, loginOk, me, refresh, signUp, uniqueEmail, uniqueIp } from './support.ts';

// One app with a hand-moved clock. Tests only move it forward and each creates its own users.
const clock = fakeClock();
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => {
  await t.close();
});

const WRONG = 'definitely the wrong password';

describe('account lockout', () => {
  it('locks after 5 failures with Retry-After, doubles, and unlocks when time passes', async () => {
    const user = await signUp(t);
    for (let i = 0; i < 4; i += 1) {
      expect((await login(t, { email: user.email, password: WRONG }, uniqueIp())).statusCode).toBe(401);
    }
    // The 5th failure is still answered as a failure, and starts a 1 s lock.
    expect((await login(t, { email: user.email, password: WRONG }, uniqueIp())).statusCode).toBe(401);
    const locked = await login(t, { email: user.email, password: user.password }, uniqueIp());
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('account_locked');
    expect(locked.headers['retry-after']).toBe('1');

    clock.advance(1_001);
    // 6th failure: lock doubles to 2 s.
    expect((await login(t, { email: user.email, password: WRONG }, uniqueIp())).statusCode).toBe(401);
    const again = await login(t, { email: user.email, password: user.password }, uniqueIp());
    expect(again.statusCode).toBe(429);
    expect(again.headers['retry-after']).toBe('2');

    clock.advance(2_001);
    const ok = await login(t, { email: user.email, password: user.password }, uniqueIp());
    expect(ok.statusCode).toBe(200);
  });

  it('the lock is capped at 15 minutes', async () => {
    const user = await signUp(t);
    let retryAfter = 0;
    for (let i = 0; i < 20; i += 1) {
      await login(t, { email: user.email, password: WRONG }, uniqueIp());
      const res = await login(t, { email: user.email, password: WRONG }, uniqueIp());
      if (res.statusCode === 429) retryAfter = Number(res.headers['retry-after']);
      clock.advance(retryAfter * 1000 + 1);
    }
    expect(retryAfter).toBe(15 * 60);
  });

  it('an unknown email is counted and locked exactly like an existing one', async () => {
    const user = await signUp(t);
    const ghost = uniqueEmail();
    const answers: Array<[number, string]> = [];
    for (const email of [user.email, ghost]) {
      for (let i = 0; i < 5; i += 1) await login(t, { email, password: WRONG }, uniqueIp());
      const res = await login(t, { email, password: WRONG }, uniqueIp());
      answers.push([res.statusCode, `${res.json().error.code}/${res.headers['retry-after']}`]);
    }
    expect(answers[0]).toEqual([429, 'account_locked/1']);
    expect(answers[1]).toEqual(answers[0]);
  });

  it('a lock holds across IPs (per account) and the email is normalised for counting', async () => {
    const user = await signUp(t);
    for (let i = 0; i < 5; i += 1) {
      await login(
        t,
        { email: i % 2 === 0 ? user.email.toUpperCase() : ` ${user.email}`, password: WRONG },
        uniqueIp(),
      );
    }
    expect((await login(t, { email: user.email, password: user.password }, uniqueIp())).statusCode).toBe(429);
  });

  it('a success clears the consecutive-failure count', async () => {
    const user = await signUp(t);
    for (let i = 0; i < 4; i += 1) await login(t, { email: user.email, password: WRONG }, uniqueIp());
    await loginOk(t, user);
    for (let i = 0; i < 4; i += 1) {
      expect((await login(t, { email: user.email, password: WRONG }, uniqueIp())).statusCode).toBe(401);
    }
  });

  it('one IP spraying many accounts hits its own budget', async () => {
    const ip = uniqueIp();
    let status = 0;
    for (let i = 0; i < 31 && status !== 429; i += 1) {
      status = (await login(t, { email: uniqueEmail(), password: WRONG }, ip)).statusCode;
    }
    expect(status).toBe(429);
    // Other IPs are unaffected.
    expect((await login(t, { email: uniqueEmail(), password: WRONG }, uniqueIp())).statusCode).toBe(401);
  });
});

describe('session lifetime', () => {
  it('dies after the idle limit without a refresh', async () => {
    const user = await signUp(t);
    const tokens = await loginOk(t, user);
    clock.advance((t.config.auth.refreshIdle - 5) * 1000);
    const rotated = await refresh(t, tokens.refreshToken);
    expect(rotated.statusCode).toBe(200);
    clock.advance(t.config.auth.refreshIdle * 1000);
    expect((await refresh(t, rotated.json().refreshToken)).statusCode).toBe(401);
  });

  it('dies at the absolute maximum age even when used constantly', async () => {
    const user = await signUp(t);
    let tokens = await loginOk(t, user);
    const step = Math.floor(t.config.auth.refreshIdle / 2) * 1000;
    let elapsed = 0;
    while (elapsed + step < t.config.auth.refreshMaxAge * 1000) {
      clock.advance(step);
      elapsed += step;
      const res = await refresh(t, tokens.refreshToken);
      expect(res.statusCode).toBe(200);
      tokens = res.json();
    }
    clock.advance(t.config.auth.refreshMaxAge * 1000 - elapsed);
    expect((await refresh(t, tokens.refreshToken)).statusCode).toBe(401);
    expect((await me(t, tokens.accessToken)).statusCode).toBe(401);
  });

  it('an access token expires at exp', async () => {
    const user = await signUp(t);
    const tokens = await loginOk(t, user);
    expect((await me(t, tokens.accessToken)).statusCode).toBe(200);
    clock.advance(t.config.auth.accessTokenTtl * 1000 + 1000);
    expect((await me(t, tokens.accessToken)).statusCode).toBe(401);
  });
});
