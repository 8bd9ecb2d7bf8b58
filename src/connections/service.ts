import { randomBytes } from 'node:crypto';
import type { AuditEvent, AuditWriter } from '../audit/types.ts';
import { parseIamEntityArn, parseRoleArn } from '../aws/arn.ts';
import type { Clock } from '../clock.ts';
import { type Actor, systemActor } from '../core/actor.ts';
import { auditActorFields, auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { bindingFor } from '../crypto/encrypted-columns.ts';
import { decryptField, encryptField, type Keyring } from '../crypto/field-encryption.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import type { ScanCanceller } from '../jobs/registry.ts';
import { auditExportScopeProblem, cleanupTags } from './policy.ts';
import {
  type ConnectionView,
  type CreateConnectionInput,
  defaultRoleName,
  EMPTY_SCOPES,
  type UpdateConnectionInput,
} from './schemas.ts';
import { INITIAL_STATUS, nextStatus } from './status.ts';
import type { ConnectionRow, ConnectionStore, UsableConnectionRow } from './store.ts';
import type { VerificationReport } from './tables.ts';
import { renderTemplates, type Templates } from './templates.ts';
import type { Capability, ConnectionResolver, ConnectionScopes, UsableConnection } from './types.ts';
import type { Verifier } from './verify.ts';

/** Pending connections that nobody verified stop being usable after this long. */
export const PENDING_TTL_MS = 48 * 3600 * 1000;

const EXTERNAL_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648 base32, lower case

/** `rg-` + 32 base32 characters (160 random bits); within AWS's 2–1224 `[\w+=,.@:/-]`. */
export function generateExternalId(): string {
  const bytes = randomBytes(20);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += EXTERNAL_ID_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `rg-${out}`;
}
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;

/** Rolegate's principal as it goes into a trust policy: an IAM role or user, never an account root. */
export function pinnedPrincipal(arn: string): string {
  if (parseIamEntityArn(arn) === null) {
    throw new AppError(
      ErrorCode.SERVICE_UNAVAILABLE,
      "Rolegate's AWS principal is not an IAM role or user ARN; set ROLEGATE_AWS_PRINCIPAL_ARN.",
    );
  }
  return arn;
}

export interface ConnectionServiceDeps {
  db: Db;
  store: ConnectionStore;
  keyring: Keyring;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  verifier: Verifier;
  /** Rolegate's exact principal ARN (the broker's resolver, or config.aws.principalArn). */
  resolvePrincipalArn: () => Promise<string>;
  defaultRegion: string;
  /** Where the generic CloudFormation template is published (ROLEGATE_TEMPLATE_URL), or null. */
  genericTemplateUrl: string | null;
  /** Rolegate's egress addresses (ROLEGATE_EGRESS_IPS): pinned in every rendered trust policy. */
  egressIps?: readonly string[];
  /** Seconds a rotated-out external ID stays usable (config.aws.externalIdGrace). */
  externalIdGraceSeconds: number;
  /** Drops the broker's cached credentials of a connection (deleted, rotated, re-verified, unsafe). */
  forgetConnection?: (connectionId: string) => void;
  /** Aborts the connection's running scan jobs (issue 25, item 4). */
  scans: Pick<ScanCanceller, 'cancelConnection'>;
}

export interface VerifyResult {
  status: 'verified' | 'unsafe' | 'failed';
  checks: VerificationReport['checks'];
}

export function createConnectionService(deps: ConnectionServiceDeps) {
  const { db, store, keyring, audit, clock } = deps;

  const encrypt = (
    value: string,
    column: 'external_id' | 'previous_external_id',
    id: string,
    orgId: string,
  ) => encryptField(keyring, value, bindingFor('connections', column, id, orgId));
  const decrypt = (row: UsableConnectionRow, column: 'external_id' | 'previous_external_id') => {
    const value = column === 'external_id' ? row.externalId : row.previousExternalId;
    if (value === null) return null;
    return decryptField(keyring, value, bindingFor('connections', column, row.id, row.orgId));
  };

  /**
   * Whether the rotated-out external ID may still be sent: only while its grace period runs. A row
   * with a previous ID and no deadline cannot occur (rotation sets both; the migration bounded older
   * rows), and is treated as expired so that nothing is usable without a bound.
   */
  function previousInGrace(row: Pick<ConnectionRow, 'previousExternalId' | 'previousExternalIdExpiresAt'>) {
    return (
      row.previousExternalId !== null &&
      row.previousExternalIdExpiresAt !== null &&
      row.previousExternalIdExpiresAt.getTime() > clock.now().getTime()
    );
  }

  /** The previous external ID, decrypted, only while its grace period runs. */
  const previousIfInGrace = (row: UsableConnectionRow) =>
    previousInGrace(row) ? decrypt(row, 'previous_external_id') : null;

  /** Clears a previous external ID past its deadline, audited; a no-op if another process did it first. */
  async function clearExpiredPrevious(row: {
    id: string;
    orgId: string;
    previousExternalIdExpiresAt: Date | null;
  }) {
    const now = clock.now();
    await db.transaction(async (tx) => {
      if (!(await store.clearExpiredPreviousExternalId(tx, row.orgId, row.id, now))) return;
      await audit.record(
        tx,
        event(
          systemActor('connections', `sys-extid-grace-${row.id}`, row.orgId),
          row,
          'connection.external_id_grace_expired',
          { details: { deadline: row.previousExternalIdExpiresAt?.toISOString() ?? null } },
        ),
      );
    });
    deps.forgetConnection?.(row.id);
  }

  function event(
    actor: Actor,
    row: { id: string; orgId: string },
    action: string,
    extra: Partial<AuditEvent> = {},
  ): AuditEvent {
    return auditEventFor(
      actor,
      action,
      { type: 'connection', id: row.id },
      { orgId: row.orgId, connectionId: row.id, ...extra },
    );
  }

  /** A pending connection past its expiry is expired even before the sweep marks it. */
  function effectiveStatus(row: Pick<ConnectionRow, 'status' | 'expiresAt'>): ConnectionRow['status'] {
    return nextStatus(row.status, { type: 'clock', expiresAt: row.expiresAt, now: clock.now() });
  }

  /** The role's name: the one in the role ARN once known, else the stored or default name. */
  function roleNameOf(row: Pick<ConnectionRow, 'id' | 'roleArn' | 'roleName'>): string {
    const fromArn = row.roleArn === null ? null : (parseRoleArn(row.roleArn)?.roleName ?? null);
    return fromArn ?? row.roleName ?? defaultRoleName(row.id);
  }

  function toView(row: ConnectionRow): ConnectionView {
    return {
      id: row.id,
      name: row.name,
      accountId: row.accountId,
      roleArn: row.roleArn,
      roleName: roleNameOf(row),
      capabilities: row.capabilities,
      scopes: {
        ...EMPTY_SCOPES,
        ...row.scopes,
        // What the policy enforces and the clean-up dry run checks, never an empty "no condition".
        cleanupTagConditions: cleanupTags(row.scopes),
      },
      sourceIdentity: row.sourceIdentityEnabled,
      status: effectiveStatus(row),
      rotationPending: previousInGrace(row),
      previousExternalIdExpiresAt: previousInGrace(row)
        ? (row.previousExternalIdExpiresAt?.toISOString() ?? null)
        : null,
      lastVerifiedAt: row.lastVerifiedAt?.toISOString() ?? null,
      verification: row.verificationReport ?? null,
      createdBy: row.createdBy,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.status === 'pending' ? (row.expiresAt?.toISOString() ?? null) : null,
    };
  }

  async function load(conn: DbOrTx, orgId: string, id: string): Promise<ConnectionRow> {
    const row = await store.get(conn, orgId, id);
    if (row === null) throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
    return row;
  }

  async function recordDiscarded(
    actor: Actor,
    row: ConnectionRow,
    status: VerifyResult['status'],
    err: unknown,
  ): Promise<never> {
    try {
      await audit.record(
        db,
        event(actor, row, 'connection.verification_discarded', {
          outcome: 'failure',
          errorCode: err instanceof AppError ? err.code : 'error',
          details: { status },
        }),
      );
    } catch {
      // The caller gets the original error; the per-call records stand on their own.
    }
    throw err;
  }

  async function verifyRow(
    row: ConnectionRow,
    actor: Actor,
  ): Promise<{
    result: VerifyResult;
    stored: ConnectionRow['status'];
  }> {
    const status = effectiveStatus(row);
    if (status === 'expired') {
      throw new AppError(
        ErrorCode.CONFLICT,
        'The connection expired before it was verified; create a new one.',
      );
    }
    if (row.roleArn === null) {
      throw new AppError(ErrorCode.CONFLICT, 'Set the role ARN (PATCH the connection) before verifying.');
    }
    const principalArn = pinnedPrincipal(await deps.resolvePrincipalArn());
    const externalId = decrypt(row, 'external_id')!;
    const previousExternalId = previousIfInGrace(row);
    if (row.previousExternalId !== null && previousExternalId === null) await clearExpiredPrevious(row);
    // AWS calls happen here, outside any transaction, each recorded by the broker before it is made.
    const outcome = await deps.verifier.verify({
      orgId: row.orgId,
      connectionId: row.id,
      roleArn: row.roleArn,
      externalId,
      previousExternalId,
      capabilities: row.capabilities,
      scopes: { ...EMPTY_SCOPES, ...row.scopes },
      region: row.scopes.regions[0] ?? deps.defaultRegion,
      principalArn,
      sourceIdentity: row.sourceIdentityEnabled,
      egressIps: deps.egressIps ?? [],
      actor,
      audit: auditActorFields(actor),
    });
    const now = clock.now();
    const report: VerificationReport = {
      status: outcome.status,
      checkedAt: now.toISOString(),
      checks: outcome.checks,
    };
    const failedChecks = outcome.checks.filter((c) => c.status === 'failed');

    const storing = db.transaction(async (tx) => {
      const current = await store.getForUpdate(tx, row.orgId, row.id);
      if (current === null) throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
      if (current.roleArn !== row.roleArn || current.externalId !== row.externalId) {
        throw new AppError(
          ErrorCode.CONFLICT,
          'The connection changed while it was being verified; verify again.',
        );
      }
      // Verifications of one connection may overlap. One that started before the role was found
      // unsafe must not bring it back: an unsafe finding stored since this run read the row wins
      // (invariant 13), and this run's result is discarded.
      if (
        outcome.status === 'verified' &&
        (current.status === 'unsafe' || current.status === 'disabled') &&
        current.updatedAt.getTime() !== row.updatedAt.getTime()
      ) {
        throw new AppError(
          ErrorCode.CONFLICT,
          'A newer verification found the role unsafe while this one ran; fix the trust policy and verify again.',
        );
      }
      const next = nextStatus(current.status, {
        type: 'verification',
        outcome: outcome.status,
        failedCodes: failedChecks.map((c) => c.code),
        periodic: actor.type === 'system',
      });
      const rotationDone = outcome.status === 'verified' && outcome.acceptedExternalId === 'current';
      await store.update(tx, row.orgId, row.id, {
        status: next,
        verificationReport: report,
        ...(outcome.status === 'verified' ? { lastVerifiedAt: now, expiresAt: null } : {}),
        ...(actor.type === 'system' && next === 'verified' ? { lastVerifiedAt: now } : {}),
        ...(rotationDone ? { previousExternalId: null, previousExternalIdExpiresAt: null } : {}),
        updatedAt: now,
      });
      const details = {
        previousStatus: current.status,
        status: next,
        failedChecks: failedChecks.map((c) => c.name),
        ...(rotationDone && current.previousExternalId !== null ? { rotationCompleted: true } : {}),
      };
      await audit.record(
        tx,
        event(actor, row, `connection.${outcome.status}`, {
          outcome: outcome.status === 'verified' ? 'success' : 'failure',
          errorCode: outcome.status === 'unsafe' ? 'connection_unsafe' : (failedChecks[0]?.code ?? null),
          details,
        }),
      );
      if (next === 'disabled') {
        await audit.record(
          tx,
          event(actor, row, 'connection.disabled', {
            errorCode: 'connection_unsafe',
            details: { reason: 'periodic re-verification found the external ID not enforced' },
          }),
        );
      }
      return next;
    });
    // A report that cannot be stored (a concurrent change, the connection deleted, the database)
    // still ends on record: its AWS calls are there already, and so is this.
    const stored = await storing.catch((err: unknown) => recordDiscarded(actor, row, outcome.status, err));
    deps.forgetConnection?.(row.id);
    return { result: { status: outcome.status, checks: outcome.checks }, stored };
  }

  const service = {
    async create(actor: Actor & { orgId: string }, input: CreateConnectionInput) {
      const id = newId('con');
      const externalId = generateExternalId();
      const now = clock.now();
      const accountId =
        input.roleArn !== undefined ? parseRoleArn(input.roleArn)!.accountId : (input.accountId ?? null);
      const row = {
        id,
        orgId: actor.orgId,
        name: input.name,
        accountId,
        roleArn: input.roleArn ?? null,
        roleName:
          input.roleName ??
          (input.roleArn !== undefined ? parseRoleArn(input.roleArn)!.roleName : defaultRoleName(id)),
        externalId: encrypt(externalId, 'external_id', id, actor.orgId),
        previousExternalId: null,
        capabilities: input.capabilities,
        scopes: { ...EMPTY_SCOPES, ...(input.scopes ?? {}) },
        sourceIdentityEnabled: input.sourceIdentity,
        status: INITIAL_STATUS,
        createdBy: actor.userId ?? actor.id,
        createdAt: now,
        updatedAt: now,
        expiresAt: new Date(now.getTime() + PENDING_TTL_MS),
      };
      await db.transaction(async (tx) => {
        await store.insert(tx, row);
        await audit.record(
          tx,
          event(actor, row, 'connection.created', {
            details: { capabilities: row.capabilities, roleArn: row.roleArn, accountId },
          }),
        );
      });
      const created = await load(db, actor.orgId, id);
      return { ...toView(created), externalId };
    },

    /**
     * A member account's connection, created by a connection group's discovery (src/connection-groups)
     * inside the caller's transaction, so the group's membership row and the connection appear
     * together. The external ID is the group's per-account derivation (not customer-chosen); the
     * connection starts pending like any other and no expiry applies: the group's next sync, not a
     * timer, decides whether the account still belongs.
     */
    async createManaged(
      tx: DbOrTx,
      actor: Actor & { orgId: string },
      input: {
        name: string;
        accountId: string;
        roleArn: string;
        externalId: string;
        capabilities: Capability[];
        scopes: ConnectionScopes;
        groupId: string;
      },
    ): Promise<string> {
      if (!EXTERNAL_ID_PATTERN.test(input.externalId)) {
        throw new AppError(ErrorCode.INTERNAL, undefined, {
          cause: new Error('invalid derived external ID'),
        });
      }
      const id = newId('con');
      const now = clock.now();
      const row = {
        id,
        orgId: actor.orgId,
        name: input.name,
        accountId: input.accountId,
        roleArn: input.roleArn,
        roleName: parseRoleArn(input.roleArn)!.roleName,
        externalId: encrypt(input.externalId, 'external_id', id, actor.orgId),
        previousExternalId: null,
        capabilities: input.capabilities,
        scopes: { ...EMPTY_SCOPES, ...input.scopes },
        sourceIdentityEnabled: true,
        status: INITIAL_STATUS,
        createdBy: actor.userId ?? actor.id,
        createdAt: now,
        updatedAt: now,
        expiresAt: null,
      };
      await store.insert(tx, row);
      await audit.record(
        tx,
        event(actor, row, 'connection.created', {
          details: {
            capabilities: row.capabilities,
            roleArn: row.roleArn,
            accountId: row.accountId,
            groupId: input.groupId,
          },
        }),
      );
      return id;
    },

    /**
     * A group member whose account left the organisation or was suspended/closed is disabled (never
     * used again until the account is back); one that came back starts over as pending and must be
     * verified again before any use. Runs in the caller's transaction; a no-op when nothing changes.
     */
    async setManagedEnabled(
      tx: DbOrTx,
      actor: Actor & { orgId: string },
      id: string,
      enabled: boolean,
      reason: string,
    ): Promise<boolean> {
      const row = await store.getForUpdate(tx, actor.orgId, id);
      if (row === null) return false;
      const next = enabled ? nextStatus(row.status, { type: 'reconfigured' }) : 'disabled';
      if (enabled ? row.status !== 'disabled' : row.status === 'disabled') return false;
      await store.update(tx, actor.orgId, id, { status: next, updatedAt: clock.now() });
      await audit.record(
        tx,
        event(actor, row, enabled ? 'connection.enabled' : 'connection.disabled', {
          details: { reason, previousStatus: row.status },
        }),
      );
      if (!enabled) deps.scans.cancelConnection(actor.orgId, id);
      deps.forgetConnection?.(id);
      return true;
    },

    /** `only`: a scoped API key's connections (undefined = all of the organisation's). */
    async list(
      orgId: string,
      opts: { limit: number; cursor?: string; only?: readonly string[] | undefined },
    ) {
      const rows = await store.list(db, orgId, {
        limit: opts.limit + 1,
        after: opts.cursor,
        only: opts.only,
      });
      const page = rows.slice(0, opts.limit);
      return {
        items: page.map(toView),
        nextCursor: rows.length > opts.limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },

    async get(orgId: string, id: string) {
      return toView(await load(db, orgId, id));
    },

    async update(actor: Actor & { orgId: string }, id: string, input: UpdateConnectionInput) {
      const now = clock.now();
      await db.transaction(async (tx) => {
        const row = await store.getForUpdate(tx, actor.orgId, id);
        if (row === null) throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
        let accountId = row.accountId;
        if (input.roleArn !== undefined) {
          const parsed = parseRoleArn(input.roleArn)!;
          if (row.accountId !== null && row.roleArn === null && parsed.accountId !== row.accountId) {
            throw new AppError(
              ErrorCode.VALIDATION_FAILED,
              'roleArn must be in the account the connection was created for.',
              {
                details: { field: 'roleArn' },
              },
            );
          }
          accountId = parsed.accountId;
        }
        // The role ARN names the role: a role name that contradicts it would give templates for another role.
        const arnName =
          (input.roleArn ?? row.roleArn) === null
            ? null
            : parseRoleArn(input.roleArn ?? row.roleArn!)!.roleName;
        if (input.roleName !== undefined && arnName !== null && input.roleName !== arnName) {
          throw new AppError(ErrorCode.VALIDATION_FAILED, 'roleName must match the role name in roleArn.', {
            details: { field: 'roleName' },
          });
        }
        const exportProblem = auditExportScopeProblem(
          input.capabilities ?? row.capabilities,
          input.scopes !== undefined ? { ...EMPTY_SCOPES, ...input.scopes } : row.scopes,
        );
        if (exportProblem !== null) {
          throw new AppError(ErrorCode.VALIDATION_FAILED, `${exportProblem}.`, {
            details: { field: 'scopes' },
          });
        }
        const roleChanged = input.roleArn !== undefined && input.roleArn !== row.roleArn;
        const capsChanged =
          input.capabilities !== undefined &&
          [...input.capabilities].sort().join(',') !== [...row.capabilities].sort().join(',');
        const reset = roleChanged || capsChanged;
        await store.update(tx, actor.orgId, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.roleArn !== undefined ? { roleArn: input.roleArn, accountId, roleName: arnName } : {}),
          ...(input.roleName !== undefined ? { roleName: input.roleName } : {}),
          ...(input.capabilities !== undefined ? { capabilities: input.capabilities } : {}),
          ...(input.scopes !== undefined ? { scopes: { ...EMPTY_SCOPES, ...input.scopes } } : {}),
          ...(reset
            ? {
                status: nextStatus(row.status, { type: 'reconfigured' }),
                expiresAt: new Date(now.getTime() + PENDING_TTL_MS),
              }
            : {}),
          updatedAt: now,
        });
        await audit.record(
          tx,
          event(actor, row, 'connection.updated', {
            details: {
              fields: Object.keys(input),
              ...(reset ? { statusReset: 'pending' } : {}),
              ...(roleChanged ? { roleArn: input.roleArn } : {}),
            },
          }),
        );
      });
      deps.forgetConnection?.(id);
      return toView(await load(db, actor.orgId, id));
    },

    async remove(actor: Actor & { orgId: string }, id: string) {
      await db.transaction(async (tx) => {
        const row = await store.getForUpdate(tx, actor.orgId, id);
        if (row === null) throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
        await store.delete(tx, actor.orgId, id);
        await audit.record(tx, event(actor, row, 'connection.deleted', { details: { name: row.name } }));
        // Inside the transaction, so no scan of this connection starts another AWS call once the
        // 204 is out (jobs on other nodes notice the missing row before their next region).
        deps.scans.cancelConnection(actor.orgId, id);
      });
      deps.forgetConnection?.(id);
    },

    async templates(
      actor: Actor & { orgId: string },
      id: string,
    ): Promise<Templates & { externalId: string; principalArn: string }> {
      const row = await load(db, actor.orgId, id);
      const principalArn = pinnedPrincipal(await deps.resolvePrincipalArn());
      const externalId = decrypt(row, 'external_id')!;
      const previous = previousIfInGrace(row);
      if (row.previousExternalId !== null && previous === null) await clearExpiredPrevious(row);
      const rendered = renderTemplates({
        connectionId: row.id,
        name: row.name,
        principalArn,
        externalIds: previous === null ? [externalId] : [externalId, previous],
        roleArn: row.roleArn,
        roleName: roleNameOf(row),
        accountId: row.accountId,
        capabilities: row.capabilities,
        scopes: { ...EMPTY_SCOPES, ...row.scopes },
        sourceIdentity: row.sourceIdentityEnabled,
        genericTemplateUrl: deps.genericTemplateUrl,
        egressIps: deps.egressIps ?? [],
      });
      // Viewing the templates reveals the external ID: audited.
      await audit.record(db, event(actor, row, 'connection.templates_viewed'));
      return { externalId, principalArn, ...rendered };
    },

    async verify(actor: Actor & { orgId: string }, id: string): Promise<VerifyResult> {
      const row = await load(db, actor.orgId, id);
      return (await verifyRow(row, actor)).result;
    },

    async rotateExternalId(actor: Actor & { orgId: string }, id: string) {
      const now = clock.now();
      await db.transaction(async (tx) => {
        const row = await store.getForUpdate(tx, actor.orgId, id);
        if (row === null) throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
        const next = generateExternalId();
        // The ID in use stays accepted (as previous) only when operations depend on it; an
        // already pending rotation keeps its previous ID, which is the one the role trusts.
        // A previous ID past its grace period is gone for good: the current one is kept instead, with a
        // fresh deadline. A previous ID still in grace keeps its deadline, so rotating again never
        // extends how long an old ID is accepted.
        const keepPrevious = row.status === 'verified';
        let previous: string | null = null;
        let deadline: Date | null = null;
        if (keepPrevious) {
          if (previousInGrace(row)) {
            previous = decrypt(row, 'previous_external_id');
            deadline = row.previousExternalIdExpiresAt;
          } else {
            previous = decrypt(row, 'external_id');
            deadline = new Date(now.getTime() + deps.externalIdGraceSeconds * 1000);
          }
          if (deadline !== null && deadline.getTime() <= now.getTime()) {
            previous = null; // a zero grace: the new ID takes over at once
            deadline = null;
          }
        }
        await store.update(tx, actor.orgId, id, {
          externalId: encrypt(next, 'external_id', id, actor.orgId),
          previousExternalId:
            previous === null ? null : encrypt(previous, 'previous_external_id', id, actor.orgId),
          previousExternalIdExpiresAt: previous === null ? null : deadline,
          updatedAt: now,
        });
        await audit.record(
          tx,
          event(actor, row, 'connection.external_id_rotated', {
            details: {
              previousKept: previous !== null,
              previousExpiresAt: previous === null ? null : (deadline?.toISOString() ?? null),
            },
          }),
        );
      });
      deps.forgetConnection?.(id);
      return toView(await load(db, actor.orgId, id));
    },

    /** Marks pending connections past 48 h as expired. Returns how many. */
    async expirePending(limit = 500): Promise<number> {
      const now = clock.now();
      const due = await store.listExpiredPending(db, now, limit);
      for (const { id, orgId } of due) {
        await db.transaction(async (tx) => {
          const row = await store.getForUpdate(tx, orgId, id);
          if (row === null) return;
          const next = nextStatus(row.status, { type: 'clock', expiresAt: row.expiresAt, now });
          if (next === row.status) return;
          await store.update(tx, orgId, id, { status: next, updatedAt: now });
          await audit.record(
            tx,
            event(systemActor('connections', `sys-expire-${id}`, orgId), row, 'connection.expired'),
          );
        });
      }
      return due.length;
    },

    /** Clears previous external IDs whose grace period has ended. Returns how many. */
    async expireRotations(limit = 500): Promise<number> {
      const due = await store.listExpiredPreviousExternalIds(db, clock.now(), limit);
      for (const { id, orgId } of due) {
        const row = await store.get(db, orgId, id);
        if (row !== null) await clearExpiredPrevious(row);
      }
      return due.length;
    },

    /** Re-verifies verified connections last checked before `before`. */
    async reverifyDue(before: Date, limit = 100): Promise<{ checked: number; disabled: number }> {
      const due = await store.listDueForReverification(db, before, limit);
      let disabled = 0;
      for (const { id, orgId } of due) {
        const row = await store.get(db, orgId, id);
        if (row === null || row.status !== 'verified') continue;
        const actor = systemActor('connections', `sys-reverify-${id}`, orgId);
        try {
          const { stored } = await verifyRow(row, actor);
          if (stored === 'disabled') disabled += 1;
        } catch (err) {
          if (!(err instanceof AppError && err.code === ErrorCode.CONFLICT)) throw err;
        }
      }
      return { checked: due.length, disabled };
    },
  };

  const resolver: ConnectionResolver = {
    async resolveUsable(
      orgId: string,
      connectionId: string,
      capability: Capability,
    ): Promise<UsableConnection> {
      const row = await store.getUsable(db, orgId, connectionId);
      if (row === null) throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
      const status = effectiveStatus(row);
      if (status === 'unsafe') throw new AppError(ErrorCode.CONNECTION_UNSAFE);
      if (status === 'disabled') throw new AppError(ErrorCode.CONNECTION_DISABLED);
      if (status !== 'verified' || row.roleArn === null || row.accountId === null) {
        throw new AppError(
          ErrorCode.CONNECTION_NOT_VERIFIED,
          status === 'expired' ? 'The connection expired before it was verified.' : undefined,
        );
      }
      if (!row.capabilities.includes(capability)) {
        throw new AppError(ErrorCode.CAPABILITY_MISSING, undefined, { details: { capability } });
      }
      // During a rotation the role still trusts the previous ID until re-verification with the new
      // one, but only within the grace period: after it the previous ID is never sent again.
      const inGrace = previousInGrace(row);
      if (row.previousExternalId !== null && !inGrace) await clearExpiredPrevious(row);
      const externalId = decrypt(row, inGrace ? 'previous_external_id' : 'external_id')!;
      const scopes: ConnectionScopes = { ...EMPTY_SCOPES, ...row.scopes };
      return {
        id: row.id,
        orgId: row.orgId,
        roleArn: row.roleArn,
        externalId,
        sourceIdentityEnabled: row.sourceIdentityEnabled,
        name: row.name,
        accountId: row.accountId,
        capabilities: row.capabilities,
        scopes,
      };
    },
  };

  return { ...service, resolver };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
