import { z } from 'zod';
import { idPattern } from '../db/ids.ts';
import { orgNameSchema } from './orgs/schemas.ts';
import { PERMISSION_NAMES, ROLES } from './rbac.ts';

/** Request and response shapes of the identity routes (shared with the OpenAPI document). */

// Generous outer bounds; the password policy (12–128 code points) is applied by the service so that
// its refusal names the rule. 1024 UTF-16 units bounds the work before hashing.
const password = z.string().min(1).max(1024);
const email = z.string().min(3).max(320);
const otpCode = z.string().min(6).max(32);

export const signupBody = z
  .strictObject({
    email,
    password,
    name: z.string().trim().min(1).max(200).optional(),
    /** The first organisation's name; default "<name or email's local part>'s organisation". */
    organizationName: orgNameSchema.optional(),
    /** Join the inviting organisation (the token of an invitation link) instead of creating one. */
    invitationToken: z.string().min(16).max(128).optional(),
  })
  .refine((b) => b.organizationName === undefined || b.invitationToken === undefined, {
    message: 'give either an organisation name or an invitation, not both',
    path: ['organizationName'],
  });

export const signupResponse = z.object({
  user: z.object({ id: z.string(), email: z.string() }),
  organization: z.object({ id: z.string(), name: z.string() }),
});

export const loginBody = z.strictObject({
  email,
  password,
  totp: otpCode.optional(),
});

export const tokenPairResponse = z.object({
  accessToken: z.string(),
  /** Absent for browser clients: they get it as an httpOnly cookie (src/identity/browser-session.ts). */
  refreshToken: z.string().optional(),
  expiresIn: z.number().int(),
});

/** The token may be omitted by browser clients, which present it as the refresh cookie instead. */
export const refreshBody = z.strictObject({ refreshToken: z.string().min(16).max(128).optional() });

export const passwordChangeBody = z.strictObject({ currentPassword: password, newPassword: password });

export const mfaCodeBody = z.strictObject({ code: otpCode });

export const mfaSetupResponse = z.object({
  secret: z.string(),
  otpauthUri: z.string(),
  qrCodeDataUrl: z.string(),
});

export const mfaEnableResponse = z.object({ backupCodes: z.array(z.string()) });

export const logoutAllResponse = z.object({ revoked: z.number().int() });

export const meResponse = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string().nullable(), mfaEnabled: z.boolean() }),
  organizations: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      role: z.enum(ROLES),
      /** What the role permits here (src/identity/rbac.ts): clients offer only these actions. */
      permissions: z.array(z.enum(PERMISSION_NAMES)),
    }),
  ),
});

export const sessionParams = z.strictObject({
  sessionId: z.string().regex(idPattern('ses'), 'must be a session id (ses_…)'),
});

export const sessionView = z.object({
  id: z.string(),
  /** A label such as "Firefox on Windows", derived from the user agent. */
  device: z.string(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  /** True for the session making this request. */
  current: z.boolean(),
});

export const sessionList = z.object({ items: z.array(sessionView), nextCursor: z.null() });

export const revokedCountResponse = z.object({ revoked: z.number().int() });
