import { randomBytes } from 'node:crypto';
import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { Actor } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { bindingFor } from '../crypto/encrypted-columns.ts';
import { encryptField, type Keyring } from '../crypto/field-encryption.ts';
import type { Db } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import { GIVE_UP_AFTER_MS, type WebhookEventType, type WebhookOutbox } from './outbox.ts';
import { subscribableEventTypes } from './schemas.ts';
import type { DeliveryRow, EndpointRow, WebhookStore } from './store.ts';
import { checkWebhookUrlShape, resolvePublic, type UrlPolicy } from './url-safety.ts';

/** Per-organisation webhook endpoints and the visible side of the outbox (deliveries, redelivery). */

export const MAX_ENDPOINTS_PER_ORG = 10;
/** Undelivered messages an organisation may have before it may queue test messages again. */
export const MAX_PENDING_TESTS_PER_ORG = 100;

type OrgActor = Actor & { orgId: string };

export interface CreatedEndpoint extends EndpointRow {
  secret: string;
}

function invalidUrl(reason: string): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, `The webhook URL ${reason}.`, {
    details: { fields: [{ location: 'body', path: 'url', message: reason }] },
  });
}

function encodeCursor(row: DeliveryRow): string {
  return Buffer.from(`${row.createdAt.getTime()}.${row.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [ms, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('.', 2);
  const at = new Date(Number(ms));
  if (id === undefined || !/^msg_[0-9a-z]{24}$/.test(id) || Number.isNaN(at.getTime())) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'The cursor is not valid.', {
      details: {
        fields: [{ location: 'querystring', path: 'cursor', message: 'is not a cursor from this list' }],
      },
    });
  }
  return { at, id };
}

export function createWebhookService(deps: {
  db: Db;
  store: WebhookStore;
  outbox: Pick<WebhookOutbox, 'enqueue'>;
  audit: AuditWriter;
  keyring: Keyring;
  clock: Clock;
  policy: UrlPolicy;
  /** Host name resolution for the save-time check (tests substitute a resolver; the check is real). */
  lookupAll?: Parameters<typeof resolvePublic>[2];
}) {
  const { db, store, audit, keyring, clock, policy } = deps;

  const auditEvent = (actor: OrgActor, action: string, targetId: string, details: Record<string, unknown>) =>
    auditEventFor(actor, action, { type: 'webhook', id: targetId }, { details });

  return {
    async create(
      actor: OrgActor,
      input: { url: string; description: string; eventTypes?: WebhookEventType[] | undefined },
    ): Promise<CreatedEndpoint> {
      const shape = checkWebhookUrlShape(input.url, policy);
      if (!shape.ok) throw invalidUrl(shape.reason);
      const resolved = await resolvePublic(shape.url, policy, deps.lookupAll);
      if (!resolved.ok) throw invalidUrl(resolved.reason);
      if ((await store.countEndpoints(actor.orgId)) >= MAX_ENDPOINTS_PER_ORG) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `An organisation may have at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints; delete one first.`,
        );
      }
      const id = newId('whe');
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const row: EndpointRow = {
        id,
        orgId: actor.orgId,
        url: shape.url.toString(),
        description: input.description,
        eventTypes: [...(input.eventTypes ?? subscribableEventTypes)],
        createdBy: actor.userId,
        createdAt: clock.now(),
      };
      await db.transaction(async (tx) => {
        await store.insertEndpoint(tx, {
          ...row,
          secretEncrypted: encryptField(
            keyring,
            secret,
            bindingFor('webhook_endpoints', 'secret_encrypted', id, actor.orgId),
          ),
        });
        await audit.record(
          tx,
          auditEvent(actor, 'webhook.created', id, { host: shape.url.host, eventTypes: row.eventTypes }),
        );
      });
      return { ...row, secret };
    },

    list(actor: OrgActor): Promise<EndpointRow[]> {
      return store.listEndpoints(actor.orgId);
    },

    async remove(actor: OrgActor, id: string): Promise<void> {
      const deleted = await db.transaction(async (tx) => {
        const ok = await store.deleteEndpoint(tx, actor.orgId, id);
        if (ok) await audit.record(tx, auditEvent(actor, 'webhook.deleted', id, {}));
        return ok;
      });
      if (!deleted) throw new AppError(ErrorCode.NOT_FOUND);
    },

    /** Queues a `webhook.test` message to one endpoint (to check the receiver's verification). */
    async sendTest(actor: OrgActor, id: string): Promise<{ queued: number }> {
      const endpoint = await store.findEndpoint(actor.orgId, id);
      if (endpoint === null) throw new AppError(ErrorCode.NOT_FOUND);
      // A receiver that never answers must not let a tenant fill the shared outbox with tests.
      if ((await store.countPending(actor.orgId)) >= MAX_PENDING_TESTS_PER_ORG) {
        throw new AppError(
          ErrorCode.RATE_LIMITED,
          'Too many messages of this organisation are still waiting for delivery; retry later.',
          { retryAfter: 60, details: { budget: 'webhook_pending' } },
        );
      }
      return db.transaction(async (tx) => {
        const queued = await deps.outbox.enqueue(tx, {
          type: 'webhook.test',
          orgId: actor.orgId,
          endpointId: id,
          data: { message: 'A test message from Rolegate.' },
        });
        await audit.record(tx, auditEvent(actor, 'webhook.test_sent', id, {}));
        return { queued };
      });
    },

    async deliveries(
      actor: OrgActor,
      page: { cursor?: string | undefined; limit: number },
    ): Promise<{ items: DeliveryRow[]; nextCursor: string | null }> {
      const before = page.cursor === undefined ? null : decodeCursor(page.cursor);
      const rows = await store.listDeliveries(actor.orgId, { before, limit: page.limit + 1 });
      const items = rows.slice(0, page.limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > page.limit && last !== undefined ? encodeCursor(last) : null,
      };
    },

    async redeliver(actor: OrgActor, id: string): Promise<DeliveryRow> {
      const now = clock.now();
      const existing = await store.findDelivery(actor.orgId, id);
      if (existing === null) throw new AppError(ErrorCode.NOT_FOUND);
      if (existing.status === 'pending') {
        throw new AppError(ErrorCode.CONFLICT, 'The message is still being delivered; wait for its outcome.');
      }
      const row = await db.transaction(async (tx) => {
        const queued = await store.redeliver(
          tx,
          actor.orgId,
          id,
          now,
          new Date(now.getTime() + GIVE_UP_AFTER_MS),
        );
        if (queued !== null) {
          await audit.record(
            tx,
            auditEvent(actor, 'webhook.redelivered', queued.endpointId ?? id, { messageId: id }),
          );
        }
        return queued;
      });
      if (row === null) throw new AppError(ErrorCode.CONFLICT, 'The message is already queued again.');
      return row;
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
