import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../bench/lib.ts';
import { MAX_PATTERN_WILDCARDS } from '../../src/connections/schemas.ts';
import { type StubProcess, startStubProcess } from './aws-stub-process.ts';

// Issue 14.1: tenant input must never reach super-linear work on the event loop. The server runs in
// a process of its own, so a stalled event loop shows as a request that is not answered (and
// /healthz with it) instead of hanging this test process.

/** "Answered, not hung": far above any honest answer time on a busy machine, far below a stall. */
const ANSWER_BOUND_MS = 10_000;

let stub: StubProcess;
let server: RunningServer;

beforeAll(async () => {
  stub = await startStubProcess();
  server = await startServer({
    AWS_ENDPOINT_URL: stub.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAHOSTILEREDOS0000',
    AWS_SECRET_ACCESS_KEY: 'hostile-redos-base-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    ROLEGATE_AWS_PRINCIPAL_ARN: 'arn:aws:iam::111111111111:role/rolegate-service',
    ROLEGATE_RATE_LIMIT_AUTH_MAX: '100000',
    ROLEGATE_RATE_LIMIT_API_MAX: '1000000',
    ROLEGATE_PRESSURE_MAX_EVENT_LOOP_DELAY: '0',
    ROLEGATE_VERIFY_INTERVAL: '0',
  });
});

afterAll(async () => {
  // SIGKILL-proof: a server stuck in a regex never runs its SIGTERM handler.
  if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  await server?.stop();
  await stub?.stop();
});

async function call<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(ANSWER_BOUND_MS),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

async function tenant(): Promise<{ orgId: string; headers: Record<string, string> }> {
  const base = server.url;
  const email = `redos-${randomBytes(6).toString('hex')}@example.test`;
  const password = `redos ${randomBytes(12).toString('hex')} staple`;
  const signup = await call<{ organization: { id: string } }>('POST', `${base}/v1/auth/signup`, {
    email,
    password,
  });
  const orgId = signup.body.organization.id;
  const login = await call<{ accessToken: string }>('POST', `${base}/v1/auth/login`, { email, password });
  const key = await call<{ key: string }>(
    'POST',
    `${base}/v1/orgs/${orgId}/api-keys`,
    { name: 'redos', role: 'admin' },
    { authorization: `Bearer ${login.body.accessToken}` },
  );
  return { orgId, headers: { authorization: `Bearer ${key.body.key}` } };
}

describe('super-linear work from tenant input (14.1)', () => {
  it('a Lambda pattern with more wildcards than the cap is refused with 400', async () => {
    const { orgId, headers } = await tenant();
    const res = await call<{ error: { code: string } }>(
      'POST',
      `${server.url}/v1/orgs/${orgId}/connections`,
      {
        name: 'redos',
        capabilities: ['lambda-read'],
        scopes: { lambdaFunctionPatterns: [`${'a*'.repeat(15)}b`] },
      },
      headers,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('the worst pattern the cap allows against a 64-character name is answered, and /healthz with it', async () => {
    const { orgId, headers } = await tenant();
    // Backtracking regex: about C(64, 8) steps for this pair, tens of seconds on the event loop.
    const pattern = `${'a*'.repeat(MAX_PATTERN_WILDCARDS)}b`;
    const created = await call<{ id: string; externalId: string }>(
      'POST',
      `${server.url}/v1/orgs/${orgId}/connections`,
      { name: 'redos', capabilities: ['lambda-read'], scopes: { lambdaFunctionPatterns: [pattern] } },
      headers,
    );
    expect(created.status).toBe(201);
    await stub.allowExternalId(created.body.externalId);
    const connUrl = `${server.url}/v1/orgs/${orgId}/connections/${created.body.id}`;
    const patched = await call(
      'PATCH',
      connUrl,
      { roleArn: 'arn:aws:iam::222222222222:role/customer' },
      headers,
    );
    expect(patched.status).toBe(200);
    const verified = await call<{ status: string }>('POST', `${connUrl}/verify`, undefined, headers);
    expect(verified.body.status).toBe('verified');

    const hostile = call<{ error: { code: string } }>(
      'GET',
      `${connUrl}/lambda/functions/${'a'.repeat(64)}`,
      undefined,
      headers,
    );
    // Give the hostile request a head start, then ask the health endpoint while it is in flight.
    await new Promise((r) => setTimeout(r, 100));
    const health = fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
    const [answer, healthz] = await Promise.all([hostile, health]);
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
    expect(healthz.status).toBe(200);
  });
});
