import type { AddressInfo } from 'node:net';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSIGHTS_POLL_MS } from '../../src/operations/logs.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { fixture, mockSts, sts, url } from './harness.ts';

// Issue 25.9: a Logs Insights wait kept polling AWS for up to 20 s after its client went away.

let t: TestApp;
let baseUrl: string;
const logs = mockClient(CloudWatchLogsClient);

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
  logs.restore();
  sts.restore();
});

const polls = () => logs.commandCalls(GetQueryResultsCommand).length;
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
};

const body = (connectionId: string, viaIntent: boolean) => {
  const params = {
    logGroups: ['/app/api'],
    query: 'fields @message',
    start: '2024-05-01T00:00:00Z',
    end: '2024-05-02T00:00:00Z',
    waitSeconds: 20,
  };
  return viaIntent ? { intent: 'logs.insights_query', connectionId, params } : params;
};

describe('Logs Insights wait', () => {
  for (const door of ['REST', 'intent'] as const)
    it(`stops polling and stops the query when the client disconnects mid-wait (${door})`, async () => {
      logs.reset();
      mockSts();
      const f = await fixture(t, { capabilities: ['logs-read'] });
      logs.on(StartQueryCommand).resolves({ queryId: 'q-abandoned' });
      logs.on(GetQueryResultsCommand).resolves({ status: 'Running', results: [] });
      logs.on(StopQueryCommand).resolves({ success: true });

      const client = new AbortController();
      const viaIntent = door === 'intent';
      const path = viaIntent ? `/v1/intents` : url(f, '/logs/insights');
      const headers: Record<string, string> = { ...f.user.headers, 'content-type': 'application/json' };
      const payload: Record<string, unknown> = body(f.connection.id, viaIntent);
      if (viaIntent) payload.orgId = f.user.orgId;
      const request = fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
        signal: client.signal,
      }).catch((err: unknown) => err);
      await until(() => polls() >= 2);
      expect(polls()).toBeGreaterThanOrEqual(2);
      client.abort();
      await request;
      // Let any poll already in flight land, then nothing more may follow.
      await new Promise((r) => setTimeout(r, INSIGHTS_POLL_MS * 2));
      const atDisconnect = polls();
      await new Promise((r) => setTimeout(r, INSIGHTS_POLL_MS * 6));
      expect(polls()).toBe(atDisconnect);
      expect(logs.commandCalls(StopQueryCommand).map((c) => c.args[0].input)).toEqual([
        { queryId: 'q-abandoned' },
      ]);
    });
});
