import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConsole, sendConsoleFallback } from '../../src/http/console.ts';
import { registerErrorHandling } from '../../src/http/error-handler.ts';

// The console's addresses (docs/console.md, "Addresses") are client-side routes: the server must
// answer every one of them with index.html when a browser opens it (a deep link, a reload, a new
// tab), and must never answer an API path, a non-GET or a non-browser request with the console.
// A console of its own in a temporary directory: the test does not depend on `npm run build:web`.

const INDEX =
  '<!doctype html><title>Rolegate test console</title><script type="module" src="/assets/app.js"></script>';
let dir: string;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rolegate-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app.js'), 'export {};\n');
  app = Fastify();
  let html: Buffer | null = null;
  registerErrorHandling(app, {
    notFoundFallback: (request, reply) => sendConsoleFallback(html, request, reply),
  });
  app.get('/v1/ping', async () => ({ ok: true }));
  html = await registerConsole(app, dir);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('console addresses on the server', () => {
  it.each([
    '/orgs/org_0123456789abcdef/connections',
    '/orgs/org_0123456789abcdef/connections/con_0123456789abcdef?tab=s3&bucket=e2e-bucket&prefix=logs%2F2026%2F',
    '/orgs/org_0123456789abcdef/connections/con_0123456789abcdef?tab=logs&group=%2Faws%2Flambda%2Fapi&pattern=ERROR&start=2026-11-30T07%3A00%3A00.000Z&end=2026-11-30T08%3A00%3A00.000Z',
    '/orgs/org_0123456789abcdef/organizations/cgr_0123456789abcdef',
    '/orgs/org_0123456789abcdef/findings?type=ebs_volume_unattached&sort=ageDays&dir=asc',
    '/orgs/org_0123456789abcdef/approvals?status=denied&request=apr_1',
    '/security',
    '/invite',
    '/oauth-consent?uid=abc',
    '/audit',
  ])('serves index.html for %s', async (url) => {
    const res = await app.inject({ method: 'GET', url, headers: browser });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    // A deep link must not be cached with stale asset names after a deployment.
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toBe(INDEX);
  });

  it('still serves the assets themselves (absolute paths work from any depth)', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/app.js', headers: { accept: '*/*' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('javascript');
  });

  it('never answers an API path, a non-GET or a request that does not accept HTML with the console', async () => {
    const api = await app.inject({
      method: 'GET',
      url: '/v1/orgs/org_0123456789abcdef/nothing',
      headers: browser,
    });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
    const json = await app.inject({
      method: 'GET',
      url: '/orgs/org_0123456789abcdef/connections',
      headers: { accept: 'application/json' },
    });
    expect(json.statusCode).toBe(404);
    expect(json.json().error.code).toBe('not_found');
    const post = await app.inject({
      method: 'POST',
      url: '/orgs/org_0123456789abcdef/connections',
      headers: browser,
    });
    expect(post.statusCode).toBe(404);
    expect(post.body).not.toContain('Rolegate test console');
  });
});
