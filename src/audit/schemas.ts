import { z } from 'zod';
import { idPattern } from '../db/ids.ts';
import { checkpointVerificationSchema } from './checkpoints/schemas.ts';

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied', 'attempt', 'error'] as const;
export const MAX_AUDIT_PAGE = 200;
/** Longest time range one query or export may span. */
export const MAX_AUDIT_RANGE_DAYS = 366;

const isoTime = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

function rangeOk(q: { from?: Date | undefined; to?: Date | undefined }): boolean {
  if (q.from === undefined || q.to === undefined) return true;
  return q.from <= q.to && q.to.getTime() - q.from.getTime() <= MAX_AUDIT_RANGE_DAYS * 86_400_000;
}
const rangeMessage = {
  message: `"from" must not be after "to", and the range must not exceed ${MAX_AUDIT_RANGE_DAYS} days`,
  path: ['from'],
};

export const auditQuerySchema = z
  .strictObject({
    from: isoTime.optional(),
    to: isoTime.optional(),
    actorId: z.string().min(1).max(128).optional(),
    /** Exact action, or a prefix ending in `*` (e.g. `aws.s3.*`). */
    action: z
      .string()
      .max(128)
      .regex(/^[a-z0-9_.:-]+\*?$/i)
      .optional(),
    connectionId: z.string().regex(idPattern('con')).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(50),
    cursor: z
      .string()
      .max(32)
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional(),
  })
  .refine(rangeOk, rangeMessage);
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditExportQuerySchema = z
  .strictObject({
    format: z.enum(['ndjson', 'csv']).default('ndjson'),
    from: isoTime.optional(),
    to: isoTime.optional(),
  })
  .refine(rangeOk, rangeMessage);
export type AuditExportQuery = z.infer<typeof auditExportQuerySchema>;

export const orgParamsSchema = z.strictObject({ orgId: z.string().regex(idPattern('org')) });

export const auditRecordSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  createdAt: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actorRef: z.string().nullable(),
  action: z.string(),
  outcome: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  targetRef: z.string().nullable(),
  connectionId: z.string().nullable(),
  operation: z.string().nullable(),
  resource: z.string().nullable(),
  errorCode: z.string().nullable(),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
  ipRef: z.string().nullable(),
  userAgent: z.string().nullable(),
  userAgentRef: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecordView = z.infer<typeof auditRecordSchema>;

export const auditPageSchema = z.object({
  items: z.array(auditRecordSchema),
  nextCursor: z.string().nullable(),
});

export const auditVerifyQuerySchema = z.strictObject({
  /**
   * Re-hash from the first record and trust no checkpoint (docs/audit.md). The enum keeps OpenAPI
   * listing the two accepted spellings (a stringbool alone renders as any string).
   */
  full: z
    .stringbool({ truthy: ['true'], falsy: ['false'], case: 'sensitive' })
    .meta({ enum: ['true', 'false'] })
    .default(false),
  /**
   * `checkpoints`: also check the chain against every signed checkpoint of it (docs/audit.md);
   * implies a full run.
   */
  against: z.enum(['checkpoints']).optional(),
});

const chainBreakSchema = z.object({
  seq: z.number().int(),
  reason: z.string(),
  lastSeq: z.number().int().optional(),
});

export const auditVerifySchema = z.object({
  valid: z.boolean(),
  /** Records re-hashed by the run that produced this result. */
  checked: z.number().int(),
  /** Length of the chain the run verified. */
  headSeq: z.number().int(),
  /** First seq the run re-hashed (1 when full). */
  fromSeq: z.number().int(),
  full: z.boolean(),
  /** Every break found, in chain order (at most 100; `breakCount` is the total). */
  breaks: z.array(chainBreakSchema),
  breakCount: z.number().int(),
  /** The first break, as before the list existed. */
  firstBrokenSeq: z.number().int().optional(),
  reason: z.string().optional(),
  /** When the run that produced this result finished. */
  verifiedAt: z.string(),
  /** True when this result is a recent run's, returned without a new run. */
  cached: z.boolean(),
  /** With `against=checkpoints`: the chain against its signed checkpoints. */
  checkpoints: checkpointVerificationSchema.optional(),
});
export type AuditVerifyView = z.infer<typeof auditVerifySchema>;
