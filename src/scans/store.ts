import { and, asc, desc, eq, gt, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { connectionGroupMembers, connectionGroups } from '../connection-groups/tables.ts';
import { connections } from '../connections/tables.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import type { JobClaim } from '../jobs/runner.ts';
import type { DetectedFinding } from './detectors.ts';
import { cleanupTokens, findings, type ScanWarning, scans } from './tables.ts';

export type ScanRow = typeof scans.$inferSelect;
export type FindingRow = typeof findings.$inferSelect;
export type ScanStatus = ScanRow['status'];
export type FindingStatus = FindingRow['status'];

export interface FindingFilters {
  connectionId?: string | undefined;
  /** Only these connections (a scoped API key's); undefined = all of the organisation's. */
  connectionIds?: readonly string[] | undefined;
  /** Only the member connections of this connection group (of the same organisation). */
  groupId?: string | undefined;
  type?: string | undefined;
  region?: string | undefined;
  status?: FindingStatus | undefined;
}

export interface CleanupOptions {
  snapshotBeforeDelete: boolean;
  deleteSnapshots: boolean;
}

/** The job's row while this claim owns it: the fence of every write after the claim (src/jobs/runner.ts). */
function owned(job: JobClaim): SQL {
  return and(eq(scans.id, job.id), eq(scans.status, 'running'), eq(scans.attempt, job.attempt)) as SQL;
}

/** SQL only. Every tenant query carries the organisation id in its WHERE. */
export function createScanStore(db: Db) {
  function filterWhere(orgId: string, f: FindingFilters): SQL {
    const parts: SQL[] = [eq(findings.orgId, orgId)];
    if (f.connectionId !== undefined) parts.push(eq(findings.connectionId, f.connectionId));
    if (f.connectionIds !== undefined) parts.push(inArray(findings.connectionId, [...f.connectionIds]));
    if (f.groupId !== undefined) {
      parts.push(
        inArray(
          findings.connectionId,
          db
            .select({ id: connectionGroupMembers.connectionId })
            .from(connectionGroupMembers)
            .where(
              and(eq(connectionGroupMembers.orgId, orgId), eq(connectionGroupMembers.groupId, f.groupId)),
            ),
        ),
      );
    }
    if (f.type !== undefined) parts.push(eq(findings.type, f.type));
    if (f.region !== undefined) parts.push(eq(findings.region, f.region));
    if (f.status !== undefined) parts.push(eq(findings.status, f.status));
    return and(...parts) as SQL;
  }

  return {
    db,

    async insertScan(tx: DbOrTx, row: typeof scans.$inferInsert): Promise<ScanRow> {
      const [created] = await tx.insert(scans).values(row).returning();
      return created as ScanRow;
    },

    /**
     * Serialises scan starts of one organisation (every node, until the transaction ends), so the
     * one-active-scan-per-connection rule and the per-organisation cap hold under concurrent starts.
     */
    async lockOrgScans(tx: DbOrTx, orgId: string): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`rolegate:scans:${orgId}`}))`);
    },

    /** Queued or running scans: of the organisation, and the one of the connection if any. */
    async activeScans(tx: DbOrTx, orgId: string, connectionId: string) {
      const [row] = await tx
        .select({
          total: sql<number>`count(*)::int`,
          ofConnection: sql<
            string | null
          >`max(case when ${scans.connectionId} = ${connectionId} then ${scans.id} end)`,
        })
        .from(scans)
        .where(and(eq(scans.orgId, orgId), inArray(scans.status, ['queued', 'running'])));
      return { total: Number(row?.total ?? 0), ofConnection: row?.ofConnection ?? null };
    },

    async getScan(orgId: string, scanId: string, connectionId?: string): Promise<ScanRow | null> {
      const where = [eq(scans.orgId, orgId), eq(scans.id, scanId)];
      if (connectionId !== undefined) where.push(eq(scans.connectionId, connectionId));
      const [row] = await db
        .select()
        .from(scans)
        .where(and(...where));
      return row ?? null;
    },

    /** Whether the organisation has this connection (another organisation's answers like a missing one). */
    async connectionExists(orgId: string, connectionId: string): Promise<boolean> {
      const rows = await db
        .select({ id: connections.id })
        .from(connections)
        .where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId)))
        .limit(1);
      return rows.length > 0;
    },

    /**
     * Scans of one connection, newest first. Ids are random, so the cursor (the last scan of the
     * previous page) is resolved to its (created_at, id) and the page continues strictly after it.
     * Null when the cursor is not a scan of this connection.
     */
    async listScans(
      orgId: string,
      connectionId: string,
      cursor: string | undefined,
      limit: number,
    ): Promise<{ items: ScanRow[]; nextCursor: string | null } | null> {
      const where: SQL[] = [eq(scans.orgId, orgId), eq(scans.connectionId, connectionId)];
      if (cursor !== undefined) {
        const [after] = await db
          .select({ createdAt: scans.createdAt, id: scans.id })
          .from(scans)
          .where(and(eq(scans.orgId, orgId), eq(scans.connectionId, connectionId), eq(scans.id, cursor)));
        if (after === undefined) return null;
        where.push(
          or(
            lt(scans.createdAt, after.createdAt),
            and(eq(scans.createdAt, after.createdAt), lt(scans.id, after.id)),
          ) as SQL,
        );
      }
      const rows = await db
        .select()
        .from(scans)
        .where(and(...where))
        .orderBy(desc(scans.createdAt), desc(scans.id))
        .limit(limit + 1);
      const more = rows.length > limit;
      const items = more ? rows.slice(0, limit) : rows;
      return { items, nextCursor: more ? (items[items.length - 1]?.id ?? null) : null };
    },

    /** Findings whose latest sighting is one of these scans, counted by status. */
    async findingCountsByScan(orgId: string, scanIds: readonly string[]) {
      if (scanIds.length === 0) return [];
      return db
        .select({ scanId: findings.scanId, status: findings.status, count: sql<number>`count(*)::int` })
        .from(findings)
        .where(and(eq(findings.orgId, orgId), inArray(findings.scanId, [...scanIds])))
        .groupBy(findings.scanId, findings.status);
    },

    /** Background worker read of its own job (the id came from this table, not from a client). */
    async getScanForWorker(scanId: string): Promise<ScanRow | null> {
      const [row] = await db.select().from(scans).where(eq(scans.id, scanId));
      return row ?? null;
    },

    /** Takes a queued job, or a running one whose worker stopped heart-beating. Null if someone else has it. */
    async claim(scanId: string, now: Date, staleBefore: Date): Promise<ScanRow | null> {
      const [row] = await db
        .update(scans)
        .set({
          status: 'running',
          attempt: sql`${scans.attempt} + 1`,
          heartbeatAt: now,
          startedAt: sql`coalesce(${scans.startedAt}, ${now.toISOString()}::timestamptz)`,
        })
        .where(
          and(
            eq(scans.id, scanId),
            or(
              eq(scans.status, 'queued'),
              and(
                eq(scans.status, 'running'),
                or(isNull(scans.heartbeatAt), lt(scans.heartbeatAt, staleBefore)),
              ),
            ),
          ),
        )
        .returning();
      return row ?? null;
    },

    /** Returns whether cancellation was requested (possibly by another node); null: the claim lost the job. */
    async heartbeat(job: JobClaim, now: Date): Promise<{ cancelRequested: boolean } | null> {
      const [row] = await db
        .update(scans)
        .set({ heartbeatAt: now })
        .where(owned(job))
        .returning({ cancelRequested: scans.cancelRequested });
      return row === undefined ? null : { cancelRequested: row.cancelRequested === 1 };
    },

    /**
     * Stores one region's findings and marks the region done, atomically, fenced by the claim: a
     * worker that lost the job (null) stores nothing.
     */
    async completeRegion(
      scan: Pick<ScanRow, 'id' | 'orgId' | 'connectionId' | 'attempt'>,
      region: string,
      detected: DetectedFinding[],
      warnings: ScanWarning[],
      now: Date,
    ): Promise<ScanRow | null> {
      return db.transaction(async (tx) => {
        // Fence first (and lock the row until commit): findings only from the worker owning the job.
        const [owner] = await tx
          .select({ id: scans.id })
          .from(scans)
          .where(and(owned(scan), eq(scans.orgId, scan.orgId)))
          .for('update');
        if (owner === undefined) return null;
        for (const f of detected) {
          await tx
            .insert(findings)
            .values({
              id: newId('fnd'),
              orgId: scan.orgId,
              connectionId: scan.connectionId,
              scanId: scan.id,
              type: f.type,
              region: f.region,
              resourceId: f.resourceId,
              resourceArn: f.resourceArn,
              ageDays: f.ageDays,
              tags: f.tags,
              monthlyCostCents: f.monthlyCostCents,
              costBasis: f.costBasis,
              recommendedAction: f.recommendedAction,
              details: f.details,
              firstSeenAt: now,
              lastSeenAt: now,
            })
            .onConflictDoUpdate({
              target: [
                findings.orgId,
                findings.connectionId,
                findings.type,
                findings.region,
                findings.resourceId,
              ],
              set: {
                scanId: scan.id,
                resourceArn: f.resourceArn,
                ageDays: f.ageDays,
                tags: f.tags,
                monthlyCostCents: f.monthlyCostCents,
                costBasis: f.costBasis,
                recommendedAction: f.recommendedAction,
                details: f.details,
                lastSeenAt: now,
              },
            });
        }
        const [row] = await tx
          .update(scans)
          .set({
            regionsDone: sql`${scans.regionsDone} || ${JSON.stringify([region])}::jsonb`,
            findingsCount: sql`${scans.findingsCount} + ${detected.length}`,
            warnings: sql`${scans.warnings} || ${JSON.stringify(warnings)}::jsonb`,
            heartbeatAt: now,
          })
          .where(and(owned(scan), eq(scans.orgId, scan.orgId)))
          .returning();
        return row ?? null;
      });
    },

    /** Fenced by the claim: null when it no longer owns the job. */
    async finish(
      job: JobClaim,
      status: 'succeeded' | 'failed' | 'cancelled',
      now: Date,
      error?: { code: string; message: string },
    ): Promise<ScanRow | null> {
      const [row] = await db
        .update(scans)
        .set({
          status,
          finishedAt: now,
          errorCode: error?.code ?? null,
          errorMessage: error?.message ?? null,
        })
        .where(owned(job))
        .returning();
      return row ?? null;
    },

    /** Hands a running job back to the queue (clean shutdown); regions done are kept. False: not the claim's any more. */
    async release(job: JobClaim): Promise<boolean> {
      const released = await db
        .update(scans)
        .set({ status: 'queued', heartbeatAt: null })
        .where(owned(job))
        .returning({ id: scans.id });
      return released.length > 0;
    },

    async requestCancel(orgId: string, scanId: string, now: Date): Promise<ScanRow | null> {
      return db.transaction(async (tx) => {
        const [queued] = await tx
          .update(scans)
          .set({ status: 'cancelled', cancelRequested: 1, finishedAt: now })
          .where(and(eq(scans.orgId, orgId), eq(scans.id, scanId), eq(scans.status, 'queued')))
          .returning();
        if (queued !== undefined) return queued;
        const [running] = await tx
          .update(scans)
          .set({ cancelRequested: 1 })
          .where(and(eq(scans.orgId, orgId), eq(scans.id, scanId), eq(scans.status, 'running')))
          .returning();
        return running ?? null;
      });
    },

    /** Jobs a restart must pick up: queued ones and running ones (the claim decides on staleness). */
    async listUnfinished(): Promise<Pick<ScanRow, 'id' | 'orgId' | 'status' | 'attempt' | 'heartbeatAt'>[]> {
      return db
        .select({
          id: scans.id,
          orgId: scans.orgId,
          status: scans.status,
          attempt: scans.attempt,
          heartbeatAt: scans.heartbeatAt,
        })
        .from(scans)
        .where(inArray(scans.status, ['queued', 'running']))
        .orderBy(asc(scans.createdAt));
    },

    async listFindings(orgId: string, f: FindingFilters, cursor: string | undefined, limit: number) {
      const where =
        cursor === undefined ? filterWhere(orgId, f) : and(filterWhere(orgId, f), gt(findings.id, cursor));
      const rows = await db
        .select()
        .from(findings)
        .where(where)
        .orderBy(asc(findings.id))
        .limit(limit + 1);
      const more = rows.length > limit;
      const items = more ? rows.slice(0, limit) : rows;
      return { items, nextCursor: more ? (items[items.length - 1]?.id ?? null) : null };
    },

    async totals(orgId: string, f: FindingFilters) {
      return db
        .select({
          type: findings.type,
          region: findings.region,
          count: sql<number>`count(*)::int`,
          cents: sql<number>`coalesce(sum(${findings.monthlyCostCents}), 0)::bigint`,
        })
        .from(findings)
        .where(filterWhere(orgId, f))
        .groupBy(findings.type, findings.region);
    },

    /** Findings last seen by one scan, grouped by type and region (CLI summary). */
    async summaryForScan(orgId: string, scanId: string) {
      return db
        .select({
          type: findings.type,
          region: findings.region,
          count: sql<number>`count(*)::int`,
          cents: sql<number>`coalesce(sum(${findings.monthlyCostCents}), 0)::bigint`,
        })
        .from(findings)
        .where(and(eq(findings.orgId, orgId), eq(findings.scanId, scanId)))
        .groupBy(findings.type, findings.region)
        .orderBy(asc(findings.type), asc(findings.region));
    },

    /** Whether the organisation has this connection group (a filter on another's answers 404). */
    async groupExists(orgId: string, groupId: string): Promise<boolean> {
      const rows = await db
        .select({ id: connectionGroups.id })
        .from(connectionGroups)
        .where(and(eq(connectionGroups.orgId, orgId), eq(connectionGroups.id, groupId)))
        .limit(1);
      return rows.length > 0;
    },

    async getFinding(orgId: string, findingId: string): Promise<FindingRow | null> {
      const [row] = await db
        .select()
        .from(findings)
        .where(and(eq(findings.orgId, orgId), eq(findings.id, findingId)));
      return row ?? null;
    },

    /** Replaces an open finding's details (a partial clean-up records what is left to do). */
    async setFindingDetails(
      tx: DbOrTx,
      orgId: string,
      findingId: string,
      details: FindingRow['details'],
    ): Promise<void> {
      await tx
        .update(findings)
        .set({ details })
        .where(and(eq(findings.orgId, orgId), eq(findings.id, findingId), eq(findings.status, 'open')));
    },
    async setFindingStatus(
      tx: DbOrTx,
      orgId: string,
      findingId: string,
      to: 'dismissed' | 'cleaned',
      actorId: string,
      now: Date,
    ): Promise<FindingRow | null> {
      const [row] = await tx
        .update(findings)
        .set({ status: to, statusChangedBy: actorId, statusChangedAt: now })
        .where(and(eq(findings.orgId, orgId), eq(findings.id, findingId), eq(findings.status, 'open')))
        .returning();
      return row ?? null;
    },

    async insertToken(row: typeof cleanupTokens.$inferInsert): Promise<void> {
      await db.insert(cleanupTokens).values(row);
    },

    /** Consumes a confirmation token atomically: valid once, for this finding and actor, before expiry. */
    async consumeToken(
      orgId: string,
      findingId: string,
      actorId: string,
      tokenHash: string,
      now: Date,
    ): Promise<{ stateHash: string; options: CleanupOptions } | null> {
      const [row] = await db
        .update(cleanupTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(cleanupTokens.tokenHash, tokenHash),
            eq(cleanupTokens.orgId, orgId),
            eq(cleanupTokens.findingId, findingId),
            eq(cleanupTokens.actorId, actorId),
            isNull(cleanupTokens.usedAt),
            gt(cleanupTokens.expiresAt, now),
          ),
        )
        .returning({ stateHash: cleanupTokens.stateHash, options: cleanupTokens.options });
      return row ?? null;
    },
  };
}

export type ScanStore = ReturnType<typeof createScanStore>;
