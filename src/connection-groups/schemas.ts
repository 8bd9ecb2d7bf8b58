import { z } from 'zod';
import { capabilitiesSchema, regionSchema, roleNameSchema, scopesSchema } from '../connections/schemas.ts';
import { CAPABILITIES } from '../connections/types.ts';
import { idPattern } from '../db/ids.ts';

const nameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(
    (v) => ![...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f),
    'must not contain control characters',
  );

/** AWS Organizations' organisational-unit ID pattern. */
export const ouIdSchema = z
  .string()
  .regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, 'must be an organisational unit ID like ou-ab12-cd34ef56');

export const createGroupBody = z.strictObject({
  name: nameSchema,
  /** A connection with organizations-read on the management or a delegated-administrator account. */
  managementConnectionId: z.string().regex(idPattern('con')),
  /** What each member account's role grants (organizations-read is for the management connection only). */
  capabilities: capabilitiesSchema.refine(
    (c) => !c.includes('organizations-read'),
    'organizations-read is for the management connection, not member accounts',
  ),
  scopes: scopesSchema.optional(),
  /** Discover only these organisational units (their direct accounts); empty or absent: the whole organisation. */
  ouIds: z
    .array(ouIdSchema)
    .max(20)
    .refine((l) => new Set(l).size === l.length, 'ouIds must not repeat')
    .optional(),
  roleName: roleNameSchema.optional(),
  region: regionSchema.optional(),
});
export type CreateGroupInput = z.infer<typeof createGroupBody>;

export const groupParams = z.strictObject({
  orgId: z.string().regex(idPattern('org')),
  groupId: z.string().regex(idPattern('cgr')),
});

export const groupListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().regex(idPattern('cgr')).optional(),
});

export const memberListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(200),
  cursor: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
});

export const progressSchema = z.object({
  state: z.enum(['idle', 'discovering', 'verifying', 'done', 'failed']),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  discovered: z.number(),
  created: z.number(),
  disabled: z.number(),
  toVerify: z.number(),
  verified: z.number(),
  unsafe: z.number(),
  failed: z.number(),
  retried: z.number(),
  error: z.string().nullable(),
});

export const groupView = z.object({
  id: z.string(),
  name: z.string(),
  managementConnectionId: z.string(),
  roleName: z.string(),
  capabilities: z.array(z.enum(CAPABILITIES)),
  scopes: z.record(z.string(), z.unknown()),
  ouIds: z.array(z.string()),
  region: z.string(),
  rootId: z.string().nullable(),
  progress: progressSchema,
  /** Member connections per status (pending, verified, unsafe, failed, disabled…). */
  memberStatus: z.record(z.string(), z.number()),
  lastSyncAt: z.string().nullable(),
  createdAt: z.string(),
});
export type GroupView = z.infer<typeof groupView>;

export const memberView = z.object({
  accountId: z.string(),
  accountName: z.string(),
  accountStatus: z.enum(['ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED', 'REMOVED']),
  connectionId: z.string(),
  status: z.enum(['pending', 'verified', 'unsafe', 'failed', 'disabled', 'expired']),
  disabledReason: z.string().nullable(),
  lastSeenAt: z.string(),
});
export type MemberView = z.infer<typeof memberView>;

export const groupTemplatesResponse = z.object({
  principalArn: z.string(),
  roleName: z.string(),
  accounts: z.number(),
  trustPolicy: z.record(z.string(), z.unknown()),
  permissionPolicy: z.record(z.string(), z.unknown()),
  memberTemplate: z.string(),
  stackSet: z.string(),
  terraform: z.string(),
  steps: z.array(z.string()),
});

export const groupScansResponse = z.object({
  started: z.array(z.object({ accountId: z.string(), connectionId: z.string(), scanId: z.string() })),
  /** Members not scanned, with the reason (connection_not_verified, capability_missing, scan_queue_full…). */
  skipped: z.array(z.object({ accountId: z.string(), connectionId: z.string(), code: z.string() })),
});
