import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, renderApiTypes } from '../../scripts/api-types.ts';
import { DOCS_CSP } from '../../src/http/openapi.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

// The OpenAPI document: security on every protected operation, the error envelope on every
// operation, no dangling reference; the committed generated types match it; /docs has its CSP.

let t: TestApp;
let doc: {
  paths: Record<string, Record<string, { security?: unknown[]; responses?: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};
beforeAll(async () => {
  t = await createTestApp();
  doc = t.app.swagger() as typeof doc;
});
afterAll(async () => {
  await t.close();
});

const PUBLIC = new Set([
  'get /healthz',
  'get /readyz',
  'get /.well-known/rolegate-audit-keys',
  'get /.well-known/rolegate-audit-keys.json',
  'post /v1/auth/signup',
  'post /v1/auth/login',
  'post /v1/auth/refresh',
  // The browser's way in and back from the organisation's identity provider.
  'get /v1/auth/sso/start',
  'get /v1/auth/sso/callback',
]);

describe('OpenAPI document', () => {
  it('declares bearer security on every operation but the public ones', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const key = `${method} ${path}`;
        const secured = Array.isArray(op.security) && op.security.length > 0;
        if (secured === PUBLIC.has(key)) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
    // Operations, intents, scans and findings are among them (Swagger's "Authorize" applies there).
    expect(doc.paths['/v1/intents']?.post?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/v1/orgs/{orgId}/findings']?.get?.security).toEqual([{ bearer: [] }]);
    // SCIM takes the organisation's SCIM token, not an access token or API key.
    expect(doc.paths['/scim/v2/Users']?.get?.security).toEqual([{ scim: [] }]);
  });

  it('documents the error envelope on every operation', () => {
    expect(doc.components.schemas.Error).toBeDefined();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const responses = op.responses ?? {};
        expect(Object.keys(responses), `${method} ${path}`).toEqual(expect.arrayContaining(['429', '503']));
        if (op.security !== undefined) {
          expect(Object.keys(responses), `${method} ${path}`).toEqual(
            expect.arrayContaining(['401', '403', '404']),
          );
        }
      }
    }
    const create = doc.paths['/v1/orgs/{orgId}/connections']?.post?.responses?.['400'];
    expect(JSON.stringify(create)).toContain('#/components/schemas/Error');
  });

  it('has no reference to a schema it does not define', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((name) => !(name in doc.components.schemas))).toEqual([]);
  });

  it(`${API_TYPES_FILE} is up to date (else run: npm run generate:api-types)`, async () => {
    const expected = await renderApiTypes(doc);
    const committed = readFileSync(API_TYPES_FILE, 'utf8');
    expect(committed === expected, 'the generated API types are stale: npm run generate:api-types').toBe(
      true,
    );
  });
});

describe('/docs', () => {
  it('is served under its own CSP: scripts from self only, no third-party origin', async () => {
    for (const url of ['/docs', '/docs/static/swagger-initializer.js']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeLessThan(400);
      expect(res.headers['content-security-policy'], url).toBe(DOCS_CSP);
    }
    expect(DOCS_CSP).toContain("script-src 'self';");
    expect(DOCS_CSP).not.toMatch(/https:|validator\.swagger\.io/);
    const json = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
  });
});
