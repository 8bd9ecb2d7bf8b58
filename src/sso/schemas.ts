import { z } from 'zod';
import { idPattern } from '../db/ids.ts';
import { orgIdSchema, userIdSchema } from '../identity/orgs/schemas.ts';

/** Request and response shapes of the SSO routes (shared with the OpenAPI document). */

const MAPPED_ROLES = ['viewer', 'member', 'admin'] as const;

export const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain name such as example.com',
  );

const scopeSchema = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/, 'must be an OAuth scope');

export const roleMappingSchema = z.strictObject({
  claim: z.string().regex(/^[A-Za-z0-9_:./-]{1,100}$/, 'must be a claim name such as groups'),
  rules: z.array(z.strictObject({ value: z.string().min(1).max(256), role: z.enum(MAPPED_ROLES) })).max(50),
  defaultRole: z.enum(MAPPED_ROLES).nullable(),
});

export const ssoConfigBody = z.strictObject({
  issuer: z.string().min(8).max(2048),
  clientId: z.string().min(1).max(512),
  clientSecret: z.string().min(1).max(4096).optional(),
  scopes: z
    .array(scopeSchema)
    .min(1)
    .max(20)
    .refine((s) => s.includes('openid'), 'must include openid')
    .optional(),
  allowedDomains: z.array(domainSchema).min(1).max(20),
  roleMapping: roleMappingSchema,
  requireSso: z.boolean().default(false),
  trustUnverifiedEmail: z.boolean().default(false),
  breakGlassUserId: userIdSchema.nullable().default(null),
});

export const ssoConfigView = z.object({
  issuer: z.string(),
  clientId: z.string(),
  clientSecretSet: z.literal(true),
  scopes: z.array(z.string()),
  allowedDomains: z.array(z.string()),
  roleMapping: roleMappingSchema,
  requireSso: z.boolean(),
  trustUnverifiedEmail: z.boolean(),
  breakGlassUserId: z.string().nullable(),
  redirectUri: z.string().nullable(),
  updatedAt: z.date(),
});

export const testConnectionView = z.object({
  ok: z.boolean(),
  issuer: z.string(),
  authorizationEndpoint: z.string().nullable(),
  tokenEndpoint: z.string().nullable(),
  userinfoEndpoint: z.string().nullable(),
  error: z.string().nullable(),
});

export const domainIdSchema = z.string().regex(idPattern('dom'), 'must be a domain id (dom_…)');
export const ssoOrgParams = z.strictObject({ orgId: orgIdSchema });
export const domainParams = z.strictObject({ orgId: orgIdSchema, domainId: domainIdSchema });
export const addDomainBody = z.strictObject({ domain: domainSchema });

export const domainView = z.object({
  id: z.string(),
  domain: z.string(),
  verified: z.boolean(),
  verifiedAt: z.date().nullable(),
  record: z.object({ type: z.literal('TXT'), name: z.string(), value: z.string() }),
});
export const domainList = z.object({ items: z.array(domainView) });

/** Either the person's email (the organisation is found by its verified domain) or the organisation. */
export const ssoStartQuery = z
  .strictObject({
    email: z.string().min(3).max(320).optional(),
    org: orgIdSchema.optional(),
    /** `json` answers `{ redirectUrl }` (for the console's fetch) instead of a 302. */
    mode: z.enum(['redirect', 'json']).default('redirect'),
  })
  .refine((q) => (q.email === undefined) !== (q.org === undefined), 'give exactly one of email or org');

export const ssoCallbackQuery = z.object({
  state: z.string().max(512).optional(),
  code: z.string().max(4096).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(1024).optional(),
  iss: z.string().max(2048).optional(),
  session_state: z.string().max(1024).optional(),
});
