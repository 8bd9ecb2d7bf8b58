import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from '../db/core-tables.ts';

/**
 * A session is one refresh-token family: created at login, rotated on every refresh, dead at
 * `expiresAt` (absolute), after the idle limit, or the moment it is revoked. Access tokens carry
 * the session id, so revoking the session stops them within one request.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    revokedReason: text('revoked_reason'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /**
     * The organisation whose single sign-on opened the session (null for a password sign-in): an
     * organisation that requires SSO accepts only sessions its own provider opened.
     */
    ssoOrgId: text('sso_org_id'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * One row per refresh token ever issued in a session. Only the SHA-256 of the token is stored (the
 * token is 32 random bytes, so a fast hash is enough). `usedAt` is set by compare-and-set when the
 * token is rotated; presenting a token whose `usedAt` is already set revokes the whole session.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);

/** MFA backup codes: SHA-256 of (user id, code); each is single use (`usedAt` set by compare-and-set). */
export const mfaBackupCodes = pgTable(
  'mfa_backup_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('mfa_backup_codes_user_idx').on(t.userId)],
);
