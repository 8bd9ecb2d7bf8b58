import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { organizations } from '../db/core-tables.ts';
import type { Capability, ConnectionScopes, ConnectionStatus } from './types.ts';

export interface VerificationCheck {
  name: string;
  status: 'passed' | 'failed' | 'skipped' | 'warning';
  code?: string;
  advice?: string;
}

export interface VerificationReport {
  status: 'verified' | 'unsafe' | 'failed';
  checkedAt: string;
  checks: VerificationCheck[];
}

/**
 * A customer's AWS role that Rolegate may assume. Holds no credentials: only the role ARN and the
 * external ID (AES-256-GCM, bound to table + column + row + organisation).
 */
export const connections = pgTable(
  'connections',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    accountId: text('account_id'),
    roleArn: text('role_arn'),
    /** The IAM role name the templates create; null on rows from before it was stored (default name then). */
    roleName: text('role_name'),
    /** Encrypted; the current external ID. */
    externalId: text('external_id').notNull(),
    /** Encrypted; the ID operations keep using while a rotation awaits re-verification. */
    previousExternalId: text('previous_external_id'),
    /** After this instant the previous external ID is never sent again and is cleared. */
    previousExternalIdExpiresAt: timestamp('previous_external_id_expires_at', {
      withTimezone: true,
      mode: 'date',
    }),
    capabilities: jsonb('capabilities').$type<Capability[]>().notNull(),
    scopes: jsonb('scopes').$type<ConnectionScopes>().notNull(),
    sourceIdentityEnabled: boolean('source_identity_enabled').notNull().default(true),
    status: text('status').$type<ConnectionStatus>().notNull().default('pending'),
    lastVerifiedAt: timestamp('last_verified_at', { withTimezone: true, mode: 'date' }),
    verificationReport: jsonb('verification_report').$type<VerificationReport>(),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Pending connections stop being usable (and verifiable) after this instant. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('connections_org_idx').on(t.orgId, t.id),
    index('connections_status_idx').on(t.status).where(sql`${t.status} in ('pending', 'verified')`),
  ],
);
