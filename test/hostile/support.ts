import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/app.ts';

/** A strong password that is unique per call (also usable as a canary). */
export function uniquePassword(tag = 'pw'): string {
  return `${tag} ${randomBytes(12).toString('hex')} horse battery`;
}

export function uniqueEmail(): string {
  return `hostile-${randomBytes(6).toString('hex')}@example.test`;
}

/** A fresh client IP per call, so per-IP budgets never collide between tests. */
export function uniqueIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${(b[2]! % 254) + 1}`;
}

export async function signUpAndLogin(
  t: TestApp,
  password = uniquePassword(),
): Promise<{
  email: string;
  password: string;
  orgId: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
}> {
  const email = uniqueEmail();
  const ip = uniqueIp();
  const signup = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/signup',
    remoteAddress: ip,
    payload: { email, password },
  });
  expect(signup.statusCode, signup.body).toBe(201);
  const login = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    remoteAddress: ip,
    payload: { email, password },
  });
  expect(login.statusCode, login.body).toBe(200);
  return {
    email,
    password,
    orgId: signup.json().organization.id,
    userId: signup.json().user.id,
    accessToken: login.json().accessToken,
    refreshToken: login.json().refreshToken,
  };
}

/** The documented error shape with the request id of the response. */
export function expectError(res: LightMyRequestResponse, status: number, code?: string): void {
  expect(res.statusCode, res.body).toBe(status);
  const err = res.json().error;
  if (code !== undefined) expect(err.code).toBe(code);
  expect(err.code).toMatch(/^[a-z_]+$/);
  expect(typeof err.message).toBe('string');
  expect(err.requestId).toBe(res.headers['x-request-id']);
}

/** Runs `fn` and returns its result with the elapsed milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** A JSON request to a server in its own process; a non-2xx answer throws with its body. */
export async function fetchJson<T>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs?: number,
): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return (text === '' ? null : JSON.parse(text)) as T;
}

/** Signs up a fresh user over HTTP and creates an admin API key: the organisation, the key and its headers. */
export async function signUpWithApiKey(
  base: string,
  label: string,
  timeoutMs?: number,
): Promise<{
  orgId: string;
  key: string;
  headers: Record<string, string>;
  /** The owner's own session (what an API key may not do, such as changing the approval policy). */
  ownerHeaders: Record<string, string>;
}> {
  const email = `${label}-${randomBytes(6).toString('hex')}@example.test`;
  const password = `${label} ${randomBytes(12).toString('hex')} staple`;
  const signup = await fetchJson<{ organization: { id: string } }>(
    'POST',
    `${base}/v1/auth/signup`,
    { email, password },
    {},
    timeoutMs,
  );
  const orgId = signup.organization.id;
  const login = await fetchJson<{ accessToken: string }>(
    'POST',
    `${base}/v1/auth/login`,
    { email, password },
    {},
    timeoutMs,
  );
  const key = await fetchJson<{ key: string }>(
    'POST',
    `${base}/v1/orgs/${orgId}/api-keys`,
    { name: label, role: 'admin' },
    { authorization: `Bearer ${login.accessToken}` },
    timeoutMs,
  );
  return {
    orgId,
    key: key.key,
    headers: { authorization: `Bearer ${key.key}` },
    ownerHeaders: { authorization: `Bearer ${login.accessToken}` },
  };
}
