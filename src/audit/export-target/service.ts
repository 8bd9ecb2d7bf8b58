import { PutObjectCommand } from '@aws-sdk/client-s3';
import { and, eq, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { parseRoleArn } from '../../aws/arn.ts';
import type { AwsClientFactory } from '../../aws/clients.ts';
import { awsErrorCode, mapAwsError } from '../../aws/errors.ts';
import type { Broker } from '../../broker/broker.ts';
import type { Clock } from '../../clock.ts';
import type { ConnectionResolver, UsableConnection } from '../../connections/types.ts';
import type { Actor } from '../../core/actor.ts';
import { systemActor } from '../../core/actor.ts';
import { auditActorFields, auditEventFor } from '../../core/audit-event.ts';
import { AppError, ErrorCode } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import type { SignedCheckpoint } from '../checkpoints/format.ts';
import { toSignedCheckpoint } from '../checkpoints/service.ts';
import { auditSignedCheckpoints } from '../checkpoints/tables.ts';
import { ndjsonLine } from '../export.ts';
import { chainRecords, toView } from '../store.ts';
import type { AuditWriter } from '../types.ts';
import type { PutExportTargetInput } from './schemas.ts';
import { auditExportTargets } from './tables.ts';

/**
 * Delivery of signed checkpoints to the organisation's own S3 bucket (docs/audit.md, "Delivery to
 * your S3 bucket"). Every write is a brokered call through a connection with the `audit-export`
 * capability, with a session policy that allows s3:PutObject on exactly the object being written.
 */

type Row = typeof auditExportTargets.$inferSelect;

/** Checkpoints written per organisation per attempt (the next attempt goes on). */
const BATCH = 50;
/** Records read per query when a checkpoint's records are exported. */
const RECORDS_PAGE = 1000;
/** How long one node owns an organisation's delivery before another may take it over. */
const LEASE_MS = 120_000;
/** Back-off after a failure: 30 s, doubling, at most an hour. */
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 3_600_000;
/** Organisations looked at per round. */
const ORGS_PER_ROUND = 50;

const pad = (n: number) => String(n).padStart(10, '0');

/** The object key of checkpoint `n` (the same for every retry: a rewrite is idempotent). */
export function checkpointKey(prefix: string, orgId: string, n: number): string {
  return `${prefix}checkpoints/${orgId}/${pad(n)}.json`;
}
/**
 * Records per records object: a checkpoint covering more (the first one of an organisation with a
 * long history) is written as several parts, so no object is built beyond a few megabytes in memory.
 */
export const RECORDS_PER_PART = 10_000;

/**
 * The object key of part `part` (from 1) of the records checkpoint `n` covers (after checkpoint
 * n-1, up to its seq). Key order is chain order, so the parts concatenate into an export.
 */
export function recordsKey(prefix: string, orgId: string, n: number, part = 1): string {
  return `${prefix}records/${orgId}/${pad(n)}.${String(part).padStart(4, '0')}.ndjson`;
}

export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(failures - 1, 20)));
}

export interface ExportTargetView {
  connectionId: string;
  bucket: string;
  prefix: string;
  includeRecords: boolean;
  checkpointKeyTemplate: string;
  status: {
    deliveredN: number;
    latestN: number;
    lastDeliveredAt: string | null;
    failures: number;
    lastError: { code: string; at: string } | null;
    nextAttemptAt: string | null;
  };
}

export interface ExportTargetDeps {
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  broker: Pick<Broker, 'call'>;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  s3: AwsClientFactory['s3'];
  /** The region of S3 calls when the connection scopes none. */
  defaultRegion: string;
  /** Seconds between delivery rounds (0 = only on demand). */
  intervalSeconds: number;
  /** Records per records object (default RECORDS_PER_PART). */
  recordsPerPart?: number;
  logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export function createExportTargetService(deps: ExportTargetDeps) {
  const { db, clock, logger } = deps;
  const perPart = deps.recordsPerPart ?? RECORDS_PER_PART;

  async function latestN(orgId: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<string | number | null>`max(${auditSignedCheckpoints.n})` })
      .from(auditSignedCheckpoints)
      .where(eq(auditSignedCheckpoints.chain, orgId));
    return Number(row?.n ?? 0);
  }

  function view(row: Row, latest: number): ExportTargetView {
    const pending = row.deliveredN < latest;
    return {
      connectionId: row.connectionId,
      bucket: row.bucket,
      prefix: row.prefix,
      includeRecords: row.includeRecords,
      checkpointKeyTemplate: `${row.prefix}checkpoints/${row.orgId}/{n}.json`,
      status: {
        deliveredN: row.deliveredN,
        latestN: latest,
        lastDeliveredAt: row.lastDeliveredAt?.toISOString() ?? null,
        failures: row.failures,
        lastError:
          row.lastErrorCode === null || row.lastErrorAt === null
            ? null
            : { code: row.lastErrorCode, at: row.lastErrorAt.toISOString() },
        nextAttemptAt: pending ? row.nextAttemptAt.toISOString() : null,
      },
    };
  }

  async function read(orgId: string): Promise<Row | undefined> {
    const [row] = await db.select().from(auditExportTargets).where(eq(auditExportTargets.orgId, orgId));
    return row;
  }

  /** The target's connection, usable for audit-export, and the bucket and prefix inside its scope. */
  async function checkedConnection(
    orgId: string,
    target: { connectionId: string; bucket: string; prefix: string },
  ): Promise<UsableConnection> {
    // Another organisation's connection is not_found, exactly like a missing one.
    const connection = await deps.resolver.resolveUsable(orgId, target.connectionId, 'audit-export');
    const scopedBucket = connection.scopes.s3Buckets[0];
    const scopedPrefix = connection.scopes.s3Prefixes[0] ?? '';
    if (scopedBucket !== target.bucket) {
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        'The bucket is not the one the connection is scoped to.',
        {
          details: { field: 'bucket' },
        },
      );
    }
    if (!target.prefix.startsWith(scopedPrefix)) {
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        'The prefix must lie inside the prefix the connection is scoped to.',
        { details: { field: 'prefix', scopedPrefix } },
      );
    }
    return connection;
  }

  /** Writes one object through the broker: a session policy for exactly this key, an audit record. */
  async function put(
    connection: UsableConnection,
    actor: Actor,
    target: Row,
    key: string,
    body: string,
    contentType: string,
    n: number,
  ): Promise<void> {
    const partition = parseRoleArn(connection.roleArn)?.partition ?? 'aws';
    const region = connection.scopes.regions[0] ?? deps.defaultRegion;
    await deps.broker.call(
      {
        connection,
        actor,
        policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:PutObject'],
              Resource: [`arn:${partition}:s3:::${target.bucket}/${key}`],
            },
          ],
        },
        operation: 'audit.export_put_object',
        region,
        audit: {
          ...auditActorFields(actor),
          action: 'aws.audit.export_put_object',
          targetType: 'audit_checkpoint',
          targetId: String(n),
          resource: `${target.bucket}/${key}`,
        },
      },
      (credentials) =>
        deps
          .s3(credentials, region)
          .send(
            new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body, ContentType: contentType }),
          ),
    );
  }

  async function recordsBody(orgId: string, fromSeq: number, toSeq: number): Promise<string> {
    let body = '';
    let from = fromSeq;
    while (from <= toSeq) {
      const rows = await chainRecords(db, orgId, from, toSeq, RECORDS_PAGE);
      for (const row of rows) body += ndjsonLine(toView(row));
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < RECORDS_PAGE) break;
      from = last.seq + 1;
    }
    return body;
  }

  async function checkpointsAfter(orgId: string, afterN: number, limit: number): Promise<SignedCheckpoint[]> {
    const rows = await db
      .select()
      .from(auditSignedCheckpoints)
      .where(and(eq(auditSignedCheckpoints.chain, orgId), sql`${auditSignedCheckpoints.n} > ${afterN}`))
      .orderBy(auditSignedCheckpoints.n)
      .limit(limit);
    return rows.map(toSignedCheckpoint);
  }

  /** Takes the organisation's delivery lease; null when another node holds it (or nothing is configured). */
  async function claim(orgId: string, ignoreBackoff: boolean): Promise<Row | null> {
    const now = clock.now();
    const [row] = await db
      .update(auditExportTargets)
      .set({ leaseUntil: new Date(now.getTime() + LEASE_MS) })
      .where(
        and(
          eq(auditExportTargets.orgId, orgId),
          or(isNull(auditExportTargets.leaseUntil), lt(auditExportTargets.leaseUntil, now)),
          ignoreBackoff ? undefined : lte(auditExportTargets.nextAttemptAt, now),
        ),
      )
      .returning();
    return row ?? null;
  }

  /**
   * Delivers the organisation's pending checkpoints in order (at most BATCH), advancing
   * `delivered_n` after each; the first failure stops the attempt and schedules the next.
   */
  async function deliver(
    orgId: string,
    options: { ignoreBackoff: boolean },
  ): Promise<{ delivered: number; error: string | null }> {
    const target = await claim(orgId, options.ignoreBackoff);
    if (target === null) return { delivered: 0, error: null };
    const actor = systemActor('audit-export', `export:${orgId}:${target.deliveredN + 1}`, orgId);
    // Every update is for this configuration only: a target changed meanwhile starts over on its own.
    const thisTarget = and(
      eq(auditExportTargets.orgId, orgId),
      eq(auditExportTargets.updatedAt, target.updatedAt),
    );
    let delivered = 0;
    let deliveredN = target.deliveredN;
    try {
      // One before the next, for the first seq of its records range.
      const from = Math.max(0, deliveredN - 1);
      const list = await checkpointsAfter(orgId, from, BATCH + 1);
      const pending = list.filter((c) => c.n > deliveredN);
      if (pending.length === 0) {
        await db.update(auditExportTargets).set({ leaseUntil: null }).where(thisTarget);
        return { delivered: 0, error: null };
      }
      const connection = await checkedConnection(orgId, target);
      let previousSeq = list.find((c) => c.n === deliveredN)?.seq ?? 0;
      for (const checkpoint of pending) {
        if (checkpoint.n !== deliveredN + 1) {
          // Never skip: a missing number (deleted row) stops delivery where it is.
          throw new AppError(ErrorCode.CONFLICT, `checkpoint ${deliveredN + 1} is missing`);
        }
        if (target.includeRecords) {
          // Records first: a checkpoint in the bucket implies its records are there too.
          let part = 1;
          for (let from = previousSeq + 1; from <= checkpoint.seq; from += perPart, part += 1) {
            const to = Math.min(checkpoint.seq, from + perPart - 1);
            await put(
              connection,
              actor,
              target,
              recordsKey(target.prefix, orgId, checkpoint.n, part),
              await recordsBody(orgId, from, to),
              'application/x-ndjson',
              checkpoint.n,
            );
          }
        }
        await put(
          connection,
          actor,
          target,
          checkpointKey(target.prefix, orgId, checkpoint.n),
          `${JSON.stringify(checkpoint)}\n`,
          'application/json',
          checkpoint.n,
        );
        deliveredN = checkpoint.n;
        previousSeq = checkpoint.seq;
        delivered += 1;
        await db
          .update(auditExportTargets)
          .set({ deliveredN, lastDeliveredAt: clock.now(), failures: 0 })
          .where(thisTarget);
      }
      await db
        .update(auditExportTargets)
        .set({ leaseUntil: null, nextAttemptAt: clock.now() })
        .where(thisTarget);
      return { delivered, error: null };
    } catch (err) {
      const mapped = err instanceof AppError ? err : mapAwsError(err);
      const code =
        mapped.code === ErrorCode.AWS_REQUEST_FAILED ? (awsErrorCode(err) ?? mapped.code) : mapped.code;
      // A success earlier in this attempt reset the count.
      const failures = delivered > 0 ? 1 : target.failures + 1;
      const now = clock.now();
      logger.error({ orgId, n: deliveredN + 1, code, failures }, 'audit export delivery failed');
      await db
        .update(auditExportTargets)
        .set({
          failures,
          lastErrorCode: code,
          lastErrorAt: now,
          nextAttemptAt: new Date(now.getTime() + backoffMs(failures)),
          leaseUntil: null,
        })
        .where(thisTarget);
      return { delivered, error: code };
    }
  }

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  async function runOnce(): Promise<{ delivered: number; failed: number }> {
    const now = clock.now();
    // Organisations with a checkpoint beyond what was delivered, due, and not leased.
    const due = await db
      .select({ orgId: auditExportTargets.orgId })
      .from(auditExportTargets)
      .where(
        and(
          lte(auditExportTargets.nextAttemptAt, now),
          or(isNull(auditExportTargets.leaseUntil), lt(auditExportTargets.leaseUntil, now)),
          sql`exists (select 1 from ${auditSignedCheckpoints} where ${auditSignedCheckpoints.chain} = ${auditExportTargets.orgId} and ${auditSignedCheckpoints.n} > ${auditExportTargets.deliveredN})`,
        ),
      )
      .orderBy(auditExportTargets.nextAttemptAt)
      .limit(ORGS_PER_ROUND);
    let delivered = 0;
    let failed = 0;
    for (const { orgId } of due) {
      const r = await deliver(orgId, { ignoreBackoff: false });
      delivered += r.delivered;
      if (r.error !== null) failed += 1;
    }
    return { delivered, failed };
  }

  function schedule(): void {
    timer = setTimeout(() => {
      running = runOnce()
        .then((r) => {
          if (r.delivered > 0) logger.info({ delivered: r.delivered }, 'audit checkpoints delivered');
        })
        .catch((err: unknown) => logger.error({ err }, 'audit export round failed'))
        .finally(() => {
          running = null;
          if (timer !== null) schedule();
        });
    }, deps.intervalSeconds * 1000);
    timer.unref();
  }

  return {
    runOnce,

    async get(orgId: string): Promise<ExportTargetView | null> {
      const row = await read(orgId);
      return row === undefined ? null : view(row, await latestN(orgId));
    },

    /**
     * Sets the organisation's target. A new destination (connection, bucket, prefix or records
     * option) starts delivery again from checkpoint 1, so the new bucket holds the whole sequence.
     */
    async set(actor: Actor & { orgId: string }, input: PutExportTargetInput): Promise<ExportTargetView> {
      await checkedConnection(actor.orgId, input);
      const now = clock.now();
      const current = await read(actor.orgId);
      const same =
        current !== undefined &&
        current.connectionId === input.connectionId &&
        current.bucket === input.bucket &&
        current.prefix === input.prefix &&
        current.includeRecords === input.includeRecords;
      if (!same) {
        await db.transaction(async (tx) => {
          const values = {
            connectionId: input.connectionId,
            bucket: input.bucket,
            prefix: input.prefix,
            includeRecords: input.includeRecords,
            deliveredN: 0,
            lastDeliveredAt: null,
            failures: 0,
            lastErrorCode: null,
            lastErrorAt: null,
            nextAttemptAt: now,
            leaseUntil: null,
            updatedBy: actor.userId,
            updatedAt: now,
          };
          await tx
            .insert(auditExportTargets)
            .values({ orgId: actor.orgId, createdAt: now, ...values })
            .onConflictDoUpdate({ target: auditExportTargets.orgId, set: values });
          await deps.audit.record(
            tx,
            auditEventFor(
              actor,
              'audit.export_target_set',
              { type: 'connection', id: input.connectionId },
              {
                resource: `${input.bucket}/${input.prefix}`,
                details: { includeRecords: input.includeRecords },
              },
            ),
          );
        });
      }
      const row = await read(actor.orgId);
      if (row === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'No audit export target.');
      return view(row, await latestN(actor.orgId));
    },

    async remove(actor: Actor & { orgId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const rows = await tx
          .delete(auditExportTargets)
          .where(eq(auditExportTargets.orgId, actor.orgId))
          .returning({ connectionId: auditExportTargets.connectionId });
        const row = rows[0];
        if (row === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'No audit export target.');
        await deps.audit.record(
          tx,
          auditEventFor(actor, 'audit.export_target_removed', { type: 'connection', id: row.connectionId }),
        );
      });
    },

    /** Delivers the organisation's pending checkpoints now, back-off or not (an admin's retry). */
    async deliverNow(orgId: string): Promise<ExportTargetView> {
      if ((await read(orgId)) === undefined)
        throw new AppError(ErrorCode.NOT_FOUND, 'No audit export target.');
      await deliver(orgId, { ignoreBackoff: true });
      const row = await read(orgId);
      if (row === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'No audit export target.');
      return view(row, await latestN(orgId));
    },

    start(): void {
      if (deps.intervalSeconds <= 0 || timer !== null) return;
      schedule();
    },
    async stop(): Promise<void> {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
export type ExportTargetService = ReturnType<typeof createExportTargetService>;
