import { z } from 'zod';
import { idPattern } from '../db/ids.ts';
import { orgIdSchema } from '../identity/orgs/schemas.ts';
import { MAX_GRANT_TTL_SECONDS, MIN_GRANT_TTL_SECONDS, wildcardScopeValid } from './policy.ts';

const NO_CONTROL = /^[^\p{Cc}\p{Cf}]*$/u;
const text = (max: number) =>
  z.string().trim().max(max).regex(NO_CONTROL, 'must not contain control characters');

export const approvalIdSchema = z.string().regex(idPattern('apr'), 'must be an approval request id (apr_…)');
export const approvalOrgParams = z.strictObject({ orgId: orgIdSchema });
export const approvalParams = z.strictObject({ orgId: orgIdSchema, approvalId: approvalIdSchema });

const operationName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, 'must be an operation name');

export const policyBody = z.strictObject({
  operations: z
    .array(operationName)
    .max(64)
    .refine((list) => new Set(list).size === list.length, 'must not repeat an operation'),
  approverRoles: z
    .array(z.enum(['admin', 'owner']))
    .min(1)
    .max(2)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a role'),
  approvalsRequired: z.number().int().min(1).max(3),
  grantTtlSeconds: z.number().int().min(MIN_GRANT_TTL_SECONDS).max(MAX_GRANT_TTL_SECONDS),
  grantMode: z.enum(['single_use', 'time_boxed']),
});

export const policyView = policyBody.extend({
  isDefault: z.boolean(),
  updatedAt: z.string().nullable(),
});

/**
 * The resource scope of a request: an ARN, exact, or ending in `*` to cover everything that starts
 * with it (`arn:aws:s3:::bucket/prefix/*`). A `*` anywhere else is refused: it would read as a
 * pattern the gate does not apply; so is one that does not follow `/` or `:`, or that names no
 * bucket, function or log group (wildcardScopeValid).
 */
const resourceScope = z
  .string()
  .min(5)
  .max(1024)
  .regex(NO_CONTROL, 'must not contain control characters')
  .refine((v) => v.startsWith('arn:'), 'must be an ARN')
  .refine((v) => !v.slice(0, -1).includes('*'), 'may contain `*` only at the end')
  .refine(
    (v) => !v.endsWith('*') || wildcardScopeValid(v),
    'may end in `*` only right after `/` or `:`, once it names a bucket, function, log group or table',
  );

export const createRequestBody = z.strictObject({
  operation: operationName,
  connectionId: z.string().regex(idPattern('con'), 'must be a connection id (con_…)'),
  resource: resourceScope,
  reason: text(500).min(1),
});

export const elevationBody = z.strictObject({
  role: z.literal('admin'),
  durationSeconds: z.number().int().min(300).max(MAX_GRANT_TTL_SECONDS).default(3600),
  reason: text(500).min(1),
});

export const decisionBody = z.strictObject({ comment: text(500).optional() });

const STATUSES = ['pending', 'approved', 'denied', 'revoked', 'expired', 'used'] as const;

export const listQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  kind: z.enum(['operation', 'elevation']).optional(),
  cursor: z.string().max(80).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const requestView = z.object({
  id: z.string(),
  kind: z.enum(['operation', 'elevation']),
  status: z.enum(STATUSES),
  requester: z.object({
    type: z.enum(['user', 'apiKey', 'oauth']),
    id: z.string(),
    userId: z.string().nullable(),
  }),
  operation: z.string().nullable(),
  connectionId: z.string().nullable(),
  resource: z.string().nullable(),
  elevatedRole: z.string().nullable(),
  reason: z.string().nullable(),
  approvalsRequired: z.number(),
  approvals: z.number(),
  grantMode: z.enum(['single_use', 'time_boxed']),
  grantTtlSeconds: z.number(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  expiresAt: z.string(),
  usedAt: z.string().nullable(),
  decisions: z.array(
    z.object({
      approverUserId: z.string(),
      decision: z.enum(['approve', 'deny']),
      comment: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
});

export const requestList = z.object({ items: z.array(requestView), nextCursor: z.string().nullable() });
