import { z } from 'zod';
import { idPattern } from '../db/ids.ts';
import { orgIdSchema } from '../identity/orgs/schemas.ts';

export const endpointIdSchema = z.string().regex(idPattern('whe'), 'must be a webhook endpoint id (whe_…)');
export const messageIdSchema = z.string().regex(idPattern('msg'), 'must be a webhook message id (msg_…)');

export const webhookOrgParams = z.strictObject({ orgId: orgIdSchema });
export const webhookParams = z.strictObject({ orgId: orgIdSchema, webhookId: endpointIdSchema });
export const deliveryParams = z.strictObject({ orgId: orgIdSchema, deliveryId: messageIdSchema });

/**
 * Events an organisation endpoint may subscribe to: `webhook.test` is sent on demand to one
 * endpoint, and `login.new_ip` concerns a user, not an organisation (deployment endpoint only).
 */
export const ORG_EVENT_TYPES = [
  'threat.brute_force',
  'threat.access_denied_burst',
  'threat.connection_unsafe',
  'threat.session_used_outside_rolegate',
  'threat.role_assumed_outside_rolegate',
  'sso.break_glass_login',
  'audit.checkpoint',
  'approval.requested',
  'approval.decided',
  'approval.policy_updated',
] as const;
/**
 * What a new endpoint gets when it names no types: the alerts (threats and break-glass sign-ins).
 * Signed checkpoints and approval events are opted into (an alerting endpoint should not start
 * receiving a workflow's traffic).
 */
export const subscribableEventTypes = ORG_EVENT_TYPES.filter(
  (t) => t.startsWith('threat.') || t === 'sso.break_glass_login',
);

export const createWebhookBody = z.strictObject({
  url: z.string().trim().min(1).max(2048),
  description: z
    .string()
    .trim()
    .max(200)
    .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters')
    .default(''),
  eventTypes: z
    .array(z.enum(ORG_EVENT_TYPES))
    .min(1)
    .max(ORG_EVENT_TYPES.length)
    .refine((list) => new Set(list).size === list.length, 'must not repeat an event type')
    .optional(),
});

export const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});
export const webhookList = z.object({ items: z.array(webhookView), nextCursor: z.string().nullable() });
export const createdWebhookView = webhookView.extend({
  /** `whsec_…`: the Standard Webhooks signing secret, shown once. */
  secret: z.string(),
});

export const deliveryListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const deliveryView = z.object({
  id: z.string(),
  webhookId: z.string().nullable(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
});
export const deliveryList = z.object({ items: z.array(deliveryView), nextCursor: z.string().nullable() });
