import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withAuditedCall } from '../../src/audit/brokered.ts';
import { auditChainHeads, auditEvents } from '../../src/audit/tables.ts';
import type { AuditWriter } from '../../src/audit/types.ts';
import { verifyChain } from '../../src/audit/verify.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { systemClock } from '../../src/clock.ts';
import { AppError, ErrorCode } from '../../src/core/errors.ts';
import { openDatabase } from '../../src/db/client.ts';
import { newId } from '../../src/db/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
const audit = createAuditWriter({ clock: systemClock });

beforeAll(async () => {
  // Own database on PostgreSQL: these tests tamper with or verify whole chains, incl. the shared system chain.
  t = await createTestApp({ isolatedDatabase: true });
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  vi.useRealTimers();
});

function call(orgId: string) {
  return {
    orgId,
    actorType: 'user' as const,
    actorId: newId('usr'),
    action: 'aws.s3.list_buckets',
    connectionId: newId('con'),
    operation: 's3.listBuckets',
    resource: 'arn:aws:s3:::*',
    requestId: `req-${orgId}`,
    ip: '203.0.113.9',
    userAgent: 'vitest',
  };
}

async function rowsOf(orgId: string) {
  return t.database.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.chain, orgId))
    .orderBy(asc(auditEvents.seq));
}

async function expectAuditUnavailable(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(ErrorCode.AUDIT_UNAVAILABLE);
  expect((err as AppError).status).toBe(503);
}

describe('withAuditedCall', () => {
  it('writes the attempt before the call and the outcome after it', async () => {
    const orgId = newId('org');
    const seen: number[] = [];
    const result = await withAuditedCall(audit, t.database.db, call(orgId), async () => {
      seen.push((await rowsOf(orgId)).length);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(seen).toEqual([1]);
    const rows = await rowsOf(orgId);
    expect(rows.map((r) => r.outcome)).toEqual(['attempt', 'success']);
    expect(rows[1]?.details).toMatchObject({ attemptId: rows[0]?.id });
    expect(rows[1]?.requestId).toBe(`req-${orgId}`);
    expect((await verifyChain(t.database.db, orgId)).valid).toBe(true);
  });

  it('records a failure with its error code and rethrows', async () => {
    const orgId = newId('org');
    const awsError = Object.assign(new Error('denied'), { name: 'AccessDenied' });
    await expect(
      withAuditedCall(audit, t.database.db, call(orgId), async () => {
        throw awsError;
      }),
    ).rejects.toBe(awsError);
    const rows = await rowsOf(orgId);
    expect(rows.map((r) => [r.outcome, r.errorCode])).toEqual([
      ['attempt', null],
      ['denied', 'AccessDenied'],
    ]);
  });

  it('records the AppError code of a failed call', async () => {
    const orgId = newId('org');
    await expect(
      withAuditedCall(audit, t.database.db, call(orgId), async () => {
        throw new AppError(ErrorCode.AWS_THROTTLED);
      }),
    ).rejects.toBeInstanceOf(AppError);
    const rows = await rowsOf(orgId);
    expect(rows[1]).toMatchObject({ outcome: 'failure', errorCode: 'aws_throttled' });
  });

  it('refuses with 503 and never calls fn when the audit store fails', async () => {
    const failing: AuditWriter = { record: () => Promise.reject(new Error('disk full')) };
    const fn = vi.fn(async () => 'called');
    await expectAuditUnavailable(withAuditedCall(failing, t.database.db, call(newId('org')), fn));
    expect(fn).not.toHaveBeenCalled();
  });

  it('a failing audit store means AWS is never contacted (SDK mock)', async () => {
    const sts = mockClient(STSClient);
    const s3 = mockClient(S3Client);
    try {
      sts.on(AssumeRoleCommand).resolves({});
      s3.on(ListBucketsCommand).resolves({ Buckets: [] });
      const failing: AuditWriter = { record: () => Promise.reject(new Error('audit store down')) };
      await expectAuditUnavailable(
        withAuditedCall(failing, t.database.db, call(newId('org')), async () => {
          await new STSClient({ region: 'us-east-1' }).send(
            new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/x', RoleSessionName: 'rg' }),
          );
          return new S3Client({ region: 'us-east-1' }).send(new ListBucketsCommand({}));
        }),
      );
      expect(sts.calls()).toHaveLength(0);
      expect(s3.calls()).toHaveLength(0);
    } finally {
      sts.restore();
      s3.restore();
    }
  });

  it('refuses with 503 and never calls fn when the database holds no audit table', async () => {
    // A real database whose audit store is broken (never migrated); the shared test database is left alone.
    const broken = await openDatabase({ url: undefined, dataDir: 'memory://' });
    const fn = vi.fn(async () => 'called');
    try {
      await expectAuditUnavailable(withAuditedCall(audit, broken.db, call(newId('org')), fn));
    } finally {
      await broken.close();
    }
    expect(fn).not.toHaveBeenCalled();
  });

  it('refuses with 503 and never calls fn when the audit store takes longer than 2 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const slow: AuditWriter = {
      record: () => new Promise((resolve) => setTimeout(() => resolve({ id: 'aud_late' }), 5_000)),
    };
    const fn = vi.fn(async () => 'called');
    const outcome = withAuditedCall(slow, t.database.db, call(newId('org')), fn);
    const settled = outcome.then(
      () => null,
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(1_999);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    const err = await settled;
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.AUDIT_UNAVAILABLE);
    // Even when the slow write finally completes, the call is never made.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fn).not.toHaveBeenCalled();
  });

  it('a write that is still waiting for the chain lock when time runs out is never committed', async () => {
    const orgId = newId('org');
    await audit.record(t.database.db, { ...call(orgId), outcome: 'success' });
    const fn = vi.fn(async () => 'called');
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // Someone else holds the chain head (a long transaction) while the brokered call is attempted.
    const holder = t.database.db.transaction(async (tx) => {
      await tx.select().from(auditChainHeads).where(eq(auditChainHeads.chain, orgId)).for('update');
      locked();
      await released;
    });
    await isLocked;
    await expectAuditUnavailable(withAuditedCall(audit, t.database.db, call(orgId), fn, { timeoutMs: 100 }));
    release();
    await holder;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fn).not.toHaveBeenCalled();
    expect((await rowsOf(orgId)).map((r) => r.outcome)).toEqual(['success']);
    expect((await verifyChain(t.database.db, orgId)).valid).toBe(true);
  });

  it('100 concurrent brokered calls produce one unbroken chain', async () => {
    const orgId = newId('org');
    const calls = Array.from({ length: 100 }, (_, i) =>
      // A generous bound: this test is about chain integrity on a machine shared by many processes.
      withAuditedCall(audit, t.database.db, { ...call(orgId), resource: `bucket-${i}` }, async () => i, {
        timeoutMs: 60_000,
      }),
    );
    expect((await Promise.all(calls)).length).toBe(100);
    const attempts = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, orgId), eq(auditEvents.outcome, 'attempt')));
    expect(attempts.length).toBe(100);
    expect(await verifyChain(t.database.db, orgId)).toMatchObject({ valid: true, checked: 200 });
  });
});
