import type { JsonWebKey } from 'node:crypto';
import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Signed checkpoints of each chain's head (docs/audit.md, "Signed checkpoints"). Not to be confused
 * with `audit_chain_checkpoints`, the incremental-verification marker. The primary key
 * (chain, n) is what makes one checkpoint per number even with several nodes signing: a node that
 * loses the race inserts nothing. A checkpoint is evidence only in the customer's hands (the
 * operator could delete rows here, but cannot forge a signature); the delivery columns keep one
 * pending until it reached the organisation's export target, so a failing bucket loses none.
 */
export const auditSignedCheckpoints = pgTable(
  'audit_signed_checkpoints',
  {
    chain: text('chain').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    head: text('head').notNull(),
    signedAt: timestamp('signed_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** The signed time, exactly as signed (ISO 8601 with milliseconds). */
    time: text('time').notNull(),
    prev: text('prev').notNull(),
    deployment: text('deployment').notNull(),
    kid: text('kid').notNull(),
    alg: text('alg').notNull(),
    hash: text('hash').notNull(),
    signature: text('signature').notNull(),
    /** When the checkpoint reached the organisation's export target (null: pending, or no target). */
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    deliveryAttempts: bigint('delivery_attempts', { mode: 'number' }).notNull().default(0),
    nextDeliveryAt: timestamp('next_delivery_at', { withTimezone: true, mode: 'date' }),
    deliveryError: text('delivery_error'),
  },
  (t) => [
    primaryKey({ columns: [t.chain, t.n] }),
    index('audit_signed_checkpoints_pending_idx').on(t.deliveredAt, t.nextDeliveryAt),
  ],
);

/**
 * Public keys that ever signed a checkpoint, with their validity periods (published at
 * /.well-known/rolegate-audit-keys.json). Only public keys live here: a retired key stays listed so
 * old checkpoints keep verifying after its private half is gone from the configuration.
 */
export const auditSigningKeys = pgTable('audit_signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  jwk: jsonb('jwk').$type<JsonWebKey>().notNull(),
  validFrom: timestamp('valid_from', { withTimezone: true, mode: 'date' }).notNull(),
  /** Set when another key started signing; a retired key never signs again. */
  validUntil: timestamp('valid_until', { withTimezone: true, mode: 'date' }),
});

/**
 * Where an organisation's checkpoints are delivered: an object prefix in a bucket of its own AWS
 * account, written through a connection with the `audit-export` capability.
 */
export const auditExportTargets = pgTable('audit_export_targets', {
  orgId: text('org_id').primaryKey(),
  connectionId: text('connection_id').notNull(),
  bucket: text('bucket').notNull(),
  prefix: text('prefix').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});
