import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { withoutApprovals } from '../helpers/approvals.ts';
import { createTestConnection, type TestConnection } from '../helpers/connections.ts';
import { type FakeAws, fakeCredentials, reply, startFakeAws, stsAssumeRole } from '../helpers/fake-aws.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';

// Issue 14, item 7: fifty slow Lambda invokes of one organisation pushed another organisation's
// ListFunctions from 0.18 s to 7.3 s (one shared 50-socket pool, no per-organisation limit).
// Here organisation A floods with invokes that the fake Lambda holds for several seconds, and
// organisation B lists its functions meanwhile: B must not be starved.

// The SDK's default provider chain reads these; nothing else in the test process talks to AWS.
process.env.AWS_ACCESS_KEY_ID = 'AKIANOISYNEIGHBOUR00';
process.env.AWS_SECRET_ACCESS_KEY = 'noisy-neighbour-base-secret';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

/** How long the fake Lambda holds an invoke: well under the SDK's 10 s request timeout. */
const HOLD_MS = 6_000;
const FLOOD = 60;

let fake: FakeAws;
let invokesReceived = 0;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeAws(async (req, res) => {
    if (req.params.get('Action') === 'AssumeRole') {
      stsAssumeRole(res, fakeCredentials(new Date(Date.now() + 3_600_000)));
      return;
    }
    const path = req.url.split('?')[0] ?? '';
    if (req.method === 'POST' && path.endsWith('/invocations')) {
      invokesReceived += 1;
      await new Promise((r) => setTimeout(r, HOLD_MS));
      reply(res, 200, '{"ok":true}', { 'content-type': 'application/json' });
      return;
    }
    if (req.method === 'GET' && path.startsWith('/2015-03-31/functions')) {
      reply(res, 200, JSON.stringify({ Functions: [{ FunctionName: 'slow-echo' }] }), {
        'content-type': 'application/json',
      });
      return;
    }
    reply(res, 404, '{"message":"unexpected"}', { 'content-type': 'application/json' });
  });
  t = await createTestApp({
    env: { AWS_ENDPOINT_URL: fake.url, AWS_REGION: 'us-east-1', ROLEGATE_CREDENTIAL_CACHE: 'memory' },
  });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

async function orgWith(capabilities: ('lambda-read' | 'lambda-invoke')[]) {
  const user = await createTestUser(t);
  // The flood is of Lambda invokes themselves, not of approval requests.
  await withoutApprovals(t, user.orgId);
  const conn = await createTestConnection(t, user.orgId, {
    capabilities,
    scopes: { lambdaFunctionPatterns: ['slow-*'] },
  });
  return { user, conn };
}

const base = (user: TestUser, conn: TestConnection) => `/v1/orgs/${user.orgId}/connections/${conn.id}/lambda`;

describe('14.7 noisy neighbours', () => {
  it('one organisation’s flood of slow Lambda invokes does not starve another’s ListFunctions', async () => {
    const a = await orgWith(['lambda-read', 'lambda-invoke']);
    const b = await orgWith(['lambda-read']);

    let aSucceeded = 0;
    const aStatuses: number[] = [];
    const flood = Array.from({ length: FLOOD }, async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: `${base(a.user, a.conn)}/functions/slow-echo/invoke`,
        headers: a.user.headers,
        payload: { payload: {} },
      });
      aStatuses.push(res.statusCode);
      if (res.statusCode === 200) {
        aSucceeded += 1;
      } else {
        expect(res.json().error.code, res.body).toBe('org_busy');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    });
    // The flood has reached AWS (and holds whatever it holds) before B asks anything.
    const deadline = Date.now() + 20_000;
    while (invokesReceived < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(invokesReceived).toBeGreaterThanOrEqual(4);

    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await t.app.inject({
          method: 'GET',
          url: `${base(b.user, b.conn)}/functions`,
          headers: b.user.headers,
        });
        expect(res.statusCode, res.body).toBe(200);
      }),
    );
    // Not starved: every one of B's calls answered while A's slow invokes were still held by AWS.
    const aDoneWhenBDone = aSucceeded;
    await Promise.all(flood);
    expect(aDoneWhenBDone).toBe(0);

    // A's flood was limited to its own lane (the rest refused with 429 org_busy), not failed.
    expect(aSucceeded).toBeGreaterThan(0);
    expect(aStatuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(aStatuses.every((s) => s === 200 || s === 429)).toBe(true);
    // (Latencies are measured, not asserted: the figures are in docs/abuse-protection.md.)
  });
});
