import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations, users } from '../db/core-tables.ts';

/**
 * Per-organisation SCIM bearer tokens (RFC 7644 provisioning from the identity provider). Only the
 * SHA-256 of the token is stored (it is 32 random bytes); shown once; several may be live at once
 * for rotation; revoked ones stay for the record.
 */
export const scimTokens = pgTable(
  'scim_tokens',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    name: text('name').notNull(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('scim_tokens_hash_unique').on(t.tokenHash), index('scim_tokens_org_idx').on(t.orgId)],
);

/**
 * A person as the identity provider provisions them into one organisation. `active: false` or a
 * delete (`deletedAt`, kept as a tombstone) removes the membership and revokes the sessions, and
 * single sign-on refuses them until the provider re-activates or re-creates them.
 */
export const scimUsers = pgTable(
  'scim_users',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userName: text('user_name').notNull(),
    externalId: text('external_id'),
    displayName: text('display_name'),
    active: boolean('active').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('scim_users_org_user_unique').on(t.orgId, t.userId),
    uniqueIndex('scim_users_org_username_unique').on(t.orgId, t.userName),
    index('scim_users_org_live_idx').on(t.orgId).where(sql`${t.deletedAt} is null`),
  ],
);
