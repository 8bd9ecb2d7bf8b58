import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, ErrorCode } from '../src/core/errors.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    extend: (app) => {
      app.post(
        '/__test/echo',
        {
          schema: { body: z.strictObject({ name: z.string().max(20), count: z.number().int().optional() }) },
        },
        async (request) => ({ ok: true, name: request.body.name }),
      );
      app.get('/__test/boom', async () => {
        throw new Error('SELECT secret_column FROM internal_table -- at /srv/internal.ts:42');
      });
      app.get('/__test/app-error', async () => {
        throw new AppError(ErrorCode.CONFLICT, 'That name is taken.');
      });
    },
  });
});
afterAll(async () => t.close());

describe('request ids', () => {
  it('generates one when the client sends none and echoes it in the header', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('never adopts an incoming id: a well-formed one is kept as the correlation id and echoed apart', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/nope',
      headers: { 'x-request-id': 'client-trace-12345' },
    });
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.json().error.requestId).toBe(res.headers['x-request-id']);
    expect(res.headers['x-correlation-id']).toBe('client-trace-12345');
  });

  it('drops a malformed or hostile incoming id: neither adopted nor echoed', async () => {
    for (const bad of [
      'has spaces in it ok',
      'x'.repeat(300),
      '<script>alert(1)</script>',
      'a\u0000bcdefghij',
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': bad } });
      expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
      expect(res.headers['x-correlation-id']).toBeUndefined();
    }
  });
});

describe('error shape', () => {
  it('404 for an unknown route has code, message and request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/does-not-exist' });
    expect(res.statusCode).toBe(404);
    const body = res.json();
    expect(body).toEqual({
      error: { code: 'not_found', message: expect.any(String), requestId: res.headers['x-request-id'] },
    });
  });

  it('405 with Allow for a method a path does not answer (not 404), with or without credentials', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/v1/orgs/org_x/connections/con_y/dynamodb/tables?limit=1',
    });
    expect(res.statusCode, res.body).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.json().error).toMatchObject({
      code: 'method_not_allowed',
      requestId: res.headers['x-request-id'],
    });
    expect(res.json().error.message).toContain('GET');
    const members = await t.app.inject({ method: 'PATCH', url: '/v1/orgs/org_x/invitations' });
    expect(members.statusCode).toBe(405);
    expect(members.headers.allow).toBe('GET, HEAD, POST');
    // An unknown path stays a 404 whatever the method.
    expect((await t.app.inject({ method: 'PUT', url: '/v1/nothing/here' })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'PUT', url: '/v1/orgs/org_x/connections/con_y/dynamodb' })).statusCode,
    ).toBe(404);
  });

  it('400 for a schema violation names the offending fields', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/__test/echo', payload: { name: 42 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.requestId).toBe(res.headers['x-request-id']);
    expect(body.error.details.fields[0].path).toBe('name');
  });

  it('rejects unknown keys', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/__test/echo',
      payload: { name: 'a', isAdmin: true },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('rejects malformed JSON and prototype pollution with 400', async () => {
    for (const payload of [
      '{"name":',
      '{"name":"a","__proto__":{"x":1}}',
      '{"constructor":{"prototype":{"x":1}},"name":"a"}',
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/__test/echo',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.requestId).toBeTruthy();
    }
  });

  it('415 for a content type the route does not accept', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/__test/echo',
      headers: { 'content-type': 'application/x-evil' },
      payload: 'x',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('413 for a body over the limit, before it is parsed', async () => {
    const big = JSON.stringify({ name: 'a'.repeat(1024 * 1024 + 10) });
    const res = await t.app.inject({
      method: 'POST',
      url: '/__test/echo',
      headers: { 'content-type': 'application/json' },
      payload: big,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
  });

  it('500 carries a generic message; the internal one stays in the log', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/__test/boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body.error.code).toBe('internal_error');
    expect(res.body).not.toContain('SELECT');
    expect(res.body).not.toContain('internal.ts');
    expect(res.body).not.toContain('stack');
    expect(t.logs()).toContain('internal_table');
  });

  it('typed application errors map to their status and message', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/__test/app-error' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'conflict', message: 'That name is taken.' });
  });
});

describe('health', () => {
  it('healthz and readyz answer 200 while the database is up', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('readyz answers 503 when the database is gone', async () => {
    const other = await createTestApp();
    await other.database.close();
    const res = await other.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('service_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    await other.app.close();
  });

  it('serves the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    expect(res.json().paths['/readyz']).toBeDefined();
  });
});

describe('security headers', () => {
  it('sends a strict CSP, nosniff and no framing', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('CORS allows only configured origins', async () => {
    const c = await createTestApp({ env: { ROLEGATE_CORS_ORIGINS: 'https://app.example.com' } });
    const ok = await c.app.inject({
      method: 'OPTIONS',
      url: '/healthz',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const evil = await c.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: 'https://evil.example.com' },
    });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    await c.close();
  });
});

describe('console', () => {
  it('serves the built console at / and for client-side routes, never for API paths', async () => {
    const root = await t.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toContain('text/html');
    expect(root.headers['content-security-policy']).toContain("script-src 'self'");
    const deep = await t.app.inject({
      method: 'GET',
      url: '/connections/new',
      headers: { accept: 'text/html' },
    });
    expect(deep.statusCode).toBe(200);
    const api = await t.app.inject({
      method: 'GET',
      url: '/v1/nothing-here',
      headers: { accept: 'text/html' },
    });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
  });
});
