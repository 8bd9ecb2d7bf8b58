import { CLEANUP_OPERATION } from '../approvals/policy.ts';
import type { ApprovalGate } from '../approvals/service.ts';
import type { AuditWriter } from '../audit/types.ts';
import { partitionOf } from '../aws/arn.ts';
import { mapAwsError } from '../aws/errors.ts';
import type { Broker } from '../broker/broker.ts';
import type { Clock } from '../clock.ts';
import { cleanupTags } from '../connections/policy.ts';
import type { ConnectionResolver, UsableConnection } from '../connections/types.ts';
import type { Actor } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { randomToken, sha256Hex } from '../crypto/tokens.ts';
import { checkKeyScope } from '../identity/api-keys/scope.ts';
import { actionPolicy, type ScanClientFactory } from './aws.ts';
import {
  type CleanupCheck,
  type DryRunVerdict,
  dryRunCheck,
  dryRunOptions,
  evaluateChecks,
  NO_DRY_RUN,
  type ObservedState,
  optionsDiffer,
  PROTECT_TAG,
  recheckRefusal,
  stateHash,
} from './cleanup-checks.ts';
import {
  type CleanupHandler,
  errName,
  type FailedPart,
  HANDLERS,
  imageDeregistered,
  UNSUPPORTED_REASON,
} from './cleanup-handlers.ts';
import type { FindingType } from './detectors.ts';
import type { CleanupOptions, FindingRow, ScanStore } from './store.ts';

/**
 * The dry-run/confirm service: a dry run re-observes the resource through the broker, runs the
 * checks (cleanup-checks.ts) and the handler's DryRun calls (cleanup-handlers.ts), and issues a
 * single-use token bound to what it saw; the real run consumes the token, observes again and acts
 * only when nothing changed.
 */
export {
  type CheckStatus,
  type CleanupCheck,
  evaluateChecks,
  type ObservedPart,
  type ObservedState,
  PROTECT_TAG,
} from './cleanup-checks.ts';
export type { FailedPart } from './cleanup-handlers.ts';

export const CONFIRM_TTL_MS = 10 * 60_000;

export interface CleanupRequest {
  dryRun: boolean;
  confirm?: string | undefined;
  snapshotBeforeDelete?: boolean | undefined;
  deleteSnapshots?: boolean | undefined;
}

export type CleanupResult =
  | {
      dryRun: true;
      allowed: boolean;
      wouldDo: string;
      checks: CleanupCheck[];
      confirmToken: string | null;
      expiresAt: string | null;
    }
  | {
      dryRun: false;
      done: true;
      action: string;
      findingId: string;
      status: 'cleaned';
      snapshotId?: string;
      deletedSnapshots?: string[];
    }
  | {
      dryRun: false;
      /** The AMI is deregistered but some snapshots are not deleted: the finding stays open for them. */
      done: false;
      action: string;
      findingId: string;
      status: 'partial';
      deletedSnapshots: string[];
      failedSnapshots: FailedPart[];
    };

export interface CleanupDeps {
  store: ScanStore;
  resolver: Pick<ConnectionResolver, 'resolveUsable'>;
  broker: Pick<Broker, 'call'>;
  clients: ScanClientFactory;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  /** Four-eyes approval of the execution (docs/approvals.md). */
  approvals: ApprovalGate;
  /** Snapshot a volume before deleting it unless the request says otherwise. */
  snapshotBeforeDeleteDefault: boolean;
}

/**
 * The one shape of a clean-up audit record: who, which finding, which connection and AWS resource,
 * from where. Brokered calls add the outcome themselves; the service's own records override
 * `action` and add theirs.
 */
function cleanupAuditEvent(
  actor: Actor,
  finding: FindingRow,
  operation: string,
  details?: Record<string, unknown>,
) {
  return auditEventFor(
    actor,
    `aws.${operation}`,
    { type: 'finding', id: finding.id },
    {
      orgId: finding.orgId,
      connectionId: finding.connectionId,
      operation,
      resource: finding.resourceArn,
      ...(details === undefined ? {} : { details }),
    },
  );
}

/** Guarded clean-up: a dry run that re-checks everything and issues a single-use token, then the real action. */
export function createCleanupService(deps: CleanupDeps) {
  const { store, clock } = deps;

  async function observe(
    connection: UsableConnection,
    actor: Actor,
    finding: FindingRow,
    handler: CleanupHandler,
    opts: CleanupOptions,
    phase: string,
  ): Promise<ObservedState> {
    const operation = `cleanup.${handler.action}.${phase}`;
    return deps.broker.call(
      {
        connection,
        actor,
        policy: actionPolicy(handler.readActions(opts)),
        operation,
        region: finding.region,
        audit: cleanupAuditEvent(actor, finding, operation),
      },
      async (credentials) => {
        try {
          return await handler.describe(await deps.clients(credentials, finding.region), finding, opts);
        } catch (err) {
          throw mapAwsError(err);
        }
      },
    );
  }

  /** One audited write-side call, with credentials narrowed to the handler's write actions on this resource. */
  function writeCall<T>(
    connection: UsableConnection,
    actor: Actor,
    finding: FindingRow,
    handler: CleanupHandler,
    opts: CleanupOptions,
    operation: string,
    details: Record<string, unknown>,
    fn: (clients: Awaited<ReturnType<ScanClientFactory>>) => Promise<T>,
  ): Promise<T> {
    const policy = actionPolicy(
      handler.writeActions(finding, opts),
      handler.writeResources(finding, opts, partitionOf(connection.roleArn)),
    );
    return deps.broker.call(
      {
        connection,
        actor,
        policy,
        operation,
        region: finding.region,
        audit: cleanupAuditEvent(actor, finding, operation, details),
      },
      async (credentials) => fn(await deps.clients(credentials, finding.region)),
    );
  }

  async function load(actor: Actor & { orgId: string }, findingId: string) {
    const orgId = actor.orgId;
    const finding = await store.getFinding(orgId, findingId);
    if (finding === null) throw new AppError(ErrorCode.NOT_FOUND, 'Finding not found.');
    // A scoped key reaches only its connections' findings (the guard checked the permission).
    checkKeyScope(actor.keyScope, {
      ip: actor.ip,
      permission: 'cleanup:execute',
      connectionId: finding.connectionId,
    });
    if (finding.status !== 'open')
      throw new AppError(
        ErrorCode.FINDING_NOT_OPEN,
        `The finding is ${finding.status}; only open findings can be cleaned up.`,
      );
    const handler = HANDLERS[finding.type as FindingType];
    if (handler === undefined)
      throw new AppError(
        ErrorCode.CLEANUP_UNSUPPORTED,
        UNSUPPORTED_REASON[finding.type as FindingType] ?? 'This kind of finding cannot be cleaned up.',
      );
    const connection = await deps.resolver.resolveUsable(orgId, finding.connectionId, 'cleanup');
    return { finding, handler, connection };
  }

  async function dryRun(
    actor: Actor & { orgId: string },
    findingId: string,
    req: CleanupRequest,
  ): Promise<CleanupResult> {
    const { finding, handler, connection } = await load(actor, findingId);
    const opts = dryRunOptions(
      finding.type,
      req,
      deps.snapshotBeforeDeleteDefault,
      imageDeregistered(finding),
    );
    const observed = await observe(connection, actor, finding, handler, opts, 'check');
    const checks = evaluateChecks(finding, observed, cleanupTags(connection.scopes));
    if (checks.every((c) => c.status !== 'fail')) {
      const calls = handler.dryRunCalls(finding, opts, observed);
      if (calls.length === 0) {
        checks.push(NO_DRY_RUN);
      } else {
        const operation = `cleanup.${handler.action}`;
        const verdicts = await writeCall(
          connection,
          actor,
          finding,
          handler,
          opts,
          operation,
          { dryRun: true },
          async (clients) => {
            const out: { resource?: string; verdict: DryRunVerdict }[] = [];
            for (const call of calls) {
              const at = call.resource === undefined ? {} : { resource: call.resource };
              try {
                await call.send(clients);
                out.push({ ...at, verdict: 'unexpected' });
              } catch (err) {
                const name = errName(err);
                if (name === 'DryRunOperation') out.push({ ...at, verdict: 'ok' });
                else if (name === 'UnauthorizedOperation') out.push({ ...at, verdict: 'denied' });
                else throw mapAwsError(err);
              }
            }
            return out;
          },
        );
        for (const { resource, verdict } of verdicts) checks.push(dryRunCheck(verdict, resource));
      }
    }
    const allowed = checks.every((c) => c.status !== 'fail');
    const wouldDo = handler.wouldDo(finding, opts);
    if (!allowed) return { dryRun: true, allowed, wouldDo, checks, confirmToken: null, expiresAt: null };
    const token = `cfm_${randomToken(24)}`;
    const expiresAt = new Date(clock.now().getTime() + CONFIRM_TTL_MS);
    await store.insertToken({
      tokenHash: sha256Hex(token),
      orgId: finding.orgId,
      findingId: finding.id,
      actorId: actor.id,
      stateHash: stateHash(finding, actor.id, observed, opts),
      options: opts,
      expiresAt,
    });
    return {
      dryRun: true,
      allowed,
      wouldDo,
      checks,
      confirmToken: token,
      expiresAt: expiresAt.toISOString(),
    };
  }

  async function execute(
    actor: Actor & { orgId: string },
    findingId: string,
    req: CleanupRequest,
  ): Promise<CleanupResult> {
    if (req.confirm === undefined || req.confirm === '')
      throw new AppError(
        ErrorCode.CONFIRMATION_REQUIRED,
        'Run the clean-up with dryRun: true first and pass its confirmToken as confirm.',
      );
    // An actor without a role must not slip past the four-eyes gate (approvals review 5): the org
    // guard always sets one, so none here is a bug, refused before anything is read or spent.
    const role = actor.role;
    if (role === null)
      throw new AppError(ErrorCode.FORBIDDEN, 'Clean-up needs an actor with a role in the organisation.');
    const gateActor = { ...actor, role };
    const { finding, handler, connection } = await load(actor, findingId);
    const gated = {
      operation: CLEANUP_OPERATION,
      connectionId: finding.connectionId,
      resource: finding.resourceArn,
    };
    // Checked before the confirmation token is spent: waiting for approval does not cost a dry run.
    await deps.approvals.authorize(gateActor, gated, { consume: false });
    const token = await store.consumeToken(
      actor.orgId,
      finding.id,
      actor.id,
      sha256Hex(req.confirm),
      clock.now(),
    );
    if (token === null)
      throw new AppError(
        ErrorCode.CONFIRMATION_INVALID,
        'The confirmation token is invalid, expired, already used, or was issued for another finding or user. Run a new dry run.',
      );
    const opts = token.options;
    if (optionsDiffer(finding.type, req, opts))
      throw new AppError(
        ErrorCode.CONFIRMATION_INVALID,
        'The options differ from the dry run. Run a new dry run.',
      );
    const observed = await observe(connection, actor, finding, handler, opts, 'recheck');
    const checks = evaluateChecks(finding, observed, cleanupTags(connection.scopes));
    const refusal = recheckRefusal(checks, stateHash(finding, actor.id, observed, opts) === token.stateHash);
    if (refusal === 'protected')
      throw new AppError(ErrorCode.RESOURCE_PROTECTED, `The resource carries the ${PROTECT_TAG} tag.`, {
        details: { checks },
      });
    if (refusal === 'tag_conditions')
      throw new AppError(ErrorCode.TAG_CONDITIONS_UNMET, undefined, { details: { checks } });
    if (refusal === 'changed')
      throw new AppError(ErrorCode.RESOURCE_CHANGED, undefined, { details: { checks } });
    const operation = `cleanup.${handler.action}`;
    // Spent right before the write: a grant that raced away answers approval_required again.
    const approvalId = await deps.approvals.authorize(gateActor, gated);
    const result = await writeCall(
      connection,
      actor,
      finding,
      handler,
      opts,
      operation,
      { dryRun: false, ...opts, ...(approvalId === null ? {} : { approvalId }) },
      async (clients) => {
        try {
          return await handler.execute(clients, finding, opts, observed);
        } catch (err) {
          throw mapAwsError(err);
        }
      },
    );
    const failedSnapshots = result.failedSnapshots ?? [];
    if (failedSnapshots.length > 0) {
      // The AMI is gone but AWS kept some snapshots: record that, and keep the finding open for them.
      const remaining = failedSnapshots.map((f) => f.snapshotId);
      const deletedSnapshots = result.deletedSnapshots ?? [];
      await store.db.transaction(async (tx) => {
        await store.setFindingDetails(tx, finding.orgId, finding.id, {
          ...finding.details,
          imageDeregistered: true,
          snapshotIds: remaining,
        });
        await deps.audit.record(tx, {
          ...cleanupAuditEvent(actor, finding, operation, {
            deletedSnapshots,
            failedSnapshots: remaining,
            codes: failedSnapshots.map((f) => f.code),
          }),
          action: 'finding.cleanup_partial',
          outcome: 'failure',
          errorCode: failedSnapshots[0]?.code ?? null,
        });
      });
      return {
        dryRun: false,
        done: false,
        action: handler.action,
        findingId: finding.id,
        status: 'partial',
        deletedSnapshots,
        failedSnapshots,
      };
    }
    await store.db.transaction(async (tx) => {
      await store.setFindingStatus(tx, finding.orgId, finding.id, 'cleaned', actor.id, clock.now());
      await deps.audit.record(tx, {
        ...cleanupAuditEvent(actor, finding, operation, { ...result }),
        action: 'finding.cleaned',
        outcome: 'success',
      });
    });
    return {
      dryRun: false,
      done: true,
      action: handler.action,
      findingId: finding.id,
      status: 'cleaned',
      ...result,
    };
  }

  return {
    run(actor: Actor & { orgId: string }, findingId: string, req: CleanupRequest): Promise<CleanupResult> {
      return req.dryRun ? dryRun(actor, findingId, req) : execute(actor, findingId, req);
    },
  };
}

export type CleanupService = ReturnType<typeof createCleanupService>;
