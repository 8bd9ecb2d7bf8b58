import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { connections } from '../connections/tables.ts';
import type { ConnectionStatus } from '../connections/types.ts';
import type { DbOrTx } from '../db/client.ts';
import { connectionGroupMembers, connectionGroups, type GroupSyncProgress } from './tables.ts';

export type GroupRow = typeof connectionGroups.$inferSelect;
export type MemberRow = typeof connectionGroupMembers.$inferSelect;
export type MemberWithStatus = MemberRow & { connectionStatus: ConnectionStatus };

/** SQL only. Every query carries the organisation in its WHERE clause. */
export function createGroupStore() {
  return {
    async insert(db: DbOrTx, row: typeof connectionGroups.$inferInsert) {
      await db.insert(connectionGroups).values(row);
    },
    async get(db: DbOrTx, orgId: string, id: string): Promise<GroupRow | null> {
      const rows = await db
        .select()
        .from(connectionGroups)
        .where(and(eq(connectionGroups.orgId, orgId), eq(connectionGroups.id, id)))
        .limit(1);
      return rows[0] ?? null;
    },
    async getForUpdate(db: DbOrTx, orgId: string, id: string): Promise<GroupRow | null> {
      const rows = await db
        .select()
        .from(connectionGroups)
        .where(and(eq(connectionGroups.orgId, orgId), eq(connectionGroups.id, id)))
        .for('update')
        .limit(1);
      return rows[0] ?? null;
    },
    async list(db: DbOrTx, orgId: string, limit: number, after?: string): Promise<GroupRow[]> {
      return db
        .select()
        .from(connectionGroups)
        .where(
          and(
            eq(connectionGroups.orgId, orgId),
            after === undefined ? undefined : gt(connectionGroups.id, after),
          ),
        )
        .orderBy(asc(connectionGroups.id))
        .limit(limit);
    },
    async update(
      db: DbOrTx,
      orgId: string,
      id: string,
      patch: Partial<Pick<GroupRow, 'rootId' | 'progress' | 'syncGeneration' | 'lastSyncAt' | 'updatedAt'>>,
    ) {
      await db
        .update(connectionGroups)
        .set(patch)
        .where(and(eq(connectionGroups.orgId, orgId), eq(connectionGroups.id, id)));
    },
    /** Writes progress only while `generation` is the group's latest sync (a newer run owns it otherwise). */
    async writeProgress(
      db: DbOrTx,
      orgId: string,
      id: string,
      generation: number,
      progress: GroupSyncProgress,
      now: Date,
    ): Promise<boolean> {
      const rows = await db
        .update(connectionGroups)
        .set({ progress, updatedAt: now })
        .where(
          and(
            eq(connectionGroups.orgId, orgId),
            eq(connectionGroups.id, id),
            eq(connectionGroups.syncGeneration, generation),
          ),
        )
        .returning({ id: connectionGroups.id });
      return rows.length > 0;
    },
    async delete(db: DbOrTx, orgId: string, id: string): Promise<void> {
      await db
        .delete(connectionGroups)
        .where(and(eq(connectionGroups.orgId, orgId), eq(connectionGroups.id, id)));
    },
    async members(
      db: DbOrTx,
      orgId: string,
      groupId: string,
      opts: { limit?: number; after?: string } = {},
    ): Promise<MemberWithStatus[]> {
      const q = db
        .select({
          groupId: connectionGroupMembers.groupId,
          orgId: connectionGroupMembers.orgId,
          accountId: connectionGroupMembers.accountId,
          connectionId: connectionGroupMembers.connectionId,
          accountName: connectionGroupMembers.accountName,
          accountStatus: connectionGroupMembers.accountStatus,
          disabledBySync: connectionGroupMembers.disabledBySync,
          lastSeenAt: connectionGroupMembers.lastSeenAt,
          connectionStatus: connections.status,
        })
        .from(connectionGroupMembers)
        .innerJoin(
          connections,
          and(
            eq(connections.id, connectionGroupMembers.connectionId),
            eq(connections.orgId, connectionGroupMembers.orgId),
          ),
        )
        .where(
          and(
            eq(connectionGroupMembers.orgId, orgId),
            eq(connectionGroupMembers.groupId, groupId),
            opts.after === undefined ? undefined : gt(connectionGroupMembers.accountId, opts.after),
          ),
        )
        .orderBy(asc(connectionGroupMembers.accountId));
      return opts.limit === undefined ? q : q.limit(opts.limit);
    },
    async statusCounts(db: DbOrTx, orgId: string, groupId: string): Promise<Record<string, number>> {
      const rows = await db
        .select({ status: connections.status, n: sql<number>`count(*)::int` })
        .from(connectionGroupMembers)
        .innerJoin(connections, eq(connections.id, connectionGroupMembers.connectionId))
        .where(and(eq(connectionGroupMembers.orgId, orgId), eq(connectionGroupMembers.groupId, groupId)))
        .groupBy(connections.status);
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    async insertMember(db: DbOrTx, row: typeof connectionGroupMembers.$inferInsert) {
      await db.insert(connectionGroupMembers).values(row);
    },
    async updateMember(
      db: DbOrTx,
      orgId: string,
      groupId: string,
      accountId: string,
      patch: Partial<Pick<MemberRow, 'accountName' | 'accountStatus' | 'disabledBySync' | 'lastSeenAt'>>,
    ) {
      await db
        .update(connectionGroupMembers)
        .set(patch)
        .where(
          and(
            eq(connectionGroupMembers.orgId, orgId),
            eq(connectionGroupMembers.groupId, groupId),
            eq(connectionGroupMembers.accountId, accountId),
          ),
        );
    },
    /** The connection ids of a group's members (for findings and scans filtered by group). */
    async memberConnectionIds(db: DbOrTx, orgId: string, groupId: string): Promise<string[]> {
      const rows = await db
        .select({ id: connectionGroupMembers.connectionId })
        .from(connectionGroupMembers)
        .where(and(eq(connectionGroupMembers.orgId, orgId), eq(connectionGroupMembers.groupId, groupId)));
      return rows.map((r) => r.id);
    },
  };
}

export type GroupStore = ReturnType<typeof createGroupStore>;
