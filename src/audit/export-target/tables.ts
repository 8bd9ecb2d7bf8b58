import { bigint, boolean, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { connections } from '../../connections/tables.ts';
import { organizations, users } from '../../db/core-tables.ts';

/**
 * Where an organisation's signed checkpoints are delivered (docs/audit.md, "Delivery to your S3
 * bucket"), and how far delivery got. The checkpoints table is the outbox: checkpoints
 * 1 … `delivered_n` of the organisation are in the bucket, the next one is the next to write, so
 * delivery is in order, survives restarts and cannot skip one. `lease_until` lets one node at a
 * time deliver an organisation; a lease that lapses (a node died) is taken over, and rewriting an
 * object is harmless because its key and content are fixed by the checkpoint.
 */
export const auditExportTargets = pgTable('audit_export_targets', {
  orgId: text('org_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  /** A connection of this organisation with the audit-export capability; deleting it removes the target. */
  connectionId: text('connection_id')
    .notNull()
    .references(() => connections.id, { onDelete: 'cascade' }),
  bucket: text('bucket').notNull(),
  /** Empty, or ending in `/`. */
  prefix: text('prefix').notNull(),
  /** Also write each checkpoint's records as NDJSON. */
  includeRecords: boolean('include_records').notNull(),
  deliveredN: bigint('delivered_n', { mode: 'number' }).notNull(),
  lastDeliveredAt: timestamp('last_delivered_at', { withTimezone: true, mode: 'date' }),
  /** Consecutive failed attempts; reset by a success. */
  failures: integer('failures').notNull(),
  lastErrorCode: text('last_error_code'),
  lastErrorAt: timestamp('last_error_at', { withTimezone: true, mode: 'date' }),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull(),
  leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
  updatedBy: text('updated_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});
