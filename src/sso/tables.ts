import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations, users } from '../db/core-tables.ts';

/** One claim → role rule: when `claim` (a string or an array of strings) contains `value`, grant `role`. */
export interface RoleRule {
  value: string;
  role: 'viewer' | 'member' | 'admin';
}

export interface RoleMapping {
  /** The claim the rules read (e.g. `groups`, `roles`). */
  claim: string;
  /** The highest matching rule wins. */
  rules: RoleRule[];
  /** Granted when no rule matches; null refuses the sign-in. */
  defaultRole: 'viewer' | 'member' | 'admin' | null;
}

/**
 * The organisation's OpenID Connect identity provider (one per organisation). The client secret is
 * encrypted with the field keyring, bound to (sso_configs, id, org id).
 */
export const ssoConfigs = pgTable('sso_configs', {
  id: text('id').primaryKey(),
  orgId: text('org_id')
    .notNull()
    .unique()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  issuer: text('issuer').notNull(),
  clientId: text('client_id').notNull(),
  clientSecretEnc: text('client_secret_enc').notNull(),
  scopes: jsonb('scopes').$type<string[]>().notNull(),
  allowedDomains: jsonb('allowed_domains').$type<string[]>().notNull(),
  roleMapping: jsonb('role_mapping').$type<RoleMapping>().notNull(),
  requireSso: boolean('require_sso').notNull().default(false),
  /**
   * Accept an email the provider does not mark `email_verified: true` (absent claim): Entra ID never
   * sends it. Off by default; an explicit `email_verified: false` is refused either way.
   */
  trustUnverifiedEmail: boolean('trust_unverified_email').notNull().default(false),
  /** The one owner who keeps password + MFA sign-in while SSO is required. */
  breakGlassUserId: text('break_glass_user_id').references(() => users.id, { onDelete: 'set null' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * Email domains an organisation claims. A domain is proven with a DNS TXT record
 * `rolegate-verification=<token>` at `_rolegate.<domain>`; once verified, no other organisation can
 * verify it (the partial unique index), and only then do sign-ins through it find or link accounts.
 */
export const ssoDomains = pgTable(
  'sso_domains',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    domain: text('domain').notNull(),
    token: text('token').notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sso_domains_org_domain_unique').on(t.orgId, t.domain),
    uniqueIndex('sso_domains_verified_unique').on(t.domain).where(sql`${t.verifiedAt} is not null`),
  ],
);

/**
 * A sign-in in flight, between the redirect to the provider and its callback. Keyed by the SHA-256
 * of `state`; used once (`usedAt` by compare-and-set) and dead after a few minutes, so a replayed or
 * forged callback finds nothing. The PKCE verifier and nonce never leave the server.
 */
export const ssoLogins = pgTable(
  'sso_logins',
  {
    stateHash: text('state_hash').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    nonce: text('nonce').notNull(),
    codeVerifier: text('code_verifier').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('sso_logins_expires_idx').on(t.expiresAt)],
);

/** The provider's subject (`sub`) of a person, per organisation: later sign-ins find them by it. */
export const ssoIdentities = pgTable(
  'sso_identities',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /**
     * The issuer that asserted `subject`: a subject is unique only within its issuer, so an owner
     * who points the organisation at another provider must not inherit the old links.
     */
    issuer: text('issuer').notNull().default(''),
    subject: text('subject').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('sso_identities_org_issuer_subject_unique').on(t.orgId, t.issuer, t.subject),
    uniqueIndex('sso_identities_org_user_unique').on(t.orgId, t.userId),
  ],
);
