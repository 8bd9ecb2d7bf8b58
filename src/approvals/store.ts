import { and, desc, eq, gt, inArray, lt, lte, or, sql } from 'drizzle-orm';
import { connections } from '../connections/tables.ts';
import type { DbOrTx } from '../db/client.ts';
import { memberships } from '../db/core-tables.ts';
import { preparedPerHandle } from '../db/prepared.ts';
import { isRole, type Role } from '../identity/rbac.ts';
import type { ApprovalPolicy } from './policy.ts';
import { approvalDecisions, approvalPolicies, approvalRequests } from './tables.ts';

export type RequestRow = typeof approvalRequests.$inferSelect;
export type DecisionRow = typeof approvalDecisions.$inferSelect;
export type RequestStatus = RequestRow['status'];

export interface ListFilter {
  status?: RequestStatus | undefined;
  kind?: RequestRow['kind'] | undefined;
  /** Only this human's requests (members see their own). */
  requesterUserId?: string | undefined;
  after?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

/** Read by every operation the approval policy may gate; built once (src/db/prepared.ts). */
const policyByOrg = preparedPerHandle((db) =>
  db
    .select()
    .from(approvalPolicies)
    .where(eq(approvalPolicies.orgId, sql.placeholder('orgId')))
    .limit(1)
    .prepare('rolegate_approval_policy_v1'),
);

/** The SQL of approvals; every query takes the organisation. */
export function createApprovalStore() {
  return {
    async policy(q: DbOrTx, orgId: string): Promise<(ApprovalPolicy & { updatedAt: Date }) | null> {
      const rows = await policyByOrg(q).execute({ orgId });
      const row = rows[0];
      if (row === undefined) return null;
      return {
        operations: row.operations,
        approverRoles: row.approverRoles.filter(
          (r): r is 'admin' | 'owner' => r === 'admin' || r === 'owner',
        ),
        approvalsRequired: row.approvalsRequired,
        grantTtlSeconds: row.grantTtlSeconds,
        grantMode: row.grantMode,
        updatedAt: row.updatedAt,
      };
    },

    async upsertPolicy(
      q: DbOrTx,
      orgId: string,
      policy: ApprovalPolicy,
      by: string | null,
      at: Date,
    ): Promise<void> {
      const values = { ...policy, updatedBy: by, updatedAt: at };
      await q
        .insert(approvalPolicies)
        .values({ orgId, ...values })
        .onConflictDoUpdate({ target: approvalPolicies.orgId, set: values });
    },

    /** Approved, unexpired grants of this principal for this operation and connection. */
    async grantsFor(
      q: DbOrTx,
      orgId: string,
      requesterId: string,
      operation: string,
      connectionId: string,
      now: Date,
    ): Promise<RequestRow[]> {
      return q
        .select()
        .from(approvalRequests)
        .where(
          and(
            eq(approvalRequests.orgId, orgId),
            eq(approvalRequests.requesterId, requesterId),
            eq(approvalRequests.kind, 'operation'),
            eq(approvalRequests.status, 'approved'),
            eq(approvalRequests.operation, operation),
            eq(approvalRequests.connectionId, connectionId),
            gt(approvalRequests.expiresAt, now),
          ),
        )
        .orderBy(approvalRequests.expiresAt)
        .limit(50);
    },

    /**
     * Spends a single-use grant: one conditional update, so of two concurrent uses exactly one sees
     * a row come back (the other waits on the row lock, then finds it no longer `approved`).
     */
    async consume(q: DbOrTx, orgId: string, id: string, now: Date): Promise<boolean> {
      const rows = await q
        .update(approvalRequests)
        .set({ status: 'used', usedAt: now })
        .where(
          and(
            eq(approvalRequests.orgId, orgId),
            eq(approvalRequests.id, id),
            eq(approvalRequests.status, 'approved'),
            gt(approvalRequests.expiresAt, now),
          ),
        )
        .returning({ id: approvalRequests.id });
      return rows.length === 1;
    },

    /**
     * A time-boxed grant's last use (the grant stays `approved` until it expires). Conditional like
     * `consume`: a grant revoked or expired since it was read is not touched, and false says so —
     * the caller treats it as not granted (approvals review 5).
     */
    async touch(q: DbOrTx, orgId: string, id: string, now: Date): Promise<boolean> {
      const rows = await q
        .update(approvalRequests)
        .set({ usedAt: now })
        .where(
          and(
            eq(approvalRequests.orgId, orgId),
            eq(approvalRequests.id, id),
            eq(approvalRequests.status, 'approved'),
            gt(approvalRequests.expiresAt, now),
          ),
        )
        .returning({ id: approvalRequests.id });
      return rows.length === 1;
    },

    async pendingFor(
      q: DbOrTx,
      orgId: string,
      match: {
        requesterId: string;
        kind: RequestRow['kind'];
        operation: string | null;
        connectionId: string | null;
        resource: string | null;
      },
      now: Date,
    ): Promise<RequestRow | null> {
      const rows = await q
        .select()
        .from(approvalRequests)
        .where(
          and(
            eq(approvalRequests.orgId, orgId),
            eq(approvalRequests.requesterId, match.requesterId),
            eq(approvalRequests.kind, match.kind),
            eq(approvalRequests.status, 'pending'),
            gt(approvalRequests.expiresAt, now),
            match.operation === null ? undefined : eq(approvalRequests.operation, match.operation),
            match.connectionId === null ? undefined : eq(approvalRequests.connectionId, match.connectionId),
            match.resource === null ? undefined : eq(approvalRequests.resource, match.resource),
          ),
        )
        .limit(1);
      return rows[0] ?? null;
    },

    /** Null when the same principal already has this request pending (a concurrent twin). */
    async insertPending(q: DbOrTx, row: typeof approvalRequests.$inferInsert): Promise<RequestRow | null> {
      const rows = await q.insert(approvalRequests).values(row).onConflictDoNothing().returning();
      return rows[0] ?? null;
    },

    async get(q: DbOrTx, orgId: string, id: string): Promise<RequestRow | null> {
      const rows = await q
        .select()
        .from(approvalRequests)
        .where(and(eq(approvalRequests.orgId, orgId), eq(approvalRequests.id, id)))
        .limit(1);
      return rows[0] ?? null;
    },

    /** The request, locked until the transaction ends: decisions and revocations are serialised. */
    async lock(tx: DbOrTx, orgId: string, id: string): Promise<RequestRow | null> {
      const rows = await tx
        .select()
        .from(approvalRequests)
        .where(and(eq(approvalRequests.orgId, orgId), eq(approvalRequests.id, id)))
        .for('update');
      return rows[0] ?? null;
    },

    async list(q: DbOrTx, orgId: string, filter: ListFilter): Promise<RequestRow[]> {
      const after = filter.after;
      return q
        .select()
        .from(approvalRequests)
        .where(
          and(
            eq(approvalRequests.orgId, orgId),
            filter.status === undefined ? undefined : eq(approvalRequests.status, filter.status),
            filter.kind === undefined ? undefined : eq(approvalRequests.kind, filter.kind),
            filter.requesterUserId === undefined
              ? undefined
              : eq(approvalRequests.requesterUserId, filter.requesterUserId),
            after === undefined
              ? undefined
              : or(
                  lt(approvalRequests.createdAt, after.createdAt),
                  and(eq(approvalRequests.createdAt, after.createdAt), lt(approvalRequests.id, after.id)),
                ),
          ),
        )
        .orderBy(desc(approvalRequests.createdAt), desc(approvalRequests.id))
        .limit(filter.limit);
    },

    async decisions(q: DbOrTx, orgId: string, requestIds: string[]): Promise<DecisionRow[]> {
      if (requestIds.length === 0) return [];
      return q
        .select()
        .from(approvalDecisions)
        .where(and(eq(approvalDecisions.orgId, orgId), inArray(approvalDecisions.requestId, requestIds)))
        .orderBy(approvalDecisions.createdAt);
    },

    /** False when this approver already decided the request. */
    async addDecision(q: DbOrTx, row: typeof approvalDecisions.$inferInsert): Promise<boolean> {
      const rows = await q
        .insert(approvalDecisions)
        .values(row)
        .onConflictDoNothing()
        .returning({ id: approvalDecisions.id });
      return rows.length === 1;
    },

    async approvals(q: DbOrTx, requestId: string): Promise<number> {
      const rows = await q
        .select({ n: sql<number>`count(*)::int` })
        .from(approvalDecisions)
        .where(and(eq(approvalDecisions.requestId, requestId), eq(approvalDecisions.decision, 'approve')));
      return rows[0]?.n ?? 0;
    },

    /** Moves a request on only from the statuses given (a conditional update: no lost transition). */
    async transition(
      q: DbOrTx,
      orgId: string,
      id: string,
      from: RequestStatus[],
      set: Partial<Pick<RequestRow, 'status' | 'decidedAt' | 'expiresAt' | 'revokedBy'>>,
    ): Promise<RequestRow | null> {
      const rows = await q
        .update(approvalRequests)
        .set(set)
        .where(
          and(
            eq(approvalRequests.orgId, orgId),
            eq(approvalRequests.id, id),
            inArray(approvalRequests.status, from),
          ),
        )
        .returning();
      return rows[0] ?? null;
    },

    /** Marks every pending request and grant of the organisation past its time as expired. */
    async expireDue(q: DbOrTx, orgId: string, now: Date): Promise<RequestRow[]> {
      return q
        .update(approvalRequests)
        .set({ status: 'expired' })
        .where(
          and(
            eq(approvalRequests.orgId, orgId),
            inArray(approvalRequests.status, ['pending', 'approved']),
            lte(approvalRequests.expiresAt, now),
          ),
        )
        .returning();
    },

    /** Organisations with a pending request or a live grant past its time (for the sweep). */
    async orgsWithDue(q: DbOrTx, now: Date, limit: number): Promise<string[]> {
      const rows = await q
        .selectDistinct({ orgId: approvalRequests.orgId })
        .from(approvalRequests)
        .where(
          and(
            inArray(approvalRequests.status, ['pending', 'approved']),
            lte(approvalRequests.expiresAt, now),
          ),
        )
        .limit(limit);
      return rows.map((r) => r.orgId);
    },

    /** The role held by membership, without elevation: who may approve is not raised by JIT access. */
    async membershipRole(q: DbOrTx, orgId: string, userId: string): Promise<Role | null> {
      const rows = await q
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
        .limit(1);
      const role = rows[0]?.role;
      return isRole(role) ? role : null;
    },

    async connectionExists(q: DbOrTx, orgId: string, connectionId: string): Promise<boolean> {
      const rows = await q
        .select({ id: connections.id })
        .from(connections)
        .where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId)))
        .limit(1);
      return rows.length === 1;
    },
  };
}

export type ApprovalStore = ReturnType<typeof createApprovalStore>;

/** The role an approved, unexpired elevation gives `userId` in `orgId` (null: none). */
export async function activeElevation(
  q: DbOrTx,
  orgId: string,
  userId: string,
  now: Date,
): Promise<Role | null> {
  const rows = await q
    .select({ role: approvalRequests.elevatedRole })
    .from(approvalRequests)
    .where(
      and(
        eq(approvalRequests.orgId, orgId),
        eq(approvalRequests.requesterUserId, userId),
        eq(approvalRequests.requesterType, 'user'),
        eq(approvalRequests.kind, 'elevation'),
        eq(approvalRequests.status, 'approved'),
        gt(approvalRequests.expiresAt, now),
      ),
    )
    .limit(1);
  const role = rows[0]?.role;
  return isRole(role) ? role : null;
}

/**
 * Ends a user's elevations, pending or granted, when their membership shrinks or ends (demoted,
 * removed, left): an elevation was approved for the role they held then, and must not outlive it
 * or come back with a later membership (approvals review 2). Runs in the caller's transaction.
 */
export async function revokeElevationsOf(
  q: DbOrTx,
  orgId: string,
  userId: string,
  revokedBy: string,
): Promise<RequestRow[]> {
  return q
    .update(approvalRequests)
    .set({ status: 'revoked', revokedBy })
    .where(
      and(
        eq(approvalRequests.orgId, orgId),
        eq(approvalRequests.requesterUserId, userId),
        eq(approvalRequests.kind, 'elevation'),
        inArray(approvalRequests.status, ['pending', 'approved']),
      ),
    )
    .returning();
}
