import { z } from 'zod';
import { parseRoleArn } from '../aws/arn.ts';
import { idPattern } from '../db/ids.ts';
import { auditExportScopeProblem } from './policy.ts';
import { CAPABILITIES, type ConnectionScopes } from './types.ts';

/** IAM's limit on an ARN; the rules themselves are in src/aws/arn.ts. */
const MAX_ROLE_ARN = 2048;

export const roleArnSchema = z
  .string()
  .max(MAX_ROLE_ARN)
  .refine((v) => parseRoleArn(v) !== null, {
    message:
      'must be an IAM role ARN like arn:aws:iam::123456789012:role/RolegateAccess (partitions aws, aws-cn, aws-us-gov)',
  });

/** IAM's role-name rule: 1–64 characters of `[\w+=,.@-]` (no path; the path is part of the ARN). */
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
export const roleNameSchema = z
  .string()
  .regex(ROLE_NAME_PATTERN, 'must be an IAM role name: 1–64 characters of letters, digits and + = , . @ _ -');

/** A role name no other connection has: `Rolegate-` and 12 characters of the connection's random id. */
export function defaultRoleName(connectionId: string): string {
  return `Rolegate-${connectionId.slice(connectionId.indexOf('_') + 1).slice(0, 12)}`;
}

export const accountIdSchema = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');

/** S3 bucket naming rules (general purpose buckets). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export function isValidBucketName(name: string): boolean {
  return (
    BUCKET.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.startsWith('sthree-') &&
    !name.endsWith('-s3alias') &&
    !name.endsWith('--ol-s3')
  );
}
const noControl = (v: string) => {
  for (const ch of v) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
};
// Characters that would break out of a policy ARN or a template (quotes, wildcards, whitespace).
const policySafe = (v: string) => !/["'`\\*?\s${}]/.test(v);

/**
 * Most `*` in one Lambda function name pattern: real patterns use one or two, and each one
 * multiplies what a naive matcher would try (see matchesPattern).
 */
export const MAX_PATTERN_WILDCARDS = 8;

export const regionSchema = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/, 'must be an AWS region name like us-east-1');

export const scopesSchema = z.strictObject({
  regions: z.array(regionSchema).max(32).default([]),
  s3Buckets: z
    .array(z.string().refine(isValidBucketName, 'must be a valid S3 bucket name'))
    .max(50)
    .default([]),
  s3Prefixes: z
    .array(
      z
        .string()
        .min(1)
        .max(512)
        .refine(
          (v) => noControl(v) && policySafe(v),
          'must not contain control characters, quotes or wildcards',
        ),
    )
    .max(50)
    .default([]),
  logGroupPrefixes: z
    .array(z.string().regex(/^[\w\-/.#]{1,512}$/, 'must use log group name characters [A-Za-z0-9_-/.#]'))
    .max(50)
    .default([]),
  dynamodbTables: z
    .array(z.string().regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name (3–255 of [A-Za-z0-9_.-])'))
    .max(50)
    .default([]),
  lambdaFunctionPatterns: z
    .array(
      z
        .string()
        .regex(/^[\w*-]{1,64}$/, 'must be a function name pattern of [A-Za-z0-9_-] with * as wildcard')
        .refine((v) => v.replace(/\*/g, '').length > 0, 'must contain more than wildcards')
        .refine(
          (v) => v.split('*').length - 1 <= MAX_PATTERN_WILDCARDS,
          `must contain at most ${MAX_PATTERN_WILDCARDS} wildcards`,
        ),
    )
    .max(50)
    .default([]),
  cleanupTagConditions: z
    .record(
      z
        .string()
        .regex(/^[\w.:/=+@-]{1,128}$/, 'must be a tag key')
        .refine((k) => !k.toLowerCase().startsWith('aws:'), 'must not use the reserved aws: prefix'),
      z.string().regex(/^[\w.:/=+@ -]{0,256}$/, 'must be a tag value'),
    )
    .refine((r) => Object.keys(r).length <= 10, 'at most 10 tag conditions')
    .default({}),
});

export const EMPTY_SCOPES: ConnectionScopes = {
  regions: [],
  s3Buckets: [],
  s3Prefixes: [],
  logGroupPrefixes: [],
  dynamodbTables: [],
  lambdaFunctionPatterns: [],
  cleanupTagConditions: {},
};

export const capabilitySchema = z.enum(CAPABILITIES);
export const capabilitiesSchema = z
  .array(capabilitySchema)
  .min(1, 'choose at least one capability')
  .max(CAPABILITIES.length)
  .refine((caps) => new Set(caps).size === caps.length, 'capabilities must not repeat');

const nameSchema = z.string().trim().min(1).max(100).refine(noControl, 'must not contain control characters');

const EMPTY_SCOPE_LISTS = { s3Buckets: [], s3Prefixes: [] };

export const createConnectionBody = z
  .strictObject({
    name: nameSchema,
    roleArn: roleArnSchema.optional(),
    /** The IAM role the templates create; default `Rolegate-<short connection id>`, or the role in roleArn. */
    roleName: roleNameSchema.optional(),
    accountId: accountIdSchema.optional(),
    capabilities: capabilitiesSchema,
    scopes: scopesSchema.optional(),
    sourceIdentity: z.boolean().default(true),
  })
  .superRefine((body, ctx) => {
    const exportProblem = auditExportScopeProblem(body.capabilities, body.scopes ?? EMPTY_SCOPE_LISTS);
    if (exportProblem !== null) ctx.addIssue({ code: 'custom', path: ['scopes'], message: exportProblem });
    if (
      body.roleArn !== undefined &&
      body.roleName !== undefined &&
      parseRoleArn(body.roleArn)?.roleName !== body.roleName
    ) {
      ctx.addIssue({ code: 'custom', path: ['roleName'], message: 'must match the role name in roleArn' });
    }
    if (body.roleArn !== undefined && body.accountId !== undefined) {
      if (parseRoleArn(body.roleArn)?.accountId !== body.accountId) {
        ctx.addIssue({
          code: 'custom',
          path: ['accountId'],
          message: 'must match the account in roleArn',
        });
      }
    }
  });
export type CreateConnectionInput = z.infer<typeof createConnectionBody>;

export const updateConnectionBody = z
  .strictObject({
    name: nameSchema.optional(),
    roleArn: roleArnSchema.optional(),
    roleName: roleNameSchema.optional(),
    capabilities: capabilitiesSchema.optional(),
    scopes: scopesSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export type UpdateConnectionInput = z.infer<typeof updateConnectionBody>;

export const connectionParams = z.strictObject({
  orgId: z.string().regex(idPattern('org')),
  connId: z.string().regex(idPattern('con')),
});
export const orgParams = z.strictObject({ orgId: z.string().regex(idPattern('org')) });

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().regex(idPattern('con')).optional(),
});

const statusSchema = z.enum(['pending', 'verified', 'unsafe', 'failed', 'disabled', 'expired']);
const checkSchema = z.object({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'skipped', 'warning']),
  code: z.string().optional(),
  advice: z.string().optional(),
});

export const connectionView = z.object({
  id: z.string(),
  name: z.string(),
  accountId: z.string().nullable(),
  roleArn: z.string().nullable(),
  /** The IAM role name the templates use (unique per connection unless chosen otherwise). */
  roleName: z.string(),
  capabilities: z.array(capabilitySchema),
  scopes: z.object({
    regions: z.array(z.string()),
    s3Buckets: z.array(z.string()),
    s3Prefixes: z.array(z.string()),
    logGroupPrefixes: z.array(z.string()),
    dynamodbTables: z.array(z.string()),
    lambdaFunctionPatterns: z.array(z.string()),
    cleanupTagConditions: z.record(z.string(), z.string()),
  }),
  sourceIdentity: z.boolean(),
  status: statusSchema,
  rotationPending: z.boolean(),
  /** When the rotated-out external ID stops being accepted; null when no rotation is pending. */
  previousExternalIdExpiresAt: z.string().nullable(),
  lastVerifiedAt: z.string().nullable(),
  verification: z
    .object({
      status: z.enum(['verified', 'unsafe', 'failed']),
      checkedAt: z.string(),
      checks: z.array(checkSchema),
    })
    .nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});
export type ConnectionView = z.infer<typeof connectionView>;

export const createdConnectionView = connectionView.extend({ externalId: z.string() });

export const verifyResponse = z.object({
  status: z.enum(['verified', 'unsafe', 'failed']),
  checks: z.array(checkSchema),
});

export const templatesResponse = z.object({
  externalId: z.string(),
  principalArn: z.string(),
  roleName: z.string(),
  /** ROLEGATE_EGRESS_IPS: the `aws:SourceIp` values every rendered trust policy requires (empty: none). */
  sourceIpPin: z.array(z.string()),
  trustPolicy: z.record(z.string(), z.unknown()),
  permissionPolicy: z.record(z.string(), z.unknown()),
  cloudFormation: z.string(),
  /** Rolegate's authenticated download of `cloudFormation` (not usable by CloudFormation itself). */
  cloudFormationUrl: z.string(),
  /** Present only when the operator published the generic template (ROLEGATE_TEMPLATE_URL). */
  quickCreateUrl: z.string().nullable(),
  cloudFormationSteps: z.array(z.string()),
  terraform: z.string(),
  awsCli: z.string(),
});
