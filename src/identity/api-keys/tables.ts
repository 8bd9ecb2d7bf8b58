import { index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations, users } from '../../db/core-tables.ts';
import type { ApiKeyScope } from './scope.ts';

/**
 * Organisation API keys (`rg_live_<prefix>_<secret>`). The prefix is random and public (it finds
 * the row); only the SHA-256 of the secret is stored and compared in constant time. A key is
 * usable while it is not revoked, not expired, and its creator is still a member of the
 * organisation (its effective role is capped at the creator's current role).
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    role: text('role', { enum: ['viewer', 'member', 'admin', 'owner'] }).notNull(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    /** Connections, capabilities, read-only, source CIDRs the key is limited to; null = unscoped. */
    scope: jsonb('scope').$type<ApiKeyScope>(),
  },
  (t) => [uniqueIndex('api_keys_prefix_unique').on(t.prefix), index('api_keys_org_idx').on(t.orgId, t.id)],
);
