import { randomBytes } from 'node:crypto';
import type { Clock } from '../../src/clock.ts';
import type { TestApp } from '../helpers/app.ts';

/** A clock tests move by hand. */
export function fakeClock(start = Date.now()): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
  };
}

let counter = 0;

/** A fresh client IP per call (each test gets its own per-IP budget). */
export function uniqueIp(): string {
  counter += 1;
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${((b[2]! + counter) % 254) + 1}`;
}

export function uniqueEmail(): string {
  return `user-${randomBytes(6).toString('hex')}@example.test`;
}

export const GOOD_PASSWORD = 'correct horse battery staple 7';

export interface SignedUp {
  userId: string;
  orgId: string;
  email: string;
  password: string;
  ip: string;
}

export async function signUp(
  t: TestApp,
  options: { email?: string; password?: string } = {},
): Promise<SignedUp> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? GOOD_PASSWORD;
  const ip = uniqueIp();
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/signup',
    remoteAddress: ip,
    payload: { email, password, name: 'Test User' },
  });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return { userId: body.user.id, orgId: body.organization.id, email, password, ip };
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export async function login(
  t: TestApp,
  input: { email: string; password: string; totp?: string },
  ip = uniqueIp(),
) {
  return t.app.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress: ip, payload: input });
}

export async function loginOk(t: TestApp, user: SignedUp, totp?: string): Promise<Tokens> {
  const res = await login(
    t,
    { email: user.email, password: user.password, ...(totp ? { totp } : {}) },
    user.ip,
  );
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function me(t: TestApp, accessToken: string) {
  return t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(accessToken) });
}

export async function refresh(t: TestApp, refreshToken: string) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/auth/refresh',
    remoteAddress: uniqueIp(),
    payload: { refreshToken },
  });
}
