import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/identity/rbac.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import type { TestUser } from '../helpers/identity.ts';
import { assumeCalls, auditOf, fixture, mockSts, sessionStatements, sts } from './harness.ts';

let t: TestApp;
let baseUrl: string;
const s3 = mockClient(S3Client);

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await t.close();
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

async function apiKey(owner: TestUser, role: Role, scope?: Record<string, unknown>): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/api-keys`,
    headers: owner.headers,
    payload: { name: `key ${role}`, role, ...(scope === undefined ? {} : { scope }) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().key as string;
}

const listParams = { bucket: 'acme-data', prefix: '', limit: 5 };

describe('GET /v1/intents', () => {
  it('lists the catalogue with JSON schemas for LLM tool definitions (streamed operations excluded)', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const res = await t.app.inject({ method: 'GET', url: '/v1/intents', headers: f.user.headers });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{
      name: string;
      input: { properties: { params: { properties: object; additionalProperties: boolean } } };
    }>;
    const names = items.map((i) => i.name);
    expect(names).toEqual(
      expect.arrayContaining([
        's3.list_buckets',
        's3.list_objects',
        'logs.filter_events',
        'dynamodb.query',
        'lambda.invoke',
      ]),
    );
    expect(names).not.toContain('s3.get_object');
    expect(names).not.toContain('s3.put_object');
    const list = items.find((i) => i.name === 's3.list_objects');
    expect(Object.keys(list?.input.properties.params.properties ?? {})).toEqual(
      expect.arrayContaining(['bucket', 'prefix', 'cursor', 'limit']),
    );
    expect(list?.input.properties.params.additionalProperties).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: '/v1/intents' })).statusCode).toBe(401);
  });
});

describe('POST /v1/intents', () => {
  it('runs an intent for a user (orgId required) through the same path as REST', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers: f.user.headers,
      payload: {
        intent: 's3.list_objects',
        orgId: f.user.orgId,
        connectionId: f.connection.id,
        params: listParams,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      intent: 's3.list_objects',
      connectionId: f.connection.id,
      result: {
        items: [{ key: 'a.txt', size: 1, lastModified: '2024-01-01T00:00:00.000Z' }],
        prefixes: [],
        nextCursor: null,
      },
    });
    expect(sessionStatements(f.connection)).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::acme-data'] },
    ]);
    expect((await auditOf(t, f.user.orgId, 'aws.s3.list_objects')).map((r) => r.outcome)).toEqual([
      'attempt',
      'success',
    ]);
    const noOrg = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers: f.user.headers,
      payload: { intent: 's3.list_objects', connectionId: f.connection.id, params: listParams },
    });
    expect(noOrg.statusCode).toBe(400);
  });

  it('uses the API key’s organisation; another organisation or connection is 404', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const key = await apiKey(f.user, 'viewer');
    const headers = { authorization: `Bearer ${key}` };
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers,
      payload: { intent: 's3.list_objects', connectionId: f.connection.id, params: listParams },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const other = await fixture(t, { capabilities: ['s3-read'] });
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers,
      payload: { intent: 's3.list_objects', connectionId: other.connection.id, params: listParams },
    });
    expect(foreign.statusCode).toBe(404);
    const otherOrg = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers,
      payload: {
        intent: 's3.list_objects',
        orgId: other.user.orgId,
        connectionId: other.connection.id,
        params: listParams,
      },
    });
    expect(otherOrg.statusCode).toBe(404);
  });

  it('refuses unknown intents (listing the valid ones), bad params, weak roles and missing capabilities', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const send = (payload: Record<string, unknown>, headers = f.user.headers) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/intents',
        headers,
        payload: { orgId: f.user.orgId, connectionId: f.connection.id, ...payload },
      });
    const unknown = await send({ intent: 's3.delete_bucket', params: {} });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.validIntents).toContain('s3.list_objects');
    const bad = await send({ intent: 's3.list_objects', params: { bucket: 'acme-data', limit: 5000 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const extra = await send({ intent: 's3.list_objects', params: { ...listParams, evil: true } });
    expect(extra.statusCode).toBe(400);
    const viewerKey = await apiKey(f.user, 'viewer');
    const weak = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers: { authorization: `Bearer ${viewerKey}` },
      payload: { intent: 'lambda.invoke', connectionId: f.connection.id, params: { function: 'debug-x' } },
    });
    expect(weak.statusCode).toBe(403);
    expect(weak.json().error.code).toBe('forbidden');
    const cap = await send({ intent: 'logs.list_groups', params: {} });
    expect(cap.statusCode).toBe(403);
    expect(cap.json().error.code).toBe('capability_missing');
  });
});

describe('API key scopes on intents and MCP', () => {
  it('a key limited to connection A gets 404 on connection B through intents and MCP', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const b = await createTestConnection(t, f.user.orgId, { capabilities: ['s3-read'] });
    const key = await apiKey(f.user, 'viewer', { connectionIds: [f.connection.id] });
    const intent = (connectionId: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/intents',
        headers: { authorization: `Bearer ${key}` },
        payload: { intent: 's3.list_objects', connectionId, params: listParams },
      });
    expect((await intent(f.connection.id)).statusCode).toBe(200);
    const refused = await intent(b.id);
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('not_found');
    const client = await connectMcp(key);
    try {
      const viaMcp = await client.callTool({
        name: 's3_list_objects',
        arguments: { connectionId: b.id, ...listParams },
      });
      expect(viaMcp.isError).toBe(true);
      expect(JSON.parse((viaMcp.content as Array<{ text: string }>)[0]?.text ?? '').error.code).toBe(
        'not_found',
      );
    } finally {
      await client.close();
    }
    expect(assumeCalls(b)).toHaveLength(0);
    const records = await auditOf(t, f.user.orgId, 'aws.s3.list_objects');
    expect(records[0]?.details).toMatchObject({ keyScope: { connectionIds: [f.connection.id] } });
  });

  it('a read-only key is refused Lambda invoke and S3 presigned upload through intents and MCP', async () => {
    const f = await fixture(t, {
      capabilities: ['s3-write', 'lambda-invoke'],
      scopes: { lambdaFunctionPatterns: ['debug-*'] },
    });
    const key = await apiKey(f.user, 'member', { readOnly: true });
    const invoke = await t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers: { authorization: `Bearer ${key}` },
      payload: { intent: 'lambda.invoke', connectionId: f.connection.id, params: { function: 'debug-x' } },
    });
    expect(invoke.statusCode).toBe(403);
    expect(invoke.json().error.code).toBe('key_scope_denied');
    const client = await connectMcp(key);
    try {
      const put = await client.callTool({
        name: 's3_presign_put',
        arguments: { connectionId: f.connection.id, bucket: 'acme-data', key: 'a.txt' },
      });
      expect(JSON.parse((put.content as Array<{ text: string }>)[0]?.text ?? '').error.code).toBe(
        'key_scope_denied',
      );
    } finally {
      await client.close();
    }
    expect(assumeCalls(f.connection)).toHaveLength(0);
    const denied = await auditOf(t, f.user.orgId, 'aws.lambda.invoke');
    expect(denied.map((r) => [r.outcome, r.errorCode])).toEqual([['denied', 'key_scope_denied']]);
  });
});

async function connectMcp(key: string): Promise<Client> {
  const client = new Client({ name: 'rolegate-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

describe('POST /mcp', () => {
  const connect = connectMcp;

  it('lists tools generated from the catalogue and calls one end to end (RBAC, capability, audit, broker)', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const key = await apiKey(f.user, 'viewer');
    const client = await connect(key);
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toContain('s3_list_objects');
      expect(names).not.toContain('lambda_invoke'); // a viewer key does not see member tools
      const list = tools.find((tool) => tool.name === 's3_list_objects');
      expect(list?.inputSchema.required).toEqual(expect.arrayContaining(['connectionId', 'bucket']));

      const result = await client.callTool({
        name: 's3_list_objects',
        arguments: { connectionId: f.connection.id, ...listParams },
      });
      expect(result.isError).toBeFalsy();
      const content = result.content as Array<{ type: string; text: string }>;
      expect(JSON.parse(content[0]?.text ?? '')).toEqual({
        items: [{ key: 'a.txt', size: 1, lastModified: '2024-01-01T00:00:00.000Z' }],
        prefixes: [],
        nextCursor: null,
      });
      expect(sessionStatements(f.connection)).toEqual([
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::acme-data'] },
      ]);
      const records = await auditOf(t, f.user.orgId, 'aws.s3.list_objects');
      expect(records.map((r) => [r.outcome, r.actorType])).toEqual([
        ['attempt', 'apiKey'],
        ['success', 'apiKey'],
      ]);

      const refused = await client.callTool({
        name: 's3_list_objects',
        arguments: { connectionId: f.connection.id, bucket: 'acme-data', limit: 5000 },
      });
      expect(refused.isError).toBe(true);
      expect(JSON.parse((refused.content as Array<{ text: string }>)[0]?.text ?? '').error.code).toBe(
        'validation_failed',
      );
      const other = await fixture(t, { capabilities: ['s3-read'] });
      const foreign = await client.callTool({
        name: 's3_list_objects',
        arguments: { connectionId: other.connection.id, ...listParams },
      });
      expect(JSON.parse((foreign.content as Array<{ text: string }>)[0]?.text ?? '').error.code).toBe(
        'not_found',
      );
    } finally {
      await client.close();
    }
  });

  it('needs an API key: no credential or a user token is 401', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    expect((await t.app.inject({ method: 'POST', url: '/mcp', headers, payload: body })).statusCode).toBe(
      401,
    );
    const user = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...headers, ...f.user.headers },
      payload: body,
    });
    expect(user.statusCode).toBe(401);
  });
});
