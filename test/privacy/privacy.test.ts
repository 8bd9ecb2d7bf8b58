import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalDecisions, approvalRequests } from '../../src/approvals/tables.ts';
import { SYSTEM_CHAIN } from '../../src/audit/chain.ts';
import { auditEvents, auditSubjectKeys } from '../../src/audit/tables.ts';
import { verifyChain } from '../../src/audit/verify.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { connections } from '../../src/connections/tables.ts';
import { memberships, organizations, users } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { apiKeys } from '../../src/identity/api-keys/tables.ts';
import { invitations } from '../../src/identity/orgs/tables.ts';
import { sessions } from '../../src/identity/tables.ts';
import { cleanupTokens, findings, scans } from '../../src/scans/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../helpers/identity.ts';

let t: TestApp;
const audit = createAuditWriter({ clock: systemClock });
let n = 0;
/** Client data unique to each test user, so a search for it finds no one else's rows. */
function clientOf(): { ip: string; ua: string } {
  n += 1;
  return {
    ip: `2001:db8::${process.pid.toString(16)}:${n}`,
    ua: `PrivateBrowser/9.1 (agent-${newId('key')})`,
  };
}

beforeAll(async () => {
  // Own database on PostgreSQL: these tests tamper with or verify whole chains, incl. the shared system chain.
  t = await createTestApp({ isolatedDatabase: true });
});
afterAll(async () => {
  await t.close();
});

/** A user with a personal footprint: session client data, an API key, audit events as actor and as target. */
async function withFootprint(user: TestUser): Promise<{ keyId: string; ip: string; ua: string }> {
  const db = t.database.db;
  const { ip: IP, ua: UA } = clientOf();
  await db.update(sessions).set({ ip: IP, userAgent: UA }).where(eq(sessions.id, user.sessionId));
  await db.update(users).set({ totpSecret: 'v1:kid:TOTP-CIPHERTEXT' }).where(eq(users.id, user.userId));
  const keyId = newId('key');
  await db.insert(apiKeys).values({
    id: keyId,
    orgId: user.orgId,
    name: 'ci',
    prefix: `pfx${keyId.slice(4, 14)}`,
    secretHash: 'SECRET-HASH-VALUE',
    role: 'admin',
    createdBy: user.userId,
    createdAt: new Date(),
  });
  const base = {
    actorType: 'user' as const,
    actorId: user.userId,
    ip: IP,
    userAgent: UA,
    requestId: 'req-p',
  };
  await audit.record(db, { ...base, orgId: user.orgId, action: 'connection.created', outcome: 'success' });
  await audit.record(db, { ...base, orgId: null, action: 'auth.login', outcome: 'success' });
  await audit.record(db, {
    orgId: null,
    actorType: 'anonymous',
    actorId: null,
    action: 'auth.login',
    outcome: 'failure',
    targetType: 'user',
    targetId: user.userId,
    ip: IP,
    userAgent: UA,
    details: { userId: user.userId, note: `attempt for ${user.userId}` },
  });
  return { keyId, ip: IP, ua: UA };
}

async function expectNoTrace(user: TestUser, client: { ip: string; ua: string }): Promise<void> {
  const rows = await t.database.db.execute(sql`select * from audit_events`);
  const text = JSON.stringify(rows);
  expect(text).not.toContain(user.userId);
  expect(text).not.toContain(client.ip);
  expect(text).not.toContain(client.ua);
  expect(text).not.toContain('example.test');
  const keys = await t.database.db
    .select()
    .from(auditSubjectKeys)
    .where(eq(auditSubjectKeys.subjectId, user.userId));
  expect(keys).toEqual([]);
  expect(await t.database.db.select().from(users).where(eq(users.id, user.userId))).toEqual([]);
  expect(await t.database.db.select().from(sessions).where(eq(sessions.userId, user.userId))).toEqual([]);
}

describe('GET /v1/me/export', () => {
  it("contains the user's data and no secrets", async () => {
    const user = await createTestUser(t);
    const { keyId, ip: IP, ua: UA } = await withFootprint(user);
    const res = await t.app.inject({ url: '/v1/me/export', headers: user.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.user).toMatchObject({
      id: user.userId,
      email: `${user.userId}@example.test`,
      mfaEnabled: false,
    });
    expect(body.memberships).toEqual([expect.objectContaining({ orgId: user.orgId, role: 'owner' })]);
    expect(body.sessions).toEqual([expect.objectContaining({ id: user.sessionId, ip: IP, userAgent: UA })]);
    expect(body.apiKeys).toEqual([expect.objectContaining({ id: keyId, orgId: user.orgId, name: 'ci' })]);
    const actions = (body.auditEvents as { action: string }[]).map((e) => e.action).sort();
    expect(actions).toEqual(['auth.login', 'connection.created']);
    expect(body.auditEventsTruncated).toBe(false);
    for (const secret of [
      '!unusable',
      'TOTP-CIPHERTEXT',
      'SECRET-HASH-VALUE',
      'passwordHash',
      'secretHash',
      'totpSecret',
    ]) {
      expect(res.body).not.toContain(secret);
    }
  });

  it('requires authentication', async () => {
    expect((await t.app.inject({ url: '/v1/me/export' })).statusCode).toBe(401);
  });
});

describe('DELETE /v1/me', () => {
  it('requires the password again: a stolen access token alone cannot delete the account', async () => {
    const user = await createTestUser(t, { password: TEST_PASSWORD });
    const missing = await t.app.inject({ method: 'DELETE', url: '/v1/me', headers: user.headers });
    expect(missing.statusCode).toBe(400);
    const wrong = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: user.headers,
      payload: { password: 'not the password at all' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    expect(await t.database.db.select().from(users).where(eq(users.id, user.userId))).toHaveLength(1);
  });

  it('is refused while the user is the last owner of an organisation with other members', async () => {
    const owner = await createTestUser(t, { password: TEST_PASSWORD });
    await createTestUser(t, { role: 'member', orgId: owner.orgId });
    const res = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: owner.headers,
      payload: { password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('last_owner');
    expect(await t.database.db.select().from(users).where(eq(users.id, owner.userId))).toHaveLength(1);
    expect(
      await t.database.db.select().from(organizations).where(eq(organizations.id, owner.orgId)),
    ).toHaveLength(1);
  });

  it('is allowed when another owner remains', async () => {
    const owner = await createTestUser(t, { password: TEST_PASSWORD });
    await createTestUser(t, { role: 'owner', orgId: owner.orgId });
    const res = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: owner.headers,
      payload: { password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ deleted: true, deletedOrganizations: [], revokedApiKeys: 0 });
    expect(
      await t.database.db.select().from(organizations).where(eq(organizations.id, owner.orgId)),
    ).toHaveLength(1);
  });

  it('deletes the account and solo organisations, revokes keys, and pseudonymises the audit trail with chains intact', async () => {
    const user = await createTestUser(t, { password: TEST_PASSWORD });
    const footprint = await withFootprint(user);
    const { keyId } = footprint;
    // Also a member of a shared organisation owned by someone else, with a key there.
    const other = await createTestUser(t);
    await createTestUser(t, { role: 'admin', orgId: other.orgId });
    await t.database.db
      .insert(memberships)
      .values({ id: newId('mem'), orgId: other.orgId, userId: user.userId, role: 'admin' });
    const sharedKey = newId('key');
    await t.database.db.insert(apiKeys).values({
      id: sharedKey,
      orgId: other.orgId,
      name: 'shared',
      prefix: `pfx${sharedKey.slice(4, 14)}`,
      secretHash: 'x',
      role: 'member',
      createdBy: user.userId,
      createdAt: new Date(),
    });
    await audit.record(t.database.db, {
      orgId: other.orgId,
      actorType: 'user',
      actorId: other.userId,
      action: 'member.role_changed',
      outcome: 'success',
      targetType: 'user',
      targetId: user.userId,
      ip: '192.0.2.50',
    });
    await t.database.db.insert(invitations).values({
      id: newId('inv'),
      orgId: other.orgId,
      email: `${user.userId}@example.test`,
      role: 'viewer',
      tokenHash: `h-${user.userId}`,
      invitedBy: other.userId,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 86_400_000),
    });

    const res = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: user.headers,
      payload: { password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ deleted: true, deletedOrganizations: [user.orgId], revokedApiKeys: 2 });

    // Solo organisation gone with its keys; shared key revoked; shared organisation intact.
    expect(await t.database.db.select().from(organizations).where(eq(organizations.id, user.orgId))).toEqual(
      [],
    );
    expect(await t.database.db.select().from(apiKeys).where(eq(apiKeys.id, keyId))).toEqual([]);
    const [kept] = await t.database.db.select().from(apiKeys).where(eq(apiKeys.id, sharedKey));
    expect(kept?.revokedAt).not.toBeNull();
    expect(kept?.createdBy).toBeNull();
    expect(
      await t.database.db.select().from(organizations).where(eq(organizations.id, other.orgId)),
    ).toHaveLength(1);

    await expectNoTrace(user, footprint);
    // The other admin's IP in the record about the deleted user is theirs and stays.
    const about = await t.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'member.role_changed'));
    expect(about.find((r) => r.chain === other.orgId)).toMatchObject({
      actorId: other.userId,
      ip: '192.0.2.50',
      targetId: null,
    });

    // Every chain the user touched still verifies, including the deleted organisation's.
    for (const chain of [user.orgId, other.orgId, SYSTEM_CHAIN]) {
      expect(await verifyChain(t.database.db, chain), chain).toMatchObject({ valid: true });
    }
    const closing = await t.database.db.select().from(auditEvents).where(eq(auditEvents.chain, user.orgId));
    expect(closing.map((r) => r.action)).toContain('org.deleted');
    const removed = await t.database.db.select().from(auditEvents).where(eq(auditEvents.chain, other.orgId));
    expect(removed.map((r) => r.action)).toContain('member.removed');

    // The old token is dead.
    expect((await t.app.inject({ url: '/v1/me/export', headers: user.headers })).statusCode).toBe(401);
  });
});

// Issue 25 item 8: erasure leaves no raw user id anywhere, and the export names no third party.
describe('erasure and export reach every table', () => {
  /** Every text, json and array column of every table that contains `needle` (generic over information_schema). */
  async function columnsContaining(needle: string): Promise<string[]> {
    const columns = (await t.database.db.execute(sql`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema()
        and data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
      order by table_name, column_name`)) as unknown as {
      rows: Array<{ table_name: string; column_name: string }>;
    };
    expect(columns.rows.length).toBeGreaterThan(20);
    const hits: string[] = [];
    for (const { table_name: table, column_name: column } of columns.rows) {
      const found = (await t.database.db.execute(
        sql`select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(column)}::text like ${`%${needle}%`}`,
      )) as unknown as { rows: Array<{ n: number }> };
      if (Number(found.rows[0]?.n) > 0) hits.push(`${table}.${column}`);
    }
    return hits;
  }

  /** Rows in the scan tables, a connection and a clean-up token that name the user (as the product writes them). */
  async function scanFootprint(user: TestUser, orgId: string): Promise<void> {
    const db = t.database.db;
    const connection = await createTestConnection(t, orgId, { capabilities: ['cost-scan'] });
    await db.update(connections).set({ createdBy: user.userId }).where(eq(connections.id, connection.id));
    const scanId = newId('scn');
    const byKey = newId('scn');
    const base = {
      orgId,
      connectionId: connection.id,
      status: 'succeeded' as const,
      regions: ['us-east-1'],
      regionsDone: ['us-east-1'],
      createdAt: new Date(),
    };
    await db.insert(scans).values([
      {
        ...base,
        id: scanId,
        requestedByType: 'user',
        requestedById: user.userId,
        requestedByUserId: user.userId,
      },
      {
        ...base,
        id: byKey,
        requestedByType: 'apiKey',
        requestedById: newId('key'),
        requestedByUserId: user.userId,
      },
    ]);
    const findingId = newId('fnd');
    await db.insert(findings).values({
      id: findingId,
      orgId,
      connectionId: connection.id,
      scanId,
      type: 'ebs_volume_unattached',
      resourceId: 'vol-1',
      resourceArn: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1',
      region: 'us-east-1',
      ageDays: 10,
      tags: {},
      monthlyCostCents: 100,
      recommendedAction: 'delete',
      details: {},
      firstSeenAt: new Date(),
      lastSeenAt: new Date(),
      statusChangedBy: user.userId,
    });
    await db.insert(cleanupTokens).values({
      tokenHash: `th-${newId('key')}`,
      orgId,
      findingId,
      actorId: user.userId,
      stateHash: 'x',
      options: { snapshotBeforeDelete: false, deleteSnapshots: false },
      expiresAt: new Date(Date.now() + 60_000),
    });
    // An approval the user asked for (and revoked), and a decision they made on another's request.
    const requestId = newId('apr');
    const approval = {
      orgId,
      kind: 'operation' as const,
      requesterType: 'user' as const,
      operation: 'lambda.invoke',
      connectionId: connection.id,
      resource: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      status: 'revoked' as const,
      approvalsRequired: 1,
      grantMode: 'single_use' as const,
      grantTtlSeconds: 3600,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 60_000),
    };
    await db.insert(approvalRequests).values([
      {
        ...approval,
        id: requestId,
        requesterId: user.userId,
        requesterUserId: user.userId,
        revokedBy: user.userId,
      },
      { ...approval, id: newId('apr'), requesterId: newId('key'), requesterUserId: user.userId },
    ]);
    const decided = newId('apr');
    await db.insert(approvalRequests).values({ ...approval, id: decided, requesterId: 'usr_someone_else' });
    await db.insert(approvalDecisions).values({
      id: newId('apd'),
      orgId,
      requestId: decided,
      approverUserId: user.userId,
      decision: 'approve',
      comment: null,
      createdAt: new Date(),
    });
  }

  it('after erasure no table and no text/json column holds the erased user id', async () => {
    const user = await createTestUser(t, { password: TEST_PASSWORD });
    await withFootprint(user);
    // A shared organisation (it survives the erasure) where the user left scans, findings, a
    // connection, a clean-up token and an invitation they sent.
    const other = await createTestUser(t);
    await t.database.db
      .insert(memberships)
      .values({ id: newId('mem'), orgId: other.orgId, userId: user.userId, role: 'admin' });
    await scanFootprint(user, other.orgId);
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${other.orgId}/invitations`,
      headers: user.headers,
      payload: { email: 'friend@example.org', role: 'member' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    // A connection group the user created there (connection_groups.created_by).
    const management = await createTestConnection(t, other.orgId, { capabilities: ['organizations-read'] });
    const group = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${other.orgId}/connection-groups`,
      headers: user.headers,
      payload: {
        name: 'erased user group',
        managementConnectionId: management.id,
        capabilities: ['cost-scan'],
      },
    });
    expect(group.statusCode, group.body).toBe(201);
    expect((await columnsContaining(user.userId)).length).toBeGreaterThan(5);

    const res = await t.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: user.headers,
      payload: { password: TEST_PASSWORD },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await columnsContaining(user.userId)).toEqual([]);
    // Their pending invitation in the organisation that stays was revoked (25.6), and that is audited.
    const [inv] = await t.database.db.select().from(invitations).where(eq(invitations.id, sent.json().id));
    expect(inv?.revokedAt).not.toBeNull();
    const revoked = await t.database.db
      .select({ details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, other.orgId), eq(auditEvents.action, 'invitation.revoked')));
    expect(revoked).toEqual([{ details: { reason: 'inviter_deleted', role: 'member' } }]);
    expect(await verifyChain(t.database.db, other.orgId)).toMatchObject({ valid: true });
  });

  it('the export pseudonymises other people and includes what the user’s API keys did and what was done to them', async () => {
    const user = await createTestUser(t);
    const admin = await createTestUser(t, { role: 'admin', orgId: user.orgId });
    const third = await createTestUser(t, { role: 'member', orgId: user.orgId });
    const keyId = newId('key');
    await t.database.db.insert(apiKeys).values({
      id: keyId,
      orgId: user.orgId,
      name: 'agent',
      prefix: `pfx${keyId.slice(4, 14)}`,
      secretHash: 'h',
      role: 'member',
      createdBy: user.userId,
      createdAt: new Date(),
    });
    // The user acted on a third party; their key acted; an admin acted on the user.
    await audit.record(t.database.db, {
      orgId: user.orgId,
      actorType: 'user',
      actorId: user.userId,
      action: 'membership.role_changed',
      outcome: 'success',
      targetType: 'user',
      targetId: third.userId,
      details: { note: `changed ${third.userId}`, by: `self ${user.userId}` },
    });
    await audit.record(t.database.db, {
      orgId: user.orgId,
      actorType: 'apiKey',
      actorId: keyId,
      action: 'aws.s3.list_buckets',
      outcome: 'success',
      ip: '198.51.100.7',
      resource: 'arn:aws:s3:::customer-private-bucket',
      details: { region: 'eu-west-1' },
    });
    await audit.record(t.database.db, {
      orgId: user.orgId,
      actorType: 'user',
      actorId: admin.userId,
      action: 'membership.role_changed',
      outcome: 'success',
      targetType: 'user',
      targetId: user.userId,
      ip: '192.0.2.99',
      userAgent: 'AdminBrowser/1.0',
    });
    const res = await t.app.inject({ url: '/v1/me/export', headers: user.headers });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain(user.userId);
    for (const someoneElse of [admin.userId, third.userId, '192.0.2.99', 'AdminBrowser/1.0'])
      expect(res.body).not.toContain(someoneElse);
    const body = res.json();
    const byUser = body.auditEvents as Array<{
      action: string;
      targetId: string;
      details: { note: string; by: string };
    }>;
    const changed = byUser.find((e) => e.action === 'membership.role_changed');
    expect(changed?.targetId).toMatch(/^member-\d+$/);
    expect(changed?.details.note).toMatch(/^changed member-\d+$/);
    // The user's own id, stored in details as their audit reference, reads as their id again.
    expect(changed?.details.by).toBe(`self ${user.userId}`);
    // What the user's key did and when, but not the organisation's data the user may no longer be
    // allowed to read (a demoted creator's key keeps working), nor the callers' addresses.
    expect(body.auditEventsByApiKeys).toEqual([
      expect.objectContaining({
        actorId: keyId,
        action: 'aws.s3.list_buckets',
        ip: null,
        resource: null,
        details: {},
      }),
    ]);
    expect(res.body).not.toContain('customer-private-bucket');
    expect(res.body).not.toContain('198.51.100.7');
    const about = body.auditEventsAboutUser as Array<{ actorId: string; targetId: string; ip: unknown }>;
    expect(about).toEqual([
      expect.objectContaining({ action: 'membership.role_changed', targetId: user.userId, ip: null }),
    ]);
    expect(about[0]?.actorId).toMatch(/^member-\d+$/);
    expect(about[0]?.actorId).not.toBe(changed?.targetId);
  });
});
