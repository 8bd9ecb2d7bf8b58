import { index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { connections } from '../connections/tables.ts';
import { organizations } from '../db/core-tables.ts';

export interface ReconcileWarning {
  region: string;
  code: string;
  message: string;
}

/**
 * One reconciliation of one window of a connection: the job's state (as scans keep theirs, so a
 * restart resumes or fails it) and, once done, the counts the console shows per window.
 */
export const reconciliations = pgTable(
  'reconciliations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] }).notNull(),
    trigger: text('trigger', { enum: ['manual', 'schedule'] }).notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true, mode: 'date' }).notNull(),
    regions: jsonb('regions').$type<string[]>().notNull(),
    pages: integer('pages').notNull().default(0),
    eventsSeen: integer('events_seen').notNull().default(0),
    matched: integer('matched').notNull().default(0),
    unmatched: integer('unmatched').notNull().default(0),
    unlogged: integer('unlogged').notNull().default(0),
    foreignAssumeRoles: integer('foreign_assume_roles').notNull().default(0),
    /** Set when the window held more events or items than one reconciliation reads or keeps. */
    truncated: integer('truncated').notNull().default(0),
    warnings: jsonb('warnings').$type<ReconcileWarning[]>().notNull(),
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
  (t) => [
    index('reconciliations_org_conn_idx').on(t.orgId, t.connectionId, t.windowEnd),
    index('reconciliations_status_idx').on(t.status),
  ],
);

export type ReconcileItemKind = 'unmatched_event' | 'unlogged_record' | 'foreign_assume_role';

/** What a reconciliation found that needs a look (matched events are only counted). */
export const reconciliationItems = pgTable(
  'reconciliation_items',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    reconciliationId: text('reconciliation_id')
      .notNull()
      .references(() => reconciliations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['unmatched_event', 'unlogged_record', 'foreign_assume_role'] }).notNull(),
    severity: text('severity', { enum: ['high', 'medium', 'info'] }).notNull(),
    region: text('region'),
    eventId: text('event_id'),
    eventName: text('event_name'),
    eventSource: text('event_source'),
    eventTime: timestamp('event_time', { withTimezone: true, mode: 'date' }),
    sessionName: text('session_name'),
    sourceIp: text('source_ip'),
    principal: text('principal'),
    auditId: text('audit_id'),
    operation: text('operation'),
    note: text('note').notNull(),
    details: jsonb('details').$type<Record<string, string | number | boolean | null>>().notNull(),
  },
  (t) => [index('reconciliation_items_rec_idx').on(t.orgId, t.reconciliationId, t.id)],
);
