import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionGroups } from '../../src/connection-groups/tables.ts';
import { bindingFor } from '../../src/crypto/encrypted-columns.ts';
import { createKeyring, decryptField } from '../../src/crypto/field-encryption.ts';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

/** The REST surface of connection groups: validation, tenancy, roles; discovery itself is in discovery.test.ts. */

let t: TestApp;
let owner: TestUser;
let stranger: TestUser;
let managementId: string;

beforeAll(async () => {
  t = await createTestApp();
  owner = await createTestUser(t);
  stranger = await createTestUser(t);
  managementId = (
    await createTestConnection(t, owner.orgId, {
      capabilities: ['organizations-read'],
      accountId: '999999999999',
    })
  ).id;
});
afterAll(async () => {
  await t?.close();
});

const base = (orgId: string) => `/v1/orgs/${orgId}/connection-groups`;

async function countGroups(orgId: string) {
  return (await t.database.db.select().from(connectionGroups).where(eq(connectionGroups.orgId, orgId)))
    .length;
}

describe('connection groups API', () => {
  let groupId: string;

  it('creates a group over a management connection with organizations-read (201), no secret in the answer', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: base(owner.orgId),
      headers: owner.headers,
      payload: {
        name: 'Acme org',
        managementConnectionId: managementId,
        capabilities: ['cost-scan', 's3-read'],
        ouIds: ['ou-ab12-cd34ef56'],
        scopes: { regions: ['eu-west-1'] },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    groupId = body.id;
    expect(body).toMatchObject({
      name: 'Acme org',
      managementConnectionId: managementId,
      capabilities: ['cost-scan', 's3-read'],
      ouIds: ['ou-ab12-cd34ef56'],
      region: 'eu-west-1',
      progress: { state: 'idle' },
    });
    expect(body.roleName).toMatch(/^Rolegate-/);
    expect(res.body).not.toMatch(/secret/i);
    const [row] = await t.database.db.select().from(connectionGroups).where(eq(connectionGroups.id, groupId));
    // Encrypted and bound to its row: decrypts only as this group's secret column.
    const keyring = createKeyring(t.config.masterKeys);
    const secret = decryptField(
      keyring,
      row!.secret,
      bindingFor('connection_groups', 'secret', groupId, owner.orgId),
    );
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);
    expect(row!.secret).not.toContain(secret);
    expect(() =>
      decryptField(keyring, row!.secret, bindingFor('connection_groups', 'secret', groupId, stranger.orgId)),
    ).toThrow();
  });

  it('bad input gets a 400 and creates nothing', async () => {
    const before = await countGroups(owner.orgId);
    const other = await createTestConnection(t, owner.orgId, { capabilities: ['s3-read'] });
    const foreign = await createTestConnection(t, stranger.orgId, { capabilities: ['organizations-read'] });
    const bodies = [
      { name: 'x', managementConnectionId: managementId, capabilities: [] },
      { name: 'x', managementConnectionId: managementId, capabilities: ['organizations-read'] },
      { name: 'x', managementConnectionId: managementId, capabilities: ['cost-scan'], ouIds: ['not-an-ou'] },
      { name: 'x', managementConnectionId: managementId, capabilities: ['cost-scan'], extra: true },
      { name: 'x\u0000', managementConnectionId: managementId, capabilities: ['cost-scan'] },
      { name: 'x', managementConnectionId: other.id, capabilities: ['cost-scan'] },
      // Another organisation's connection is not a management connection here.
      { name: 'x', managementConnectionId: foreign.id, capabilities: ['cost-scan'] },
      { name: 'x', managementConnectionId: newId('con'), capabilities: ['cost-scan'] },
    ];
    for (const payload of bodies) {
      const res = await t.app.inject({
        method: 'POST',
        url: base(owner.orgId),
        headers: owner.headers,
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect(await countGroups(owner.orgId)).toBe(before);
  });

  it('lists and reads groups and members; another organisation gets 404', async () => {
    const list = await t.app.inject({ method: 'GET', url: base(owner.orgId), headers: owner.headers });
    expect(list.json().items.map((g: { id: string }) => g.id)).toContain(groupId);
    const one = await t.app.inject({
      method: 'GET',
      url: `${base(owner.orgId)}/${groupId}`,
      headers: owner.headers,
    });
    expect(one.statusCode).toBe(200);
    const members = await t.app.inject({
      method: 'GET',
      url: `${base(owner.orgId)}/${groupId}/members`,
      headers: owner.headers,
    });
    expect(members.json()).toEqual({ items: [], nextCursor: null });
    for (const suffix of ['', '/members', '/templates']) {
      const res = await t.app.inject({
        method: 'GET',
        url: `${base(owner.orgId)}/${groupId}${suffix}`,
        headers: stranger.headers,
      });
      expect(res.statusCode).toBe(404);
      // The stranger's own organisation does not have it either.
      const own = await t.app.inject({
        method: 'GET',
        url: `${base(stranger.orgId)}/${groupId}${suffix}`,
        headers: stranger.headers,
      });
      expect(own.statusCode).toBe(404);
    }
    for (const action of ['sync', 'verify']) {
      const res = await t.app.inject({
        method: 'POST',
        url: `${base(stranger.orgId)}/${groupId}/${action}`,
        headers: stranger.headers,
      });
      expect(res.statusCode).toBe(404);
    }
    const del = await t.app.inject({
      method: 'DELETE',
      url: `${base(stranger.orgId)}/${groupId}`,
      headers: stranger.headers,
    });
    expect(del.statusCode).toBe(404);
    expect(await countGroups(owner.orgId)).toBeGreaterThan(0);
  });

  it('templates need discovered accounts (409); sync needs a verified management connection', async () => {
    const templates = await t.app.inject({
      method: 'GET',
      url: `${base(owner.orgId)}/${groupId}/templates`,
      headers: owner.headers,
    });
    expect(templates.statusCode).toBe(409);
    const pending = await createTestConnection(t, owner.orgId, {
      capabilities: ['organizations-read'],
      status: 'pending',
    });
    const created = await t.app.inject({
      method: 'POST',
      url: base(owner.orgId),
      headers: owner.headers,
      payload: { name: 'pending mgmt', managementConnectionId: pending.id, capabilities: ['cost-scan'] },
    });
    const sync = await t.app.inject({
      method: 'POST',
      url: `${base(owner.orgId)}/${created.json().id}/sync`,
      headers: owner.headers,
    });
    expect(sync.statusCode).toBe(409);
    expect(sync.json().error.code).toBe('connection_not_verified');
  });

  it('a member (below admin) cannot create, sync or see templates; a connection-scoped API key cannot manage groups', async () => {
    const member = await createTestUser(t, { orgId: owner.orgId, role: 'member' });
    const res = await t.app.inject({
      method: 'POST',
      url: base(owner.orgId),
      headers: member.headers,
      payload: { name: 'm', managementConnectionId: managementId, capabilities: ['cost-scan'] },
    });
    expect(res.statusCode).toBe(403);
    const key = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: owner.headers,
      payload: { name: 'scoped', role: 'admin', scope: { connectionIds: [managementId] } },
    });
    expect(key.statusCode, key.body).toBe(201);
    const scoped = await t.app.inject({
      method: 'POST',
      url: base(owner.orgId),
      headers: { authorization: `Bearer ${key.json().key}` },
      payload: { name: 'k', managementConnectionId: managementId, capabilities: ['cost-scan'] },
    });
    expect(scoped.statusCode).toBe(403);
  });

  it('deletes a group (204), then it is gone', async () => {
    const del = await t.app.inject({
      method: 'DELETE',
      url: `${base(owner.orgId)}/${groupId}`,
      headers: owner.headers,
    });
    expect(del.statusCode).toBe(204);
    const again = await t.app.inject({
      method: 'GET',
      url: `${base(owner.orgId)}/${groupId}`,
      headers: owner.headers,
    });
    expect(again.statusCode).toBe(404);
  });
});
