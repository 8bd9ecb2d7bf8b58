import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { connections } from '../connections/tables.ts';
import type { Capability, ConnectionScopes } from '../connections/types.ts';
import { organizations } from '../db/core-tables.ts';

/** How far a group's discovery and background verification got; stored so every node and the console see it. */
export interface GroupSyncProgress {
  state: 'idle' | 'discovering' | 'verifying' | 'done' | 'failed';
  startedAt: string | null;
  finishedAt: string | null;
  /** Accounts the organisation listed (after the OU filter), the management account excluded. */
  discovered: number;
  created: number;
  disabled: number;
  /** Members whose verification is finished in this run, and how it ended. */
  toVerify: number;
  verified: number;
  unsafe: number;
  failed: number;
  /** Verification attempts that AWS throttled and that were retried after a backoff. */
  retried: number;
  /** Why discovery failed (a stable error code), when state is `failed`. */
  error: string | null;
}

export const IDLE_PROGRESS: GroupSyncProgress = {
  state: 'idle',
  startedAt: null,
  finishedAt: null,
  discovered: 0,
  created: 0,
  disabled: 0,
  toVerify: 0,
  verified: 0,
  unsafe: 0,
  failed: 0,
  retried: 0,
  error: null,
};

/**
 * A connection group: the member accounts of one AWS Organization (or of chosen organisational
 * units), discovered through a normal `organizations-read` connection on the management or
 * delegated-administrator account, each member a normal connection. The group secret derives each
 * member's external ID (HMAC); it is encrypted like every secret (bound to table + column + row +
 * organisation) and never leaves the server except as the derived IDs in the templates.
 */
export const connectionGroups = pgTable(
  'connection_groups',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The management or delegated-administrator account's connection (capability organizations-read). */
    managementConnectionId: text('management_connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    /** The role every member account gets (same name in each account, created by the StackSet). */
    roleName: text('role_name').notNull(),
    capabilities: jsonb('capabilities').$type<Capability[]>().notNull(),
    scopes: jsonb('scopes').$type<ConnectionScopes>().notNull(),
    /** Organisational units to discover (ListAccountsForParent); empty = every account (ListAccounts). */
    ouIds: jsonb('ou_ids').$type<string[]>().notNull(),
    /** The StackSet's deployment region (where the role's stack instance lives; IAM itself is global). */
    region: text('region').notNull(),
    /** Encrypted: the HMAC key of the per-account external IDs. */
    secret: text('secret').notNull(),
    /** The organisation's root (r-…), learnt by discovery; the StackSet targets it when no OU is chosen. */
    rootId: text('root_id'),
    progress: jsonb('progress').$type<GroupSyncProgress>().notNull(),
    /** Bumped by each sync; a background run that sees a newer one stops writing progress. */
    syncGeneration: integer('sync_generation').notNull().default(0),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true, mode: 'date' }),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('connection_groups_org_idx').on(t.orgId, t.id)],
);

/** Account states the sync records: AWS's own, plus `REMOVED` when the account left the listing. */
export type MemberAccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED' | 'REMOVED';

/** One member account of a group and its connection. */
export const connectionGroupMembers = pgTable(
  'connection_group_members',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => connectionGroups.id, { onDelete: 'cascade' }),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    accountId: text('account_id').notNull(),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    accountName: text('account_name').notNull(),
    accountStatus: text('account_status').$type<MemberAccountStatus>().notNull(),
    /** Set when the sync disabled the connection (account gone or not active); cleared when it is back. */
    disabledBySync: text('disabled_by_sync'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.accountId] }),
    index('connection_group_members_org_idx').on(t.orgId, t.groupId),
    index('connection_group_members_connection_idx').on(t.connectionId),
  ],
);
