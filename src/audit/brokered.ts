import { AppError, ErrorCode } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import type { AuditEvent, AuditOutcome, AuditWriter } from './types.ts';

/** How long the pre-call audit record may take before the call is refused (invariant 6). */
export const AUDIT_ATTEMPT_TIMEOUT_MS = 2_000;

export type AuditedCallEvent = Omit<AuditEvent, 'outcome' | 'errorCode'>;

export interface AuditedCallOptions {
  timeoutMs?: number;
  /** Told when the outcome record could not be written (the call itself already happened). */
  onOutcomeError?: (err: unknown) => void;
}

/**
 * Writes a record in the writer's own transaction, bounded by `timeoutMs` (queueing included). When
 * the timer fires first the write is aborted: it rolls back instead of committing late.
 */
async function writeBounded(
  audit: Pick<AuditWriter, 'record'>,
  db: Db,
  event: AuditEvent,
  timeoutMs: number,
): Promise<{ id: string }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const write = audit.record(db, event, { signal: controller.signal });
  // A late failure of the aborted write must not surface as an unhandled rejection.
  write.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error('audit write timed out'));
    }, timeoutMs);
  });
  try {
    return await Promise.race([write, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function failureOf(err: unknown): { outcome: AuditOutcome; errorCode: string } {
  if (err instanceof AppError) {
    const denied = err.code === ErrorCode.FORBIDDEN || err.code === ErrorCode.AWS_ACCESS_DENIED;
    return { outcome: denied ? 'denied' : 'failure', errorCode: err.code };
  }
  // AWS SDK errors carry the service's error name (AccessDenied, ThrottlingException…): safe and useful.
  if (err instanceof Error && /^[A-Za-z][\w.]{0,63}$/.test(err.name) && err.name !== 'Error') {
    return {
      outcome: /AccessDenied|Unauthorized|Forbidden/i.test(err.name) ? 'denied' : 'failure',
      errorCode: err.name,
    };
  }
  return { outcome: 'error', errorCode: 'unknown_error' };
}

/**
 * The one way to make a brokered AWS call: the `attempt` record is committed BEFORE `fn` runs;
 * if it cannot be written within 2 s the call is refused with 503 `audit_unavailable` and `fn`
 * (the AWS call) is never invoked. Afterwards the outcome (success, or failure with its error code)
 * is recorded, linked to the attempt by `details.attemptId` and the request id. Never call this
 * inside a database transaction: `fn` makes network calls.
 */
export async function withAuditedCall<T>(
  audit: Pick<AuditWriter, 'record'>,
  db: Db,
  event: AuditedCallEvent,
  fn: () => Promise<T>,
  options: AuditedCallOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? AUDIT_ATTEMPT_TIMEOUT_MS;
  let attempt: { id: string };
  try {
    attempt = await writeBounded(audit, db, { ...event, outcome: 'attempt' }, timeoutMs);
  } catch (cause) {
    throw new AppError(ErrorCode.AUDIT_UNAVAILABLE, undefined, { retryAfter: 5, cause });
  }

  const started = performance.now();
  const outcomeEvent = (outcome: AuditOutcome, errorCode: string | null): AuditEvent => ({
    ...event,
    outcome,
    errorCode,
    details: {
      ...event.details,
      attemptId: attempt.id,
      durationMs: Math.round(performance.now() - started),
    },
  });
  const recordOutcome = async (outcome: AuditEvent): Promise<void> => {
    try {
      await writeBounded(audit, db, outcome, timeoutMs);
    } catch (err) {
      options.onOutcomeError?.(err);
    }
  };

  let result: T;
  try {
    result = await fn();
  } catch (err) {
    const failure = failureOf(err);
    await recordOutcome(outcomeEvent(failure.outcome, failure.errorCode));
    throw err;
  }
  await recordOutcome(outcomeEvent('success', null));
  return result;
}
