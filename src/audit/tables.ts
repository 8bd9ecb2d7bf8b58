import { bigint, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The audit trail: append-only, one hash chain per organisation (`chain` = org id) plus one
 * system chain (`_system`) for events outside any organisation. There is deliberately no foreign
 * key to organizations: deleting an organisation must not silently drop its evidence (see
 * docs/audit.md). Personal fields (`actor_id`, `target_id` of a user, `ip`, `user_agent`) are
 * covered by the chain only through keyed references (`*_ref`), so they can be erased on account
 * deletion without breaking the chain.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    chain: text('chain').notNull(),
    orgId: text('org_id'),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    actorRef: text('actor_ref'),
    action: text('action').notNull(),
    outcome: text('outcome').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    targetRef: text('target_ref'),
    connectionId: text('connection_id'),
    operation: text('operation'),
    resource: text('resource'),
    errorCode: text('error_code'),
    requestId: text('request_id'),
    ip: text('ip'),
    ipRef: text('ip_ref'),
    userAgent: text('user_agent'),
    userAgentRef: text('user_agent_ref'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('audit_events_chain_seq_unique').on(t.chain, t.seq),
    index('audit_events_chain_created_idx').on(t.chain, t.createdAt),
    index('audit_events_actor_idx').on(t.actorId),
    index('audit_events_target_idx').on(t.targetId),
  ],
);

/**
 * The head of each chain (last seq and hash). Writers lock this row (`FOR UPDATE`) inside their
 * transaction, so appends to one chain serialise in the database on every node; it also lets
 * verification detect a truncated tail.
 */
export const auditChainHeads = pgTable('audit_chain_heads', {
  chain: text('chain').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * One random key per data subject (user). Personal fields of that user are committed into the
 * chain as HMAC(key, field, value). Deleting the user deletes the key and the raw values: what is
 * left is a pseudonymous reference that no one can reverse, and the chain still verifies.
 */
export const auditSubjectKeys = pgTable('audit_subject_keys', {
  subjectId: text('subject_id').primaryKey(),
  key: text('key').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * How far each chain is known to be intact: records 1..seq verified, the record at `seq` had
 * `hash`, at `verified_at`. Incremental verification starts here (and re-checks that record)
 * instead of re-hashing the whole chain; `full` verification ignores it. Only an intact run moves
 * it. Trade-off (docs/audit.md): an edit before the checkpoint that leaves the checkpoint record
 * alone is found by full verification only.
 */
export const auditChainCheckpoints = pgTable('audit_chain_checkpoints', {
  chain: text('chain').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  verifiedAt: timestamp('verified_at', { withTimezone: true, mode: 'date' }).notNull(),
});
