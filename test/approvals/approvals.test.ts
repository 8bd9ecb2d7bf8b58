import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApprovalsService } from '../../src/approvals/service.ts';
import { createApprovalStore } from '../../src/approvals/store.ts';
import { approvalRequests } from '../../src/approvals/tables.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import type { Clock } from '../../src/clock.ts';
import { memberships } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { webhookDeliveries } from '../../src/webhooks/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection, type TestConnection } from '../helpers/connections.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import { auditOf, mockSts, sts } from '../operations/harness.ts';

let t: TestApp;
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
const lambda = mockClient(LambdaClient);

beforeAll(async () => {
  // Webhook receivers on 127.0.0.1 need the development-only switch (nothing listens there: only the
  // outbox rows are checked).
  t = await createTestApp({
    clock,
    env: { ROLEGATE_CREDENTIAL_CACHE: 'off', ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' },
  });
});
afterAll(async () => {
  await t.close();
  lambda.restore();
  sts.restore();
});
beforeEach(() => {
  offsetMs = 0;
  mockSts();
  lambda.reset();
  lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from('{"pong":1}') as never });
});

interface Org {
  owner: TestUser;
  admin: TestUser;
  member: TestUser;
  connection: TestConnection;
}

async function org(): Promise<Org> {
  const owner = await createTestUser(t);
  const admin = await createTestUser(t, { orgId: owner.orgId, role: 'admin' });
  const member = await createTestUser(t, { orgId: owner.orgId, role: 'member' });
  const connection = await createTestConnection(t, owner.orgId, {
    capabilities: ['lambda-invoke', 's3-write', 's3-read'],
    scopes: { lambdaFunctionPatterns: ['debug-*'] },
  });
  return { owner, admin, member, connection };
}

const invokeUrl = (o: Org, fn = 'debug-echo') =>
  `/v1/orgs/${o.owner.orgId}/connections/${o.connection.id}/lambda/functions/${fn}/invoke`;

function invoke(o: Org, who: { authorization: string }, fn = 'debug-echo') {
  return t.app.inject({
    method: 'POST',
    url: invokeUrl(o, fn),
    headers: who,
    payload: { payload: { ping: 1 } },
  });
}

function presignPut(o: Org, who: { authorization: string }, bucket: string, key: string) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${o.owner.orgId}/connections/${o.connection.id}/s3/presign`,
    headers: who,
    payload: { bucket, key, method: 'PUT', expiresIn: 120 },
  });
}

function decide(o: Org, who: { authorization: string }, id: string, decision: 'approve' | 'deny' | 'revoke') {
  return t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${o.owner.orgId}/approvals/${id}/${decision}`,
    headers: who,
    payload: { comment: `${decision} in test` },
  });
}

/** Calls until 202 and returns the approval request id the refusal names. */
async function pendingId(res: Awaited<ReturnType<typeof invoke>>): Promise<string> {
  expect(res.statusCode, res.body).toBe(202);
  const body = res.json();
  expect(body.error.code).toBe('approval_required');
  expect(body.error.details.approvalRequestId).toMatch(/^apr_/);
  return body.error.details.approvalRequestId as string;
}

async function apiKey(o: Org, who: TestUser, role: 'member' | 'admin'): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${o.owner.orgId}/api-keys`,
    headers: who.headers,
    payload: { name: `key ${role}`, role },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().key as string;
}

/** The service over the test database, for what HTTP cannot reach (a stale actor, the sweep). */
function standalone() {
  return createApprovalsService({
    db: t.database.db,
    store: createApprovalStore(),
    audit: createAuditWriter({ clock }),
    clock,
    outbox: { enqueue: async () => 0 },
    logger: { error: () => {} },
    sweepSeconds: 0,
  });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('approval policy', () => {
  it('defaults to approval for clean-up, Lambda invoke and S3 writes; admins change it, members cannot', async () => {
    const o = await org();
    const url = `/v1/orgs/${o.owner.orgId}/approval-policy`;
    const before = await t.app.inject({ method: 'GET', url, headers: o.admin.headers });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({
      isDefault: true,
      operations: ['cleanup.execute', 'lambda.invoke', 's3.put_object', 's3.presign_put'],
      approvalsRequired: 1,
      grantTtlSeconds: 3600,
      grantMode: 'single_use',
    });
    const policy = {
      operations: ['lambda.invoke'],
      approverRoles: ['owner'],
      approvalsRequired: 2,
      grantTtlSeconds: 600,
      grantMode: 'time_boxed',
    };
    const member = await t.app.inject({ method: 'PUT', url, headers: o.member.headers, payload: policy });
    expect(member.statusCode).toBe(403);
    for (const bad of [
      { ...policy, approvalsRequired: 4 },
      { ...policy, grantTtlSeconds: 24 * 3600 + 1 },
      { ...policy, approverRoles: ['member'] },
      { ...policy, operations: ['s3.nuke_everything'] },
      { ...policy, extra: true },
    ]) {
      const res = await t.app.inject({ method: 'PUT', url, headers: o.admin.headers, payload: bad });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect((await t.app.inject({ method: 'GET', url, headers: o.admin.headers })).json().isDefault).toBe(
      true,
    );
    // It removes operations and makes grants reusable: loosening, the owner's call (approvals review 3).
    const byAdmin = await t.app.inject({ method: 'PUT', url, headers: o.admin.headers, payload: policy });
    expect(byAdmin.statusCode).toBe(403);
    const put = await t.app.inject({ method: 'PUT', url, headers: o.owner.headers, payload: policy });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ ...policy, isDefault: false });
    expect(await auditOf(t, o.owner.orgId, 'approval.policy_updated')).toHaveLength(1);
  });
});

describe('four-eyes approval of an operation', () => {
  it('answers 202 with a request, lets another admin approve, and spends the single-use grant on the call', async () => {
    const o = await org();
    const id = await pendingId(await invoke(o, o.member.headers));
    expect(lambda.calls()).toHaveLength(0);
    // Asking again reuses the pending request instead of piling up new ones.
    expect(await pendingId(await invoke(o, o.member.headers))).toBe(id);

    const pending = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${o.owner.orgId}/approvals?status=pending`,
      headers: o.admin.headers,
    });
    expect(pending.json().items.map((r: { id: string }) => r.id)).toEqual([id]);
    expect(pending.json().items[0]).toMatchObject({
      kind: 'operation',
      operation: 'lambda.invoke',
      connectionId: o.connection.id,
      resource: 'arn:aws:lambda:us-east-1:123456789012:function:debug-echo',
      requester: { type: 'user', id: o.member.userId, userId: o.member.userId },
    });

    const approved = await decide(o, o.admin.headers, id, 'approve');
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', approvals: 1 });

    const ok = await invoke(o, o.member.headers);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(lambda.calls()).toHaveLength(1);
    const calls = await auditOf(t, o.owner.orgId, 'aws.lambda.invoke');
    expect(calls.find((r) => r.outcome === 'success')?.details).toMatchObject({ approvalId: id });
    expect((await auditOf(t, o.owner.orgId, 'approval.used')).map((r) => r.targetId)).toEqual([id]);
    expect(await auditOf(t, o.owner.orgId, 'approval.requested')).toHaveLength(1);
    expect(await auditOf(t, o.owner.orgId, 'approval.decided')).toHaveLength(1);

    // Used: the next call needs a new approval.
    const again = await pendingId(await invoke(o, o.member.headers));
    expect(again).not.toBe(id);
    expect(lambda.calls()).toHaveLength(1);
    expect((await decide(o, o.admin.headers, id, 'revoke')).statusCode).toBe(409);

    // Both people find their part in their personal data export.
    const mine = (await t.app.inject({ url: '/v1/me/export', headers: o.member.headers })).json();
    expect(mine.approvalRequests.map((r: { id: string }) => r.id)).toEqual([id, again]);
    const theirs = (await t.app.inject({ url: '/v1/me/export', headers: o.admin.headers })).json();
    expect(theirs.approvalDecisions).toEqual([
      expect.objectContaining({ requestId: id, decision: 'approve', comment: 'approve in test' }),
    ]);
  });

  it('needs as many distinct approvers as the policy says, of the roles it names', async () => {
    const o = await org();
    const put = await t.app.inject({
      method: 'PUT',
      url: `/v1/orgs/${o.owner.orgId}/approval-policy`,
      headers: o.owner.headers,
      payload: {
        operations: ['lambda.invoke'],
        approverRoles: ['admin', 'owner'],
        approvalsRequired: 2,
        grantTtlSeconds: 600,
        grantMode: 'single_use',
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    const id = await pendingId(await invoke(o, o.member.headers));
    expect((await decide(o, o.admin.headers, id, 'approve')).json()).toMatchObject({
      status: 'pending',
      approvals: 1,
    });
    expect((await decide(o, o.admin.headers, id, 'approve')).statusCode).toBe(409);
    await pendingId(await invoke(o, o.member.headers));
    expect((await decide(o, o.owner.headers, id, 'approve')).json()).toMatchObject({
      status: 'approved',
      approvals: 2,
    });
    expect((await invoke(o, o.member.headers)).statusCode).toBe(200);

    // Owners only: an admin's approval is refused at decision time.
    const ownersOnly = await t.app.inject({
      method: 'PUT',
      url: `/v1/orgs/${o.owner.orgId}/approval-policy`,
      headers: o.owner.headers,
      payload: {
        operations: ['lambda.invoke'],
        approverRoles: ['owner'],
        approvalsRequired: 1,
        grantTtlSeconds: 600,
        grantMode: 'single_use',
      },
    });
    expect(ownersOnly.statusCode, ownersOnly.body).toBe(200);
    const next = await pendingId(await invoke(o, o.member.headers));
    expect((await decide(o, o.admin.headers, next, 'approve')).statusCode).toBe(403);
    expect((await decide(o, o.owner.headers, next, 'approve')).statusCode).toBe(200);
  });

  it('refuses the requester as approver, also through an API key they own', async () => {
    const o = await org();
    // The admin asks through an API key: the request is attributed to the admin.
    const key = await apiKey(o, o.admin, 'admin');
    const id = await pendingId(await invoke(o, bearer(key)));
    const own = await decide(o, o.admin.headers, id, 'approve');
    expect(own.statusCode).toBe(403);
    const secondKey = await apiKey(o, o.admin, 'admin');
    expect((await decide(o, bearer(secondKey), id, 'approve')).statusCode).toBe(403);
    expect((await decide(o, bearer(key), id, 'approve')).statusCode).toBe(403);
    const view = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${o.owner.orgId}/approvals/${id}`,
      headers: o.owner.headers,
    });
    expect(view.json()).toMatchObject({
      status: 'pending',
      approvals: 0,
      requester: { type: 'apiKey', userId: o.admin.userId },
    });
    // The owner (another person) may.
    expect((await decide(o, o.owner.headers, id, 'approve')).statusCode).toBe(200);
    expect((await invoke(o, bearer(key))).statusCode).toBe(200);
  });

  it('binds the grant to its resource: another function or bucket is not covered', async () => {
    const o = await org();
    const id = await pendingId(await invoke(o, o.member.headers));
    expect((await decide(o, o.admin.headers, id, 'approve')).statusCode).toBe(200);
    await pendingId(await invoke(o, o.member.headers, 'debug-other'));
    expect(lambda.calls()).toHaveLength(0);
    // The grant is the member's: the admin's own call is not covered by it either.
    await pendingId(await invoke(o, o.admin.headers));

    // A prefix scope asked for explicitly: bucket A under x/ only.
    const create = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${o.owner.orgId}/approvals`,
      headers: o.member.headers,
      payload: {
        operation: 's3.presign_put',
        connectionId: o.connection.id,
        resource: 'arn:aws:s3:::bucket-a/x/*',
        reason: 'upload the fixtures for ticket 42',
      },
    });
    expect(create.statusCode, create.body).toBe(201);
    expect((await decide(o, o.admin.headers, create.json().id, 'approve')).statusCode).toBe(200);
    await pendingId(await presignPut(o, o.member.headers, 'bucket-b', 'x/file.txt'));
    await pendingId(await presignPut(o, o.member.headers, 'bucket-a', 'y/file.txt'));
    const ok = await presignPut(o, o.member.headers, 'bucket-a', 'x/file.txt');
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('refuses expired, revoked and denied grants', async () => {
    const o = await org();
    // A short grant, so that the fake clock stays within the access tokens' lifetime.
    const policy = await t.app.inject({
      method: 'PUT',
      url: `/v1/orgs/${o.owner.orgId}/approval-policy`,
      headers: o.owner.headers,
      payload: {
        operations: ['lambda.invoke'],
        approverRoles: ['admin', 'owner'],
        approvalsRequired: 1,
        grantTtlSeconds: 120,
        grantMode: 'time_boxed',
      },
    });
    expect(policy.statusCode, policy.body).toBe(200);
    const expiring = await pendingId(await invoke(o, o.member.headers));
    expect((await decide(o, o.admin.headers, expiring, 'approve')).statusCode).toBe(200);
    // Time-boxed: usable more than once while it lasts.
    expect((await invoke(o, o.member.headers)).statusCode).toBe(200);
    expect((await invoke(o, o.member.headers)).statusCode).toBe(200);
    expect(await auditOf(t, o.owner.orgId, 'approval.used')).toHaveLength(2);
    offsetMs = 121_000;
    expect(await pendingId(await invoke(o, o.member.headers))).not.toBe(expiring);
    const expired = await auditOf(t, o.owner.orgId, 'approval.expired');
    expect(expired.map((r) => r.targetId)).toContain(expiring);
    offsetMs = 0;

    const o2 = await org();
    const revoked = await pendingId(await invoke(o2, o2.member.headers));
    expect((await decide(o2, o2.admin.headers, revoked, 'approve')).statusCode).toBe(200);
    expect((await decide(o2, o2.owner.headers, revoked, 'revoke')).statusCode).toBe(200);
    expect(await pendingId(await invoke(o2, o2.member.headers))).not.toBe(revoked);
    expect(await auditOf(t, o2.owner.orgId, 'approval.revoked')).toHaveLength(1);

    const o3 = await org();
    const denied = await pendingId(await invoke(o3, o3.member.headers));
    const deny = await decide(o3, o3.admin.headers, denied, 'deny');
    expect(deny.json()).toMatchObject({
      status: 'denied',
      decisions: [{ decision: 'deny', comment: 'deny in test' }],
    });
    expect((await decide(o3, o3.owner.headers, denied, 'approve')).statusCode).toBe(409);
    expect(await pendingId(await invoke(o3, o3.member.headers))).not.toBe(denied);
    expect(lambda.calls()).toHaveLength(2);
  });

  it('checks the approver’s role when deciding: a demoted admin cannot approve', async () => {
    const o = await org();
    const id = await pendingId(await invoke(o, o.member.headers));
    await t.database.db
      .update(memberships)
      .set({ role: 'member' })
      .where(and(eq(memberships.orgId, o.owner.orgId), eq(memberships.userId, o.admin.userId)));
    expect((await decide(o, o.admin.headers, id, 'approve')).statusCode).toBe(403);
    // And inside the decision itself, for an actor the guard authorised a moment before the demotion:
    // the role is read again in the decision's transaction.
    const service = standalone();
    const stale = {
      type: 'user' as const,
      id: o.admin.userId,
      userId: o.admin.userId,
      orgId: o.owner.orgId,
      role: 'admin' as const,
      sessionId: o.admin.sessionId,
      ip: '127.0.0.1',
      userAgent: null,
      requestId: 'req_test',
    };
    await expect(service.decide(stale, id, 'approve', undefined)).rejects.toMatchObject({
      code: 'forbidden',
    });
    const row = await t.database.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
    expect(row[0]?.status).toBe('pending');
    expect(await auditOf(t, o.owner.orgId, 'approval.decided')).toHaveLength(0);
  });

  it('serialises two approvals and a revoke', async () => {
    for (let round = 0; round < 3; round++) {
      const o = await org();
      const id = await pendingId(await invoke(o, o.member.headers));
      const [a, b, r] = await Promise.all([
        decide(o, o.admin.headers, id, 'approve'),
        decide(o, o.owner.headers, id, 'approve'),
        decide(o, o.member.headers, id, 'revoke'),
      ]);
      const approvals = [a, b].filter((res) => res.statusCode === 200);
      expect(approvals.length).toBeLessThanOrEqual(1);
      for (const res of [a, b, r]) expect([200, 409]).toContain(res.statusCode);
      const final = (
        await t.database.db.select().from(approvalRequests).where(eq(approvalRequests.id, id))
      )[0];
      if (r.statusCode === 200) expect(final?.status).toBe('revoked');
      else expect(final?.status).toBe('approved');
      expect(approvals.length + (r.statusCode === 200 ? 1 : 0)).toBeGreaterThanOrEqual(1);
    }
  });

  it('gives concurrent refused calls one shared request', async () => {
    const o = await org();
    const results = await Promise.all([1, 2, 3].map(() => invoke(o, o.member.headers)));
    const ids = await Promise.all(results.map((r) => pendingId(r)));
    expect(new Set(ids).size).toBe(1);
    const rows = await t.database.db
      .select()
      .from(approvalRequests)
      .where(eq(approvalRequests.orgId, o.owner.orgId));
    expect(rows).toHaveLength(1);
    expect(await auditOf(t, o.owner.orgId, 'approval.requested')).toHaveLength(1);
  });

  it('lets exactly one of two concurrent calls spend a single-use grant', async () => {
    const o = await org();
    const id = await pendingId(await presignPut(o, o.member.headers, 'bucket-a', 'k.txt'));
    expect((await decide(o, o.admin.headers, id, 'approve')).statusCode).toBe(200);
    const results = await Promise.all([
      presignPut(o, o.member.headers, 'bucket-a', 'k.txt'),
      presignPut(o, o.member.headers, 'bucket-a', 'k.txt'),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 202]);
    expect(await auditOf(t, o.owner.orgId, 'approval.used')).toHaveLength(1);
  });

  it('answers another organisation’s request ids with 404 and changes nothing', async () => {
    const o = await org();
    const other = await org();
    const id = await pendingId(await invoke(o, o.member.headers));
    for (const d of ['approve', 'deny', 'revoke'] as const) {
      expect((await decide(other, other.owner.headers, id, d)).statusCode).toBe(404);
    }
    const get = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${other.owner.orgId}/approvals/${id}`,
      headers: other.owner.headers,
    });
    expect(get.statusCode).toBe(404);
    const row = (await t.database.db.select().from(approvalRequests).where(eq(approvalRequests.id, id)))[0];
    expect(row?.status).toBe('pending');
    // A member sees only their own requests.
    const otherMember = await createTestUser(t, { orgId: o.owner.orgId, role: 'member' });
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${o.owner.orgId}/approvals`,
      headers: otherMember.headers,
    });
    expect(list.json().items).toEqual([]);
    const theirs = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${o.owner.orgId}/approvals/${id}`,
      headers: otherMember.headers,
    });
    expect(theirs.statusCode).toBe(404);
  });

  it('announces requests and decisions to subscribed webhooks', async () => {
    const o = await org();
    const create = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${o.owner.orgId}/webhooks`,
      headers: o.owner.headers,
      payload: { url: 'http://127.0.0.1:9/hook', eventTypes: ['approval.requested', 'approval.decided'] },
    });
    expect(create.statusCode, create.body).toBe(201);
    const id = await pendingId(await invoke(o, o.member.headers));
    await decide(o, o.admin.headers, id, 'approve');
    const rows = await t.database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.orgId, o.owner.orgId));
    expect(rows.map((r) => r.eventType).sort()).toEqual(['approval.decided', 'approval.requested']);
    expect(
      rows.every((r) => (r.payload as { data: { approvalRequestId: string } }).data.approvalRequestId === id),
    ).toBe(true);
  });
});

describe('agents: intents and MCP with an API key', () => {
  it('gives an agent the request id over intents and MCP, and runs once another person approves', async () => {
    const o = await org();
    // Keys are made by admins: this member-role agent key answers to the admin who made it.
    const key = await apiKey(o, o.admin, 'member');
    const intent = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/intents',
        headers: bearer(key),
        payload: {
          intent: 'lambda.invoke',
          connectionId: o.connection.id,
          params: { function: 'debug-echo', payload: {} },
        },
      });
    const id = await pendingId(await intent());
    const mcp = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: {
        ...bearer(key),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      payload: {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'lambda_invoke',
          arguments: { connectionId: o.connection.id, function: 'debug-echo', payload: {} },
        },
      },
    });
    expect(mcp.statusCode, mcp.body).toBe(200);
    expect(mcp.body).toContain('approval_required');
    expect(mcp.body).toContain(id);
    const row = (await t.database.db.select().from(approvalRequests).where(eq(approvalRequests.id, id)))[0];
    expect(row).toMatchObject({ requesterType: 'apiKey', requesterUserId: o.admin.userId });
    // The key's creator is the requester: they cannot approve; the owner can.
    expect((await decide(o, o.admin.headers, id, 'approve')).statusCode).toBe(403);
    expect((await decide(o, o.owner.headers, id, 'approve')).statusCode).toBe(200);
    const ok = await intent();
    expect(ok.statusCode, ok.body).toBe(200);
    // The grant is the key's: its creator's own call is not covered.
    await pendingId(await invoke(o, o.admin.headers));
  });
});

describe('just-in-time elevation', () => {
  it('raises a member to admin for the approved time, then lets it end by itself; revocable', async () => {
    const o = await org();
    const auditUrl = `/v1/orgs/${o.owner.orgId}/audit`;
    expect((await t.app.inject({ method: 'GET', url: auditUrl, headers: o.member.headers })).statusCode).toBe(
      403,
    );
    const ask = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${o.owner.orgId}/elevations`,
      headers: o.member.headers,
      payload: { role: 'admin', durationSeconds: 300, reason: 'incident 7: read the audit trail' },
    });
    expect(ask.statusCode, ask.body).toBe(201);
    const id = ask.json().id as string;
    expect((await decide(o, o.member.headers, id, 'approve')).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: auditUrl, headers: o.member.headers })).statusCode).toBe(
      403,
    );
    expect((await decide(o, o.admin.headers, id, 'approve')).json()).toMatchObject({
      status: 'approved',
      kind: 'elevation',
    });
    expect((await t.app.inject({ method: 'GET', url: auditUrl, headers: o.member.headers })).statusCode).toBe(
      200,
    );
    // An elevated member still cannot approve (approvers hold the role by membership).
    const other = await pendingId(await invoke(o, o.admin.headers));
    expect((await decide(o, o.member.headers, other, 'approve')).statusCode).toBe(403);
    offsetMs = 301_000;
    expect((await t.app.inject({ method: 'GET', url: auditUrl, headers: o.member.headers })).statusCode).toBe(
      403,
    );

    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${o.owner.orgId}/elevations`,
      headers: o.member.headers,
      payload: { role: 'admin', reason: 'once more' },
    });
    const second = again.json().id as string;
    expect((await decide(o, o.owner.headers, second, 'approve')).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: auditUrl, headers: o.member.headers })).statusCode).toBe(
      200,
    );
    expect((await decide(o, o.owner.headers, second, 'revoke')).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: auditUrl, headers: o.member.headers })).statusCode).toBe(
      403,
    );
    const bad = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${o.owner.orgId}/elevations`,
      headers: o.member.headers,
      payload: { role: 'owner', reason: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    const admin = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${o.owner.orgId}/elevations`,
      headers: o.admin.headers,
      payload: { role: 'admin', reason: 'x' },
    });
    expect(admin.statusCode).toBe(409);
  });
});

/** Asks for and approves (by the org's admin) an elevation of the member to admin. */
async function elevate(o: Org, who: TestUser = o.member): Promise<string> {
  const ask = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${o.owner.orgId}/elevations`,
    headers: who.headers,
    payload: { role: 'admin', durationSeconds: 300, reason: 'incident' },
  });
  expect(ask.statusCode, ask.body).toBe(201);
  const id = ask.json().id as string;
  expect((await decide(o, o.admin.headers, id, 'approve')).statusCode).toBe(200);
  return id;
}

const auditStatus = async (o: Org, who: TestUser) =>
  (await t.app.inject({ method: 'GET', url: `/v1/orgs/${o.owner.orgId}/audit`, headers: who.headers }))
    .statusCode;

describe('approvals review 1: what an elevation cannot do', () => {
  it('refuses an elevated member role changes, removals, invitations and admin API keys', async () => {
    const o = await org();
    const accomplice = await createTestUser(t, { orgId: o.owner.orgId, role: 'member' });
    await elevate(o);
    expect(await auditStatus(o, o.member)).toBe(200);
    const patch = (userId: string, role: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/orgs/${o.owner.orgId}/members/${userId}`,
        headers: o.member.headers,
        payload: { role },
      });
    expect((await patch(o.member.userId, 'admin')).statusCode).toBe(403);
    expect((await patch(accomplice.userId, 'admin')).statusCode).toBe(403);
    const invite = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${o.owner.orgId}/invitations`,
      headers: o.member.headers,
      payload: { email: `x-${o.member.userId}@example.test`, role: 'admin' },
    });
    expect(invite.statusCode).toBe(403);
    const key = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${o.owner.orgId}/api-keys`,
      headers: o.member.headers,
      payload: { name: 'escalate', role: 'admin' },
    });
    expect(key.statusCode).toBe(403);
    const removal = await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${o.owner.orgId}/members/${accomplice.userId}`,
      headers: o.member.headers,
    });
    expect(removal.statusCode).toBe(403);
    const roles = await t.database.db
      .select({ userId: memberships.userId, role: memberships.role })
      .from(memberships)
      .where(eq(memberships.orgId, o.owner.orgId));
    expect(roles.find((r) => r.userId === o.member.userId)?.role).toBe('member');
    expect(roles.find((r) => r.userId === accomplice.userId)?.role).toBe('member');
  });
});

describe('approvals review 2: demotion and removal end an elevation', () => {
  const patchRole = (o: Org, userId: string, role: string) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/orgs/${o.owner.orgId}/members/${userId}`,
      headers: o.owner.headers,
      payload: { role },
    });

  it('revokes the elevation on demotion, audited; promoting back does not revive it', async () => {
    const o = await org();
    const id = await elevate(o);
    expect(await auditStatus(o, o.member)).toBe(200);
    expect((await patchRole(o, o.member.userId, 'viewer')).statusCode).toBe(200);
    expect(await auditStatus(o, o.member)).toBe(403);
    expect((await patchRole(o, o.member.userId, 'member')).statusCode).toBe(200);
    expect(await auditStatus(o, o.member)).toBe(403);
    const [row] = await t.database.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
    expect(row?.status).toBe('revoked');
    const revoked = await auditOf(t, o.owner.orgId, 'approval.revoked');
    expect(revoked.map((r) => r.targetId)).toContain(id);
  });

  it('revokes the elevation on removal: re-added as member or viewer, it is gone', async () => {
    const o = await org();
    await elevate(o);
    const removal = await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${o.owner.orgId}/members/${o.member.userId}`,
      headers: o.owner.headers,
    });
    expect(removal.statusCode).toBe(204);
    await t.database.db
      .insert(memberships)
      .values({ id: newId('mem'), orgId: o.owner.orgId, userId: o.member.userId, role: 'viewer' });
    expect(await auditStatus(o, o.member)).toBe(403);
    await t.database.db
      .update(memberships)
      .set({ role: 'member' })
      .where(and(eq(memberships.orgId, o.owner.orgId), eq(memberships.userId, o.member.userId)));
    expect(await auditStatus(o, o.member)).toBe(403);
  });
});

describe('approvals review 3: nobody switches four-eyes off alone', () => {
  const strict = {
    operations: ['cleanup.execute', 'lambda.invoke', 's3.presign_put', 's3.put_object'],
    approverRoles: ['admin', 'owner'],
    approvalsRequired: 1,
    grantTtlSeconds: 3600,
    grantMode: 'single_use',
  };
  const put = (o: Org, who: TestUser, payload: object) =>
    t.app.inject({
      method: 'PUT',
      url: `/v1/orgs/${o.owner.orgId}/approval-policy`,
      headers: who.headers,
      payload,
    });

  it('refuses an elevated member any change, an admin a loosening; an owner may; every change is announced', async () => {
    const o = await org();
    const hook = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${o.owner.orgId}/webhooks`,
      headers: o.owner.headers,
      payload: { url: 'http://127.0.0.1:9/hook', eventTypes: ['approval.policy_updated'] },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    await elevate(o);
    expect((await put(o, o.member, { ...strict, approvalsRequired: 2 })).statusCode).toBe(403);
    expect((await put(o, o.member, { ...strict, operations: [] })).statusCode).toBe(403);
    for (const loose of [
      { ...strict, operations: [] },
      { ...strict, operations: ['lambda.invoke'] },
      { ...strict, grantTtlSeconds: 7200 },
      { ...strict, grantMode: 'time_boxed' },
    ]) {
      expect((await put(o, o.admin, loose)).statusCode, JSON.stringify(loose)).toBe(403);
    }
    expect(await auditOf(t, o.owner.orgId, 'approval.policy_updated')).toHaveLength(0);
    // Tightening is an admin's: two approvals, owners only, shorter grants.
    const tighter = { ...strict, approvalsRequired: 2, approverRoles: ['owner'], grantTtlSeconds: 600 };
    expect((await put(o, o.admin, tighter)).statusCode).toBe(200);
    // Back to admins approving, one approval: loosening again.
    expect((await put(o, o.admin, strict)).statusCode).toBe(403);
    expect((await put(o, o.owner, { ...strict, operations: [] })).statusCode).toBe(200);
    expect(await auditOf(t, o.owner.orgId, 'approval.policy_updated')).toHaveLength(2);
    const rows = await t.database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.orgId, o.owner.orgId));
    const sent = rows.filter((r) => r.eventType === 'approval.policy_updated');
    expect(sent).toHaveLength(2);
    expect(sent.map((r) => (r.payload as { data: { loosened: boolean } }).data.loosened).sort()).toEqual([
      false,
      true,
    ]);
  });
});

describe('approvals review 4: wildcard scopes', () => {
  it('refuses a request whose `*` does not follow `/` or `:`, or names no bucket', async () => {
    const o = await org();
    for (const resource of ['arn:aws:s3:::bucket-a*', 'arn:aws:s3:::*', 'arn:aws:s3:::bucket-a/x*']) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/orgs/${o.owner.orgId}/approvals`,
        headers: o.member.headers,
        payload: { operation: 's3.put_object', connectionId: o.connection.id, resource, reason: 'wide' },
      });
      expect(res.statusCode, resource).toBe(400);
    }
  });
});

describe('approvals review 5: a time-boxed grant is touched only while it holds', () => {
  it('touch refuses a revoked or expired grant (and says so)', async () => {
    const o = await org();
    const id = await elevate(o);
    const store = createApprovalStore();
    expect(await store.touch(t.database.db, o.owner.orgId, id, clock.now())).toBe(true);
    const later = new Date(clock.now().getTime() + 301_000);
    expect(await store.touch(t.database.db, o.owner.orgId, id, later)).toBe(false);
    expect((await decide(o, o.owner.headers, id, 'revoke')).statusCode).toBe(200);
    const [before] = await t.database.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
    expect(await store.touch(t.database.db, o.owner.orgId, id, clock.now())).toBe(false);
    const [after] = await t.database.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
    expect(after?.usedAt).toEqual(before?.usedAt);
  });
});
