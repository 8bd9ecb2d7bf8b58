import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import { type Actor, heldRole, systemActor } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import { can, ROLE_RANK, type Role } from '../identity/rbac.ts';
import type { WebhookOutbox } from '../webhooks/outbox.ts';
import {
  APPROVABLE_OPERATIONS,
  type ApprovalPolicy,
  DEFAULT_POLICY,
  loosens,
  PENDING_TTL_SECONDS,
  scopeCovers,
} from './policy.ts';
import type { ApprovalStore, DecisionRow, RequestRow, RequestStatus } from './store.ts';

export type OrgActor = Actor & { orgId: string; role: Role };

/** A call the gate is asked about: which operation, on which connection and AWS resource. */
export interface GatedCall {
  operation: string;
  connectionId: string;
  resource: string;
}

/**
 * The one check between an authorised caller and a dangerous operation. Both doors to customers'
 * accounts that can change them ask it right before the broker: the operation service (REST,
 * intents, MCP) and clean-up execution.
 */
export interface ApprovalGate {
  /**
   * Null when the organisation's policy does not gate the operation; otherwise the id of the grant
   * that allows this call (a single-use grant is spent by it when `consume` is true, in the same
   * conditional update that checks it is still approved). Without a grant, a pending request for
   * exactly this call is made or reused and AppError(approval_required) carries its id.
   */
  authorize(actor: OrgActor, call: GatedCall, options?: { consume?: boolean }): Promise<string | null>;
}

export interface ApprovalsDeps {
  logger: { error(obj: object, msg: string): void };
  /** How often expired requests, grants and elevations are recorded as such (0: only when seen). */
  sweepSeconds: number;
  db: Db;
  store: ApprovalStore;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  outbox: Pick<WebhookOutbox, 'enqueue'>;
}

export interface RequestView {
  id: string;
  kind: RequestRow['kind'];
  status: RequestStatus;
  requester: { type: RequestRow['requesterType']; id: string; userId: string | null };
  operation: string | null;
  connectionId: string | null;
  resource: string | null;
  elevatedRole: string | null;
  reason: string | null;
  approvalsRequired: number;
  approvals: number;
  grantMode: RequestRow['grantMode'];
  grantTtlSeconds: number;
  createdAt: string;
  decidedAt: string | null;
  expiresAt: string;
  usedAt: string | null;
  decisions: {
    approverUserId: string;
    decision: 'approve' | 'deny';
    comment: string | null;
    createdAt: string;
  }[];
}

function viewOf(row: RequestRow, decisions: DecisionRow[]): RequestView {
  const mine = decisions.filter((d) => d.requestId === row.id);
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    requester: { type: row.requesterType, id: row.requesterId, userId: row.requesterUserId },
    operation: row.operation,
    connectionId: row.connectionId,
    resource: row.resource,
    elevatedRole: row.elevatedRole,
    reason: row.reason,
    approvalsRequired: row.approvalsRequired,
    approvals: mine.filter((d) => d.decision === 'approve').length,
    grantMode: row.grantMode,
    grantTtlSeconds: row.grantTtlSeconds,
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt.toISOString(),
    usedAt: row.usedAt?.toISOString() ?? null,
    decisions: mine.map((d) => ({
      approverUserId: d.approverUserId,
      decision: d.decision,
      comment: d.comment,
      createdAt: d.createdAt.toISOString(),
    })),
  };
}

/** Who asks: the principal (user, API key, agent grant) and the human answerable for it. */
function requesterOf(actor: Actor): Pick<RequestRow, 'requesterType' | 'requesterId' | 'requesterUserId'> {
  if (actor.type === 'system') throw new Error('the system does not ask for approval');
  return { requesterType: actor.type, requesterId: actor.id, requesterUserId: actor.userId };
}

const isApprover = (role: Role | null): boolean => role !== null && ROLE_RANK[role] >= ROLE_RANK.admin;

const approvalRequired = (row: RequestRow) =>
  new AppError(ErrorCode.APPROVAL_REQUIRED, undefined, {
    details: { approvalRequestId: row.id, status: row.status, expiresAt: row.expiresAt.toISOString() },
  });

/** Four-eyes approval of dangerous operations and just-in-time elevation (docs/approvals.md). */
export function createApprovalsService(deps: ApprovalsDeps) {
  const { db, store, clock } = deps;

  async function policyOf(q: DbOrTx, orgId: string): Promise<ApprovalPolicy & { isDefault: boolean }> {
    const row = await store.policy(q, orgId);
    return row === null ? { ...DEFAULT_POLICY, isDefault: true } : { ...row, isDefault: false };
  }

  /** Records the expiry of every request or grant of the organisation whose time has passed. */
  async function expire(tx: DbOrTx, actor: Actor & { orgId: string }): Promise<void> {
    const expired = await store.expireDue(tx, actor.orgId, clock.now());
    const system = systemActor('approvals', actor.requestId, actor.orgId);
    for (const row of expired) {
      await deps.audit.record(
        tx,
        auditEventFor(
          system,
          'approval.expired',
          { type: 'approval_request', id: row.id },
          {
            connectionId: row.connectionId,
            operation: row.operation,
            resource: row.resource,
            details: { kind: row.kind, requesterId: row.requesterId, requesterUserId: row.requesterUserId },
          },
        ),
      );
    }
  }

  async function notify(tx: DbOrTx, type: 'approval.requested' | 'approval.decided', row: RequestRow) {
    await deps.outbox.enqueue(tx, {
      type,
      orgId: row.orgId,
      dedupeKey: `${type}:${row.id}:${row.status}:${row.decidedAt?.getTime() ?? 0}`,
      data: {
        approvalRequestId: row.id,
        kind: row.kind,
        status: row.status,
        operation: row.operation,
        connectionId: row.connectionId,
        resource: row.resource,
        elevatedRole: row.elevatedRole,
        requesterType: row.requesterType,
        requesterId: row.requesterId,
        requesterUserId: row.requesterUserId,
        reason: row.reason,
        expiresAt: row.expiresAt.toISOString(),
      },
    });
  }

  /** Makes a pending request (audited, announced by webhook) in `tx`, or returns the pending twin. */
  async function openRequest(
    tx: DbOrTx,
    actor: OrgActor,
    policy: ApprovalPolicy,
    ask: Pick<RequestRow, 'kind' | 'operation' | 'connectionId' | 'resource' | 'elevatedRole' | 'reason'> & {
      grantTtlSeconds: number;
    },
  ): Promise<{ row: RequestRow; created: boolean }> {
    const now = clock.now();
    const match = {
      requesterId: actor.id,
      kind: ask.kind,
      operation: ask.operation,
      connectionId: ask.connectionId,
      resource: ask.resource,
    };
    const existing = await store.pendingFor(tx, actor.orgId, match, now);
    if (existing !== null) return { row: existing, created: false };
    const row = await store.insertPending(tx, {
      id: newId('apr'),
      orgId: actor.orgId,
      ...requesterOf(actor),
      ...ask,
      status: 'pending',
      approvalsRequired: policy.approvalsRequired,
      grantMode: ask.kind === 'elevation' ? 'time_boxed' : policy.grantMode,
      createdAt: now,
      expiresAt: new Date(now.getTime() + PENDING_TTL_SECONDS * 1000),
    });
    if (row === null) {
      // A concurrent call made the same request first (the pending-request unique index waited for it).
      const twin = await store.pendingFor(tx, actor.orgId, match, now);
      if (twin === null) throw new AppError(ErrorCode.CONFLICT, 'The request changed concurrently; retry.');
      return { row: twin, created: false };
    }
    await deps.audit.record(
      tx,
      auditEventFor(
        actor,
        'approval.requested',
        { type: 'approval_request', id: row.id },
        {
          connectionId: row.connectionId,
          operation: row.operation,
          resource: row.resource,
          details: {
            kind: row.kind,
            reason: row.reason,
            elevatedRole: row.elevatedRole,
            requesterUserId: row.requesterUserId,
            approvalsRequired: row.approvalsRequired,
            grantMode: row.grantMode,
            grantTtlSeconds: row.grantTtlSeconds,
          },
        },
      ),
    );
    await notify(tx, 'approval.requested', row);
    return { row, created: true };
  }

  async function withDecisions(rows: RequestRow[], orgId: string): Promise<RequestView[]> {
    const decisions = await store.decisions(
      db,
      orgId,
      rows.map((r) => r.id),
    );
    return rows.map((r) => viewOf(r, decisions));
  }

  /** Whether `actor` may see this request: approvers see all, others their own. */
  function visibleTo(actor: OrgActor, row: RequestRow): boolean {
    if (isApprover(actor.role)) return true;
    return row.requesterId === actor.id || (actor.userId !== null && row.requesterUserId === actor.userId);
  }

  const gate: ApprovalGate = {
    async authorize(actor, call, options = {}) {
      if (actor.type === 'system') return null;
      const policy = await policyOf(db, actor.orgId);
      if (!policy.operations.includes(call.operation)) return null;
      const outcome = await db.transaction(
        async (tx): Promise<{ grant: string } | { pending: RequestRow }> => {
          await expire(tx, actor);
          const now = clock.now();
          const grants = await store.grantsFor(
            tx,
            actor.orgId,
            actor.id,
            call.operation,
            call.connectionId,
            now,
          );
          for (const grant of grants) {
            if (grant.resource === null || !scopeCovers(grant.resource, call.resource)) continue;
            if (options.consume === false) return { grant: grant.id };
            if (grant.grantMode === 'single_use') {
              if (!(await store.consume(tx, actor.orgId, grant.id, now))) continue;
            } else if (!(await store.touch(tx, actor.orgId, grant.id, now))) {
              continue;
            }
            await deps.audit.record(
              tx,
              auditEventFor(
                actor,
                'approval.used',
                { type: 'approval_request', id: grant.id },
                {
                  connectionId: call.connectionId,
                  operation: call.operation,
                  resource: call.resource,
                  details: { grantMode: grant.grantMode, scope: grant.resource },
                },
              ),
            );
            return { grant: grant.id };
          }
          const { row } = await openRequest(tx, actor, policy, {
            kind: 'operation',
            operation: call.operation,
            connectionId: call.connectionId,
            resource: call.resource,
            elevatedRole: null,
            reason: null,
            grantTtlSeconds: policy.grantTtlSeconds,
          });
          return { pending: row };
        },
      );
      // Thrown after the commit: the request must outlive the refusal it explains.
      if ('pending' in outcome) throw approvalRequired(outcome.pending);
      return outcome.grant;
    },
  };

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  /**
   * Records expiries that nobody looked at: an elevation or grant ends by itself at `expires_at`
   * whatever this does (every check compares with the clock); the sweep only puts the end on record
   * close to when it happened.
   */
  async function sweepOnce(): Promise<void> {
    const orgs = await store.orgsWithDue(db, clock.now(), 100);
    for (const orgId of orgs) {
      const system = { ...systemActor('approvals', `sweep-${clock.now().getTime()}`, orgId), orgId };
      await db.transaction((tx) => expire(tx, system));
    }
  }

  function schedule(): void {
    timer = setTimeout(() => {
      running = sweepOnce()
        .catch((err: unknown) => deps.logger.error({ err }, 'approval expiry sweep failed'))
        .finally(() => {
          running = null;
          if (timer !== null) schedule();
        });
    }, deps.sweepSeconds * 1000);
    timer.unref();
  }

  return {
    gate,
    sweepOnce,
    start(): void {
      if (deps.sweepSeconds <= 0 || timer !== null) return;
      schedule();
    },
    async stop(): Promise<void> {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },

    async getPolicy(actor: OrgActor) {
      const policy = await store.policy(db, actor.orgId);
      return policy === null
        ? { ...DEFAULT_POLICY, isDefault: true, updatedAt: null }
        : { ...policy, isDefault: false, updatedAt: policy.updatedAt.toISOString() };
    },

    async putPolicy(actor: OrgActor, input: ApprovalPolicy) {
      const unknown = input.operations.filter((o) => !APPROVABLE_OPERATIONS.includes(o));
      if (unknown.length > 0) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'Unknown operation in the policy.', {
          details: { unknown, approvable: APPROVABLE_OPERATIONS },
        });
      }
      const policy: ApprovalPolicy = { ...input, operations: [...new Set(input.operations)].sort() };
      // The held role, never an elevated one (the guard checks it too): an elevation must not switch
      // four-eyes off, and loosening it needs an owner — one admin cannot do it alone.
      const held = heldRole(actor);
      if (held === null || !can(held, 'approvals:policy')) {
        throw new AppError(ErrorCode.FORBIDDEN, 'Changing the approval policy needs the role by membership.');
      }
      await db.transaction(async (tx) => {
        const before = await policyOf(tx, actor.orgId);
        if (held !== 'owner' && loosens(before, policy)) {
          throw new AppError(
            ErrorCode.FORBIDDEN,
            'Only an owner can loosen the approval policy (fewer operations or approvals, longer or reusable grants, more approver roles).',
          );
        }
        await store.upsertPolicy(tx, actor.orgId, policy, actor.userId, clock.now());
        await deps.audit.record(
          tx,
          auditEventFor(
            actor,
            'approval.policy_updated',
            { type: 'organization', id: actor.orgId },
            {
              details: {
                before: {
                  operations: before.operations,
                  approverRoles: before.approverRoles,
                  approvalsRequired: before.approvalsRequired,
                  grantTtlSeconds: before.grantTtlSeconds,
                  grantMode: before.grantMode,
                },
                after: { ...policy },
              },
            },
          ),
        );
        const now = clock.now();
        await deps.outbox.enqueue(tx, {
          type: 'approval.policy_updated',
          orgId: actor.orgId,
          dedupeKey: `approval.policy_updated:${actor.orgId}:${now.getTime()}`,
          data: {
            updatedBy: actor.userId,
            loosened: loosens(before, policy),
            operations: policy.operations.join(','),
            previousOperations: before.operations.join(','),
            approverRoles: policy.approverRoles.join(','),
            approvalsRequired: policy.approvalsRequired,
            grantTtlSeconds: policy.grantTtlSeconds,
            grantMode: policy.grantMode,
            updatedAt: now.toISOString(),
          },
        });
      });
      return this.getPolicy(actor);
    },

    /** An explicit request (with a reason) for an operation on a connection and resource scope. */
    async requestOperation(
      actor: OrgActor,
      input: { operation: string; connectionId: string; resource: string; reason: string },
    ): Promise<{ view: RequestView; created: boolean }> {
      if (!APPROVABLE_OPERATIONS.includes(input.operation)) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'Unknown operation.', {
          details: { approvable: APPROVABLE_OPERATIONS },
        });
      }
      if (!(await store.connectionExists(db, actor.orgId, input.connectionId))) {
        throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
      }
      const result = await db.transaction(async (tx) => {
        await expire(tx, actor);
        const policy = await policyOf(tx, actor.orgId);
        if (!policy.operations.includes(input.operation)) {
          throw new AppError(
            ErrorCode.CONFLICT,
            'The organisation’s approval policy does not require approval for this operation.',
          );
        }
        return openRequest(tx, actor, policy, {
          kind: 'operation',
          operation: input.operation,
          connectionId: input.connectionId,
          resource: input.resource,
          elevatedRole: null,
          reason: input.reason,
          grantTtlSeconds: policy.grantTtlSeconds,
        });
      });
      const [view] = await withDecisions([result.row], actor.orgId);
      return { view: view as RequestView, created: result.created };
    },

    /** Just-in-time elevation: a member asks for `role` for a bounded time. */
    async requestElevation(
      actor: OrgActor,
      input: { role: 'admin'; durationSeconds: number; reason: string },
    ): Promise<{ view: RequestView; created: boolean }> {
      if (actor.type !== 'user' || actor.userId === null) {
        throw new AppError(ErrorCode.FORBIDDEN, 'Only a signed-in user can ask for a temporary role.');
      }
      const result = await db.transaction(async (tx) => {
        const held = await store.membershipRole(tx, actor.orgId, actor.userId as string);
        if (held === null) throw new AppError(ErrorCode.NOT_FOUND);
        if (ROLE_RANK[held] >= ROLE_RANK[input.role]) {
          throw new AppError(ErrorCode.CONFLICT, `You already hold the ${held} role.`);
        }
        await expire(tx, actor);
        const policy = await policyOf(tx, actor.orgId);
        return openRequest(tx, actor, policy, {
          kind: 'elevation',
          operation: null,
          connectionId: null,
          resource: null,
          elevatedRole: input.role,
          reason: input.reason,
          grantTtlSeconds: input.durationSeconds,
        });
      });
      const [view] = await withDecisions([result.row], actor.orgId);
      return { view: view as RequestView, created: result.created };
    },

    async list(
      actor: OrgActor,
      query: {
        status?: RequestStatus | undefined;
        kind?: RequestRow['kind'] | undefined;
        cursor?: string | undefined;
        limit: number;
      },
    ): Promise<{ items: RequestView[]; nextCursor: string | null }> {
      await db.transaction((tx) => expire(tx, actor));
      let after: { createdAt: Date; id: string } | undefined;
      if (query.cursor !== undefined) {
        const dot = query.cursor.indexOf('.');
        const at = Number(query.cursor.slice(0, dot));
        if (dot <= 0 || !Number.isSafeInteger(at)) {
          throw new AppError(ErrorCode.VALIDATION_FAILED, 'The cursor is not valid.');
        }
        after = { createdAt: new Date(at), id: query.cursor.slice(dot + 1) };
      }
      const mineOnly = !isApprover(actor.role);
      if (mineOnly && actor.userId === null) return { items: [], nextCursor: null };
      const rows = await store.list(db, actor.orgId, {
        status: query.status,
        kind: query.kind,
        requesterUserId: mineOnly ? (actor.userId as string) : undefined,
        after,
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: await withDecisions(page, actor.orgId),
        nextCursor:
          rows.length > query.limit && last !== undefined ? `${last.createdAt.getTime()}.${last.id}` : null,
      };
    },

    async get(actor: OrgActor, id: string): Promise<RequestView> {
      await db.transaction((tx) => expire(tx, actor));
      const row = await store.get(db, actor.orgId, id);
      if (row === null || !visibleTo(actor, row))
        throw new AppError(ErrorCode.NOT_FOUND, 'Approval request not found.');
      const [view] = await withDecisions([row], actor.orgId);
      return view as RequestView;
    },

    /**
     * One approver's decision. The request row is locked for the whole decision, and the approver's
     * role is read inside the same transaction: a demotion committed before it counts, two
     * approvals cannot both be "the one that completes it", and a revocation cannot interleave.
     */
    async decide(
      actor: OrgActor,
      id: string,
      decision: 'approve' | 'deny',
      comment: string | undefined,
    ): Promise<RequestView> {
      // Four eyes means two people: an API key or an agent is automation, whoever created it.
      if (actor.type !== 'user' || actor.userId === null) {
        throw new AppError(
          ErrorCode.FORBIDDEN,
          'Approvals are decided by a signed-in person, not an API key or agent.',
        );
      }
      const approverId = actor.userId;
      const row = await db.transaction(async (tx) => {
        await expire(tx, actor);
        const request = await store.lock(tx, actor.orgId, id);
        if (request === null) throw new AppError(ErrorCode.NOT_FOUND, 'Approval request not found.');
        if (request.requesterUserId === approverId || request.requesterId === approverId) {
          throw new AppError(ErrorCode.FORBIDDEN, 'You cannot decide your own request.');
        }
        if (request.status !== 'pending') {
          throw new AppError(ErrorCode.CONFLICT, `The request is ${request.status}.`, {
            details: { status: request.status },
          });
        }
        const policy = await policyOf(tx, actor.orgId);
        const role = await store.membershipRole(tx, actor.orgId, approverId);
        if (!isApprover(role) || !policy.approverRoles.includes(role as 'admin' | 'owner')) {
          throw new AppError(ErrorCode.FORBIDDEN, 'Your role may not decide approval requests.', {
            details: { approverRoles: policy.approverRoles },
          });
        }
        const now = clock.now();
        const added = await store.addDecision(tx, {
          id: newId('apd'),
          orgId: actor.orgId,
          requestId: request.id,
          approverUserId: approverId,
          decision,
          comment: comment ?? null,
          createdAt: now,
        });
        if (!added) throw new AppError(ErrorCode.CONFLICT, 'You already decided this request.');
        let updated = request;
        if (decision === 'deny') {
          updated =
            (await store.transition(tx, actor.orgId, id, ['pending'], {
              status: 'denied',
              decidedAt: now,
            })) ?? request;
        } else {
          const approvals = await store.approvals(tx, request.id);
          if (approvals >= request.approvalsRequired) {
            updated =
              (await store.transition(tx, actor.orgId, id, ['pending'], {
                status: 'approved',
                decidedAt: now,
                expiresAt: new Date(now.getTime() + request.grantTtlSeconds * 1000),
              })) ?? request;
          }
        }
        await deps.audit.record(
          tx,
          auditEventFor(
            actor,
            'approval.decided',
            { type: 'approval_request', id },
            {
              connectionId: request.connectionId,
              operation: request.operation,
              resource: request.resource,
              details: {
                decision,
                comment: comment ?? null,
                status: updated.status,
                kind: request.kind,
                approverRole: role,
                requesterId: request.requesterId,
                requesterUserId: request.requesterUserId,
                expiresAt: updated.expiresAt.toISOString(),
              },
            },
          ),
        );
        await notify(tx, 'approval.decided', updated);
        return updated;
      });
      const [view] = await withDecisions([row], actor.orgId);
      return view as RequestView;
    },

    /** Withdrawn by whoever asked, or revoked by an approver; a pending request or a live grant. */
    async revoke(actor: OrgActor, id: string, comment: string | undefined): Promise<RequestView> {
      const row = await db.transaction(async (tx) => {
        await expire(tx, actor);
        const request = await store.lock(tx, actor.orgId, id);
        if (request === null || !visibleTo(actor, request)) {
          throw new AppError(ErrorCode.NOT_FOUND, 'Approval request not found.');
        }
        const own =
          request.requesterId === actor.id ||
          (actor.userId !== null && request.requesterUserId === actor.userId);
        if (!own) {
          const role =
            actor.userId === null ? null : await store.membershipRole(tx, actor.orgId, actor.userId);
          if (actor.type !== 'user' || !isApprover(role)) {
            throw new AppError(
              ErrorCode.FORBIDDEN,
              'Only the requester or an approver can revoke this request.',
            );
          }
        }
        const updated = await store.transition(tx, actor.orgId, id, ['pending', 'approved'], {
          status: 'revoked',
          revokedBy: actor.id,
        });
        if (updated === null) {
          throw new AppError(ErrorCode.CONFLICT, `The request is ${request.status}.`, {
            details: { status: request.status },
          });
        }
        await deps.audit.record(
          tx,
          auditEventFor(
            actor,
            'approval.revoked',
            { type: 'approval_request', id },
            {
              connectionId: request.connectionId,
              operation: request.operation,
              resource: request.resource,
              details: { kind: request.kind, previousStatus: request.status, comment: comment ?? null },
            },
          ),
        );
        await notify(tx, 'approval.decided', updated);
        return updated;
      });
      const [view] = await withDecisions([row], actor.orgId);
      return view as RequestView;
    },
  };
}

export type ApprovalsService = ReturnType<typeof createApprovalsService>;
