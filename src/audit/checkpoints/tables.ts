import type { JsonWebKey } from 'node:crypto';
import { bigint, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

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
  },
  (t) => [primaryKey({ columns: [t.chain, t.n] })],
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
