import { index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations, users } from '../../db/core-tables.ts';

/**
 * Invitations to join an organisation. Only the SHA-256 of the token is stored (the token is 32
 * random bytes, shown once to the inviter). An invitation is usable while it is neither accepted,
 * revoked nor expired; acceptance is a compare-and-set on `accepted_at`, so it is single use.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** Normalised (trimmed, lower case); the accepting user's email must match it. */
    email: text('email').notNull(),
    role: text('role', { enum: ['viewer', 'member', 'admin', 'owner'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: text('invited_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true, mode: 'date' }),
    acceptedBy: text('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('invitations_token_hash_unique').on(t.tokenHash),
    index('invitations_org_idx').on(t.orgId, t.id),
  ],
);

/**
 * One row per organisation created through `POST /v1/orgs`, kept when the organisation is deleted:
 * the per-user daily creation budget counts these, so deleting organisations does not refill it
 * (each new organisation would otherwise bring a fresh STS budget; issue 14.9).
 */
export const orgCreations = pgTable(
  'org_creations',
  {
    orgId: text('org_id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('org_creations_user_idx').on(t.userId, t.createdAt)],
);
