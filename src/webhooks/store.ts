import { and, asc, desc, eq, gte, inArray, isNotNull, lt, or, sql } from 'drizzle-orm';
import { auditEvents } from '../audit/tables.ts';
import { type Db, type DbOrTx, queryRows } from '../db/client.ts';
import { webhookDeliveries, webhookEndpoints } from './tables.ts';

/** SQL for webhook endpoints and the delivery outbox; every tenant query takes the orgId. */

/** Due messages looked at per claim (the fair pick is made among them). */
const MAX_DUE_SCANNED = 5_000;

export interface EndpointRow {
  id: string;
  orgId: string;
  url: string;
  description: string;
  eventTypes: string[];
  createdBy: string | null;
  createdAt: Date;
}

export interface EndpointSecretRow extends EndpointRow {
  secretEncrypted: string;
}

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type NewDelivery = typeof webhookDeliveries.$inferInsert;

const endpointColumns = {
  id: webhookEndpoints.id,
  orgId: webhookEndpoints.orgId,
  url: webhookEndpoints.url,
  description: webhookEndpoints.description,
  eventTypes: webhookEndpoints.eventTypes,
  createdBy: webhookEndpoints.createdBy,
  createdAt: webhookEndpoints.createdAt,
};

export function createWebhookStore(db: Db) {
  return {
    async insertEndpoint(tx: DbOrTx, row: EndpointSecretRow): Promise<void> {
      await tx.insert(webhookEndpoints).values(row);
    },

    async countEndpoints(orgId: string): Promise<number> {
      const rows = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.orgId, orgId));
      return rows[0]?.n ?? 0;
    },

    listEndpoints(orgId: string): Promise<EndpointRow[]> {
      return db
        .select(endpointColumns)
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.orgId, orgId))
        .orderBy(asc(webhookEndpoints.id));
    },

    async findEndpoint(orgId: string, id: string): Promise<EndpointRow | null> {
      const rows = await db
        .select(endpointColumns)
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, id)));
      return rows[0] ?? null;
    },

    async deleteEndpoint(tx: DbOrTx, orgId: string, id: string): Promise<boolean> {
      const rows = await tx
        .delete(webhookEndpoints)
        .where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, id)))
        .returning({ id: webhookEndpoints.id });
      return rows.length > 0;
    },

    /**
     * The organisation's endpoints subscribed to `eventType` (or just `onlyEndpointId`, whatever it
     * subscribes to: a test message), with their encrypted secrets.
     */
    async endpointsFor(
      tx: DbOrTx,
      orgId: string,
      eventType: string,
      onlyEndpointId?: string,
    ): Promise<EndpointSecretRow[]> {
      return tx
        .select({ ...endpointColumns, secretEncrypted: webhookEndpoints.secretEncrypted })
        .from(webhookEndpoints)
        .where(
          and(
            eq(webhookEndpoints.orgId, orgId),
            onlyEndpointId === undefined
              ? sql`${webhookEndpoints.eventTypes} @> ${JSON.stringify([eventType])}::jsonb`
              : eq(webhookEndpoints.id, onlyEndpointId),
          ),
        );
    },

    async endpointSecrets(ids: string[]): Promise<Map<string, EndpointSecretRow>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .select({ ...endpointColumns, secretEncrypted: webhookEndpoints.secretEncrypted })
        .from(webhookEndpoints)
        .where(inArray(webhookEndpoints.id, ids));
      return new Map(rows.map((r) => [r.id, r]));
    },

    /** Inserts messages; a repeated (destination, dedupe key) is skipped, not an error. */
    async insertDeliveries(tx: DbOrTx, rows: NewDelivery[]): Promise<number> {
      if (rows.length === 0) return 0;
      const inserted = await tx
        .insert(webhookDeliveries)
        .values(rows)
        .onConflictDoNothing()
        .returning({ id: webhookDeliveries.id });
      return inserted.length;
    },

    /**
     * Claims up to `limit` due messages for one attempt each, at most `perOrg` of any one
     * organisation (the deployment-wide messages count as one more), oldest first: a tenant whose
     * endpoint never answers can hold `perOrg` of the dispatcher's slots, never all of them.
     * Claiming pushes a message's next attempt to `leaseUntil` with a compare-and-set on the due
     * time it was selected at, so of two nodes selecting the same row exactly one claims it, and
     * another node (or this one after a crash) takes it again only once the lease has run out.
     */
    async claimDue(now: Date, leaseUntil: Date, limit: number, perOrg: number): Promise<DeliveryRow[]> {
      const candidates = await queryRows<{ id: string; next_attempt_at: Date | string }>(
        db,
        sql`select id, next_attempt_at from (
              select id, next_attempt_at,
                     row_number() over (partition by coalesce(org_id, '') order by next_attempt_at, id) as rank
              from (
                select id, org_id, next_attempt_at from ${webhookDeliveries}
                where status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz
                order by next_attempt_at
                limit ${MAX_DUE_SCANNED}
              ) due
            ) ranked
            where rank <= ${perOrg}
            order by next_attempt_at, id
            limit ${limit}`,
      );
      const claimed: DeliveryRow[] = [];
      for (const c of candidates) {
        const rows = await db
          .update(webhookDeliveries)
          .set({ nextAttemptAt: leaseUntil, attempts: sql`${webhookDeliveries.attempts} + 1` })
          .where(
            and(
              eq(webhookDeliveries.id, c.id),
              eq(webhookDeliveries.status, 'pending'),
              eq(webhookDeliveries.nextAttemptAt, new Date(c.next_attempt_at)),
            ),
          )
          .returning();
        if (rows[0] !== undefined) claimed.push(rows[0]);
      }
      return claimed;
    },

    /** Messages of the organisation still waiting for delivery (a cap on what one tenant can queue). */
    async countPending(orgId: string): Promise<number> {
      const rows = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.orgId, orgId), eq(webhookDeliveries.status, 'pending')));
      return rows[0]?.n ?? 0;
    },

    async recordAttempt(
      id: string,
      result:
        | { status: 'delivered'; at: Date; httpStatus: number }
        | { status: 'pending' | 'failed'; nextAttemptAt: Date; httpStatus: number | null; error: string },
    ): Promise<void> {
      await db
        .update(webhookDeliveries)
        .set(
          result.status === 'delivered'
            ? { status: 'delivered', deliveredAt: result.at, lastStatus: result.httpStatus, lastError: null }
            : {
                status: result.status,
                nextAttemptAt: result.nextAttemptAt,
                lastStatus: result.httpStatus,
                lastError: result.error,
              },
        )
        .where(eq(webhookDeliveries.id, id));
    },

    /** Newest first, keyset-paged on (created_at, id). The deployment-wide messages are not the tenant's. */
    listDeliveries(
      orgId: string,
      page: { before: { at: Date; id: string } | null; limit: number },
    ): Promise<DeliveryRow[]> {
      const own = and(eq(webhookDeliveries.orgId, orgId), sql`${webhookDeliveries.endpointId} is not null`);
      const before =
        page.before === null
          ? undefined
          : or(
              lt(webhookDeliveries.createdAt, page.before.at),
              and(eq(webhookDeliveries.createdAt, page.before.at), lt(webhookDeliveries.id, page.before.id)),
            );
      return db
        .select()
        .from(webhookDeliveries)
        .where(before === undefined ? own : and(own, before))
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(page.limit);
    },

    /** Puts a delivered or failed message of the organisation back in the queue, now. */
    async redeliver(
      tx: DbOrTx,
      orgId: string,
      id: string,
      now: Date,
      giveUpAt: Date,
    ): Promise<DeliveryRow | null> {
      const rows = await tx
        .update(webhookDeliveries)
        .set({ status: 'pending', nextAttemptAt: now, giveUpAt, deliveredAt: null })
        .where(
          and(
            eq(webhookDeliveries.orgId, orgId),
            eq(webhookDeliveries.id, id),
            sql`${webhookDeliveries.endpointId} is not null`,
            or(eq(webhookDeliveries.status, 'delivered'), eq(webhookDeliveries.status, 'failed')),
          ),
        )
        .returning();
      return rows[0] ?? null;
    },

    async findDelivery(orgId: string, id: string): Promise<DeliveryRow | null> {
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.orgId, orgId),
            eq(webhookDeliveries.id, id),
            sql`${webhookDeliveries.endpointId} is not null`,
          ),
        );
      return rows[0] ?? null;
    },
  };
}

export type WebhookStore = ReturnType<typeof createWebhookStore>;

/** Organisations with audit records in [since, until): the only ones a threat sweep needs to read. */
export async function recentlyActiveOrgs(
  db: DbOrTx,
  since: Date,
  until: Date,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectDistinct({ orgId: auditEvents.orgId })
    .from(auditEvents)
    .where(
      and(gte(auditEvents.createdAt, since), lt(auditEvents.createdAt, until), isNotNull(auditEvents.orgId)),
    )
    .limit(limit);
  return rows.flatMap((r) => (r.orgId === null ? [] : [r.orgId]));
}
