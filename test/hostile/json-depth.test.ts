import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDepthExceeds } from '../../src/http/json-body.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser } from '../helpers/identity.ts';
import { assumeCalls, mockSts, sts } from '../operations/harness.ts';
import { expectError } from './support.ts';

// Issue 14.1 (JSON depth): parsing is linear, but schema validation (z.json()), serialisers and the
// audit writer walk values recursively; a body of nested arrays must be refused before any of them.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  mockSts();
});
afterAll(async () => {
  await t.close();
  sts.restore();
});

const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('JSON nesting depth', () => {
  it('counts depth outside string literals only', () => {
    expect(jsonDepthExceeds('{"a":[1,{"b":2}]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(jsonDepthExceeds(`{"a":"${'['.repeat(500)}"}`, 2)).toBe(false);
    expect(jsonDepthExceeds(`{"a":"\\"${'{'.repeat(500)}"}`, 2)).toBe(false);
  });

  it('a deeply nested Lambda payload is refused with 400 before any AWS call', async () => {
    const user = await createTestUser(t);
    const conn = await createTestConnection(t, user.orgId, {
      capabilities: ['lambda-invoke'],
      scopes: { lambdaFunctionPatterns: ['fn'] },
    });
    const limit = t.config.http.jsonMaxDepth;
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${user.orgId}/connections/${conn.id}/lambda/functions/fn/invoke`,
      headers: { ...user.headers, 'content-type': 'application/json' },
      payload: `{"payload":${nested(limit)}}`,
    });
    expectError(res, 400, 'bad_request');
    expect(res.json().error.details).toEqual({ maxDepth: limit });
    expect(assumeCalls(conn)).toHaveLength(0);
  });

  it('a 1 MiB body of nested arrays to an unauthenticated route is a 400, and the server keeps answering', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":${nested(400_000)}}`,
    });
    expectError(res, 400, 'bad_request');
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('nesting up to the limit is still accepted by the parser', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":${nested(t.config.http.jsonMaxDepth - 1)}}`,
    });
    // Reaches schema validation (not a string), so the parser let it through.
    expectError(res, 400, 'validation_failed');
  });
});
