import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { auditOf, fixture, mockSts, sts, url } from '../operations/harness.ts';

/**
 * Issue 14.11: the client must not choose the request id. It used to flow into RoleSessionName
 * (the customer's CloudTrail) and into the audit record's `requestId`, so a client could forge the
 * id of another request. Rolegate now always generates its own id; a client's correlation id is
 * validated, kept apart (`details.correlationId`) and echoed as `x-correlation-id`.
 */

let t: TestApp;
const s3 = mockClient(S3Client);

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
});
afterAll(async () => {
  await t.close();
  s3.restore();
  sts.restore();
});
beforeEach(() => {
  s3.reset();
  s3.on(ListBucketsCommand).resolves({ Buckets: [] });
  mockSts();
});

const OURS = /^req_[0-9a-f]{32}$/;

async function listBuckets(headers: Record<string, string>) {
  const f = await fixture(t, { capabilities: ['s3-read'], scopes: { s3Buckets: ['acme-data'] } });
  const res = await t.app.inject({
    method: 'GET',
    url: url(f, '/s3/buckets'),
    headers: { ...f.user.headers, ...headers },
  });
  expect(res.statusCode, res.body).toBe(200);
  const sessionNames = sts
    .commandCalls(AssumeRoleCommand)
    .map((c) => c.args[0].input)
    .filter((i) => i.RoleArn === f.connection.roleArn)
    .map((i) => i.RoleSessionName ?? '');
  const records = await auditOf(t, f.user.orgId, 'aws.s3.list_buckets');
  return { res, sessionNames, records };
}

describe('client-chosen request ids (14.11)', () => {
  it('a client-supplied x-request-id never reaches RoleSessionName or the audit requestId', async () => {
    const forged = 'req_forgedforgedforgedforgedforged0';
    const { res, sessionNames, records } = await listBuckets({ 'x-request-id': forged });
    const id = String(res.headers['x-request-id']);
    expect(id).toMatch(OURS);
    expect(id).not.toBe(forged);
    expect(sessionNames).toHaveLength(1);
    expect(sessionNames[0]).not.toContain('forged');
    expect(records.map((r) => r.outcome)).toEqual(['attempt', 'success']);
    for (const record of records) {
      expect(record.requestId).toBe(id);
      // Kept, but apart: as the client's correlation id, never as Rolegate's request id.
      expect(record.details).toMatchObject({ correlationId: forged });
    }
    expect(res.headers['x-correlation-id']).toBe(forged);
  });

  it('x-correlation-id is kept in the audit details and echoed, and wins over x-request-id', async () => {
    const { res, sessionNames, records } = await listBuckets({
      'x-correlation-id': 'trace:checkout.42-a_b',
      'x-request-id': 'other-client-id-99',
    });
    expect(res.headers['x-request-id']).toMatch(OURS);
    expect(res.headers['x-correlation-id']).toBe('trace:checkout.42-a_b');
    expect(sessionNames[0]).not.toContain('trace');
    for (const record of records)
      expect(record.details).toMatchObject({ correlationId: 'trace:checkout.42-a_b' });
  });

  it('an invalid correlation id is dropped: not echoed, not stored', async () => {
    for (const bad of ['has spaces', 'x'.repeat(129), '<script>', 'a\tb', 'ünïcode', '']) {
      const { res, records } = await listBuckets({ 'x-correlation-id': bad });
      expect(res.headers['x-request-id']).toMatch(OURS);
      expect(res.headers['x-correlation-id']).toBeUndefined();
      for (const record of records) expect(record.details).not.toHaveProperty('correlationId');
    }
  });

  it('error bodies carry Rolegate’s request id, not the client’s', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/nope',
      headers: { 'x-request-id': 'client-trace-12345' },
    });
    expect(res.headers['x-request-id']).toMatch(OURS);
    expect(res.json().error.requestId).toBe(res.headers['x-request-id']);
    expect(res.headers['x-correlation-id']).toBe('client-trace-12345');
  });
});
