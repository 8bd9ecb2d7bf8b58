import type { Actor } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import type { CheckpointService } from './checkpoints/service.ts';
import { csvHeader, csvLine, ndjsonLine } from './export.ts';
import type { AuditExportQuery, AuditQuery, AuditRecordView, AuditVerifyView } from './schemas.ts';
import type { AuditStore } from './store.ts';
import { toView } from './store.ts';
import type { AuditWriter } from './types.ts';
import { createVerificationRunner } from './verification.ts';
import type { VerifyProgress } from './verify.ts';

const EXPORT_BATCH = 500;

function encodeCursor(seq: number): string {
  return Buffer.from(`v1:${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^v1:([1-9]\d{0,15})$/.exec(text);
  const seq = m === null ? Number.NaN : Number(m[1]);
  if (!Number.isSafeInteger(seq)) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'The cursor is not valid.', {
      details: { field: 'cursor' },
    });
  }
  return seq;
}

/** A verification result is returned again without a new run for this long, while the chain has not grown. */
export const VERIFY_CACHE_SECONDS = 30;
/** Verification runs at a time per node, across organisations. */
export const VERIFY_PARALLEL_RUNS = 2;

export interface AuditServiceDeps {
  db: Db;
  store: AuditStore;
  audit: Pick<AuditWriter, 'record'>;
  /** Signed checkpoints, for verification `against=checkpoints`. */
  checkpoints?: Pick<CheckpointService, 'verifyStored'>;
}

export function createAuditService(deps: AuditServiceDeps) {
  const { db, store, audit, checkpoints } = deps;
  const verification = createVerificationRunner({
    db,
    cacheMs: VERIFY_CACHE_SECONDS * 1000,
    maxParallel: VERIFY_PARALLEL_RUNS,
  });
  return {
    async list(
      orgId: string,
      query: AuditQuery,
    ): Promise<{ items: AuditRecordView[]; nextCursor: string | null }> {
      const beforeSeq = query.cursor === undefined ? null : decodeCursor(query.cursor);
      const rows = await store.page(orgId, query, query.limit + 1, beforeSeq);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toView),
        nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.seq) : null,
      };
    },

    /**
     * The organisation's chain verified (incrementally unless `full`), sharing a run already in
     * progress for it, or a recent result while the chain has not grown.
     */
    async verify(
      orgId: string,
      options: {
        full: boolean;
        against?: 'checkpoints' | undefined;
        onProgress?: (progress: VerifyProgress) => void;
      },
    ): Promise<AuditVerifyView> {
      const against = options.against === 'checkpoints';
      // Against checkpoints, trust no marker in the database: every record is re-hashed.
      const { result, cached } = await verification.verify(orgId, {
        ...options,
        full: options.full || against,
      });
      const first = result.breaks[0];
      const signed = against && checkpoints !== undefined ? await checkpoints.verifyStored(orgId) : undefined;
      return {
        valid: result.valid,
        checked: result.checked,
        headSeq: result.headSeq,
        fromSeq: result.fromSeq,
        full: result.full,
        breaks: result.breaks,
        breakCount: result.breakCount,
        ...(first === undefined ? {} : { firstBrokenSeq: first.seq, reason: first.reason }),
        verifiedAt: result.verifiedAt.toISOString(),
        cached,
        ...(signed === undefined ? {} : { valid: result.valid && signed.valid, checkpoints: signed }),
      };
    },

    /**
     * Records the export (`audit.exported`) and returns the lines to stream. The record is committed
     * before the first byte is produced: an export that cannot be audited does not happen.
     */
    async export(actor: Actor & { orgId: string }, query: AuditExportQuery): Promise<AsyncGenerator<string>> {
      await audit.record(
        db,
        auditEventFor(actor, 'audit.exported', null, {
          details: {
            format: query.format,
            from: query.from?.toISOString() ?? null,
            to: query.to?.toISOString() ?? null,
          },
        }),
      );
      const filter = { from: query.from, to: query.to };
      const format = query.format;
      return (async function* lines() {
        if (format === 'csv') yield csvHeader();
        for await (const batch of store.batches(actor.orgId, filter, EXPORT_BATCH)) {
          let chunk = '';
          for (const row of batch) chunk += format === 'csv' ? csvLine(toView(row)) : ndjsonLine(toView(row));
          yield chunk;
        }
      })();
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
