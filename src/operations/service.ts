import type { ApprovalGate } from '../approvals/service.ts';
import { checkNotReservedForExport } from '../audit/export-target/reserved.ts';
import type { AuditWriter } from '../audit/types.ts';
import { partitionOf } from '../aws/arn.ts';
import type { AwsClientFactory } from '../aws/clients.ts';
import { mapAwsError } from '../aws/errors.ts';
import type { Broker } from '../broker/broker.ts';
import { type Lanes, releaseWhenDone } from '../broker/lanes.ts';
import { sessionPolicy } from '../broker/session.ts';
import type { Clock } from '../clock.ts';
import type { ConnectionResolver } from '../connections/types.ts';
import type { Actor } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { constantTimeEqual, hmacSha256Hex } from '../crypto/tokens.ts';
import type { Db } from '../db/client.ts';
import { checkKeyScope } from '../identity/api-keys/scope.ts';
import { can, type Role } from '../identity/rbac.ts';
import type { CallTarget, HandleSigner, Operation, OperationContext, OperationLimits } from './types.ts';
import { resolveRegion } from './validation.ts';

export type OrgActor = Actor & { orgId: string; role: Role };

const NEVER_ABORTED = new AbortController().signal;

export interface OperationsServiceDeps {
  db: Db;
  audit: Pick<AuditWriter, 'record'>;
  connections: ConnectionResolver;
  broker: Pick<Broker, 'call'>;
  clients: Pick<AwsClientFactory, 's3' | 'logs' | 'dynamodb' | 'lambda' | 'lane'>;
  /** Per-organisation AWS concurrency (issue 14, item 7). */
  lanes: Pick<Lanes, 'acquire'>;
  clock: Clock;
  defaultRegion: string;
  limits: OperationLimits;
  /** Four-eyes approval (docs/approvals.md): asked right before the broker, on every door. */
  approvals: ApprovalGate;
  /** Secrets for signing opaque handles (first signs, all verify); e.g. derived from the master keys. */
  handleKeys: Buffer[];
}

export function createHandleSigner(keys: Buffer[]): HandleSigner {
  if (keys.length === 0) throw new Error('at least one handle key is required');
  const mac = (key: Buffer, orgId: string, connectionId: string, value: string) =>
    hmacSha256Hex(key, `rolegate-handle:${orgId}:${connectionId}:${value}`).slice(0, 32);
  return {
    sign: (c, value) => `${value}.${mac(keys[0]!, c.orgId, c.id, value)}`,
    verify(c, handle) {
      const dot = handle.lastIndexOf('.');
      if (dot <= 0) return null;
      const value = handle.slice(0, dot);
      const tag = handle.slice(dot + 1);
      return keys.some((k) => constantTimeEqual(mac(k, c.orgId, c.id, value), tag)) ? value : null;
    },
  };
}

/**
 * The one path every operation takes, whichever door it came through (REST, intent, MCP):
 * role → input schema → connection (tenant, status, capability) → scopes and region → approval
 * (the organisation's policy; 202 approval_required without a grant) → audit record
 * (before the call; 503 if it cannot be written) → broker credentials with a session policy for
 * exactly this call → the SDK call → errors mapped to stable codes.
 */
export function createOperationsService(deps: OperationsServiceDeps) {
  const handles = createHandleSigner(deps.handleKeys);

  function baseEvent(actor: OrgActor, op: Operation, connectionId: string, resource: string | null) {
    return auditEventFor(
      actor,
      `aws.${op.name}`,
      { type: 'connection', id: connectionId },
      { connectionId, operation: op.name, resource },
    );
  }

  async function recordDenied(
    actor: OrgActor,
    op: Operation,
    connectionId: string,
    err: AppError,
  ): Promise<void> {
    try {
      const event = baseEvent(actor, op, connectionId, null);
      await deps.audit.record(deps.db, {
        ...event,
        outcome: 'denied',
        errorCode: err.code,
        ...(actor.keyScope ? { details: { ...event.details, keyScope: actor.keyScope } } : {}),
      });
    } catch {
      // The request is refused either way; a missing denial record must not turn 403 into 503.
    }
  }

  return {
    handles,

    async run(
      actor: OrgActor,
      connectionId: string,
      op: Operation,
      raw: unknown,
      options: { signal?: AbortSignal } = {},
    ): Promise<unknown> {
      if (!can(actor.role, op.permission)) throw new AppError(ErrorCode.FORBIDDEN);
      try {
        checkKeyScope(actor.keyScope, {
          ip: actor.ip,
          permission: op.permission,
          connectionId,
          capability: op.capability,
        });
      } catch (err) {
        if (err instanceof AppError && err.code !== ErrorCode.NOT_FOUND) {
          await recordDenied(actor, op, connectionId, err);
        }
        throw err;
      }
      const call = op.parse(raw);
      const connection = await deps.connections.resolveUsable(actor.orgId, connectionId, op.capability);
      let target: CallTarget;
      let hiddenS3Prefixes: string[] = [];
      try {
        const region = resolveRegion(call.region, connection.scopes, deps.defaultRegion);
        call.scope(connection);
        // Whatever connection the call goes through: the delivered audit export is off limits.
        if (call.s3Path !== undefined) {
          hiddenS3Prefixes = await checkNotReservedForExport(deps.db, actor.orgId, call.s3Path);
        }
        target = { partition: partitionOf(connection.roleArn), accountId: connection.accountId, region };
      } catch (err) {
        if (
          err instanceof AppError &&
          (err.code === ErrorCode.FORBIDDEN || err.code === ErrorCode.AUDIT_EXPORT_RESERVED)
        ) {
          await recordDenied(actor, op, connectionId, err);
        }
        throw err;
      }
      const policy = sessionPolicy(call.policy(target));
      const resource = call.resource(target);
      // A slot in the organisation's lane first: a call refused with 429 org_busy made no AWS call,
      // wrote no attempt record and spent no approval. The slot is held until a streamed result
      // has been consumed.
      const release = await deps.lanes.acquire(actor.orgId, op.lane);
      // The grant is checked (and a single-use one spent) for exactly this operation, connection and
      // resource, after every other check and the lane passed (approvals review 5). A broker or AWS
      // failure after this point still spends a single-use grant: the attempt is on record.
      let approvalId: string | null;
      try {
        approvalId = await deps.approvals.authorize(actor, {
          operation: op.name,
          connectionId,
          resource,
        });
      } catch (err) {
        release();
        throw err;
      }
      const event = baseEvent(actor, op, connectionId, resource);
      const minValiditySeconds = call.minValiditySeconds;
      const clients = deps.clients.lane(op.lane);
      let result: unknown;
      try {
        result = await deps.broker.call(
          {
            connection,
            actor,
            policy,
            operation: op.name,
            region: target.region,
            ...(minValiditySeconds === undefined ? {} : { minValiditySeconds }),
            audit: {
              ...event,
              details: {
                // The OAuth client and granting user (auditEventFor), when an agent grant acts.
                ...event.details,
                region: target.region,
                // Which limits the key carried, so a reviewer sees what the agent was allowed to do.
                ...(actor.keyScope ? { keyScope: actor.keyScope } : {}),
                // The approval that allowed a gated call, so the record names who said yes.
                ...(approvalId === null ? {} : { approvalId }),
              },
            },
          },
          async (credentials) => {
            try {
              const ctx: OperationContext = {
                clients,
                credentials,
                connection,
                target,
                limits: deps.limits,
                handles,
                now: () => deps.clock.now(),
                signal: options.signal ?? NEVER_ABORTED,
                hiddenS3Prefixes,
              };
              const out = await call.run(ctx);
              return op.exposure === 'all' ? op.output.parse(out) : out;
            } catch (err) {
              const notFound = call.notFound(target);
              throw mapAwsError(err, {
                action: op.action,
                callerInput: true,
                ...(notFound === undefined ? {} : { notFound }),
              });
            }
          },
        );
      } catch (err) {
        release();
        throw err;
      }
      return releaseWhenDone(result, release);
    },
  };
}

export type OperationsService = ReturnType<typeof createOperationsService>;
