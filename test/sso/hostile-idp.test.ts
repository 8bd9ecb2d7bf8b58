import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

// SSO review P1: an identity provider is a server a tenant chooses. Whatever it answers (a status
// the Fetch API cannot represent, a body where none may be) must end as a typed failure, never as
// an exception thrown outside the request's promise (which would take the whole process down).

let t: TestApp;
let owner: TestUser;
let server: Server;
let issuer: string;
/** The raw HTTP answer the fake issuer writes next, verbatim. */
let answer = '';

beforeAll(async () => {
  server = createServer((socket: Socket) => {
    socket.once('data', () => {
      socket.end(answer);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  issuer = `http://127.0.0.1:${address.port}`;
  t = await createTestApp({
    env: { ROLEGATE_PUBLIC_URL: 'http://rolegate.test', ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' },
  });
  owner = await createTestUser(t, { role: 'owner' });
  const put = await t.app.inject({
    method: 'PUT',
    url: `/v1/orgs/${owner.orgId}/sso`,
    headers: { ...owner.headers, 'content-type': 'application/json' },
    payload: {
      issuer,
      clientId: 'hostile',
      clientSecret: 'hostile-client-secret-0123456789abcdef',
      scopes: ['openid', 'email'],
      allowedDomains: ['hostile-idp.test'],
      roleMapping: { claim: 'groups', rules: [], defaultRole: 'member' },
    },
  });
  expect(put.statusCode, put.body).toBe(200);
});
afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

const raw = (statusLine: string, body: string) =>
  `HTTP/1.1 ${statusLine}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;

const hostileAnswers = [
  ['205 with a body', raw('205 Reset Content', '{"issuer":"x"}')],
  ['304 with a body', raw('304 Not Modified', '{"issuer":"x"}')],
  ['status 999', raw('999 Whatever', '{"issuer":"x"}')],
  ['status 600', raw('600 Nope', '{}')],
] as const;

describe('a hostile issuer cannot crash the process', () => {
  it.each(hostileAnswers)('"test connection" against %s fails with a fixed reason', async (_name, text) => {
    answer = text;
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/sso/test`,
      headers: owner.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { ok: boolean; error: string };
    expect(body.ok).toBe(false);
    expect(['invalid_http_status', 'invalid_discovery_document', 'unreachable']).toContain(body.error);
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
  });

  it('reports an out-of-range status as invalid_http_status, never the raw cause', async () => {
    answer = raw('999 <script>alert(1)</script>', '{}');
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/sso/test`,
      headers: owner.headers,
    });
    expect(res.json()).toMatchObject({ ok: false, error: 'invalid_http_status' });
    expect(res.body).not.toContain('script');
  });

  it('reports a garbage discovery document with a fixed reason', async () => {
    answer = raw('200 OK', '{"issuer":"https://elsewhere.example"}');
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/sso/test`,
      headers: owner.headers,
    });
    expect(res.json()).toMatchObject({ ok: false, error: 'invalid_discovery_document' });
    expect(res.body).not.toContain('elsewhere');
  });

  it.each(hostileAnswers)(
    'an unauthenticated SSO start against %s answers a provider failure',
    async (_name, text) => {
      answer = text;
      const res = await t.app.inject({ method: 'GET', url: `/v1/auth/sso/start?org=${owner.orgId}` });
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(500);
      expect(res.json()).toMatchObject({ error: { code: 'sso_provider_unavailable' } });
      const health = await t.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    },
  );
});
