import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { createTestConnection } from '../../../test/helpers/connections.ts';
import { createTestUser, type TestUser } from '../../../test/helpers/identity.ts';
import {
  CAPABILITIES,
  createRolegateClient,
  parseErrorAnswer,
  ROLES,
  type RolegateClient,
  RolegateError,
} from '../src/index.ts';

// @rolegate/client against a real Rolegate server on 127.0.0.1 (PGlite or PostgreSQL).

let t: TestApp;
let baseUrl: string;
let owner: TestUser;
let stranger: TestUser;
let apiKey: string;
let rg: RolegateClient;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  owner = await createTestUser(t);
  stranger = await createTestUser(t);
  const created = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/api-keys`,
    headers: owner.headers,
    payload: { name: 'client tests', role: 'admin' },
  });
  apiKey = created.json().key;
  for (const name of ['b', 'c', 'd', 'e']) {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: owner.headers,
      payload: { name, role: 'viewer' },
    });
    expect(res.statusCode).toBe(201);
  }
  await createTestConnection(t, owner.orgId, { capabilities: ['s3-read'] });
  await createTestConnection(t, owner.orgId, { capabilities: ['logs-read'] });
  rg = createRolegateClient({ baseUrl, apiKey });
});
afterAll(async () => {
  await t.close();
});

describe('@rolegate/client', () => {
  it('calls typed routes with the API key', async () => {
    const page = await rg.data(
      rg.api.GET('/v1/orgs/{orgId}/connections', { params: { path: { orgId: owner.orgId } } }),
    );
    expect(page.items).toHaveLength(2);
    const capabilities: string[] = page.items.flatMap((c) => c.capabilities);
    expect(capabilities.sort()).toEqual(['logs-read', 's3-read']);
    expect(page.nextCursor).toBeNull();
  });

  it('exports the enumerations as values, from the OpenAPI document', () => {
    expect(CAPABILITIES).toContain('cleanup');
    expect(ROLES).toEqual(['viewer', 'member', 'admin', 'owner']);
  });

  it('walks every page of a cursor-paginated list, lazily', async () => {
    const orgId = owner.orgId;
    let calls = 0;
    const fetchPage = (cursor: string | undefined) => {
      calls += 1;
      return rg.data(
        rg.api.GET('/v1/orgs/{orgId}/api-keys', {
          params: { path: { orgId }, query: { limit: 2, ...(cursor === undefined ? {} : { cursor }) } },
        }),
      );
    };
    const names: string[] = [];
    for await (const key of rg.items(fetchPage)) names.push(key.name);
    expect(names.sort()).toEqual(['b', 'c', 'client tests', 'd', 'e']);
    expect(calls).toBe(3);

    // Stopping after the first page fetches no more.
    calls = 0;
    for await (const page of rg.pages(fetchPage)) {
      expect(page.items).toHaveLength(2);
      break;
    }
    expect(calls).toBe(1);
  });

  it('streams an NDJSON listing as an async iterator', async () => {
    const records: Array<{ id: string; action: string }> = [];
    for await (const record of rg.ndjson<{ id: string; action: string }>(
      `/v1/orgs/${owner.orgId}/audit/export`,
      {
        format: 'ndjson',
      },
    )) {
      records.push(record);
    }
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(records.map((r) => r.action)).toContain('api_key.created');
    // Breaking out early is fine (the response is released).
    let seen = 0;
    for await (const _ of rg.ndjson(`/v1/orgs/${owner.orgId}/audit/export`)) {
      seen += 1;
      if (seen === 2) break;
    }
    expect(seen).toBe(2);
  });

  it('throws RolegateError with code, message, request ID and field details', async () => {
    const error = await rg
      .data(
        rg.api.POST('/v1/orgs/{orgId}/connections', {
          params: { path: { orgId: owner.orgId } },
          body: { name: 'x', capabilities: ['s3-read'], accountId: 'not twelve digits' },
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RolegateError);
    const e = error as RolegateError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('validation_failed');
    expect(e.requestId).toMatch(/^req_/);
    expect(e.fields.map((f) => f.path)).toContain('accountId');
  });

  it("answers 404 for another organisation's id, and 401 without a credential", async () => {
    const notFound = await rg
      .data(rg.api.GET('/v1/orgs/{orgId}/connections', { params: { path: { orgId: stranger.orgId } } }))
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(RolegateError);
    expect((notFound as RolegateError).status).toBe(404);
    expect((notFound as RolegateError).code).toBe('not_found');

    const anonymous = createRolegateClient({ baseUrl });
    const denied = await anonymous
      .data(anonymous.api.GET('/v1/orgs/{orgId}/connections', { params: { path: { orgId: owner.orgId } } }))
      .catch((e: unknown) => e);
    expect((denied as RolegateError).status).toBe(401);
    expect((denied as RolegateError).code).toBe('unauthenticated');
    const ndjsonDenied = await (async () => {
      for await (const _ of anonymous.ndjson(`/v1/orgs/${owner.orgId}/audit/export`)) return null;
      return null;
    })().catch((e: unknown) => e);
    expect((ndjsonDenied as RolegateError).code).toBe('unauthenticated');
  });

  it('takes the credential from a function, per request (rotation without a new client)', async () => {
    let asked = 0;
    const rotating = createRolegateClient({
      baseUrl,
      apiKey: () => {
        asked += 1;
        return apiKey;
      },
    });
    await rotating.data(rotating.api.GET('/v1/orgs/{orgId}', { params: { path: { orgId: owner.orgId } } }));
    await rotating.data(rotating.api.GET('/v1/orgs/{orgId}', { params: { path: { orgId: owner.orgId } } }));
    expect(asked).toBe(2);
  });

  it('throws for 202 approval_required: nothing was done, the approval request is named', async () => {
    // The default approval policy names lambda.invoke; the gate answers before AWS is contacted.
    const connection = await createTestConnection(t, owner.orgId, {
      capabilities: ['lambda-invoke'],
      scopes: { lambdaFunctionPatterns: ['debug-*'] },
    });
    const pending = await rg
      .data(
        rg.api.POST('/v1/orgs/{orgId}/connections/{connId}/lambda/functions/{function}/invoke', {
          params: { path: { orgId: owner.orgId, connId: connection.id, function: 'debug-echo' } },
          body: { payload: { ping: 1 } },
        }),
      )
      .catch((e: unknown) => e);
    expect(pending).toBeInstanceOf(RolegateError);
    const e = pending as RolegateError;
    expect(e.status).toBe(202);
    expect(e.code).toBe('approval_required');
    expect(e.approvalRequestId).toMatch(/^apr_/);
    expect(e.requestId).toMatch(/^req_/);
  });
});

describe('parseErrorAnswer (the one reader of the error envelope, for any transport)', () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);

  it('reads code, message, request ID, well-formed fields and Retry-After', () => {
    const e = new RolegateError(
      parseErrorAnswer({
        status: 429,
        headers: headers({ 'retry-after': ' 7 ', 'x-request-id': 'req_header' }),
        body: JSON.stringify({
          error: {
            code: 'validation_failed',
            message: 'Invalid input',
            requestId: 'req_body',
            details: {
              fields: [
                { location: 'body', path: 'name', message: 'Required' },
                { path: 'no location', message: 'dropped' },
                'not an object',
              ],
            },
          },
        }),
      }),
    );
    expect(e).toMatchObject({ status: 429, code: 'validation_failed', requestId: 'req_body', retryAfter: 7 });
    expect(e.message).toBe('Invalid input');
    expect(e.fields).toEqual([{ location: 'body', path: 'name', message: 'Required' }]);
    expect(e.approvalRequestId).toBeNull();
  });

  it('reports a body that is not the envelope as unexpected_response, with the header request ID', () => {
    for (const body of [
      '<html>Bad gateway</html>',
      '{"error":"flat"}',
      '',
      '{"error":{"code":1,"message":"x"}}',
    ]) {
      const init = parseErrorAnswer({
        status: 502,
        statusText: 'Bad Gateway',
        headers: headers({ 'x-request-id': 'req_proxy', 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' }),
        body,
      });
      expect(init).toMatchObject({
        status: 502,
        code: 'unexpected_response',
        message: 'HTTP 502 Bad Gateway',
        requestId: 'req_proxy',
        retryAfter: null,
      });
    }
  });
});
