import { z } from 'zod';
import { idPattern } from '../../db/ids.ts';
import { orgIdSchema, roleSchema } from '../orgs/schemas.ts';
import { apiKeyScopeInput, apiKeyScopeView } from './scope.ts';

export const keyIdSchema = z.string().regex(idPattern('key'), 'must be an API key id (key_…)');
export const apiKeyOrgParams = z.strictObject({ orgId: orgIdSchema });
export const apiKeyParams = z.strictObject({ orgId: orgIdSchema, keyId: keyIdSchema });

export const createApiKeyBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must not contain control characters'),
  role: roleSchema,
  /** ISO 8601 with an offset; in the future, at most 5 years away. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  /** Limits for an agent's key (connections, capabilities, read-only, source CIDRs); absent = unscoped. */
  scope: apiKeyScopeInput.optional(),
});

export const apiKeyListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: keyIdSchema.optional(),
});

export const apiKeyView = z.object({
  id: z.string(),
  prefix: z.string(),
  name: z.string(),
  role: roleSchema,
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  scope: apiKeyScopeView.nullable(),
});
export const apiKeyList = z.object({ items: z.array(apiKeyView), nextCursor: z.string().nullable() });

export const createdApiKeyView = z.object({
  id: z.string(),
  /** `rg_live_<prefix>_<secret>`: shown once, never stored. */
  key: z.string(),
  prefix: z.string(),
  name: z.string(),
  role: roleSchema,
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  scope: apiKeyScopeView.nullable(),
});
