import { createHash, randomBytes } from 'node:crypto';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mockClient } from 'aws-sdk-client-mock';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memberships } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import { consentOverHttp, freePort, MemoryOAuthProvider, REDIRECT_URI } from '../oauth/helpers.ts';
import { auditOf, fixture, mockSts, sts } from '../operations/harness.ts';

let t: TestApp;
let baseUrl: string;
const s3 = mockClient(S3Client);

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // Its own database on PostgreSQL: the demotion test leaves a user with no membership, which the
  // database-fault tests (same shared database) would count as a partial sign-up.
  t = await createTestApp({
    isolatedDatabase: true,
    env: { ROLEGATE_CREDENTIAL_CACHE: 'off', ROLEGATE_PUBLIC_URL: baseUrl },
  });
  await t.app.listen({ host: '127.0.0.1', port });
});
afterAll(async () => {
  await t?.close();
  s3.restore();
  sts.restore();
});
beforeEach(() => {
  s3.reset();
  mockSts();
  s3.on(ListObjectsV2Command).resolves({
    Contents: [{ Key: 'a.txt', Size: 1, LastModified: new Date('2024-01-01T00:00:00Z') }],
  });
});

const listArgs = (connectionId: string) => ({ connectionId, bucket: 'acme-data', prefix: '', limit: 5 });

/** The MCP SDK's client with its OAuth provider, through registration, consent and token. */
async function authorize(
  user: TestUser,
  approve: Record<string, unknown>,
  provider = new MemoryOAuthProvider(),
): Promise<{ client: Client; provider: MemoryOAuthProvider }> {
  const first = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { authProvider: provider });
  await expect(new Client({ name: 'test', version: '1' }).connect(first)).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  expect(provider.authorizationUrl).toBeDefined();
  const { location } = await consentOverHttp(baseUrl, provider.authorizationUrl!, user, { approve });
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  const code = location.searchParams.get('code');
  expect(code, location.href).not.toBeNull();
  await first.finishAuth(code!);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { authProvider: provider }),
  );
  return { client, provider };
}

async function callList(client: Client, connectionId: string) {
  const result = await client.callTool({ name: 's3_list_objects', arguments: listArgs(connectionId) });
  return { isError: result.isError === true, text: (result.content as Array<{ text: string }>)[0]!.text };
}

describe('/mcp as an OAuth protected resource', () => {
  it('answers 401 naming its RFC 9728 metadata, which names the authorization server', async () => {
    const res = await fetch(`${baseUrl}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="rolegate", resource_metadata="${baseUrl}/.well-known/oauth-protected-resource/mcp"`,
    );
    const metadata = (await (await fetch(`${baseUrl}/.well-known/oauth-protected-resource/mcp`)).json()) as {
      resource: string;
      authorization_servers: string[];
    };
    expect(metadata.resource).toBe(`${baseUrl}/mcp`);
    expect(metadata.authorization_servers).toEqual([`${baseUrl}/oauth`]);
    const as = (await (
      await fetch(`${baseUrl}/.well-known/oauth-authorization-server/oauth`)
    ).json()) as Record<string, unknown>;
    expect(as.issuer).toBe(`${baseUrl}/oauth`);
    expect(as.registration_endpoint).toBe(`${baseUrl}/oauth/reg`);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.revocation_endpoint).toBe(`${baseUrl}/oauth/token/revocation`);
  });
});

describe('the MCP SDK client with OAuth', () => {
  it('registers, gets consent, calls a tool; the audit names the client and the granting user', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const { client, provider } = await authorize(f.user, { orgId: f.user.orgId });
    expect(provider.saved?.refresh_token).toBeDefined();
    expect(provider.saved?.expires_in).toBeLessThanOrEqual(600);
    const tools = await client.listTools();
    // Read-only by default: no write tools are offered.
    expect(tools.tools.map((x) => x.name)).toContain('s3_list_objects');
    expect(tools.tools.map((x) => x.name)).not.toContain('lambda_invoke');
    const result = await callList(client, f.connection.id);
    expect(result.isError, result.text).toBe(false);
    // The grant's creation is the user's own record; its actor_ref is the user's pseudonym.
    const [created] = await auditOf(t, f.user.orgId, 'oauth.grant_created');
    expect(created?.actorId).toBe(f.user.userId);
    const records = await auditOf(t, f.user.orgId, 'aws.s3.list_objects');
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(r.actorType).toBe('oauth');
      expect(r.actorId).toMatch(/^agr_/);
      expect(r.details).toMatchObject({
        oauthClientId: provider.client?.client_id,
        oauthClientName: 'Test Agent',
        grantedBy: `usr_ref:${created?.actorRef}`,
      });
    }
    await client.close();
  });
});

/** A client registered by hand (RFC 7591), for requests the SDK would never make. */
async function register(redirectUri = REDIRECT_URI): Promise<string> {
  const res = await fetch(`${baseUrl}/oauth/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Hand-made client',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authUrl(clientId: string, params: Record<string, string>): URL {
  const url = new URL(`${baseUrl}/oauth/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'mcp',
    resource: `${baseUrl}/mcp`,
    state: 'xyz',
    ...params,
  }).toString();
  return url;
}

async function token(
  body: Record<string, string>,
): Promise<{ status: number; json: Record<string, string> }> {
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

/** The whole code flow by hand; returns the token response and what a replay needs. */
async function handFlow(user: TestUser, approve: Record<string, unknown>) {
  const clientId = await register();
  const { verifier, challenge } = pkce();
  const { location } = await consentOverHttp(
    baseUrl,
    authUrl(clientId, { code_challenge: challenge, code_challenge_method: 'S256' }),
    user,
    { approve },
  );
  const code = location.searchParams.get('code')!;
  const exchange = {
    grant_type: 'authorization_code',
    code,
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    resource: `${baseUrl}/mcp`,
  };
  const first = await token(exchange);
  expect(first.status, JSON.stringify(first.json)).toBe(200);
  return { clientId, exchange, tokens: first.json };
}

async function mcpList(accessToken: string): Promise<Response> {
  return fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${accessToken}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
}

/** Where the provider sends the browser for an authorization request (error redirects included). */
async function authorizeAnswer(url: URL): Promise<{ status: number; location: URL | null }> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location === null ? null : new URL(location, baseUrl) };
}

describe('hostile OAuth requests', () => {
  it('refuses an authorization request without PKCE, or with plain PKCE', async () => {
    const clientId = await register();
    const missing = await authorizeAnswer(authUrl(clientId, {}));
    expect(missing.location?.searchParams.get('error')).toBe('invalid_request');
    const { verifier } = pkce();
    const plain = await authorizeAnswer(
      authUrl(clientId, { code_challenge: verifier, code_challenge_method: 'plain' }),
    );
    expect(plain.location?.searchParams.get('error')).toBe('invalid_request');
    expect(plain.location?.pathname).not.toBe('/oauth-consent');
  });

  it('refuses a redirect URI that was not registered (no redirect to it)', async () => {
    const clientId = await register();
    const { challenge } = pkce();
    const res = await authorizeAnswer(
      authUrl(clientId, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        redirect_uri: 'https://attacker.example/callback',
      }),
    );
    expect(res.status).toBe(400);
    expect(res.location).toBeNull();
  });

  it('refuses another audience at the authorization server, and OAuth tokens on the REST API', async () => {
    const clientId = await register();
    const { challenge } = pkce();
    const other = await authorizeAnswer(
      authUrl(clientId, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: 'https://attacker.example/mcp',
      }),
    );
    expect(other.location?.searchParams.get('error')).toBe('invalid_target');

    const f = await fixture(t, { capabilities: ['s3-read'] });
    const { tokens } = await handFlow(f.user, { orgId: f.user.orgId });
    expect((await mcpList(tokens.access_token!)).status).toBe(200);
    // The token is bound to /mcp: the REST API (even the user's own organisation) does not know it.
    const rest = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${f.user.orgId}/connections`,
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(rest.statusCode).toBe(401);
    const intents = await t.app.inject({
      method: 'GET',
      url: '/v1/intents',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(intents.statusCode).toBe(401);
  });

  it('refuses a replayed code and revokes what the first redemption issued', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const { exchange, tokens } = await handFlow(f.user, { orgId: f.user.orgId });
    const replay = await token(exchange);
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
    expect((await mcpList(tokens.access_token!)).status).toBe(401);
  });

  it('rotates refresh tokens: the old one is refused after use', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const { clientId, tokens } = await handFlow(f.user, { orgId: f.user.orgId });
    const refresh = {
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: tokens.refresh_token!,
    };
    const next = await token(refresh);
    expect(next.status, JSON.stringify(next.json)).toBe(200);
    expect(next.json.refresh_token).not.toBe(tokens.refresh_token);
    expect((await mcpList(next.json.access_token!)).status).toBe(200);
    const again = await token(refresh);
    expect(again.json.error).toBe('invalid_grant');
  });

  it('a verifier that does not match the challenge gets no token', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const clientId = await register();
    const { challenge } = pkce();
    const { location } = await consentOverHttp(
      baseUrl,
      authUrl(clientId, { code_challenge: challenge, code_challenge_method: 'S256' }),
      f.user,
      { approve: { orgId: f.user.orgId } },
    );
    const res = await token({
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce().verifier,
    });
    expect(res.json.error).toBe('invalid_grant');
  });

  it('a revoked grant stops working at once; only its user sees and revokes it', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const { clientId, tokens } = await handFlow(f.user, { orgId: f.user.orgId });
    const list = await t.app.inject({ method: 'GET', url: '/v1/oauth/grants', headers: f.user.headers });
    const grants = list.json().items as Array<{ id: string; clientName: string; orgId: string }>;
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ clientName: 'Hand-made client', orgId: f.user.orgId });
    const stranger = await createTestUser(t);
    const theirs = await t.app.inject({
      method: 'DELETE',
      url: `/v1/oauth/grants/${grants[0]!.id}`,
      headers: stranger.headers,
    });
    expect(theirs.statusCode).toBe(404);
    expect((await mcpList(tokens.access_token!)).status).toBe(200);
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/v1/oauth/grants/${grants[0]!.id}`,
      headers: f.user.headers,
    });
    expect(revoke.statusCode).toBe(204);
    expect((await mcpList(tokens.access_token!)).status).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: tokens.refresh_token!,
    });
    expect(refresh.status).toBe(400);
  });

  it('a grant for organisation A cannot act on organisation B, even for a member of both', async () => {
    const a = await fixture(t, { capabilities: ['s3-read'] });
    const b = await fixture(t, { capabilities: ['s3-read'] });
    await t.database.db
      .insert(memberships)
      .values({ id: newId('mem'), orgId: b.user.orgId, userId: a.user.userId, role: 'owner' });
    const { client } = await authorize(a.user, { orgId: a.user.orgId }, new MemoryOAuthProvider());
    const other = await callList(client, b.connection.id);
    expect(other.isError).toBe(true);
    expect(other.text).toContain('not_found');
    const own = await callList(client, a.connection.id);
    expect(own.isError, own.text).toBe(false);
    await client.close();
  });

  it('a grant never exceeds the user current role: demotion shrinks it, removal ends it', async () => {
    const f = await fixture(t, { capabilities: ['s3-read', 'lambda-invoke'], role: 'member' });
    const { client } = await authorize(f.user, { orgId: f.user.orgId, readOnly: false });
    expect((await client.listTools()).tools.map((x) => x.name)).toContain('lambda_invoke');
    await client.close();
    const { tokens } = await handFlow(f.user, { orgId: f.user.orgId, readOnly: false });
    await t.database.db
      .update(memberships)
      .set({ role: 'viewer' })
      .where(and(eq(memberships.orgId, f.user.orgId), eq(memberships.userId, f.user.userId)));
    const after = await mcpList(tokens.access_token!);
    expect(after.status).toBe(200);
    const names = ((await after.json()) as { result: { tools: Array<{ name: string }> } }).result.tools.map(
      (x) => x.name,
    );
    expect(names).toContain('s3_list_objects');
    expect(names).not.toContain('lambda_invoke');
    await t.database.db
      .delete(memberships)
      .where(and(eq(memberships.orgId, f.user.orgId), eq(memberships.userId, f.user.userId)));
    expect((await mcpList(tokens.access_token!)).status).toBe(401);
  });

  it('consent is a signed-in user’s: API keys cannot approve, other organisations are refused', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const stranger = await createTestUser(t);
    const clientId = await register();
    const { challenge } = pkce();
    const res = await authorizeAnswer(
      authUrl(clientId, { code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    const uid = res.location?.searchParams.get('uid');
    expect(uid).toBeTruthy();
    const view = await t.app.inject({
      method: 'GET',
      url: `/v1/oauth/interactions/${uid}`,
      headers: f.user.headers,
    });
    expect(view.json()).toMatchObject({
      client: { id: clientId, name: 'Hand-made client', redirectUri: REDIRECT_URI },
    });
    const otherOrg = await t.app.inject({
      method: 'POST',
      url: `/v1/oauth/interactions/${uid}/approve`,
      headers: f.user.headers,
      payload: { orgId: stranger.orgId },
    });
    expect(otherOrg.statusCode).toBe(404);
    const otherConnection = await t.app.inject({
      method: 'POST',
      url: `/v1/oauth/interactions/${uid}/approve`,
      headers: f.user.headers,
      payload: {
        orgId: f.user.orgId,
        connectionIds: [(await fixture(t, { capabilities: ['s3-read'] })).connection.id],
      },
    });
    expect(otherConnection.statusCode).toBe(404);
    const key = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${f.user.orgId}/api-keys`,
      headers: f.user.headers,
      payload: { name: 'k', role: 'owner' },
    });
    const byKey = await t.app.inject({
      method: 'POST',
      url: `/v1/oauth/interactions/${uid}/approve`,
      headers: { authorization: `Bearer ${key.json().key}` },
      payload: { orgId: f.user.orgId },
    });
    expect(byKey.statusCode).toBe(403);
    const list = await t.app.inject({ method: 'GET', url: '/v1/oauth/grants', headers: f.user.headers });
    expect(list.json().items).toHaveLength(0);
  });
});

describe('several nodes, one database', () => {
  it('a second node (or a restarted one) redeems the first one’s codes and accepts its tokens', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const other = await createTestApp({ database: t.database, env: { ROLEGATE_PUBLIC_URL: baseUrl } });
    try {
      const clientId = await register();
      const { verifier, challenge } = pkce();
      const { location } = await consentOverHttp(
        baseUrl,
        authUrl(clientId, { code_challenge: challenge, code_challenge_method: 'S256' }),
        f.user,
        { approve: { orgId: f.user.orgId } },
      );
      // The code was issued by the listening node; the other node redeems it.
      const res = await other.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          client_id: clientId,
          redirect_uri: REDIRECT_URI,
          code_verifier: verifier,
        }).toString(),
      });
      expect(res.statusCode, res.body).toBe(200);
      const accessToken = res.json().access_token as string;
      const onOther = await other.app.inject({
        method: 'POST',
        url: '/mcp',
        headers: {
          authorization: `Bearer ${accessToken}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        payload: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      });
      expect(onOther.statusCode).toBe(200);
      expect((await mcpList(accessToken)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
