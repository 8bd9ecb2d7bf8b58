import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.ts';
import { findings, scans } from '../../src/scans/tables.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import { createScanHarness, insertConnection, type ScanHarness } from './harness.ts';

/** GET /v1/orgs/:orgId/connections/:connId/scans: a connection's scan history for the console. */

let h: ScanHarness;
let owner: TestUser;
let connId: string;
/** The scans inserted below, oldest first. */
const ids: string[] = [];

async function list(user: { headers: { authorization: string } }, orgId: string, conn: string, query = '') {
  return h.t.app.inject({
    method: 'GET',
    url: `/v1/orgs/${orgId}/connections/${conn}/scans${query}`,
    headers: user.headers,
  });
}

beforeAll(async () => {
  h = await createScanHarness();
  owner = await createTestUser(h.t);
  connId = (await insertConnection(h.t, owner.orgId, { regions: ['us-east-1', 'eu-west-1'] })).id;
  const base = Date.parse('2026-11-01T10:00:00Z');
  // Five scans an hour apart; two share a creation time, so the cursor must break ties by id.
  const times = [0, 1, 2, 2, 3].map((hours) => new Date(base + hours * 3600_000));
  for (const [i, createdAt] of times.entries()) {
    const id = newId('scn');
    ids.push(id);
    await h.db.insert(scans).values({
      id,
      orgId: owner.orgId,
      connectionId: connId,
      status: i === 4 ? 'failed' : 'succeeded',
      regions: ['us-east-1', 'eu-west-1'],
      regionsDone: i === 4 ? ['us-east-1'] : ['us-east-1', 'eu-west-1'],
      findingsCount: i,
      requestedByType: 'user',
      requestedById: owner.userId,
      createdAt,
      startedAt: new Date(createdAt.getTime() + 1000),
      finishedAt: new Date(createdAt.getTime() + 60_000),
      ...(i === 4 ? { errorCode: 'aws_request_failed', errorMessage: 'EC2 answered an error.' } : {}),
    });
  }
  // The newest succeeded scan (index 3) is the latest to see three findings: two open, one dismissed.
  for (const status of ['open', 'open', 'dismissed'] as const) {
    await h.db.insert(findings).values({
      id: newId('fnd'),
      orgId: owner.orgId,
      connectionId: connId,
      scanId: ids[3]!,
      type: 'ebs_volume_unattached',
      region: 'us-east-1',
      resourceId: `vol-${newId('fnd').slice(4, 16)}`,
      resourceArn: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1',
      ageDays: 10,
      tags: {},
      monthlyCostCents: 100,
      recommendedAction: 'delete',
      details: {},
      status,
      firstSeenAt: new Date(),
      lastSeenAt: new Date(),
    });
  }
});

afterAll(async () => {
  await h?.close();
});

describe('connection scan history', () => {
  it('lists the scans newest first, with progress, errors and the findings each was the latest to see', async () => {
    const res = await list(owner, owner.orgId, connId);
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      items: {
        id: string;
        status: string;
        progress: { regionsDone: number; regionsTotal: number; findings: number };
        findings: { open: number; dismissed: number; cleaned: number };
        error?: { code: string };
        startedAt: string | null;
        finishedAt: string | null;
      }[];
      nextCursor: string | null;
    };
    expect(body.nextCursor).toBeNull();
    expect(body.items).toHaveLength(5);
    expect(body.items[0]?.id).toBe(ids[4]);
    expect(body.items[0]?.status).toBe('failed');
    expect(body.items[0]?.error?.code).toBe('aws_request_failed');
    expect(body.items[0]?.progress).toEqual({ regionsDone: 1, regionsTotal: 2, findings: 4 });
    expect(body.items.at(-1)?.id).toBe(ids[0]);
    // The two scans created at the same instant come in a stable order (id descending).
    const tied = body.items.slice(1, 3).map((s) => s.id);
    expect(tied).toEqual([ids[2]!, ids[3]!].sort().reverse());
    const withFindings = body.items.find((s) => s.id === ids[3]);
    expect(withFindings?.findings).toEqual({ open: 2, dismissed: 1, cleaned: 0 });
    expect(body.items.find((s) => s.id === ids[0])?.findings).toEqual({ open: 0, dismissed: 0, cleaned: 0 });
    expect(withFindings?.startedAt).not.toBeNull();
    expect(withFindings?.finishedAt).not.toBeNull();
  });

  it('pages with the cursor without skipping or repeating a scan (ties included)', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const res = await list(
        owner,
        owner.orgId,
        connId,
        `?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: { id: string }[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((s) => s.id));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(seen[0]).toBe(ids[4]);
    expect(seen[4]).toBe(ids[0]);
  });

  it('refuses a cursor that is not a scan of this connection, and bad limits', async () => {
    const other = await insertConnection(h.t, owner.orgId);
    const foreign = await list(owner, owner.orgId, other.id, `?cursor=${ids[2]}`);
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.code).toBe('validation_failed');
    expect(foreign.json().error.details.fields[0].path).toBe('cursor');
    expect((await list(owner, owner.orgId, connId, '?limit=0')).statusCode).toBe(400);
    expect((await list(owner, owner.orgId, connId, '?limit=101')).statusCode).toBe(400);
    expect((await list(owner, owner.orgId, connId, '?cursor=not-a-scan')).statusCode).toBe(400);
    expect((await list(owner, owner.orgId, connId, '?unknown=1')).statusCode).toBe(400);
    // A connection without scans has an empty history.
    const empty = await list(owner, owner.orgId, other.id);
    expect(empty.json()).toEqual({ items: [], nextCursor: null });
  });

  it('lets a viewer read it, answers 404 for another organisation’s connection and one outside a scoped key', async () => {
    const viewer = await createTestUser(h.t, { orgId: owner.orgId, role: 'viewer' });
    expect((await list(viewer, owner.orgId, connId)).statusCode).toBe(200);

    const stranger = await createTestUser(h.t);
    // The stranger's own organisation, this organisation's connection id: not found, like a missing one.
    expect((await list(stranger, stranger.orgId, connId)).statusCode).toBe(404);
    expect((await list(owner, owner.orgId, newId('con'))).statusCode).toBe(404);

    const other = await insertConnection(h.t, owner.orgId);
    const created = await h.t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: owner.headers,
      payload: { name: 'agent', role: 'viewer', scope: { connectionIds: [other.id] } },
    });
    expect(created.statusCode).toBe(201);
    const key = { headers: { authorization: `Bearer ${created.json().key as string}` } };
    expect((await list(key, owner.orgId, connId)).statusCode).toBe(404);
    expect((await list(key, owner.orgId, other.id)).statusCode).toBe(200);
  });
});
