import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { assumeCalls, awsError, fixture, mockSts, operationMatrix, sts, url } from './harness.ts';

let t: TestApp;
const logs = mockClient(CloudWatchLogsClient);
const getApp = () => t;
const calls = () => logs.calls().length;
const ACCOUNT = '123456789012';
const groupArn = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}`;

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
});
afterAll(async () => {
  await t.close();
  logs.restore();
  sts.restore();
});
beforeEach(() => {
  logs.reset();
  mockSts();
});

const window = { start: '2024-05-01T00:00:00Z', end: '2024-05-02T00:00:00Z' };

describe('logs.list_groups', () => {
  operationMatrix(getApp, {
    operation: 'logs.list_groups',
    capability: 'logs-read',
    minRole: 'viewer',
    scopes: { logGroupPrefixes: ['/aws/lambda/'] },
    request: (f) => ({ method: 'GET', url: url(f, '/logs/groups?prefix=/aws/lambda/api&limit=10') }),
    invalid: (f) => ({ method: 'GET', url: url(f, '/logs/groups?limit=51') }),
    succeed: () =>
      logs.on(DescribeLogGroupsCommand).resolves({
        logGroups: [
          {
            logGroupName: '/aws/lambda/api',
            creationTime: Date.UTC(2024, 0, 1),
            storedBytes: 10,
            retentionInDays: 7,
          },
        ],
        nextToken: 'n2',
      }),
    fail: (err) => logs.on(DescribeLogGroupsCommand).rejects(err),
    check: (body) => {
      expect(body).toEqual({
        items: [
          {
            name: '/aws/lambda/api',
            createdAt: '2024-01-01T00:00:00.000Z',
            storedBytes: 10,
            retentionDays: 7,
          },
        ],
        nextCursor: 'n2',
      });
      expect(logs.commandCalls(DescribeLogGroupsCommand)[0]?.args[0].input).toEqual({
        limit: 10,
        logGroupNamePrefix: '/aws/lambda/api',
      });
    },
    policy: () => [{ Effect: 'Allow', Action: ['logs:DescribeLogGroups'], Resource: [groupArn('*')] }],
    awsCalls: calls,
  });

  it('defaults to the only allowed prefix and refuses prefixes outside the scopes', async () => {
    const f = await fixture(t, { capabilities: ['logs-read'], scopes: { logGroupPrefixes: ['/app/'] } });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const ok = await t.app.inject({ method: 'GET', url: url(f, '/logs/groups'), headers: f.user.headers });
    expect(ok.statusCode).toBe(200);
    expect(logs.commandCalls(DescribeLogGroupsCommand)[0]?.args[0].input.logGroupNamePrefix).toBe('/app/');
    const outside = await t.app.inject({
      method: 'GET',
      url: url(f, '/logs/groups?prefix=/secret'),
      headers: f.user.headers,
    });
    expect(outside.statusCode).toBe(403);
  });
});

describe('logs.filter_events', () => {
  operationMatrix(getApp, {
    operation: 'logs.filter_events',
    capability: 'logs-read',
    minRole: 'viewer',
    request: (f) => ({
      method: 'POST',
      url: url(f, '/logs/events'),
      payload: { logGroup: '/app/api', pattern: '"ERROR"', ...window, limit: 2 },
    }),
    invalid: (f) => ({
      method: 'POST',
      url: url(f, '/logs/events'),
      payload: { logGroup: '/app/api', ...window, extra: 1 },
    }),
    succeed: () =>
      logs.on(FilterLogEventsCommand).resolves({
        events: [
          { timestamp: Date.UTC(2024, 4, 1, 12), logStreamName: 's1', message: 'ERROR boom' },
          { timestamp: Date.UTC(2024, 4, 1, 13), logStreamName: 's1', message: `ERROR ${'x'.repeat(9000)}` },
        ],
        nextToken: 'next',
      }),
    fail: (err) => logs.on(FilterLogEventsCommand).rejects(err),
    check: (body) => {
      const b = body as { items: Array<{ message: string; truncated: boolean }>; nextCursor: string };
      expect(b.items[0]).toEqual({
        timestamp: '2024-05-01T12:00:00.000Z',
        stream: 's1',
        message: 'ERROR boom',
        truncated: false,
      });
      expect(b.items[1]?.truncated).toBe(true);
      expect(b.items[1]?.message.length).toBe(8192);
      expect(b.nextCursor).toBe('next');
      expect(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input).toEqual({
        logGroupName: '/app/api',
        filterPattern: '"ERROR"',
        startTime: Date.UTC(2024, 4, 1),
        endTime: Date.UTC(2024, 4, 2),
        limit: 2,
      });
    },
    policy: () => [
      {
        Effect: 'Allow',
        Action: ['logs:FilterLogEvents'],
        Resource: [groupArn('/app/api'), `${groupArn('/app/api')}:*`],
      },
    ],
    awsCalls: calls,
  });

  it('refuses windows over 7 days, inverted windows and long patterns', async () => {
    const f = await fixture(t, { capabilities: ['logs-read'] });
    const send = (payload: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: url(f, '/logs/events'),
        headers: f.user.headers,
        payload: { logGroup: '/g', ...payload },
      });
    expect((await send({ start: '2024-05-01T00:00:00Z', end: '2024-05-09T00:00:00Z' })).statusCode).toBe(400);
    expect((await send({ start: '2024-05-02T00:00:00Z', end: '2024-05-01T00:00:00Z' })).statusCode).toBe(400);
    expect((await send({ ...window, pattern: 'x'.repeat(1025) })).statusCode).toBe(400);
    expect(assumeCalls(f.connection)).toHaveLength(0);
  });
});

describe('logs.insights_query / insights_results / insights_cancel', () => {
  operationMatrix(getApp, {
    operation: 'logs.insights_query',
    capability: 'logs-read',
    minRole: 'viewer',
    request: (f) => ({
      method: 'POST',
      url: url(f, '/logs/insights'),
      payload: { logGroups: ['/app/api'], query: 'fields @message | limit 5', ...window, waitSeconds: 2 },
    }),
    invalid: (f) => ({
      method: 'POST',
      url: url(f, '/logs/insights'),
      payload: { logGroups: [], query: 'x', ...window },
    }),
    succeed: () => {
      logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
      logs.on(GetQueryResultsCommand).resolves({
        status: 'Complete',
        results: [
          [
            { field: '@message', value: 'hello' },
            { field: '@ptr', value: 'ptr' },
          ],
        ],
        statistics: { recordsMatched: 1, recordsScanned: 10, bytesScanned: 100 },
      });
    },
    fail: (err) => logs.on(StartQueryCommand).rejects(err),
    check: (body) => {
      expect(body).toMatchObject({
        status: 'Complete',
        results: [{ '@message': 'hello' }],
        truncated: false,
        statistics: { recordsMatched: 1, recordsScanned: 10, bytesScanned: 100 },
      });
      expect((body as { queryId: string }).queryId).toMatch(/^q-1\.[a-f0-9]{32}$/);
    },
    policy: () => [
      {
        Effect: 'Allow',
        Action: ['logs:StartQuery'],
        Resource: [groupArn('/app/api'), `${groupArn('/app/api')}:*`],
      },
      { Effect: 'Allow', Action: ['logs:GetQueryResults', 'logs:StopQuery'], Resource: ['*'] },
    ],
    awsCalls: calls,
  });

  it('returns a query id within the time budget, then polls and cancels it; foreign ids are 404', async () => {
    const f = await fixture(t, { capabilities: ['logs-read'] });
    logs.on(StartQueryCommand).resolves({ queryId: 'q-running' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Running', results: [] });
    logs.on(StopQueryCommand).resolves({ success: true });
    const started = Date.now();
    const res = await t.app.inject({
      method: 'POST',
      url: url(f, '/logs/insights'),
      headers: f.user.headers,
      payload: { logGroups: ['/app/api'], query: 'stats count()', ...window, waitSeconds: 1 },
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.json()).toMatchObject({ status: 'Running', results: [] });
    const handle = res.json().queryId as string;
    const poll = await t.app.inject({
      method: 'GET',
      url: url(f, `/logs/insights/${handle}`),
      headers: f.user.headers,
    });
    expect(poll.statusCode).toBe(200);
    expect(poll.json().status).toBe('Running');
    const cancel = await t.app.inject({
      method: 'DELETE',
      url: url(f, `/logs/insights/${handle}`),
      headers: f.user.headers,
    });
    expect(cancel.json()).toEqual({ queryId: handle, cancelled: true });
    expect(logs.commandCalls(StopQueryCommand)[0]?.args[0].input).toEqual({ queryId: 'q-running' });
    // The same query id on another connection (or forged) is not accepted.
    const other = await fixture(t, { capabilities: ['logs-read'] });
    const foreign = await t.app.inject({
      method: 'GET',
      url: url(other, `/logs/insights/${handle}`),
      headers: other.user.headers,
    });
    expect(foreign.statusCode).toBe(404);
    const forged = await t.app.inject({
      method: 'GET',
      url: url(f, `/logs/insights/q-other.${'0'.repeat(32)}`),
      headers: f.user.headers,
    });
    expect(forged.statusCode).toBe(404);
  });

  it('declares its permission in the route table', () => {
    const route = t.app.routeTable.find((r) => r.method === 'POST' && r.url.endsWith('/logs/insights'));
    expect(route?.permission).toBe('logs:read');
  });
});

describe('Logs errors say what to fix (issue 22 item 5)', () => {
  it('a missing log group is a 404 naming the log group the caller gave', async () => {
    const f = await fixture(t, { capabilities: ['logs-read'] });
    logs.on(FilterLogEventsCommand).rejects(
      Object.assign(awsError('ResourceNotFoundException', 400), {
        message: `The specified log group does not exist. (arn:aws:logs:us-east-1:${ACCOUNT}:log-group:x)`,
      }),
    );
    const res = await t.app.inject({
      method: 'POST',
      url: url(f, '/logs/events'),
      headers: f.user.headers,
      payload: { logGroup: '/app/apii', ...window },
    });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().error).toMatchObject({
      code: 'aws_not_found',
      message: 'Log group "/app/apii" was not found in us-east-1.',
      details: { logGroup: '/app/apii', region: 'us-east-1' },
    });
    expect(res.body).not.toContain(ACCOUNT);
  });
});
