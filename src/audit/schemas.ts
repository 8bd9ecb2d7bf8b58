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

/**
 * Who an id in the page is, resolved when the page is read (never stored, never hashed): the chain
 * keeps ids only, and erasure removes the person, so a name or email can only come from the people
 * and keys that exist now. Only what the organisation may see is resolved (docs/audit.md, "Names in
 * the audit view"); an id absent from the map is not resolved.
 */
export const auditActorDisplaySchema = z.object({
  /** `user` (usr_…), `apiKey` (key_…) or `agent` (agr_…, an MCP client holding a user's grant). */
  kind: z.enum(['user', 'apiKey', 'agent']),
  /**
   * Users: `member` now, or `former_member` (left, still has an account). Keys and agent grants:
   * `active`, `revoked` or `expired`.
   */
  status: z.enum(['member', 'former_member', 'active', 'revoked', 'expired']),
  /** The user's name (null when they gave none), the key's name, or the MCP client's name. */
  name: z.string().nullable(),
  /** Users only. */
  email: z.string().nullable(),
  /**
   * Keys: the user who created it; agents: the user who granted it. That user's id is itself in
   * the map when resolved; null when the person was erased.
   */
  onBehalfOf: z.string().nullable(),
});
export type AuditActorDisplay = z.infer<typeof auditActorDisplaySchema>;

export const auditConnectionDisplaySchema = z.object({ name: z.string() });

/** The display data of a page: resolved at read time, next to the records, never inside them. */
const displayFields = {
  /** Users, API keys and agent grants named by the page's records (as actor or target), by id. */
  actors: z.record(z.string(), auditActorDisplaySchema),
  /** The organisation's connections named by the page's records, by id (a deleted one is absent). */
  connections: z.record(z.string(), auditConnectionDisplaySchema),
};

export const auditPageSchema = z.object({
  items: z.array(auditRecordSchema),
  nextCursor: z.string().nullable(),
  ...displayFields,
});

/** Sign-in related actions in the system chain, recorded with the signing-in user as actor. */
export const SYSTEM_SIGN_IN_ACTIONS = [
  'auth.login',
  'auth.mfa.verify',
  'auth.lockout',
  'session.revoked',
] as const;
/** Sign-in related actions an organisation's own chain holds (its SSO, its SSO requirement). */
export const ORG_SIGN_IN_ACTIONS = ['auth.login', 'auth.break_glass', 'sso.login'] as const;

export const signInQuerySchema = z
  .strictObject({
    from: isoTime.optional(),
    to: isoTime.optional(),
    /** One member (usr_…). */
    actorId: z.string().regex(idPattern('usr')).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(50),
    cursor: z
      .string()
      .max(128)
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional(),
  })
  .refine(rangeOk, rangeMessage);
export type SignInQuery = z.infer<typeof signInQuerySchema>;

export const signInRecordSchema = auditRecordSchema.extend({
  /**
   * `organization`: a record of the organisation's own chain (its SSO sign-ins); `system`: a
   * member's sign-in in the system chain, whose details are cut to what concerns this organisation
   * (so `hash` is the system chain's and cannot be re-computed from what is shown).
   */
  chain: z.enum(['organization', 'system']),
  /** The user agent in words ("Firefox on Linux"), as the sign-in history shows it. */
  device: z.string(),
});
export type SignInRecordView = z.infer<typeof signInRecordSchema>;

export const signInPageSchema = z.object({
  items: z.array(signInRecordSchema),
  nextCursor: z.string().nullable(),
  ...displayFields,
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
