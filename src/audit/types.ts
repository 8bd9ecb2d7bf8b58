import type { DbOrTx } from '../db/client.ts';

/**
 * The audit contract every feature writes through. Records are appended in the caller's
 * transaction (so a change and its record commit together) and hash-chained per organisation.
 */
export type AuditOutcome = 'success' | 'failure' | 'denied' | 'attempt' | 'error';
export type AuditActorType = 'user' | 'apiKey' | 'oauth' | 'system' | 'anonymous';

export interface AuditEvent {
  /** The organisation whose chain holds the record; null for events outside any organisation (e.g. failed login). */
  orgId: string | null;
  actorType: AuditActorType;
  actorId: string | null;
  /** Dotted verb, e.g. `auth.login`, `api_key.created`, `aws.s3.list_buckets`, `connection.verified`. */
  action: string;
  outcome: AuditOutcome;
  targetType?: string | null;
  targetId?: string | null;
  connectionId?: string | null;
  /** For brokered calls: the operation name and the AWS resource it touched. */
  operation?: string | null;
  resource?: string | null;
  errorCode?: string | null;
  requestId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** Safe, small, secret-free details; redacted by field name before storage. */
  details?: Record<string, unknown>;
}

export interface AuditRecordOptions {
  /**
   * Only when given the Db (the writer's own transaction): once aborted, the record is not
   * committed (the transaction rolls back, or is never opened). Used to bound the pre-call record
   * of a brokered call (src/audit/brokered.ts).
   */
  signal?: AbortSignal;
}

export interface AuditWriter {
  /** Appends one record inside `tx` (or its own transaction when given the Db). Throws on failure. */
  record(tx: DbOrTx, event: AuditEvent, options?: AuditRecordOptions): Promise<{ id: string }>;
}
