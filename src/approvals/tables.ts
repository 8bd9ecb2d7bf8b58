import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations, users } from '../db/core-tables.ts';

/**
 * An organisation's approval policy (docs/approvals.md). No row means the default policy, so every
 * organisation — new or old — needs a second person for the dangerous operations until an admin
 * says otherwise.
 */
export const approvalPolicies = pgTable('approval_policies', {
  orgId: text('org_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  /** Operation names (`s3.put_object`, `lambda.invoke`, `cleanup.execute`, …) that need approval. */
  operations: jsonb('operations').$type<string[]>().notNull(),
  /** Roles allowed to decide (a subset of admin, owner). */
  approverRoles: jsonb('approver_roles').$type<string[]>().notNull(),
  approvalsRequired: integer('approvals_required').notNull(),
  grantTtlSeconds: integer('grant_ttl_seconds').notNull(),
  grantMode: text('grant_mode', { enum: ['single_use', 'time_boxed'] }).notNull(),
  updatedBy: text('updated_by').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * One request: for an operation on a connection and resource scope (`kind: operation`), or for a
 * temporary role (`kind: elevation`). Once approved the row is the grant: bound to the requesting
 * principal (`requester_id`: a user, an API key or an agent grant), its operation, connection and
 * scope, valid until `expires_at`, and — single-use — spent by the conditional update that sets
 * `used_at`. The mode, lifetime and number of approvals are copied from the policy when the request
 * is made, so a later policy change does not widen a request already in flight.
 */
export const approvalRequests = pgTable(
  'approval_requests',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['operation', 'elevation'] }).notNull(),
    requesterType: text('requester_type', { enum: ['user', 'apiKey', 'oauth'] }).notNull(),
    requesterId: text('requester_id').notNull(),
    /** The human behind the requester (the user, the key's creator, the grant's user). */
    requesterUserId: text('requester_user_id').references(() => users.id, { onDelete: 'set null' }),
    operation: text('operation'),
    connectionId: text('connection_id'),
    /** The resource scope: an exact ARN, or a prefix ending in `*`. */
    resource: text('resource'),
    elevatedRole: text('elevated_role'),
    reason: text('reason'),
    status: text('status', {
      enum: ['pending', 'approved', 'denied', 'revoked', 'expired', 'used'],
    }).notNull(),
    approvalsRequired: integer('approvals_required').notNull(),
    grantMode: text('grant_mode', { enum: ['single_use', 'time_boxed'] }).notNull(),
    grantTtlSeconds: integer('grant_ttl_seconds').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    /** Pending: when the unanswered request lapses. Approved: when the grant ends. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    revokedBy: text('revoked_by'),
  },
  (t) => [
    index('approval_requests_org_idx').on(t.orgId, t.status, t.createdAt),
    index('approval_requests_requester_idx').on(t.orgId, t.requesterId, t.status),
    // One pending request per principal and call (or per principal's elevation): two refused calls
    // racing each other share a request instead of making two.
    uniqueIndex('approval_requests_pending_operation_unique')
      .on(t.orgId, t.requesterId, t.operation, t.connectionId, t.resource)
      .where(sql`status = 'pending' and kind = 'operation'`),
    uniqueIndex('approval_requests_pending_elevation_unique')
      .on(t.orgId, t.requesterId)
      .where(sql`status = 'pending' and kind = 'elevation'`),
  ],
);

/** One approver's decision on a request; an approver decides a request once. */
export const approvalDecisions = pgTable(
  'approval_decisions',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    requestId: text('request_id')
      .notNull()
      .references(() => approvalRequests.id, { onDelete: 'cascade' }),
    approverUserId: text('approver_user_id').notNull(),
    decision: text('decision', { enum: ['approve', 'deny'] }).notNull(),
    comment: text('comment'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [uniqueIndex('approval_decisions_unique').on(t.requestId, t.approverUserId)],
);
