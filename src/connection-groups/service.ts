import type { AuditEvent, AuditWriter } from '../audit/types.ts';
import { parseRoleArn, partitionOf } from '../aws/arn.ts';
import type { Clock } from '../clock.ts';
import { EMPTY_SCOPES } from '../connections/schemas.ts';
import { type ConnectionService, pinnedPrincipal } from '../connections/service.ts';
import type { Capability, ConnectionResolver, ConnectionScopes } from '../connections/types.ts';
import type { Actor } from '../core/actor.ts';
import { auditActorFields, auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { bindingFor } from '../crypto/encrypted-columns.ts';
import { decryptField, encryptField, type Keyring } from '../crypto/field-encryption.ts';
import type { Db } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import { requesterOf, type ScanService } from '../scans/service.ts';
import { memberExternalId, newGroupSecret } from './external-id.ts';
import type { DiscoveredAccount, Discovery } from './organizations.ts';
import type { CreateGroupInput, GroupView, MemberView } from './schemas.ts';
import type { GroupRow, GroupStore } from './store.ts';
import { type GroupSyncProgress, IDLE_PROGRESS } from './tables.ts';
import { renderGroupTemplates, TemplateTooLargeError } from './templates.ts';

/**
 * Connection groups: discovery of an organisation's accounts, one ordinary connection per member
 * account, and background verification of them with bounded concurrency and backoff. Nothing here
 * bypasses the connection rules: members are created pending, used only once verified (the
 * connection resolver decides that, as for any connection), and every AWS call goes through the
 * broker (discovery) or the connection service's verification.
 */

export type OrgActor = Actor & { orgId: string };

/** Failed checks that mean "AWS was busy", worth another verification after a pause. */
const TRANSIENT_CODES = new Set(['aws_throttled', 'aws_unavailable']);

export interface GroupServiceDeps {
  db: Db;
  store: GroupStore;
  keyring: Keyring;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  discovery: Discovery;
  connections: Pick<ConnectionService, 'get' | 'createManaged' | 'setManagedEnabled' | 'verify' | 'remove'>;
  resolver: ConnectionResolver;
  /** Starts one account's scan; its own rules (verified connection, cost-scan, per-organisation cap) apply. */
  scans: Pick<ScanService, 'start'>;
  resolvePrincipalArn: () => Promise<string>;
  defaultRegion: string;
  egressIps: readonly string[];
  /** Member verifications run at once per group run (each is several STS and probe calls). */
  concurrency: number;
  /** Verification attempts per member when AWS throttles, and the first pause (doubled each time, jittered). */
  backoff: { attempts: number; baseDelayMs: number };
  /** Waits between attempts (a timer in production; tests pass a fake clock's advance). */
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  logger: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export function createGroupService(deps: GroupServiceDeps) {
  const { db, store, keyring, audit, clock } = deps;
  const random = deps.random ?? Math.random;
  /** Background runs of this process, so tests and shutdown can wait for them. */
  const running = new Map<string, Promise<void>>();

  const secretBinding = (id: string, orgId: string) => bindingFor('connection_groups', 'secret', id, orgId);
  const secretOf = (row: GroupRow) => decryptField(keyring, row.secret, secretBinding(row.id, row.orgId));

  function event(
    actor: Actor,
    row: { id: string; orgId: string },
    action: string,
    extra: Partial<AuditEvent> = {},
  ) {
    return auditEventFor(
      actor,
      action,
      { type: 'connection_group', id: row.id },
      { orgId: row.orgId, ...extra },
    );
  }

  /** Connection-scoped API keys act through named connections only: a group spans accounts they were not given. */
  function assertUnscoped(actor: OrgActor) {
    if ((actor.keyScope?.connectionIds ?? null) !== null) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        'An API key scoped to connections cannot manage connection groups.',
      );
    }
  }

  async function load(orgId: string, id: string): Promise<GroupRow> {
    const row = await store.get(db, orgId, id);
    if (row === null) throw new AppError(ErrorCode.NOT_FOUND, 'Connection group not found.');
    return row;
  }

  async function toView(row: GroupRow): Promise<GroupView> {
    const counts = await store.statusCounts(db, row.orgId, row.id);
    return {
      id: row.id,
      name: row.name,
      managementConnectionId: row.managementConnectionId,
      roleName: row.roleName,
      capabilities: row.capabilities,
      scopes: { ...EMPTY_SCOPES, ...row.scopes },
      ouIds: row.ouIds,
      region: row.region,
      rootId: row.rootId,
      progress: row.progress,
      memberStatus: counts,
      lastSyncAt: row.lastSyncAt?.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
    };
  }

  function partitionOfGroup(managementRoleArn: string | null): 'aws' | 'aws-cn' | 'aws-us-gov' {
    const p = managementRoleArn === null ? null : (parseRoleArn(managementRoleArn)?.partition ?? null);
    return (p ?? 'aws') as 'aws' | 'aws-cn' | 'aws-us-gov';
  }

  function memberName(account: DiscoveredAccount): string {
    // Account names come from AWS: control characters are dropped so the name is a valid connection name.
    const clean = [...account.name]
      .filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f)
      .join('');
    return `${clean.trim().slice(0, 80) || 'account'} (${account.accountId})`;
  }

  /** Applies one discovery to the group's members in one transaction. */
  async function applyDiscovery(
    actor: OrgActor,
    group: GroupRow,
    accounts: DiscoveredAccount[],
    managementAccountId: string | null,
    partition: string,
  ): Promise<{ created: number; disabled: number }> {
    const now = clock.now();
    const secret = secretOf(group);
    let created = 0;
    let disabled = 0;
    await db.transaction(async (tx) => {
      // One discovery applies at a time per group, across nodes: the group row is the lock.
      if ((await store.getForUpdate(tx, group.orgId, group.id)) === null) {
        throw new AppError(ErrorCode.NOT_FOUND, 'Connection group not found.');
      }
      const existing = new Map((await store.members(tx, group.orgId, group.id)).map((m) => [m.accountId, m]));
      const seen = new Set<string>();
      for (const account of accounts) {
        // StackSets never deploy to the management account, and its own connection is the group's.
        if (account.accountId === managementAccountId) continue;
        seen.add(account.accountId);
        const member = existing.get(account.accountId);
        if (member === undefined) {
          // A suspended or closed account gets no connection: there is nothing to verify or use.
          if (account.status !== 'ACTIVE') continue;
          const connectionId = await deps.connections.createManaged(tx, actor, {
            name: memberName(account),
            accountId: account.accountId,
            roleArn: `arn:${partition}:iam::${account.accountId}:role/${group.roleName}`,
            externalId: memberExternalId(secret, group.id, account.accountId),
            capabilities: group.capabilities,
            scopes: group.scopes,
            groupId: group.id,
          });
          await store.insertMember(tx, {
            groupId: group.id,
            orgId: group.orgId,
            accountId: account.accountId,
            connectionId,
            accountName: account.name.slice(0, 200),
            accountStatus: 'ACTIVE',
            disabledBySync: null,
            lastSeenAt: now,
          });
          created += 1;
          continue;
        }
        let disabledBySync = member.disabledBySync;
        if (account.status !== 'ACTIVE' && member.disabledBySync === null) {
          const reason = `account_${account.status.toLowerCase()}`;
          await deps.connections.setManagedEnabled(tx, actor, member.connectionId, false, reason);
          disabledBySync = reason;
          disabled += 1;
        } else if (account.status === 'ACTIVE' && member.disabledBySync !== null) {
          // Back in the organisation: pending again, verified before any use.
          await deps.connections.setManagedEnabled(tx, actor, member.connectionId, true, 'account_active');
          disabledBySync = null;
        }
        await store.updateMember(tx, group.orgId, group.id, account.accountId, {
          accountName: account.name.slice(0, 200),
          accountStatus: account.status,
          disabledBySync,
          lastSeenAt: now,
        });
      }
      for (const member of existing.values()) {
        if (seen.has(member.accountId) || member.accountStatus === 'REMOVED') continue;
        if (member.disabledBySync === null) {
          await deps.connections.setManagedEnabled(tx, actor, member.connectionId, false, 'account_removed');
          disabled += 1;
        }
        await store.updateMember(tx, group.orgId, group.id, member.accountId, {
          accountStatus: 'REMOVED',
          disabledBySync: 'account_removed',
        });
      }
      await audit.record(
        tx,
        event(actor, group, 'connection_group.synced', {
          details: { discovered: seen.size, created, disabled },
        }),
      );
    });
    return { created, disabled };
  }

  /** Verifies members with bounded concurrency; throttled verifications are retried after a backoff. */
  async function verifyMembers(
    actor: OrgActor,
    group: GroupRow,
    generation: number,
    connectionIds: string[],
    progress: GroupSyncProgress,
  ): Promise<void> {
    progress.state = 'verifying';
    progress.toVerify = connectionIds.length;
    await store.writeProgress(db, group.orgId, group.id, generation, progress, clock.now());
    const queue = [...connectionIds];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        let outcome: 'verified' | 'unsafe' | 'failed' = 'failed';
        for (let attempt = 1; ; attempt++) {
          try {
            const result = await deps.connections.verify(actor, id);
            outcome = result.status;
            const codes = result.checks.filter((c) => c.status === 'failed').map((c) => c.code);
            const transient =
              result.status === 'failed' &&
              codes.length > 0 &&
              codes.every((c) => TRANSIENT_CODES.has(c ?? ''));
            if (!transient || attempt >= deps.backoff.attempts) break;
          } catch (err) {
            // Deleted meanwhile, changed meanwhile (409), audit unavailable: this member ends failed.
            deps.logger.warn(
              { groupId: group.id, connectionId: id, code: err instanceof AppError ? err.code : 'error' },
              'group member verification failed',
            );
            outcome = 'failed';
            break;
          }
          progress.retried += 1;
          const cap = deps.backoff.baseDelayMs * 2 ** (attempt - 1);
          await deps.sleep(Math.floor(cap / 2 + (random() * cap) / 2));
        }
        progress[outcome] += 1;
        await store.writeProgress(db, group.orgId, group.id, generation, progress, clock.now());
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(deps.concurrency, connectionIds.length)) }, worker),
    );
  }

  /** Starts a background run unless one of this group is already running in this process. */
  async function startRun(
    group: GroupRow,
    body: (generation: number, progress: GroupSyncProgress) => Promise<void>,
  ) {
    if (running.has(group.id)) {
      throw new AppError(ErrorCode.CONFLICT, 'A sync or verification of this group is already running.');
    }
    const generation = group.syncGeneration + 1;
    const progress: GroupSyncProgress = {
      ...IDLE_PROGRESS,
      state: 'discovering',
      startedAt: clock.now().toISOString(),
    };
    await store.update(db, group.orgId, group.id, {
      syncGeneration: generation,
      progress,
      updatedAt: clock.now(),
    });
    const run = (async () => {
      try {
        await body(generation, progress);
        progress.state = 'done';
      } catch (err) {
        progress.state = 'failed';
        progress.error = err instanceof AppError ? err.code : 'internal';
        deps.logger.error({ err, groupId: group.id }, 'connection group run failed');
      }
      progress.finishedAt = clock.now().toISOString();
      await store
        .writeProgress(db, group.orgId, group.id, generation, progress, clock.now())
        .catch((err: unknown) => {
          deps.logger.error({ err, groupId: group.id }, 'connection group progress not stored');
        });
    })().finally(() => running.delete(group.id));
    running.set(group.id, run);
    return { ...progress };
  }

  async function activeUnverified(group: GroupRow, includeVerified: boolean): Promise<string[]> {
    const members = await store.members(db, group.orgId, group.id);
    return members
      .filter((m) => m.accountStatus === 'ACTIVE' && m.disabledBySync === null)
      .filter((m) =>
        includeVerified
          ? m.connectionStatus !== 'disabled'
          : m.connectionStatus === 'pending' || m.connectionStatus === 'failed',
      )
      .map((m) => m.connectionId);
  }

  return {
    async create(actor: OrgActor, input: CreateGroupInput): Promise<GroupView> {
      assertUnscoped(actor);
      const management = await deps.connections
        .get(actor.orgId, input.managementConnectionId)
        .catch((err: unknown) => {
          if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) {
            throw new AppError(ErrorCode.VALIDATION_FAILED, 'managementConnectionId: no such connection.', {
              details: { field: 'managementConnectionId' },
            });
          }
          throw err;
        });
      if (!management.capabilities.includes('organizations-read')) {
        throw new AppError(
          ErrorCode.VALIDATION_FAILED,
          'The management connection needs the organizations-read capability.',
          { details: { field: 'managementConnectionId' } },
        );
      }
      const id = newId('cgr');
      const now = clock.now();
      const row = {
        id,
        orgId: actor.orgId,
        name: input.name,
        managementConnectionId: input.managementConnectionId,
        roleName: input.roleName ?? `Rolegate-${id.slice(4, 16)}`,
        capabilities: input.capabilities as Capability[],
        scopes: { ...EMPTY_SCOPES, ...(input.scopes ?? {}) } as ConnectionScopes,
        ouIds: input.ouIds ?? [],
        region: input.region ?? input.scopes?.regions?.[0] ?? deps.defaultRegion,
        secret: encryptField(keyring, newGroupSecret(), secretBinding(id, actor.orgId)),
        rootId: null,
        progress: IDLE_PROGRESS,
        syncGeneration: 0,
        createdBy: actor.userId ?? actor.id,
        createdAt: now,
        updatedAt: now,
      };
      await db.transaction(async (tx) => {
        await store.insert(tx, row);
        await audit.record(
          tx,
          event(actor, row, 'connection_group.created', {
            details: {
              managementConnectionId: row.managementConnectionId,
              capabilities: row.capabilities,
              ouIds: row.ouIds,
            },
          }),
        );
      });
      return toView(await load(actor.orgId, id));
    },

    async list(orgId: string, opts: { limit: number; cursor?: string }) {
      const rows = await store.list(db, orgId, opts.limit + 1, opts.cursor);
      const page = rows.slice(0, opts.limit);
      return {
        items: await Promise.all(page.map(toView)),
        nextCursor: rows.length > opts.limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },

    async get(orgId: string, id: string): Promise<GroupView> {
      return toView(await load(orgId, id));
    },

    async members(orgId: string, id: string, opts: { limit: number; cursor?: string }) {
      await load(orgId, id);
      const rows = await store.members(db, orgId, id, {
        limit: opts.limit + 1,
        ...(opts.cursor === undefined ? {} : { after: opts.cursor }),
      });
      const page = rows.slice(0, opts.limit);
      const items: MemberView[] = page.map((m) => ({
        accountId: m.accountId,
        accountName: m.accountName,
        accountStatus: m.accountStatus,
        connectionId: m.connectionId,
        status: m.connectionStatus,
        disabledReason: m.disabledBySync,
        lastSeenAt: m.lastSeenAt.toISOString(),
      }));
      return {
        items,
        nextCursor: rows.length > opts.limit ? (page[page.length - 1]?.accountId ?? null) : null,
      };
    },

    /** The connection ids of a group's members (404 for another organisation's group). */
    async memberConnectionIds(orgId: string, id: string): Promise<string[]> {
      await load(orgId, id);
      return store.memberConnectionIds(db, orgId, id);
    },

    async remove(actor: OrgActor, id: string): Promise<void> {
      assertUnscoped(actor);
      const group = await load(actor.orgId, id);
      const members = await store.members(db, actor.orgId, id);
      await db.transaction(async (tx) => {
        await store.delete(tx, actor.orgId, id);
        await audit.record(
          tx,
          event(actor, group, 'connection_group.deleted', { details: { members: members.length } }),
        );
      });
      // The member connections were the group's: each is deleted through the connection service (audited, scans stopped).
      for (const m of members) {
        await deps.connections.remove(actor, m.connectionId).catch((err: unknown) => {
          if (!(err instanceof AppError && err.code === ErrorCode.NOT_FOUND)) throw err;
        });
      }
    },

    async templates(actor: OrgActor, id: string) {
      assertUnscoped(actor);
      const group = await load(actor.orgId, id);
      const members = (await store.members(db, actor.orgId, id)).filter((m) => m.accountStatus === 'ACTIVE');
      if (members.length === 0) {
        throw new AppError(ErrorCode.CONFLICT, 'No member account is known yet: sync the group first.');
      }
      const management = await deps.connections.get(actor.orgId, group.managementConnectionId);
      const principalArn = pinnedPrincipal(await deps.resolvePrincipalArn());
      const secret = secretOf(group);
      let rendered: ReturnType<typeof renderGroupTemplates>;
      try {
        rendered = renderGroupTemplates({
          groupId: group.id,
          name: group.name,
          principalArn,
          partition:
            management.roleArn === null
              ? (partitionOf(principalArn) as 'aws')
              : partitionOfGroup(management.roleArn),
          roleName: group.roleName,
          capabilities: group.capabilities,
          scopes: { ...EMPTY_SCOPES, ...group.scopes },
          externalIds: members.map((m) => ({
            accountId: m.accountId,
            externalId: memberExternalId(secret, group.id, m.accountId),
          })),
          deploymentTargets:
            group.ouIds.length > 0 ? group.ouIds : group.rootId === null ? [] : [group.rootId],
          region: group.region,
          egressIps: deps.egressIps,
        });
      } catch (err) {
        if (err instanceof TemplateTooLargeError) throw new AppError(ErrorCode.CONFLICT, err.message);
        throw err;
      }
      // The templates carry every member's external ID: audited like a connection's templates.
      await audit.record(
        db,
        event(actor, group, 'connection_group.templates_viewed', {
          details: { accounts: rendered.accounts },
        }),
      );
      return { principalArn, ...rendered };
    },

    /**
     * Discovers the accounts (brokered through the management connection, which must be verified),
     * creates a pending connection per new active account, disables those of accounts gone or not
     * active, then verifies the pending and failed members in the background. Returns at once.
     */
    async sync(actor: OrgActor, id: string): Promise<GroupSyncProgress> {
      assertUnscoped(actor);
      const group = await load(actor.orgId, id);
      // Verified, granting organizations-read, of this organisation: the resolver's rules, as for any use.
      await deps.resolver.resolveUsable(actor.orgId, group.managementConnectionId, 'organizations-read');
      return startRun(group, async (generation, progress) => {
        // Asked again when the run starts: the management connection may have changed since the request.
        const current = await deps.resolver.resolveUsable(
          actor.orgId,
          group.managementConnectionId,
          'organizations-read',
        );
        const { accounts, rootId } = await deps.discovery.discover({
          management: current,
          actor,
          ouIds: group.ouIds,
          region: group.region,
          wantRoot: group.ouIds.length === 0,
          audit: {
            ...auditActorFields(actor),
            targetType: 'connection_group',
            targetId: group.id,
          },
        });
        const { created, disabled } = await applyDiscovery(
          actor,
          group,
          accounts,
          current.accountId,
          partitionOfGroup(current.roleArn),
        );
        const now = clock.now();
        await store.update(db, group.orgId, group.id, {
          lastSyncAt: now,
          ...(rootId === null ? {} : { rootId }),
        });
        progress.discovered = accounts.filter((a) => a.accountId !== current.accountId).length;
        progress.created = created;
        progress.disabled = disabled;
        await store.writeProgress(db, group.orgId, group.id, generation, progress, now);
        await verifyMembers(actor, group, generation, await activeUnverified(group, false), progress);
      });
    },

    /** "Verify all": every active member again, in the background. */
    async verifyAll(actor: OrgActor, id: string): Promise<GroupSyncProgress> {
      assertUnscoped(actor);
      const group = await load(actor.orgId, id);
      return startRun(group, async (generation, progress) => {
        await verifyMembers(actor, group, generation, await activeUnverified(group, true), progress);
      });
    },

    /**
     * A cost-waste scan of every member account, each an ordinary per-account scan started through
     * the scan service, so its rules decide: only verified connections granting cost-scan, one
     * active scan per connection, the per-organisation cap (once reached, the rest are skipped).
     */
    async scanAll(actor: OrgActor, id: string) {
      assertUnscoped(actor);
      await load(actor.orgId, id);
      const members = await store.members(db, actor.orgId, id);
      const started: Array<{ accountId: string; connectionId: string; scanId: string }> = [];
      const skipped: Array<{ accountId: string; connectionId: string; code: string }> = [];
      let full = false;
      for (const m of members) {
        if (full) {
          skipped.push({
            accountId: m.accountId,
            connectionId: m.connectionId,
            code: ErrorCode.SCAN_QUEUE_FULL,
          });
          continue;
        }
        try {
          const scan = await deps.scans.start(requesterOf(actor), m.connectionId);
          started.push({ accountId: m.accountId, connectionId: m.connectionId, scanId: scan.id });
        } catch (err) {
          if (!(err instanceof AppError) || err.status >= 500) throw err;
          if (err.code === ErrorCode.SCAN_QUEUE_FULL) full = true;
          skipped.push({ accountId: m.accountId, connectionId: m.connectionId, code: err.code });
        }
      }
      await audit.record(
        db,
        event(actor, { id, orgId: actor.orgId }, 'connection_group.scans_started', {
          details: { started: started.length, skipped: skipped.length },
        }),
      );
      return { started, skipped };
    },

    /** Resolves when this process's background runs have finished (shutdown, tests). */
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
