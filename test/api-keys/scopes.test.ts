import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import { assumeCalls, auditOf, mockSts, sts } from '../operations/harness.ts';

let t: TestApp;
const s3 = mockClient(S3Client);

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
});
afterAll(async () => {
  await t?.close();
  s3.restore();
  sts.restore();
});
beforeEach(() => {
  s3.reset();
  mockSts();
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
});

const ALL: Array<'s3-read' | 's3-write' | 'lambda-invoke' | 'cost-scan' | 'cleanup'> = [
  's3-read',
  's3-write',
  'lambda-invoke',
  'cost-scan',
  'cleanup',
];

async function org() {
  const owner = await createTestUser(t, { role: 'owner' });
  const a = await createTestConnection(t, owner.orgId, {
    capabilities: ALL,
    scopes: { lambdaFunctionPatterns: ['debug-*'] },
  });
  const b = await createTestConnection(t, owner.orgId, { capabilities: ALL });
  return { owner, a, b };
}

async function createKey(owner: TestUser, body: Record<string, unknown>) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/api-keys`,
    headers: owner.headers,
    payload: { name: 'agent', role: 'admin', ...body },
  });
}

async function scopedKey(owner: TestUser, scope: Record<string, unknown>): Promise<string> {
  const res = await createKey(owner, { scope });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().key as string;
}

function send(key: string, options: InjectOptions) {
  return t.app.inject({
    ...options,
    headers: { ...(options.headers ?? {}), authorization: `Bearer ${key}` },
  });
}

const listObjects = (orgId: string, connId: string): InjectOptions => ({
  method: 'GET',
  url: `/v1/orgs/${orgId}/connections/${connId}/s3/buckets/acme-data/objects?limit=5`,
});

describe('API key scopes: creation', () => {
  it('stores the scope, shows it in the list and the creation audit record', async () => {
    const { owner, a } = await org();
    const res = await createKey(owner, {
      scope: {
        connectionIds: [a.id, a.id],
        capabilities: ['s3-read'],
        readOnly: true,
        allowedCidrs: ['203.0.113.0/24', '2001:DB8::/32', '198.51.100.7'],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const scope = {
      connectionIds: [a.id],
      capabilities: ['s3-read'],
      readOnly: true,
      allowedCidrs: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32'],
    };
    expect(res.json().scope).toEqual(scope);
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: owner.headers,
    });
    expect(list.json().items.find((k: { id: string }) => k.id === res.json().id).scope).toEqual(scope);
    const [created] = await auditOf(t, owner.orgId, 'api_key.created');
    expect(created?.details).toMatchObject({ scope });
    const plain = await createKey(owner, {});
    expect(plain.json().scope).toBeNull();
  });

  it('refuses another organisation’s connection with 404 and creates nothing', async () => {
    const { owner, a } = await org();
    const other = await org();
    const res = await createKey(owner, { scope: { connectionIds: [a.id, other.a.id] } });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    const unknown = await createKey(owner, { scope: { connectionIds: [newId('con')] } });
    expect(unknown.statusCode).toBe(404);
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: owner.headers,
    });
    expect(list.json().items).toEqual([]);
  });

  it('parses CIDRs strictly and bounds every list', async () => {
    const { owner, a } = await org();
    for (const bad of [
      '10.0.0.0/33',
      '10.0.0/8',
      '2001:db8::/129',
      '10.0.0.0/08',
      '10.0.0.0/8/8',
      'fe80::1%eth0',
      '010.0.0.1',
      '10.0.0.0/',
      'localhost',
      '*',
    ]) {
      const res = await createKey(owner, { scope: { allowedCidrs: [bad] } });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    const many = Array.from({ length: 21 }, (_, i) => `10.0.${i}.0/24`);
    expect((await createKey(owner, { scope: { allowedCidrs: many } })).statusCode).toBe(400);
    const ids = Array.from({ length: 51 }, () => a.id);
    expect((await createKey(owner, { scope: { connectionIds: ids } })).statusCode).toBe(400);
    expect((await createKey(owner, { scope: { capabilities: ['s3-delete'] } })).statusCode).toBe(400);
    expect((await createKey(owner, { scope: { readOnly: true, extra: 1 } })).statusCode).toBe(400);
    expect((await createKey(owner, { scope: { connectionIds: [] } })).statusCode).toBe(400);
  });
});

describe('API key scopes: enforcement over REST', () => {
  it('a key limited to connection A gets 404 on connection B (and never reaches STS)', async () => {
    const { owner, a, b } = await org();
    const key = await scopedKey(owner, { connectionIds: [a.id] });
    const ok = await send(key, listObjects(owner.orgId, a.id));
    expect(ok.statusCode, ok.body).toBe(200);
    const refused = await send(key, listObjects(owner.orgId, b.id));
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('not_found');
    expect(assumeCalls(b)).toHaveLength(0);
    const one = await send(key, { method: 'GET', url: `/v1/orgs/${owner.orgId}/connections/${b.id}` });
    expect(one.statusCode).toBe(404);
    const list = await send(key, { method: 'GET', url: `/v1/orgs/${owner.orgId}/connections` });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([a.id]);
    const findings = await send(key, {
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/findings?connectionId=${b.id}`,
    });
    expect(findings.statusCode).toBe(404);
  });

  it('records the key’s scope in the audit record of each call', async () => {
    const { owner, a } = await org();
    const scope = { connectionIds: [a.id], capabilities: ['s3-read'], readOnly: true };
    const key = await scopedKey(owner, scope);
    expect((await send(key, listObjects(owner.orgId, a.id))).statusCode).toBe(200);
    const records = await auditOf(t, owner.orgId, 'aws.s3.list_objects');
    expect(records.map((r) => r.outcome)).toEqual(['attempt', 'success']);
    expect(records[0]?.details).toMatchObject({ keyScope: { ...scope, allowedCidrs: null } });
  });

  it('a capability outside the scope is refused with key_scope_denied', async () => {
    const { owner, a } = await org();
    const key = await scopedKey(owner, { capabilities: ['s3-write'] });
    const res = await send(key, listObjects(owner.orgId, a.id));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('key_scope_denied');
  });

  it('a read-only key is refused on S3 upload, Lambda invoke and clean-up', async () => {
    const { owner, a } = await org();
    const key = await scopedKey(owner, { readOnly: true });
    const base = `/v1/orgs/${owner.orgId}/connections/${a.id}`;
    const upload = await send(key, {
      method: 'PUT',
      url: `${base}/s3/buckets/acme-data/object?key=a.txt`,
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    const invoke = await send(key, {
      method: 'POST',
      url: `${base}/lambda/functions/debug-echo/invoke`,
      payload: { payload: { ping: 1 } },
    });
    const cleanup = await send(key, {
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/findings/${newId('fnd')}/cleanup`,
      payload: { dryRun: true },
    });
    for (const res of [upload, invoke, cleanup]) {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe('key_scope_denied');
    }
    expect(assumeCalls(a)).toHaveLength(0);
    expect((await send(key, listObjects(owner.orgId, a.id))).statusCode).toBe(200);
  });

  it('a CIDR allow-list refuses another source address', async () => {
    const { owner, a } = await org();
    const key = await scopedKey(owner, { allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'] });
    const inside = await send(key, { ...listObjects(owner.orgId, a.id), remoteAddress: '203.0.113.9' });
    expect(inside.statusCode, inside.body).toBe(200);
    const v6 = await send(key, { ...listObjects(owner.orgId, a.id), remoteAddress: '2001:db8::5' });
    expect(v6.statusCode, v6.body).toBe(200);
    const mapped = await send(key, {
      ...listObjects(owner.orgId, a.id),
      remoteAddress: '::ffff:203.0.113.10',
    });
    expect(mapped.statusCode, mapped.body).toBe(200);
    for (const remoteAddress of ['198.51.100.1', '::ffff:198.51.100.1', '2001:db9::1']) {
      const res = await send(key, { ...listObjects(owner.orgId, a.id), remoteAddress });
      expect(res.statusCode, remoteAddress).toBe(403);
      expect(res.json().error.code).toBe('key_source_denied');
    }
    const intent = await send(key, {
      method: 'POST',
      url: '/v1/intents',
      remoteAddress: '198.51.100.1',
      payload: { intent: 's3.list_buckets', connectionId: a.id, params: {} },
    });
    expect(intent.statusCode).toBe(403);
    expect(intent.json().error.code).toBe('key_source_denied');
  });

  it('a scoped key is for operations only: management routes refuse it, an unscoped key passes', async () => {
    const { owner, a } = await org();
    const scoped = await scopedKey(owner, { connectionIds: [a.id] });
    const plain = (await createKey(owner, {})).json().key as string;
    const routes: InjectOptions[] = [
      { method: 'GET', url: `/v1/orgs/${owner.orgId}/api-keys` },
      { method: 'GET', url: `/v1/orgs/${owner.orgId}/members` },
      { method: 'GET', url: `/v1/orgs/${owner.orgId}/audit` },
      { method: 'GET', url: `/v1/orgs/${owner.orgId}/connections/${a.id}/templates` },
      { method: 'GET', url: '/v1/orgs' },
    ];
    for (const route of routes) {
      const res = await send(scoped, route);
      expect(res.statusCode, String(route.url)).toBe(403);
      expect(res.json().error.code).toBe('key_scope_denied');
      expect((await send(plain, route)).statusCode, String(route.url)).toBe(200);
    }
    const create = await send(scoped, {
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/connections`,
      payload: { name: 'x', capabilities: ['s3-read'] },
    });
    expect(create.statusCode).toBe(403);
    expect(create.json().error.code).toBe('key_scope_denied');
  });
});
