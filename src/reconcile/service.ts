import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionService } from '../connections/service.ts';
import type { ConnectionResolver } from '../connections/types.ts';
import { systemActor } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { DbOrTx } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import type { ScanRequester } from '../scans/service.ts';
import { type ReconcileRunner, type ReconciliationView, reconciliationView } from './jobs.ts';
import type { ReconcileItemRow, ReconcileStore } from './store.ts';

/** CloudTrail delivers events up to ~15 minutes late: only windows that ended this long ago are final. */
export const DELIVERY_DELAY_MS = 20 * 60_000;
/** The longest window one reconciliation reads (bounded work per job). */
export const MAX_WINDOW_MS = 24 * 3_600_000;
/** LookupEvents answers for the last 90 days only. */
export const HISTORY_MS = 90 * 24 * 3_600_000;
/** A scheduled window shorter than this waits for the next tick. */
const MIN_SCHEDULED_WINDOW_MS = 60_000;

export interface ReconcileServiceDeps {
  store: ReconcileStore;
  runner: Pick<ReconcileRunner, 'enqueue'>;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  connections: Pick<ConnectionService, 'get'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  defaultRegion: string;
  /** Seconds between scheduled reconciliations (also the default on-demand window); 0 = no schedule. */
  intervalSeconds: number;
}

export interface WindowInput {
  from?: string | undefined;
  to?: string | undefined;
}

export function itemView(row: ReconcileItemRow) {
  return {
    id: row.id,
    kind: row.kind,
    severity: row.severity,
    region: row.region,
    eventId: row.eventId,
    eventName: row.eventName,
    eventSource: row.eventSource,
    eventTime: row.eventTime?.toISOString() ?? null,
    sessionName: row.sessionName,
    sourceIp: row.sourceIp,
    principal: row.principal,
    auditId: row.auditId,
    operation: row.operation,
    note: row.note,
    details: row.details,
  };
}

const floorToMinute = (ms: number) => Math.floor(ms / 60_000) * 60_000;

export function createReconcileService(deps: ReconcileServiceDeps) {
  const { store, clock } = deps;
  const defaultWindowMs = Math.min(MAX_WINDOW_MS, Math.max(deps.intervalSeconds, 3_600) * 1000);

  /** The window asked for, checked; or the default one (from the last window's end, at most a day). */
  async function windowFor(
    tx: DbOrTx,
    orgId: string,
    connectionId: string,
    input: WindowInput,
    trigger: 'manual' | 'schedule',
  ): Promise<{ start: Date; end: Date } | null> {
    const now = clock.now().getTime();
    const latestEnd = floorToMinute(now - DELIVERY_DELAY_MS);
    if (input.from !== undefined || input.to !== undefined) {
      const end = input.to === undefined ? latestEnd : Date.parse(input.to);
      const start = input.from === undefined ? end - defaultWindowMs : Date.parse(input.from);
      const refuse = (message: string) => new AppError(ErrorCode.VALIDATION_FAILED, message);
      if (end > latestEnd)
        throw refuse('The window must have ended at least 20 minutes ago (CloudTrail delivers events late).');
      if (start >= end) throw refuse('`from` must be before `to`.');
      if (end - start > MAX_WINDOW_MS)
        throw refuse('A window is at most 24 hours; reconcile longer periods in steps.');
      if (start < now - HISTORY_MS) throw refuse('CloudTrail event history covers the last 90 days only.');
      return { start: new Date(start), end: new Date(end) };
    }
    const last = await store.lastWindowEnd(tx, orgId, connectionId);
    let start = last?.getTime() ?? latestEnd - defaultWindowMs;
    // Catch up in bounded steps, and never further back than the event history.
    start = Math.max(start, latestEnd - (trigger === 'schedule' ? HISTORY_MS : MAX_WINDOW_MS));
    const end = Math.min(latestEnd, start + MAX_WINDOW_MS);
    if (end - start < (trigger === 'schedule' ? MIN_SCHEDULED_WINDOW_MS : 1)) return null;
    return { start: new Date(start), end: new Date(end) };
  }

  async function create(
    who: ScanRequester,
    connectionId: string,
    input: WindowInput,
    trigger: 'manual' | 'schedule',
  ): Promise<ReconciliationView | null> {
    const connection = await deps.resolver.resolveUsable(who.orgId, connectionId, 'cloudtrail-read');
    const regions = [
      ...new Set(connection.scopes.regions.length > 0 ? connection.scopes.regions : [deps.defaultRegion]),
    ];
    const id = newId('rec');
    const row = await store.db.transaction(async (tx) => {
      await store.lockConnection(tx, who.orgId, connectionId);
      const active = await store.activeOf(tx, who.orgId, connectionId);
      if (active !== null) {
        if (trigger === 'schedule') return null;
        throw new AppError(
          ErrorCode.RECONCILIATION_ALREADY_RUNNING,
          'A reconciliation of this connection is already queued or running; wait for it.',
          { details: { reconciliationId: active } },
        );
      }
      // In the transaction: on PGlite (one connection) a query outside it would wait for it forever.
      const window = await windowFor(tx, who.orgId, connectionId, input, trigger);
      if (window === null) {
        if (trigger === 'schedule') return null;
        throw new AppError(
          ErrorCode.VALIDATION_FAILED,
          'Nothing to reconcile yet: the last window is recent.',
        );
      }
      const created = await store.insert(tx, {
        id,
        orgId: who.orgId,
        connectionId,
        status: 'queued',
        trigger,
        windowStart: window.start,
        windowEnd: window.end,
        regions,
        warnings: [],
        requestedByType: who.type,
        requestedById: who.id,
        requestedByUserId: who.userId,
        createdAt: clock.now(),
      });
      await deps.audit.record(
        tx,
        auditEventFor(
          who,
          'reconciliation.requested',
          { type: 'reconciliation', id },
          {
            connectionId,
            details: {
              windowStart: window.start.toISOString(),
              windowEnd: window.end.toISOString(),
              regions,
              trigger,
            },
          },
        ),
      );
      return created;
    });
    if (row === null) return null;
    deps.runner.enqueue(id, who.orgId);
    return reconciliationView(row);
  }

  return {
    async start(who: ScanRequester, connectionId: string, input: WindowInput): Promise<ReconciliationView> {
      return (await create(who, connectionId, input, 'manual')) as ReconciliationView;
    },

    async get(orgId: string, id: string, connectionId?: string): Promise<ReconciliationView> {
      const row = await store.get(orgId, id);
      if (row === null || (connectionId !== undefined && row.connectionId !== connectionId))
        throw new AppError(ErrorCode.NOT_FOUND, 'Reconciliation not found.');
      return reconciliationView(row);
    },

    async list(orgId: string, connectionId: string, limit: number, cursor: string | undefined) {
      // Another organisation's connection answers 404 like a missing one, never an empty page.
      await deps.connections.get(orgId, connectionId);
      const before = cursor === undefined ? null : await store.get(orgId, cursor);
      if (cursor !== undefined && (before === null || before.connectionId !== connectionId))
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'Unknown cursor.');
      const rows = await store.list(orgId, connectionId, limit + 1, before);
      const page = rows.slice(0, limit);
      return {
        items: page.map(reconciliationView),
        nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },

    async items(orgId: string, id: string, limit: number, cursor: string | undefined, connectionId?: string) {
      const view = await this.get(orgId, id, connectionId);
      const rows = await store.items(orgId, view.id, limit + 1, cursor ?? null);
      const page = rows.slice(0, limit);
      return {
        reconciliation: view,
        items: page.map(itemView),
        nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },

    /** One scheduler pass: queues the next window of every connection that has none running. */
    async scheduleDue(limit = 1_000): Promise<number> {
      let queued = 0;
      for (const c of await store.scheduledConnections(limit)) {
        const actor = systemActor('reconcile-scheduler', `sched-${newId('job').slice(4)}`, c.orgId);
        try {
          const view = await create(
            {
              type: 'system',
              id: actor.id,
              userId: null,
              orgId: c.orgId,
              requestId: actor.requestId,
              ip: null,
              userAgent: null,
            },
            c.id,
            {},
            'schedule',
          );
          if (view !== null) queued += 1;
        } catch (err) {
          // A connection that stopped being usable since the query: the next pass sees it again.
          if (!(err instanceof AppError)) throw err;
        }
      }
      return queued;
    },
  };
}

export type ReconcileService = ReturnType<typeof createReconcileService>;
