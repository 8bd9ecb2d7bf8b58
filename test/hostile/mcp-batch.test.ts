import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { fixture, mockSts, sts } from '../operations/harness.ts';

// Issue 25.2: a JSON-RPC array ran up to 100 tool calls concurrently for one HTTP request (one
// rate-limit charge). MCP 2025-06-18 has no batching: /mcp refuses arrays with a JSON-RPC error.

let t: TestApp;
let baseUrl: string;
const s3 = mockClient(S3Client);

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
  s3.restore();
  sts.restore();
});
beforeEach(() => {
  s3.reset();
  mockSts();
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
});

async function viewerKey(): Promise<{ key: string; connectionId: string }> {
  const f = await fixture(t, { capabilities: ['s3-read'] });
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${f.user.orgId}/api-keys`,
    headers: f.user.headers,
    payload: { name: 'batch', role: 'viewer' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { key: res.json().key as string, connectionId: f.connection.id };
}

const call = (id: number, connectionId: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 's3_list_objects', arguments: { connectionId, bucket: 'acme-data', prefix: '' } },
});

describe('MCP batches (25.2)', () => {
  it('a JSON-RPC array of 100 tool calls is refused with HTTP 400 and a JSON-RPC error; no call runs', async () => {
    const { key, connectionId } = await viewerKey();
    const res = await fetch(`${baseUrl}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify(Array.from({ length: 100 }, (_, i) => call(i + 1, connectionId))),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      jsonrpc: string;
      id: unknown;
      error: { code: number; message: string };
    };
    expect(body.jsonrpc).toBe('2.0');
    expect(body.id).toBeNull();
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toMatch(/batch/i);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    expect(sts.calls()).toHaveLength(0);
  });

  it('an array of two messages sharing one id is refused the same way', async () => {
    const { key, connectionId } = await viewerKey();
    const res = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      payload: [call(7, connectionId), call(7, connectionId)],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(-32600);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it('single messages through the MCP SDK client still work', async () => {
    const { key, connectionId } = await viewerKey();
    const client = new Client({ name: 'rolegate-hostile', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      const result = await client.callTool({
        name: 's3_list_objects',
        arguments: { connectionId, bucket: 'acme-data', prefix: '' },
      });
      expect(result.isError).not.toBe(true);
      expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
