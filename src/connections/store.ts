import { and, asc, eq, gt, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { connections, type VerificationReport } from './tables.ts';
import type { Capability, ConnectionScopes, ConnectionStatus } from './types.ts';

export type ConnectionRow = typeof connections.$inferSelect;
export type NewConnectionRow = typeof connections.$inferInsert;

/** The columns a brokered call needs (not the verification report, which can be large). */
const usableColumns = {
  id: connections.id,
  orgId: connections.orgId,
  name: connections.name,
  accountId: connections.accountId,
  roleArn: connections.roleArn,
  externalId: connections.externalId,
  previousExternalId: connections.previousExternalId,
  previousExternalIdExpiresAt: connections.previousExternalIdExpiresAt,
  capabilities: connections.capabilities,
  scopes: connections.scopes,
  sourceIdentityEnabled: connections.sourceIdentityEnabled,
  status: connections.status,
  expiresAt: connections.expiresAt,
};
export type UsableConnectionRow = Pick<ConnectionRow, keyof typeof usableColumns>;

/** The read every brokered call makes, built once per database handle (src/db/prepared.ts). */
const usableById = preparedPerHandle((db) =>
  db
    .select(usableColumns)
    .from(connections)
    .where(and(eq(connections.orgId, sql.placeholder('orgId')), eq(connections.id, sql.placeholder('id'))))
    .limit(1)
    .prepare('rolegate_connection_usable_v1'),
);

/** SQL only. Every tenant query carries the organisation in its WHERE clause. */
export interface ConnectionStore {
  insert(db: DbOrTx, row: NewConnectionRow): Promise<void>;
  get(db: DbOrTx, orgId: string, id: string): Promise<ConnectionRow | null>;
  /** What every brokered call reads: the columns of `UsableConnectionRow` only. */
  getUsable(db: DbOrTx, orgId: string, id: string): Promise<UsableConnectionRow | null>;
  /** Locks the row for the rest of the transaction. */
  getForUpdate(db: DbOrTx, orgId: string, id: string): Promise<ConnectionRow | null>;
  list(
    db: DbOrTx,
    orgId: string,
    opts: { limit: number; after?: string; only?: readonly string[] | undefined },
  ): Promise<ConnectionRow[]>;
  update(
    db: DbOrTx,
    orgId: string,
    id: string,
    patch: Partial<{
      name: string;
      roleArn: string | null;
      roleName: string | null;
      accountId: string | null;
      capabilities: Capability[];
      scopes: ConnectionScopes;
      status: ConnectionStatus;
      externalId: string;
      previousExternalId: string | null;
      previousExternalIdExpiresAt: Date | null;
      lastVerifiedAt: Date | null;
      verificationReport: VerificationReport | null;
      expiresAt: Date | null;
      updatedAt: Date;
    }>,
  ): Promise<void>;
  delete(db: DbOrTx, orgId: string, id: string): Promise<boolean>;
  /**
   * Clears the previous external ID if its grace period ended by `now` (compare-and-set on the
   * deadline, so a concurrent rotation is never undone). True when this call cleared it.
   */
  clearExpiredPreviousExternalId(db: DbOrTx, orgId: string, id: string, now: Date): Promise<boolean>;
  /** Connections whose previous external ID is past its grace period, across organisations (system job). */
  listExpiredPreviousExternalIds(
    db: DbOrTx,
    now: Date,
    limit: number,
  ): Promise<Array<{ id: string; orgId: string }>>;
  /** Pending connections past their expiry, across organisations (system job). */
  listExpiredPending(db: DbOrTx, now: Date, limit: number): Promise<Array<{ id: string; orgId: string }>>;
  /** Verified connections whose last verification is older than `before` (system job). */
  listDueForReverification(
    db: DbOrTx,
    before: Date,
    limit: number,
  ): Promise<Array<{ id: string; orgId: string }>>;
}

export function createConnectionStore(): ConnectionStore {
  return {
    async insert(db, row) {
      await db.insert(connections).values(row);
    },
    async get(db, orgId, id) {
      const rows = await db
        .select()
        .from(connections)
        .where(and(eq(connections.orgId, orgId), eq(connections.id, id)))
        .limit(1);
      return rows[0] ?? null;
    },
    async getUsable(db, orgId, id) {
      const rows = await usableById(db).execute({ orgId, id });
      return rows[0] ?? null;
    },
    async getForUpdate(db, orgId, id) {
      const rows = await db
        .select()
        .from(connections)
        .where(and(eq(connections.orgId, orgId), eq(connections.id, id)))
        .for('update')
        .limit(1);
      return rows[0] ?? null;
    },
    async list(db, orgId, { limit, after, only }) {
      return db
        .select()
        .from(connections)
        .where(
          and(
            eq(connections.orgId, orgId),
            after === undefined ? undefined : gt(connections.id, after),
            only === undefined ? undefined : inArray(connections.id, [...only]),
          ),
        )
        .orderBy(asc(connections.id))
        .limit(limit);
    },
    async update(db, orgId, id, patch) {
      await db
        .update(connections)
        .set(patch)
        .where(and(eq(connections.orgId, orgId), eq(connections.id, id)));
    },
    async delete(db, orgId, id) {
      const rows = await db
        .delete(connections)
        .where(and(eq(connections.orgId, orgId), eq(connections.id, id)))
        .returning({ id: connections.id });
      return rows.length > 0;
    },
    async clearExpiredPreviousExternalId(db, orgId, id, now) {
      const rows = await db
        .update(connections)
        .set({ previousExternalId: null, previousExternalIdExpiresAt: null, updatedAt: now })
        .where(
          and(
            eq(connections.orgId, orgId),
            eq(connections.id, id),
            lte(connections.previousExternalIdExpiresAt, now),
          ),
        )
        .returning({ id: connections.id });
      return rows.length > 0;
    },
    async listExpiredPreviousExternalIds(db, now, limit) {
      return db
        .select({ id: connections.id, orgId: connections.orgId })
        .from(connections)
        .where(lte(connections.previousExternalIdExpiresAt, now))
        .orderBy(asc(connections.id))
        .limit(limit);
    },
    async listExpiredPending(db, now, limit) {
      return db
        .select({ id: connections.id, orgId: connections.orgId })
        .from(connections)
        .where(and(eq(connections.status, 'pending'), lt(connections.expiresAt, now)))
        .orderBy(asc(connections.id))
        .limit(limit);
    },
    async listDueForReverification(db, before, limit) {
      return db
        .select({ id: connections.id, orgId: connections.orgId })
        .from(connections)
        .where(
          and(
            eq(connections.status, 'verified'),
            or(isNull(connections.lastVerifiedAt), lt(connections.lastVerifiedAt, before)),
          ),
        )
        .orderBy(asc(connections.lastVerifiedAt), asc(connections.id))
        .limit(limit);
    },
  };
}
