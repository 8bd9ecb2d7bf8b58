import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../src/app.ts';
import { ID_PREFIXES, type IdPrefix, newId } from '../src/db/ids.ts';
import { isOperationPermission } from '../src/identity/api-keys/scope.ts';
import { can, PERMISSIONS, type Permission, type Role } from '../src/identity/rbac.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { createTestConnection } from './helpers/connections.ts';
import { createTestUser, type TestUser } from './helpers/identity.ts';

// Walks every registered route (app.routeTable, filled by the onRoute hook), so routes added by any
// feature are covered without editing this file:
//  - every route outside the public list answers 401 without credentials;
//  - every route under /v1/orgs/:orgId declares its permission (route(…, { auth: { org } })),
//    answers 404 to a user or API key of another organisation, and 403 to each role below its permission.
// Guards run in onRequest (see route() in src/http/route.ts), so these answers come before any
// body or query validation: the requests below carry no valid body on purpose.

const PUBLIC_EXACT = new Set([
  'GET /healthz',
  'GET /readyz',
  'POST /v1/auth/signup',
  'POST /v1/auth/login',
  'POST /v1/auth/refresh',
  // Single sign-on (src/sso/routes.ts): the browser has no credential yet; the callback is guarded
  // by the state cookie, a single-use pending sign-in and the provider's signed ID token.
  'GET /v1/auth/sso/start',
  'GET /v1/auth/sso/callback',
  // Public keys of signed audit checkpoints (no tenant data; docs/audit.md).
  'GET /.well-known/rolegate-audit-keys',
  'GET /.well-known/rolegate-audit-keys.json',
  // The web console's static shell and assets (no data; the console calls the API with a token).
  'GET /',
  'GET /index.html',
  'GET /favicon.ico',
]);
function isPublic(route: RouteEntry): boolean {
  return (
    PUBLIC_EXACT.has(`${route.method} ${route.url}`) ||
    // CORS preflight (@fastify/cors): answers with headers only, never with data.
    route.method === 'OPTIONS' ||
    route.url === '/docs' ||
    route.url.startsWith('/docs/') ||
    route.url === '/mcp' ||
    // OAuth for MCP (src/oauth/routes.ts): the authorization server (oidc-provider, mounted under
    // /oauth) and the discovery documents are public by their specifications — the client has no
    // credential yet; it gets one there. They expose no tenant data: registration grants nothing,
    // and authorization needs a signed-in user's consent through /v1/oauth/interactions (guarded).
    ((route.method === 'GET' || route.method === 'POST') && route.url === '/oauth/*') ||
    (route.method === 'GET' && route.url.startsWith('/.well-known/oauth-')) ||
    (route.method === 'GET' && route.url.startsWith('/assets/'))
  );
}

const ORG_ROUTE = /^\/v1\/orgs\/:orgId(\/|$)/;

/**
 * SCIM 2.0 (src/scim/routes.ts) takes only the organisation's SCIM bearer token (no session, no API
 * key) and answers errors in the RFC 7644 shape; test/sso/scim.test.ts covers tenancy with tokens.
 */
const isScim = (route: RouteEntry) => route.url.startsWith('/scim/');
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Path parameters are filled with well-formed ids of the right kind, so the guard (not a 400) answers. */
const PARAM_PREFIX: Record<string, IdPrefix> = {
  orgId: 'org',
  userId: 'usr',
  memberId: 'usr',
  keyId: 'key',
  apiKeyId: 'key',
  invitationId: 'inv',
  connId: 'con',
  connectionId: 'con',
  scanId: 'scn',
  findingId: 'fnd',
  jobId: 'job',
  auditId: 'aud',
  eventId: 'aud',
  sessionId: 'ses',
  verificationId: 'vrf',
  reconciliationId: 'rec',
  domainId: 'dom',
  groupId: 'cgr',
  approvalId: 'apr',
};

function sampleFor(param: string): string {
  const prefix = PARAM_PREFIX[param] ?? (ID_PREFIXES as readonly string[]).find((p) => param === `${p}Id`);
  return prefix === undefined ? 'sample-name' : newId(prefix as IdPrefix);
}

function pathOf(route: RouteEntry, orgId: string): string {
  return route.url
    .split('/')
    .map((part) => {
      if (part === ':orgId') return orgId;
      if (part.startsWith(':')) return sampleFor(part.slice(1).replace(/\?$/, ''));
      if (part === '*') return 'sample';
      return part;
    })
    .join('/');
}

let t: TestApp;
let routes: RouteEntry[];
let orgRoutes: RouteEntry[];

beforeAll(async () => {
  // With a public URL, so the OAuth routes (on only then) are walked too.
  t = await createTestApp({ env: { ROLEGATE_PUBLIC_URL: 'http://rolegate.test' } });
  routes = t.app.routeTable;
  orgRoutes = routes.filter((r) => ORG_ROUTE.test(r.url));
});
afterAll(async () => {
  await t?.close();
});

async function send(route: RouteEntry, url: string, headers: Record<string, string>) {
  const withBody = route.method !== 'GET' && route.method !== 'DELETE';
  return t.app.inject({
    method: route.method as 'GET',
    url,
    headers: withBody ? { ...headers, 'content-type': 'application/json' } : headers,
    ...(withBody ? { payload: '{}' } : {}),
  });
}

function describeRes(route: RouteEntry, res: { statusCode: number; body: string }): string {
  return `${route.method} ${route.url} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
}

describe('route matrix', () => {
  it('sees the routes of the app, and every organisation route declares a known permission', () => {
    expect(orgRoutes.length).toBeGreaterThanOrEqual(12);
    const undeclared = orgRoutes.filter((r) => r.permission === undefined || !(r.permission in PERMISSIONS));
    expect(
      undeclared.map((r) => `${r.method} ${r.url}`),
      'declare auth: { org: … } with a permission from src/identity/rbac.ts',
    ).toEqual([]);
  });

  it('every non-public route answers 401 without credentials (and with a garbage or foreign-looking one)', async () => {
    const org = newId('org');
    const credentials: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer not-a-token-at-all' },
      { authorization: `Bearer rg_live_${'a'.repeat(12)}_${'A'.repeat(43)}` },
      { authorization: 'Basic dXNlcjpwYXNz' },
    ];
    for (const route of routes.filter((r) => !isPublic(r))) {
      for (const headers of credentials) {
        const res = await send(route, pathOf(route, org), headers);
        expect(res.statusCode, describeRes(route, res)).toBe(401);
        if (isScim(route)) expect(res.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '401' });
        else expect(res.json().error.code).toBe('unauthenticated');
      }
    }
  });

  it('a user or API key of another organisation gets 404 on every organisation route', async () => {
    const victim = await createTestUser(t);
    const stranger = await createTestUser(t);
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${stranger.orgId}/api-keys`,
      headers: stranger.headers,
      payload: { name: 'stranger', role: 'owner' },
    });
    expect(created.statusCode).toBe(201);
    const strangerKey = { authorization: `Bearer ${created.json().key}` };
    for (const route of orgRoutes) {
      for (const headers of [stranger.headers, strangerKey]) {
        const res = await send(route, pathOf(route, victim.orgId), headers);
        expect(res.statusCode, describeRes(route, res)).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
      // An organisation that does not exist answers exactly the same.
      const missing = await send(route, pathOf(route, newId('org')), stranger.headers);
      expect(missing.statusCode, describeRes(route, missing)).toBe(404);
    }
  });

  it('each role below a route’s permission gets 403, as a user and as an API key', async () => {
    const owner = await createTestUser(t);
    const orgId = owner.orgId;
    const callers: Array<{ role: Role; label: string; headers: Record<string, string> }> = [];
    for (const role of ['viewer', 'member', 'admin'] as const) {
      const user: TestUser = await createTestUser(t, { orgId, role });
      callers.push({ role, label: `${role} user`, headers: user.headers });
      const key = await t.app.inject({
        method: 'POST',
        url: `/v1/orgs/${orgId}/api-keys`,
        headers: owner.headers,
        payload: { name: `${role} key`, role },
      });
      expect(key.statusCode).toBe(201);
      callers.push({ role, label: `${role} key`, headers: { authorization: `Bearer ${key.json().key}` } });
    }
    let refused = 0;
    for (const route of orgRoutes) {
      const permission = route.permission as Permission;
      for (const caller of callers.filter((c) => !can(c.role, permission))) {
        const res = await send(route, pathOf(route, orgId), caller.headers);
        expect(res.statusCode, `${caller.label}: ${describeRes(route, res)}`).toBe(403);
        expect(res.json().error.code).toBe('forbidden');
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(10);
    // Nothing above changed the organisation.
    const still = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${orgId}/members`,
      headers: owner.headers,
    });
    expect(still.json().items).toHaveLength(4);
  });

  it('a scoped API key is refused on every route that is not an operation, and outside its connections', async () => {
    const owner = await createTestUser(t);
    const orgId = owner.orgId;
    const mine = await createTestConnection(t, orgId, { capabilities: ['s3-read'] });
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${orgId}/api-keys`,
      headers: owner.headers,
      payload: { name: 'agent', role: 'owner', scope: { connectionIds: [mine.id] } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const headers = { authorization: `Bearer ${created.json().key}` };
    // Intents and MCP run operations, which check the scope per call.
    const operationDoors = new Set(['/v1/intents', '/mcp']);
    let management = 0;
    let outside = 0;
    for (const route of routes.filter((r) => !isPublic(r) && !operationDoors.has(r.url))) {
      const permission = route.permission as Permission | undefined;
      if (isScim(route)) {
        const res = await send(route, pathOf(route, orgId), headers);
        expect(res.statusCode, describeRes(route, res)).toBe(401);
      } else if (permission === undefined || !isOperationPermission(permission)) {
        const res = await send(route, pathOf(route, orgId), headers);
        expect(res.statusCode, describeRes(route, res)).toBe(403);
        expect(res.json().error.code).toBe('key_scope_denied');
        management += 1;
      } else if (route.url.includes(':connId')) {
        // Another connection of the same organisation: exactly like a missing one.
        const res = await send(route, pathOf(route, orgId), headers);
        expect(res.statusCode, describeRes(route, res)).toBe(404);
        outside += 1;
      }
    }
    expect(management).toBeGreaterThan(20);
    expect(outside).toBeGreaterThan(10);
  });
});
