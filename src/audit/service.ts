import { type Clock, systemClock } from '../clock.ts';
import type { Actor } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { describeUserAgent } from '../identity/user-agent.ts';
import { SYSTEM_CHAIN } from './chain.ts';
import type { CheckpointService } from './checkpoints/service.ts';
import { type AuditDisplay, resolveDisplay } from './display.ts';
import { createDisplayStore } from './display-store.ts';
import { csvHeader, csvLine, ndjsonLine } from './export.ts';
import type {
  AuditExportQuery,
  AuditQuery,
  AuditRecordView,
  AuditVerifyView,
  SignInQuery,
  SignInRecordView,
} from './schemas.ts';
import type { AuditStore } from './store.ts';
import { signInPage, toView } from './store.ts';
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
  if (!Number.isSafeInteger(seq)) throw invalidCursor();
  return seq;
}

function invalidCursor(): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, 'The cursor is not valid.', {
    details: { field: 'cursor' },
  });
}

/** Sign-ins come from two chains, so their position is (time, id), not a seq. */
function encodeTimeCursor(at: Date, id: string): string {
  return Buffer.from(`t1:${at.getTime()}:${id}`, 'utf8').toString('base64url');
}

function decodeTimeCursor(cursor: string): { at: Date; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^t1:(\d{1,15}):(aud_[0-9a-z]{1,64})$/.exec(text);
  if (m === null) throw invalidCursor();
  return { at: new Date(Number(m[1])), id: m[2] as string };
}

/**
 * What of a system-chain sign-in record an organisation is shown. Those details belong to the
 * person's account, not to the organisation: only these fields are kept, and the organisation whose
 * single sign-on opened the session only when it is this one (another organisation's id is that
 * organisation's business).
 */
const SIGN_IN_DETAIL_FIELDS = ['mfa', 'method', 'reason', 'scope', 'retryAfterSeconds', 'count'] as const;

function signInDetails(orgId: string, details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of SIGN_IN_DETAIL_FIELDS) if (Object.hasOwn(details, field)) out[field] = details[field];
  if (details.ssoOrgId === orgId) out.ssoOrgId = orgId;
  return out;
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
  /** For the status of keys in the display data (expired or not). */
  clock?: Clock;
}

export function createAuditService(deps: AuditServiceDeps) {
  const { db, store, audit, checkpoints } = deps;
  const clock = deps.clock ?? systemClock;
  const display = createDisplayStore(db);
  const verification = createVerificationRunner({
    db,
    cacheMs: VERIFY_CACHE_SECONDS * 1000,
    maxParallel: VERIFY_PARALLEL_RUNS,
  });
  return {
    /** A page of the organisation's chain, with the names its records need (display.ts). */
    async list(
      orgId: string,
      query: AuditQuery,
    ): Promise<{ items: AuditRecordView[]; nextCursor: string | null } & AuditDisplay> {
      const beforeSeq = query.cursor === undefined ? null : decodeCursor(query.cursor);
      const rows = await store.page(orgId, query, query.limit + 1, beforeSeq);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toView),
        nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.seq) : null,
        ...(await resolveDisplay(display, orgId, page, clock.now())),
      };
    },

    /**
     * Sign-in events of the organisation: its own chain's, and its current members' from the
     * system chain since they joined (store.signInPage), with the names they need.
     */
    async signIns(
      orgId: string,
      query: SignInQuery,
    ): Promise<{ items: SignInRecordView[]; nextCursor: string | null } & AuditDisplay> {
      const before = query.cursor === undefined ? null : decodeTimeCursor(query.cursor);
      const rows = await signInPage(db, orgId, query, query.limit + 1, before);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      const items = page.map((row): SignInRecordView => {
        const view = { ...toView(row), device: describeUserAgent(row.userAgent) };
        return row.chain === SYSTEM_CHAIN
          ? { ...view, details: signInDetails(orgId, view.details), chain: 'system' }
          : { ...view, chain: 'organization' };
      });
      return {
        items,
        nextCursor:
          rows.length > query.limit && last !== undefined ? encodeTimeCursor(last.createdAt, last.id) : null,
        ...(await resolveDisplay(display, orgId, page, clock.now())),
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
