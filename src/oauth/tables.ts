import { index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations, users } from '../db/core-tables.ts';
import type { ApiKeyScope } from '../identity/api-keys/scope.ts';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The authorization server's state (oidc-provider models: registered clients, interactions,
 * authorization codes, access and refresh tokens, grants, sessions), one row per model instance.
 * Kept in the database so that every node sees the same codes and tokens and a restart loses none.
 * Rows past `expires_at` are never read (see adapter.ts) and are swept by the adapter.
 */
export const oauthRecords = pgTable(
  'oauth_records',
  {
    model: text('model').notNull(),
    id: text('id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    grantId: text('grant_id'),
    uid: text('uid'),
    userCode: text('user_code'),
    expiresAt: at('expires_at'),
    consumedAt: at('consumed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.id] }),
    index('oauth_records_grant_idx').on(t.grantId),
    index('oauth_records_uid_idx').on(t.uid),
    index('oauth_records_expires_idx').on(t.expiresAt),
  ],
);

/**
 * What a user granted an MCP client (an "agent grant"): one organisation and a scope with the same
 * shape and meaning as an API key's. The provider's grant (`provider_grant_id`) carries the OAuth
 * side (client, resource, tokens); this row carries Rolegate's side and is what the Security page
 * lists and revokes. The role is never stored: it is the granting user's current role, read per call.
 */
export const agentGrants = pgTable(
  'agent_grants',
  {
    id: text('id').primaryKey(),
    providerGrantId: text('provider_grant_id').notNull(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    clientName: text('client_name').notNull(),
    redirectUri: text('redirect_uri').notNull(),
    /** Connections, capabilities, read-only; null = the user's whole role in the organisation. */
    scope: jsonb('scope').$type<ApiKeyScope>(),
    createdAt: at('created_at').notNull(),
    revokedAt: at('revoked_at'),
  },
  (t) => [
    uniqueIndex('agent_grants_provider_grant_unique').on(t.providerGrantId),
    index('agent_grants_user_idx').on(t.userId, t.id),
  ],
);
