import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionResolver } from '../connections/types.ts';
import type { Actor, ActorType } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { newId } from '../db/ids.ts';
import { type ApiKeyScope, checkKeyScope, connectionInScope } from '../identity/api-keys/scope.ts';
import { type ScanRunner, type ScanView, scanView } from './jobs.ts';
import { PRICE_TABLE_DATE } from './prices.ts';
import type { FindingFilters, FindingRow, ScanStore } from './store.ts';

/** Who asks for a scan: a user or API key through the API, or the system (CLI). */
export interface ScanRequester {
  type: ActorType;
  id: string;
  userId: string | null;
  orgId: string;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** A scoped API key's limits; null/absent = unscoped. */
  keyScope?: ApiKeyScope | null;
}

/** The requester for a caller authenticated over HTTP (REST routes and agent tools alike). */
export function requesterOf(actor: Actor & { orgId: string }): ScanRequester {
  return {
    type: actor.type,
    id: actor.id,
    userId: actor.userId,
    orgId: actor.orgId,
    requestId: actor.requestId,
    ip: actor.ip,
    userAgent: actor.userAgent,
    keyScope: actor.keyScope ?? null,
  };
}

export interface ScanServiceDeps {
  store: ScanStore;
  runner: Pick<ScanRunner, 'enqueue' | 'abortLocal'>;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  /** Used when a connection names no regions. */
  defaultRegion: string;
  /** Queued plus running scans one organisation may have (every node together). */
  maxActivePerOrg: number;
}

/** Retry-After of a refused start: scans take minutes, so asking again within seconds is pointless. */
export const SCAN_QUEUE_RETRY_AFTER_SECONDS = 60;

export function findingView(row: FindingRow) {
  return {
    id: row.id,
    connectionId: row.connectionId,
    scanId: row.scanId,
    type: row.type,
    region: row.region,
    resourceId: row.resourceId,
    resourceArn: row.resourceArn,
    ageDays: row.ageDays,
    tags: row.tags,
    monthlyCost: row.monthlyCostCents / 100,
    currency: 'USD' as const,
    estimate: { monthlyUsd: row.monthlyCostCents / 100, basis: row.costBasis },
    recommendedAction: row.recommendedAction,
    details: row.details,
    status: row.status,
    firstSeenAt: row.firstSeenAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
  };
}

const cents = (n: number | string) => Number(n) / 100;

/** A scan in a connection's history: its view plus the findings it was the latest scan to see. */
export type ScanListItem = ScanView & { findings: Record<FindingRow['status'], number> };

export function createScanService(deps: ScanServiceDeps) {
  const { store, clock } = deps;

  function audited(
    who: ScanRequester,
    action: string,
    targetType: string,
    targetId: string,
    connectionId: string,
  ) {
    return auditEventFor(who, action, { type: targetType, id: targetId }, { connectionId });
  }

  return {
    async start(who: ScanRequester, connectionId: string): Promise<ScanView> {
      checkKeyScope(who.keyScope, { ip: who.ip ?? '', permission: 'scans:run', connectionId });
      const connection = await deps.resolver.resolveUsable(who.orgId, connectionId, 'cost-scan');
      const regions = [
        ...new Set(connection.scopes.regions.length > 0 ? connection.scopes.regions : [deps.defaultRegion]),
      ];
      const id = newId('scn');
      const row = await store.db.transaction(async (tx) => {
        await store.lockOrgScans(tx, who.orgId);
        const active = await store.activeScans(tx, who.orgId, connectionId);
        if (active.ofConnection !== null) {
          throw new AppError(
            ErrorCode.SCAN_ALREADY_RUNNING,
            'A scan of this connection is already queued or running; wait for it or cancel it.',
            { details: { scanId: active.ofConnection } },
          );
        }
        if (active.total >= deps.maxActivePerOrg) {
          throw new AppError(
            ErrorCode.SCAN_QUEUE_FULL,
            `This organisation already has ${deps.maxActivePerOrg} scans queued or running; retry when one has finished.`,
            { retryAfter: SCAN_QUEUE_RETRY_AFTER_SECONDS, details: { limit: deps.maxActivePerOrg } },
          );
        }
        const created = await store.insertScan(tx, {
          id,
          orgId: who.orgId,
          connectionId,
          status: 'queued',
          regions,
          regionsDone: [],
          requestedByType: who.type,
          requestedById: who.id,
          requestedByUserId: who.userId,
          createdAt: clock.now(),
        });
        await deps.audit.record(tx, {
          ...audited(who, 'scan.requested', 'scan', id, connectionId),
          details: { regions, ...(who.keyScope ? { keyScope: who.keyScope } : {}) },
        });
        return created;
      });
      // Queued only after the commit, so the worker always finds the row.
      deps.runner.enqueue(id, who.orgId);
      return scanView(row);
    },

    async get(
      orgId: string,
      scanId: string,
      connectionId?: string,
      scope?: ApiKeyScope | null,
    ): Promise<ScanView> {
      const row = await store.getScan(orgId, scanId, connectionId);
      if (row === null || !connectionInScope(scope, row.connectionId))
        throw new AppError(ErrorCode.NOT_FOUND, 'Scan not found.');
      return scanView(row);
    },

    /**
     * A connection's scans, newest first, each with the findings it was the latest to see, by status.
     * Another organisation's connection (or one outside a scoped key) answers 404.
     */
    async listForConnection(
      orgId: string,
      connectionId: string,
      page: { cursor: string | undefined; limit: number },
      scope?: ApiKeyScope | null,
    ): Promise<{ items: ScanListItem[]; nextCursor: string | null }> {
      if (!connectionInScope(scope, connectionId) || !(await store.connectionExists(orgId, connectionId))) {
        throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
      }
      const rows = await store.listScans(orgId, connectionId, page.cursor, page.limit);
      if (rows === null) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'cursor is not a scan of this connection.', {
          details: {
            fields: [
              {
                location: 'querystring',
                path: 'cursor',
                message: 'must be a cursor returned by a previous page',
              },
            ],
          },
        });
      }
      const counts = await store.findingCountsByScan(
        orgId,
        rows.items.map((r) => r.id),
      );
      return {
        items: rows.items.map((row) => {
          const findings = { open: 0, dismissed: 0, cleaned: 0 };
          for (const c of counts) if (c.scanId === row.id) findings[c.status] = Number(c.count);
          return { ...scanView(row), findings };
        }),
        nextCursor: rows.nextCursor,
      };
    },

    async cancel(who: ScanRequester, scanId: string): Promise<ScanView> {
      const scan = await store.getScan(who.orgId, scanId);
      if (scan !== null && !connectionInScope(who.keyScope, scan.connectionId)) {
        throw new AppError(ErrorCode.NOT_FOUND, 'Scan not found.');
      }
      const row = await store.requestCancel(who.orgId, scanId, clock.now());
      if (row === null) {
        const existing = await store.getScan(who.orgId, scanId);
        if (existing === null) throw new AppError(ErrorCode.NOT_FOUND, 'Scan not found.');
        throw new AppError(
          ErrorCode.SCAN_FINISHED,
          `The scan has already ${existing.status === 'cancelled' ? 'been cancelled' : existing.status}.`,
        );
      }
      deps.runner.abortLocal(scanId);
      await deps.audit.record(store.db, audited(who, 'scan.cancelled', 'scan', scanId, row.connectionId));
      return scanView(row);
    },

    async listFindings(
      orgId: string,
      filters: FindingFilters,
      cursor: string | undefined,
      limit: number,
      scope?: ApiKeyScope | null,
    ) {
      if (scope?.connectionIds) {
        if (filters.connectionId !== undefined && !scope.connectionIds.includes(filters.connectionId)) {
          throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
        }
        filters = { ...filters, connectionIds: scope.connectionIds };
      }
      if (filters.groupId !== undefined && !(await store.groupExists(orgId, filters.groupId))) {
        throw new AppError(ErrorCode.NOT_FOUND, 'Connection group not found.');
      }
      const [page, groups] = await Promise.all([
        store.listFindings(orgId, filters, cursor, limit),
        store.totals(orgId, filters),
      ]);
      const byType: Record<string, { count: number; monthlyCost: number }> = {};
      const byRegion: Record<string, { count: number; monthlyCost: number }> = {};
      let total = 0;
      let count = 0;
      for (const g of groups) {
        const c = Number(g.count);
        const n = Number(g.cents);
        const t = byType[g.type] ?? { count: 0, monthlyCost: 0 };
        byType[g.type] = { count: t.count + c, monthlyCost: t.monthlyCost + n };
        const r = byRegion[g.region] ?? { count: 0, monthlyCost: 0 };
        byRegion[g.region] = { count: r.count + c, monthlyCost: r.monthlyCost + n };
        total += n;
        count += c;
      }
      for (const v of [...Object.values(byType), ...Object.values(byRegion)])
        v.monthlyCost = cents(v.monthlyCost);
      return {
        items: page.items.map(findingView),
        nextCursor: page.nextCursor,
        totals: {
          count,
          byType,
          byRegion,
          monthlyCost: cents(total),
          currency: 'USD' as const,
          priceTableDate: PRICE_TABLE_DATE,
        },
      };
    },

    async dismiss(who: ScanRequester, findingId: string) {
      const finding = await store.getFinding(who.orgId, findingId);
      if (finding !== null && !connectionInScope(who.keyScope, finding.connectionId)) {
        throw new AppError(ErrorCode.NOT_FOUND, 'Finding not found.');
      }
      const row = await store.db.transaction(async (tx) => {
        const updated = await store.setFindingStatus(
          tx,
          who.orgId,
          findingId,
          'dismissed',
          who.id,
          clock.now(),
        );
        if (updated !== null)
          await deps.audit.record(
            tx,
            audited(who, 'finding.dismissed', 'finding', findingId, updated.connectionId),
          );
        return updated;
      });
      if (row !== null) return findingView(row);
      const existing = await store.getFinding(who.orgId, findingId);
      if (existing === null) throw new AppError(ErrorCode.NOT_FOUND, 'Finding not found.');
      throw new AppError(ErrorCode.FINDING_NOT_OPEN, `The finding is already ${existing.status}.`);
    },
  };
}

export type ScanService = ReturnType<typeof createScanService>;
