import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { connections } from '../connections/tables.ts';
import { organizations } from '../db/core-tables.ts';

export interface ScanWarning {
  region: string;
  detector: string;
  code: string;
  message: string;
}

/** One cost-waste scan job; its state lives here so that a restart resumes it (or fails it loudly). */
export const scans = pgTable(
  'scans',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] }).notNull(),
    regions: jsonb('regions').$type<string[]>().notNull(),
    regionsDone: jsonb('regions_done').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    findingsCount: integer('findings_count').notNull().default(0),
    /** Detectors skipped in a region because the role denied their read actions. */
    warnings: jsonb('warnings').$type<ScanWarning[]>().notNull().default(sql`'[]'::jsonb`),
    attempt: integer('attempt').notNull().default(0),
    cancelRequested: integer('cancel_requested').notNull().default(0),
    requestedByType: text('requested_by_type', { enum: ['user', 'apiKey', 'oauth', 'system'] }).notNull(),
    requestedById: text('requested_by_id').notNull(),
    requestedByUserId: text('requested_by_user_id'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('scans_org_conn_idx').on(t.orgId, t.connectionId), index('scans_status_idx').on(t.status)],
);

/** One piece of waste; rescans update the same row (one per connection + type + region + resource). */
export const findings = pgTable(
  'findings',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    scanId: text('scan_id')
      .notNull()
      .references(() => scans.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    region: text('region').notNull(),
    resourceId: text('resource_id').notNull(),
    resourceArn: text('resource_arn').notNull(),
    ageDays: integer('age_days'),
    tags: jsonb('tags').$type<Record<string, string>>().notNull(),
    monthlyCostCents: integer('monthly_cost_cents').notNull(),
    /** How the estimate was reached (quantity, unit price, region, price-table date); null on findings from before it was recorded. */
    costBasis: text('cost_basis'),
    recommendedAction: text('recommended_action').notNull(),
    details: jsonb('details').$type<Record<string, string | number | boolean | null | string[]>>().notNull(),
    status: text('status', { enum: ['open', 'dismissed', 'cleaned'] })
      .notNull()
      .default('open'),
    statusChangedBy: text('status_changed_by'),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true, mode: 'date' }),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('findings_resource_unique').on(t.orgId, t.connectionId, t.type, t.region, t.resourceId),
    index('findings_org_list_idx').on(t.orgId, t.id),
  ],
);

/** Confirmation tokens of clean-up dry runs: only the hash is stored; single use, short-lived. */
export const cleanupTokens = pgTable(
  'cleanup_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    findingId: text('finding_id').notNull(),
    actorId: text('actor_id').notNull(),
    /** Hash of the resource state the dry run saw; the real run must see the same. */
    stateHash: text('state_hash').notNull(),
    options: jsonb('options').$type<{ snapshotBeforeDelete: boolean; deleteSnapshots: boolean }>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('cleanup_tokens_finding_idx').on(t.orgId, t.findingId)],
);
