import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import { fixture, mockSts, sts, url } from '../operations/harness.ts';

/**
 * Issue 14.9: creating organisations was free, and each organisation has its own STS budget, so a
 * user multiplied their share of Rolegate's STS quota by creating organisations. Organisation
 * creation now has a per-user daily budget and a cap on owned organisations, and the broker has a
 * deployment-wide STS budget above the per-organisation ones.
 */

const open: TestApp[] = [];
const s3 = mockClient(S3Client);
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
  s3.restore();
  sts.restore();
});
beforeEach(() => {
  s3.reset();
  s3.on(ListBucketsCommand).resolves({ Buckets: [] });
  mockSts();
});

async function appWith(env: Record<string, string>): Promise<TestApp> {
  const t = await createTestApp({ env });
  open.push(t);
  return t;
}

const createOrg = (t: TestApp, user: TestUser, name = 'Flood') =>
  t.app.inject({ method: 'POST', url: '/v1/orgs', headers: user.headers, payload: { name } });

describe('organisation-creation flood (14.9)', () => {
  it('a user creating many organisations hits 429 rate_limited (budget org_creation) with Retry-After', async () => {
    const t = await appWith({ ROLEGATE_ORG_CREATE_PER_DAY: '3' });
    const user = await createTestUser(t);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await createOrg(t, user)).statusCode);
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429]);
    const refused = await createOrg(t, user);
    expect(refused.json().error).toMatchObject({ code: 'rate_limited', details: { budget: 'org_creation' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another user is not affected.
    expect((await createOrg(t, await createTestUser(t))).statusCode).toBe(201);
  });

  it('deleting organisations does not refill the daily budget', async () => {
    const t = await appWith({ ROLEGATE_ORG_CREATE_PER_DAY: '2' });
    const user = await createTestUser(t);
    for (let i = 0; i < 2; i++) {
      const created = await createOrg(t, user);
      expect(created.statusCode).toBe(201);
      const removed = await t.app.inject({
        method: 'DELETE',
        url: `/v1/orgs/${created.json().id}`,
        headers: user.headers,
      });
      expect(removed.statusCode).toBe(204);
    }
    expect((await createOrg(t, user)).statusCode).toBe(429);
  });

  it('parallel creations cannot overshoot the daily budget', async () => {
    const t = await appWith({ ROLEGATE_ORG_CREATE_PER_DAY: '3' });
    const user = await createTestUser(t);
    const results = await Promise.all(Array.from({ length: 10 }, () => createOrg(t, user)));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
    expect(results.filter((r) => r.statusCode === 429)).toHaveLength(7);
  });

  it('a user who owns the maximum number of organisations gets 403 org_limit_reached', async () => {
    const t = await appWith({ ROLEGATE_ORG_MAX_OWNED: '3' });
    const user = await createTestUser(t); // owns one organisation already
    expect((await createOrg(t, user)).statusCode).toBe(201);
    expect((await createOrg(t, user)).statusCode).toBe(201);
    const refused = await createOrg(t, user);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('org_limit_reached');
    const mine = await t.app.inject({ url: '/v1/orgs', headers: user.headers });
    expect(mine.json().items).toHaveLength(3);
  });
});

describe('deployment-wide STS budget (14.9)', () => {
  it('refuses AssumeRole once exhausted across organisations, whatever each organisation has left', async () => {
    const t = await appWith({
      ROLEGATE_CREDENTIAL_CACHE: 'off',
      ROLEGATE_STS_GLOBAL_BURST: '3',
      ROLEGATE_STS_GLOBAL_PER_MINUTE: '1',
    });
    const scopes = { s3Buckets: ['acme-data'] };
    const orgs = await Promise.all([0, 1, 2, 3].map(() => fixture(t, { capabilities: ['s3-read'], scopes })));
    const statuses: number[] = [];
    let refusal: { code: string; details?: unknown } | undefined;
    for (const f of orgs) {
      const res = await t.app.inject({ url: url(f, '/s3/buckets'), headers: f.user.headers });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        refusal = res.json().error;
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    // Four organisations, one call each: every organisation's own budget is untouched.
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(refusal).toMatchObject({ code: 'aws_throttled', details: { reason: 'sts_budget_deployment' } });
  });
});
