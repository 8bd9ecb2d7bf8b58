import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import { mockSts, sts } from '../operations/harness.ts';

// Issue 14 item 2: a reader must not be able to break audit verification with input. The writer
// used to cut `resource` at 1,024 UTF-16 units and hash the in-memory string: an S3 key ending in
// an emoji at the cut left a lone surrogate that was hashed as `\ud83d` but stored as U+FFFD, so
// `/audit/verify` answered `valid: false` for that organisation from then on — and, as it stopped
// at the first break, hid every later edit.

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
});
afterAll(async () => {
  await t?.close();
  sts.restore();
});
beforeEach(() => mockSts());

const BUCKET = 'acme-data';
/** `arn:aws:s3:::acme-data/`: the resource of a presign is this plus the key. */
const ARN_PREFIX = `arn:aws:s3:::${BUCKET}/`;

async function viewerKey(owner: TestUser): Promise<{ authorization: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/api-keys`,
    headers: owner.headers,
    payload: { name: 'read-only robot', role: 'viewer' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { authorization: `Bearer ${res.json().key as string}` };
}

async function verify(owner: TestUser, query = '') {
  const res = await t.app.inject({
    url: `/v1/orgs/${owner.orgId}/audit/verify${query}`,
    headers: owner.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    valid: boolean;
    breaks?: { seq: number; reason: string }[];
    breakCount?: number;
    firstBrokenSeq?: number;
  };
}

describe('audit verification cannot be broken by input (14.2)', () => {
  it('a viewer API key presigning a key with an emoji at the resource cut leaves the chain valid', async () => {
    const owner = await createTestUser(t);
    const conn = await createTestConnection(t, owner.orgId, {
      capabilities: ['s3-read'],
      scopes: { s3Buckets: [BUCKET] },
    });
    const key = await viewerKey(owner);
    // Emoji (a surrogate pair) starting at UTF-16 unit 1,023 of the resource, and other shapes
    // around the old and new bounds: multi-byte characters across the byte cut, a 3-byte character.
    const keys = [
      `${'a'.repeat(1023 - ARN_PREFIX.length)}😀`,
      `${'a'.repeat(1022 - ARN_PREFIX.length)}😀😀`,
      `${'é'.repeat(500)}😀`,
      `${'€'.repeat(300)}😀x`,
    ];
    for (const objectKey of keys) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/orgs/${owner.orgId}/connections/${conn.id}/s3/presign`,
        headers: key,
        payload: { bucket: BUCKET, key: objectKey, method: 'GET' },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const result = await verify(owner, '?full=true');
    expect(result).toMatchObject({ valid: true });
    // The stored resources are whole code points within the byte bound.
    const rows = await t.database.db.execute(
      sql`select resource from audit_events where chain = ${owner.orgId} and resource is not null`,
    );
    const resources = (rows as unknown as { rows: { resource: string }[] }).rows.map((r) => r.resource);
    expect(resources.length).toBe(keys.length * 2);
    for (const r of resources) {
      expect(r.isWellFormed()).toBe(true);
      expect(r).not.toContain('\ufffd');
      expect(Buffer.byteLength(r, 'utf8')).toBeLessThanOrEqual(1024);
    }
  });

  it('verification reports every break and keeps checking after the first', async () => {
    const owner = await createTestUser(t);
    const conn = await createTestConnection(t, owner.orgId, {
      capabilities: ['s3-read'],
      scopes: { s3Buckets: [BUCKET] },
    });
    const key = await viewerKey(owner);
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/orgs/${owner.orgId}/connections/${conn.id}/s3/presign`,
        headers: key,
        payload: { bucket: BUCKET, key: `reports/${i}.csv`, method: 'GET' },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    // An insider edits an early record and, separately, a later one.
    await t.database.db.execute(
      sql`update audit_events set outcome = 'denied' where chain = ${owner.orgId} and seq = 3`,
    );
    await t.database.db.execute(
      sql`update audit_events set resource = 'arn:aws:s3:::elsewhere/x' where chain = ${owner.orgId} and seq = 9`,
    );
    const result = await verify(owner, '?full=true');
    expect(result.valid).toBe(false);
    expect(result.breaks).toEqual([
      { seq: 3, reason: 'record_modified' },
      { seq: 9, reason: 'record_modified' },
    ]);
    expect(result.breakCount).toBe(2);
  });
});
