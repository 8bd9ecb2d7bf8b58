import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';

// Intents choose their operation in the body, after the route's budget was picked: an expensive
// operation called as an intent must still spend the expensive budget.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    env: { ROLEGATE_RATE_LIMIT_EXPENSIVE_MAX: '2', ROLEGATE_RATE_LIMIT_EXPENSIVE_WINDOW: '60' },
  });
});
afterAll(async () => t.close());

describe('expensive operations through intents', () => {
  it('count against the expensive budget; cheap intents do not', async () => {
    const user = await createTestUser(t);
    const call = (intent: string, params: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/intents',
        headers: user.headers,
        payload: { intent, orgId: user.orgId, connectionId: newId('con'), params },
      });
    for (let i = 0; i < 5; i++) expect((await call('logs.list_groups', {})).statusCode).toBe(404);
    const insights = { logGroupNames: ['/aws/lambda/x'], query: 'fields @message', startTime: 1, endTime: 2 };
    const first = await call('logs.insights_query', insights);
    const second = await call('logs.insights_query', insights);
    expect(first.statusCode).not.toBe(429);
    expect(second.statusCode).not.toBe(429);
    const third = await call('logs.insights_query', insights);
    expect(third.statusCode).toBe(429);
    expect(third.json().error).toMatchObject({ code: 'rate_limited', details: { budget: 'expensive' } });
    expect(third.headers['retry-after']).toBeDefined();
  });
});
