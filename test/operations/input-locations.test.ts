import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { type Fixture, fixture, url } from './harness.ts';

// Where a bad input field is reported (`details.fields[].location`): the route's own schemas answer
// for the path (`params`), the query string (`querystring`) and the body (`body`); a field the
// route checks loosely is answered by the operation (location `params`, like intents and MCP).
let t: TestApp;
let f: Fixture;

beforeAll(async () => {
  t = await createTestApp();
  f = await fixture(t, {
    capabilities: ['s3-read', 's3-write', 'logs-read', 'dynamodb-read', 'lambda-read', 'lambda-invoke'],
  });
});
afterAll(async () => {
  await t.close();
});

async function fieldsOf(method: 'GET' | 'POST' | 'DELETE', path: string, payload?: unknown) {
  const res = await t.app.inject({
    method,
    url: url(f, path),
    headers: f.user.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json() as {
    error: { code: string; details: { fields: { location: string; path: string }[] } };
  };
  expect(body.error.code).toBe('validation_failed');
  return body.error.details.fields.map((x) => `${x.location}:${x.path}`);
}

describe('bad input on the catalogue routes names its place', () => {
  it('a query-string field', async () => {
    expect(await fieldsOf('GET', '/s3/buckets?limit=0')).toEqual(['querystring:limit']);
    expect(await fieldsOf('GET', '/logs/groups?limit=abc')).toEqual(['querystring:limit']);
    expect(await fieldsOf('GET', '/lambda/functions?unknown=1')).toEqual(['querystring:']);
  });

  it('a path field', async () => {
    expect(await fieldsOf('GET', '/dynamodb/tables/o')).toEqual(['params:table']);
    expect(await fieldsOf('GET', '/lambda/functions/bad%20name')).toEqual(['params:function']);
  });

  it('a body field', async () => {
    expect(await fieldsOf('POST', '/dynamodb/tables/orders/item', { partitionKey: { name: 'id' } })).toEqual([
      'body:partitionKey.value',
    ]);
    expect(await fieldsOf('POST', '/logs/events', { logGroup: '/app', start: 0 })).toEqual(['body:end']);
    expect(
      await fieldsOf('POST', '/s3/presign', { bucket: 'acme-data', key: 'a', method: 'DELETE' }),
    ).toEqual(['body:method']);
    expect(await fieldsOf('POST', '/lambda/functions/fn/invoke', { function: 'other' })).toEqual(['body:']);
  });

  it('a malformed Logs Insights handle is answered by the operation', async () => {
    expect(await fieldsOf('GET', '/logs/insights/not-a-handle')).toEqual(['params:queryId']);
    expect(await fieldsOf('DELETE', '/logs/insights/not-a-handle')).toEqual(['params:queryId']);
  });
});
