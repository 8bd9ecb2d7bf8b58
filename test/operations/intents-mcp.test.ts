import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.ts';
import type { Role } from '../../src/identity/rbac.ts';
import { findings, scans } from '../../src/scans/tables.ts';
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
      // Write tools are not offered to a read-only key, and calling one anyway is refused.
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('s3_presign_get');
      expect(names).not.toContain('s3_presign_put');
      expect(names).not.toContain('lambda_invoke');
      const put = await client.callTool({
        name: 's3_presign_put',
        arguments: { connectionId: f.connection.id, bucket: 'acme-data', key: 'a.txt' },
      });
      expect(put.isError).toBe(true);
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

// ajv-formats is CommonJS with a `default` property: take the plugin function either way.
const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as unknown as (
  ajv: Ajv | Ajv2020,
) => void;

const DOCS_START = '<!-- mcp-tools:start (generated by test/operations/intents-mcp.test.ts) -->';
const DOCS_END = '<!-- mcp-tools:end -->';

function renderToolDocs(
  tools: Array<{
    name: string;
    title?: string | undefined;
    description?: string | undefined;
    inputSchema: unknown;
  }>,
): string {
  const sorted = [...tools].sort((a, b) => a.name.localeCompare(b.name));
  const rows = sorted.map(
    (tool) => `| \`${tool.name}\` | ${(tool.description ?? '').split('. ')[0]?.replace(/\|/g, '\\|')} |`,
  );
  const schemas = sorted.map(
    (tool) =>
      `<details><summary><code>${tool.name}</code> input schema</summary>\n\n\`\`\`json\n${JSON.stringify(tool.inputSchema, null, 2)}\n\`\`\`\n\n</details>`,
  );
  return `\n| tool | what it does |\n| --- | --- |\n${rows.join('\n')}\n\n${schemas.join('\n')}\n`;
}

/**
 * What MCP Inspector's `--strict` refuses beyond meta-schema validity: boolean or untyped subschemas,
 * type arrays, draft-2020-only keywords, objects open to anything. Local `$ref`s are followed once.
 */
function strictProblems(root: Record<string, unknown>, name: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const walk = (schema: unknown, path: string): void => {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      problems.push(`${path}: not a schema object`);
      return;
    }
    const s = schema as Record<string, unknown>;
    if (typeof s.$ref === 'string') {
      if (seen.has(s.$ref)) return;
      seen.add(s.$ref);
      const match = /^#\/\$defs\/([\w-]+)$/.exec(s.$ref);
      const defs = (root.$defs ?? {}) as Record<string, unknown>;
      if (match === null || defs[match[1] ?? ''] === undefined) problems.push(`${path}: unresolvable $ref`);
      else walk(defs[match[1] ?? ''], s.$ref);
      return;
    }
    if ('prefixItems' in s) problems.push(`${path}: prefixItems (draft 2020-12 only)`);
    const branches = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
    if (branches !== undefined) {
      branches.forEach((b, i) => {
        walk(b, `${path}/anyOf/${i}`);
      });
      return;
    }
    if (typeof s.type !== 'string')
      problems.push(`${path}: type must be one string (got ${JSON.stringify(s.type)})`);
    if (s.type === 'object') {
      if (s.additionalProperties === undefined || s.additionalProperties === true) {
        problems.push(`${path}: additionalProperties must be false or a typed schema`);
      } else if (s.additionalProperties !== false)
        walk(s.additionalProperties, `${path}/additionalProperties`);
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) {
        walk(v, `${path}/properties/${k}`);
      }
    }
    if (s.type === 'array') walk(s.items, `${path}/items`);
  };
  if (root.additionalProperties !== false) problems.push(`${name}: additionalProperties must be false`);
  walk(root, name);
  return problems;
}

describe('MCP for agents: discovery, scans and findings, strict schemas, resources', () => {
  const ec2 = mockClient(EC2Client);
  const rds = mockClient(RDSClient);
  const elb = mockClient(ElasticLoadBalancingV2Client);
  beforeEach(() => {
    ec2.reset();
    rds.reset();
    elb.reset();
    ec2.onAnyCommand().resolves({});
    rds.onAnyCommand().resolves({});
    elb.onAnyCommand().resolves({});
  });
  afterAll(() => {
    ec2.restore();
    rds.restore();
    elb.restore();
  });

  function text(result: unknown): unknown {
    return JSON.parse((result as { content: Array<{ text: string }> }).content[0]?.text ?? '');
  }

  it('every tool’s input schema is strict JSON Schema (draft-07 and 2020-12, ajv strict mode)', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const client = await connectMcp(await apiKey(f.user, 'owner'));
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'dynamodb_query',
          'connections_list',
          'scans_start',
          'scans_get',
          'findings_list',
        ]),
      );
      const draft7 = new Ajv({ strict: true, allErrors: true });
      const draft2020 = new Ajv2020({ strict: true, allErrors: true });
      addFormats(draft7);
      addFormats(draft2020);
      for (const tool of tools) {
        expect(tool.inputSchema.type, tool.name).toBe('object');
        expect(strictProblems(tool.inputSchema as Record<string, unknown>, tool.name)).toEqual([]);
        expect(() => draft7.compile(tool.inputSchema), tool.name).not.toThrow();
        expect(() => draft2020.compile(tool.inputSchema), tool.name).not.toThrow();
      }
    } finally {
      await client.close();
    }
  });

  it('docs/operations.md lists every MCP tool with its exact input schema', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const client = await connectMcp(await apiKey(f.user, 'owner'));
    try {
      const { tools } = await client.listTools();
      const block = renderToolDocs(tools);
      const path = new URL('../../docs/operations.md', import.meta.url);
      const doc = await readFile(path, 'utf8');
      const start = doc.indexOf(DOCS_START);
      const end = doc.indexOf(DOCS_END);
      expect(start, 'docs/operations.md has the MCP tool markers').toBeGreaterThan(-1);
      const current = doc.slice(start + DOCS_START.length, end);
      // ROLEGATE_WRITE_DOCS=1 regenerates the block after a schema change.
      if (process.env.ROLEGATE_WRITE_DOCS === '1' && current !== block) {
        await writeFile(path, doc.slice(0, start + DOCS_START.length) + block + doc.slice(end));
        return;
      }
      expect(current).toBe(block);
    } finally {
      await client.close();
    }
  });

  it('tells the agent how to start (instructions) and lists only the connections its key may use', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'], scopes: { s3Buckets: ['acme-data'] } });
    const b = await createTestConnection(t, f.user.orgId, { capabilities: ['logs-read'] });
    const client = await connectMcp(await apiKey(f.user, 'viewer', { connectionIds: [f.connection.id] }));
    try {
      expect(client.getInstructions()).toContain('connections_list');
      const listed = text(await client.callTool({ name: 'connections_list', arguments: {} })) as {
        items: Array<{ id: string; capabilities: string[]; scopes: { s3Buckets: string[] } }>;
        nextCursor: string | null;
      };
      expect(listed.items.map((c) => c.id)).toEqual([f.connection.id]);
      expect(listed.items[0]).toMatchObject({
        capabilities: ['s3-read'],
        scopes: { s3Buckets: ['acme-data'] },
      });
      expect(listed.items.map((c) => c.id)).not.toContain(b.id);
      expect((listed as { keyScope?: unknown }).keyScope).toMatchObject({ connectionIds: [f.connection.id] });
      // A viewer key sees the read tools, not scans_start (scans:run needs member).
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('findings_list');
      expect(names).not.toContain('scans_start');
    } finally {
      await client.close();
    }
    const plain = await connectMcp(await apiKey(f.user, 'viewer'));
    try {
      const all = text(await plain.callTool({ name: 'connections_list', arguments: { limit: 1 } })) as {
        items: unknown[];
        nextCursor: string | null;
      };
      expect(all.items).toHaveLength(1);
      expect(all.nextCursor).not.toBeNull();
    } finally {
      await plain.close();
    }
  });

  it('starts a scan, reads its status and the findings through the scan service (scope and role apply)', async () => {
    const f = await fixture(t, { capabilities: ['cost-scan'] });
    const other = await createTestConnection(t, f.user.orgId, { capabilities: ['cost-scan'] });
    const key = await apiKey(f.user, 'member', { connectionIds: [f.connection.id] });
    const client = await connectMcp(key);
    try {
      const started = await client.callTool({
        name: 'scans_start',
        arguments: { connectionId: f.connection.id },
      });
      expect(started.isError, JSON.stringify(started)).toBeFalsy();
      const scan = text(started) as { id: string; connectionId: string; status: string };
      expect(scan).toMatchObject({ connectionId: f.connection.id, status: 'queued' });
      const status = text(await client.callTool({ name: 'scans_get', arguments: { scanId: scan.id } }));
      expect(status).toMatchObject({ id: scan.id, connectionId: f.connection.id });
      const requested = await auditOf(t, f.user.orgId, 'scan.requested');
      expect(requested[0]).toMatchObject({ actorType: 'apiKey' });
      expect(requested[0]?.details).toMatchObject({ keyScope: { connectionIds: [f.connection.id] } });

      const outside = await client.callTool({ name: 'scans_start', arguments: { connectionId: other.id } });
      expect((text(outside) as { error: { code: string } }).error.code).toBe('not_found');

      await insertFindingRow(f.user.orgId, f.connection.id, 'vol-inside');
      await insertFindingRow(f.user.orgId, other.id, 'vol-outside');
      const findings = text(await client.callTool({ name: 'findings_list', arguments: {} })) as {
        items: Array<{ resourceId: string }>;
        totals: { count: number };
      };
      expect(findings.items.map((i) => i.resourceId)).toEqual(['vol-inside']);
      expect(findings.totals.count).toBe(1);
      const foreign = await client.callTool({
        name: 'findings_list',
        arguments: { connectionId: other.id },
      });
      expect(foreign, JSON.stringify(foreign)).toMatchObject({ isError: true });
      expect((text(foreign) as { error: { code: string } }).error.code).toBe('not_found');
      const bad = await client.callTool({ name: 'findings_list', arguments: { limit: 5000 } });
      expect((text(bad) as { error: { code: string } }).error.code).toBe('validation_failed');
    } finally {
      await client.close();
    }
  });

  it('exposes recent findings as resources (organisation and per connection); another org’s URI is not found', async () => {
    const f = await fixture(t, { capabilities: ['cost-scan'] });
    await insertFindingRow(f.user.orgId, f.connection.id, 'vol-recent');
    const client = await connectMcp(await apiKey(f.user, 'viewer'));
    try {
      const { resources } = await client.listResources();
      const orgUri = `rolegate://orgs/${f.user.orgId}/findings`;
      const connUri = `rolegate://orgs/${f.user.orgId}/connections/${f.connection.id}/findings`;
      expect(resources.map((r) => r.uri)).toEqual([orgUri, connUri]);
      for (const uri of [orgUri, connUri]) {
        const read = await client.readResource({ uri });
        const content = read.contents[0] as { uri: string; mimeType: string; text: string };
        expect(content).toMatchObject({ uri, mimeType: 'application/json' });
        const page = JSON.parse(content.text) as { items: Array<{ resourceId: string; status: string }> };
        expect(page.items.map((i) => [i.resourceId, i.status])).toEqual([['vol-recent', 'open']]);
      }
      const other = await fixture(t, { capabilities: ['cost-scan'] });
      for (const uri of [
        `rolegate://orgs/${other.user.orgId}/findings`,
        `rolegate://orgs/${f.user.orgId}/connections/${other.connection.id}/findings`,
        'rolegate://orgs/../findings',
        'file:///etc/passwd',
      ]) {
        await expect(client.readResource({ uri }), uri).rejects.toThrow(/not found/i);
      }
    } finally {
      await client.close();
    }
  });

  it('answers 401 with a Bearer challenge (no credential, a wrong key, a user token)', async () => {
    const f = await fixture(t, { capabilities: ['s3-read'] });
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const none = await t.app.inject({ method: 'POST', url: '/mcp', headers, payload: body });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="rolegate"');
    for (const authorization of [
      `Bearer rg_live_${'a'.repeat(12)}_${'b'.repeat(43)}`,
      f.user.headers.authorization,
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/mcp',
        headers: { ...headers, authorization },
        payload: body,
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="rolegate", error="invalid_token"');
    }
  });
});

async function insertFindingRow(orgId: string, connectionId: string, resourceId: string): Promise<void> {
  const scanId = newId('scn');
  const now = new Date();
  await t.database.db.insert(scans).values({
    id: scanId,
    orgId,
    connectionId,
    status: 'succeeded',
    regions: ['us-east-1'],
    regionsDone: ['us-east-1'],
    requestedByType: 'system',
    requestedById: 'test',
    createdAt: now,
  });
  await t.database.db.insert(findings).values({
    id: newId('fnd'),
    orgId,
    connectionId,
    scanId,
    type: 'ebs_volume_unattached',
    region: 'us-east-1',
    resourceId,
    resourceArn: `arn:aws:ec2:us-east-1:123456789012:volume/${resourceId}`,
    ageDays: 10,
    tags: {},
    monthlyCostCents: 100,
    recommendedAction: 'test',
    details: {},
    firstSeenAt: now,
    lastSeenAt: now,
  });
}
