import { z } from 'zod';
import { idPattern } from '../../db/ids.ts';
import { ROLES } from '../rbac.ts';

export const roleSchema = z.enum(ROLES);

export const orgIdSchema = z.string().regex(idPattern('org'), 'must be an organisation id (org_…)');
export const userIdSchema = z.string().regex(idPattern('usr'), 'must be a user id (usr_…)');
export const invitationIdSchema = z.string().regex(idPattern('inv'), 'must be an invitation id (inv_…)');

export const orgParams = z.strictObject({ orgId: orgIdSchema });
export const memberParams = z.strictObject({ orgId: orgIdSchema, userId: userIdSchema });
export const invitationParams = z.strictObject({ orgId: orgIdSchema, invitationId: invitationIdSchema });

/** Printable name without control characters, 1–100 characters after trimming. */
export const orgNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must not contain control characters');

export const createOrgBody = z.strictObject({ name: orgNameSchema });
export const updateOrgBody = z.strictObject({ name: orgNameSchema });

export const orgView = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: z.string(),
});
export const orgList = z.object({ items: z.array(orgView), nextCursor: z.null() });

export const memberListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: userIdSchema.optional(),
});
export const memberView = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: roleSchema,
  joinedAt: z.string(),
});
export const memberList = z.object({ items: z.array(memberView), nextCursor: z.string().nullable() });
export const changeRoleBody = z.strictObject({ role: roleSchema });
export const roleChanged = z.object({ userId: z.string(), role: roleSchema });

export const createInvitationBody = z.strictObject({
  email: z.email().max(254),
  role: roleSchema,
});
export const createdInvitationView = z.object({
  id: z.string(),
  email: z.string(),
  role: roleSchema,
  /** Shown once; only its SHA-256 is stored. */
  token: z.string(),
  expiresAt: z.string(),
  /** True when the invitation was e-mailed (SMTP configured and the server took the message). */
  emailed: z.boolean(),
});
export const invitationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: invitationIdSchema.optional(),
});
export const invitationView = z.object({
  id: z.string(),
  email: z.string(),
  role: roleSchema,
  createdAt: z.string(),
  expiresAt: z.string(),
});
export const invitationList = z.object({ items: z.array(invitationView), nextCursor: z.string().nullable() });

/** 32 random bytes, base64url. */
export const acceptInvitationBody = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be an invitation token'),
});
export const acceptedInvitationView = z.object({ orgId: z.string(), role: roleSchema });
