import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations, users } from '../db/core-tables.ts';

/**
 * An organisation's webhook endpoints. The signing secret (`whsec_…`, Standard Webhooks) is shown
 * once at creation and stored only encrypted, bound to its row (`secret_encrypted`).
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description').notNull(),
    /** Event types delivered to this endpoint (see WEBHOOK_EVENT_TYPES). */
    eventTypes: jsonb('event_types').$type<string[]>().notNull(),
    secretEncrypted: text('secret_encrypted').notNull(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('webhook_endpoints_org_idx').on(t.orgId, t.id)],
);

/**
 * The outbox: one row per message and destination, written before anyone is told an event
 * happened, so a delivery survives a restart. `id` is the Standard Webhooks message id
 * (`webhook-id`), the receiver's idempotency key: retries and redeliveries keep it.
 * `endpoint_id` is null for the deployment-wide endpoint (`ROLEGATE_WEBHOOK_URL`).
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').references(() => organizations.id, { onDelete: 'cascade' }),
    endpointId: text('endpoint_id').references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    /** The endpoint id, or `deployment` for the deployment-wide endpoint (non-null, so it can be unique). */
    destination: text('destination').notNull(),
    eventType: text('event_type').notNull(),
    /** Suppresses a second delivery of the same fact to the same destination (e.g. a threat seen again). */
    dedupeKey: text('dedupe_key'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull(),
    /** Also the lease: a claimed delivery is pushed into the future until its attempt is recorded. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Retries stop after this (24 h after creation, or after a redelivery). */
    giveUpAt: timestamp('give_up_at', { withTimezone: true, mode: 'date' }).notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_org_idx').on(t.orgId, t.createdAt),
    uniqueIndex('webhook_deliveries_dedupe_unique').on(t.destination, t.dedupeKey),
  ],
);
