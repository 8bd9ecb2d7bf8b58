import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import { createBroker, TRUST_PROBE_POLICY } from '../../src/broker/broker.ts';
import { memberExternalId } from '../../src/connection-groups/external-id.ts';
import { createConnectionGroupsModule } from '../../src/connection-groups/module.ts';
import { connectionGroups } from '../../src/connection-groups/tables.ts';
import { createConnectionsModule } from '../../src/connections/module.ts';
import { EXTERNAL_ID_PATTERN } from '../../src/connections/service.ts';
import { connections } from '../../src/connections/tables.ts';
import type { Actor } from '../../src/core/actor.ts';
import { AppError } from '../../src/core/errors.ts';
import { bindingFor } from '../../src/crypto/encrypted-columns.ts';
import { createKeyring, decryptField } from '../../src/crypto/field-encryption.ts';
import { createJobRegistry } from '../../src/jobs/registry.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestConnection } from '../helpers/connections.ts';
import {
  type FakeOrgAccount,
  type FakeOrganization,
  startFakeOrganization,
} from '../helpers/fake-organizations.ts';
import { createTestUser } from '../helpers/identity.ts';

/**
 * Discovery and background verification of fifty member accounts against wire-format fakes of
 * Organizations (JSON 1.1, NextToken paging, ListAccountsForParent) and STS: the real SDK, the real
 * broker (audited), the real connection service. AWS time is a fake clock that the backoff advances,
 * so nothing sleeps.
 */

const MANAGEMENT = '999999999999';
const OU_A = 'ou-ab12-aaaaaaaa';
const OU_B = 'ou-ab12-bbbbbbbb';
const accountId = (i: number) => String(111100000000 + i);

/** 50 active accounts (index 0–49), plus 2 suspended ones and the management account. */
function organisation(): FakeOrgAccount[] {
  const list: FakeOrgAccount[] = [{ id: MANAGEMENT, name: 'management', status: 'ACTIVE', parent: 'r-ab12' }];
  for (let i = 0; i < 50; i++) {
    list.push({ id: accountId(i), name: `team ${i}\u0007`, status: 'ACTIVE', parent: i < 10 ? OU_A : OU_B });
  }
  list.push({ id: accountId(60), name: 'old', status: 'SUSPENDED', parent: OU_B });
  list.push({ id: accountId(61), name: 'closing', status: 'PENDING_CLOSURE', parent: OU_B });
  return list;
}

/** Which role each account ends up with once "deployed": unsafe, absent (denied), throttled, correct. */
function kindOf(i: number): 'unsafe' | 'absent' | 'throttled' | 'correct' {
  if (i % 10 === 0) return 'unsafe';
  if (i % 10 === 1) return 'absent';
  if (i % 10 === 2) return 'throttled';
  return 'correct';
}

const clockState = { t: Date.parse('2026-11-30T10:00:00Z') };
const clock = { now: () => new Date(clockState.t) };
const slept: number[] = [];

let t: TestApp;
let org: FakeOrganization;
let orgId: string;
let actor: Actor & { orgId: string };
let connectionsModule: ReturnType<typeof createConnectionsModule>;
let groups: ReturnType<typeof createConnectionGroupsModule>;
let managementId: string;

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFAKEBASE000000000');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'fake-base-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  t = await createTestApp({ isolatedDatabase: true });
  const user = await createTestUser(t);
  orgId = user.orgId;
  actor = {
    type: 'user',
    id: user.userId,
    userId: user.userId,
    orgId,
    role: 'owner',
    sessionId: user.sessionId,
    ip: '127.0.0.1',
    userAgent: 'vitest',
    requestId: 'req_groups0000000000000000000000000',
  };
  const management = await createTestConnection(t, orgId, {
    capabilities: ['organizations-read'],
    accountId: MANAGEMENT,
  });
  managementId = management.id;
  org = await startFakeOrganization({
    accounts: organisation(),
    management: { accountId: MANAGEMENT, externalId: management.externalId },
  });
  // One attempt per SDK call: throttling reaches the group's own backoff, which the fake clock times.
  const awsClients = createAwsClientFactory({
    region: 'us-east-1',
    endpointUrl: org.fake.url,
    maxAttempts: 1,
  });
  const audit = createAuditWriter({ clock });
  const logger = { info: () => {}, warn: () => {}, error: () => {} };
  const broker = createBroker({
    clients: awsClients,
    clock,
    audit,
    db: t.database.db,
    logger,
    config: {
      aws: {
        credentialCache: 'off',
        sessionDuration: 900,
        principalArn: 'arn:aws:iam::111111111111:role/rolegate-service',
      },
    },
    options: { stsBudget: { perMinute: 100_000, burst: 100_000 } },
  });
  const keyring = createKeyring(t.config.masterKeys);
  connectionsModule = createConnectionsModule({
    db: t.database.db,
    clock,
    audit,
    keyring,
    broker,
    awsClients,
    config: { aws: { region: 'us-east-1', verifyInterval: 3600, externalIdGrace: 3600 } },
    logger,
    scans: createJobRegistry(),
  });
  groups = createConnectionGroupsModule({
    db: t.database.db,
    clock,
    audit,
    keyring,
    broker,
    awsClients,
    connections: connectionsModule.service,
    resolver: connectionsModule.resolver,
    // Group scans are exercised in scans.test.ts; none is started here.
    scans: {
      start: async () => {
        throw new Error('no scan in this test');
      },
    },
    config: { region: 'us-east-1', egressIps: [] },
    logger,
    options: {
      concurrency: 4,
      backoff: { attempts: 4, baseDelayMs: 1_000 },
      sleep: async (ms) => {
        slept.push(ms);
        clockState.t += ms;
      },
    },
  });
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await groups?.stop();
  await org?.close();
  await t?.close();
});

async function membersOf(groupId: string) {
  return (await groups.service.members(orgId, groupId, { limit: 500 })).items;
}

/** "Deploys" the StackSet: each account's role trusts the external ID the rendered template maps to it. */
function deploy(memberTemplate: string) {
  const template = JSON.parse(memberTemplate) as {
    Mappings: { AccountExternalIds: Record<string, { ExternalId: string }> };
  };
  for (const [account, { ExternalId }] of Object.entries(template.Mappings.AccountExternalIds)) {
    const i = Number(account) - 111100000000;
    const kind = kindOf(i);
    if (kind === 'unsafe') org.roles.set(account, { kind: 'unsafe' });
    else if (kind === 'absent') org.roles.delete(account);
    else
      org.roles.set(account, {
        kind: 'correct',
        externalId: ExternalId,
        ...(kind === 'throttled' ? { throttleFirst: 2 } : {}),
      });
  }
}

describe('connection group over fifty accounts', () => {
  let groupId: string;

  it('discovers every active account (NextToken pages), creates pending connections, verifies none before the roles exist', async () => {
    const group = await groups.service.create(actor, {
      name: 'Acme organisation',
      managementConnectionId: managementId,
      capabilities: ['cost-scan'],
    });
    groupId = group.id;
    const started = await groups.service.sync(actor, groupId);
    expect(started.state).toBe('discovering');
    await groups.service.settled();

    // ListAccounts paged by NextToken (53 accounts, 7 a page), signed with the management role's credentials.
    const listCalls = org.orgCalls.filter((c) => c.target === 'ListAccounts');
    expect(listCalls).toHaveLength(8);
    expect(listCalls.slice(1).every((c) => typeof c.body.NextToken === 'string')).toBe(true);
    expect(org.orgCalls.some((c) => c.target === 'ListRoots')).toBe(true);
    // The management role was assumed with its external ID and a session policy for exactly the call.
    const mgmtAssumes = org.assumeLog.filter((a) => a.accountId === MANAGEMENT);
    expect(mgmtAssumes.map((a) => a.policy)).toEqual([
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['organizations:ListAccounts'], Resource: ['*'] }],
      },
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['organizations:ListRoots'], Resource: ['*'] }],
      },
    ]);
    expect(mgmtAssumes.every((a) => a.accepted && a.externalId === org.management.externalId)).toBe(true);
    const listedWith = new Set(org.orgCalls.map((c) => c.accessKeyId));
    expect([...listedWith]).toEqual([`ASIA${MANAGEMENT}XXXX`]);
    const members = await membersOf(groupId);
    // 50 active accounts; not the management account, not the suspended or closing ones.
    expect(members).toHaveLength(50);
    expect(members.map((m) => m.accountId)).not.toContain(MANAGEMENT);
    expect(members.every((m) => m.accountStatus === 'ACTIVE')).toBe(true);
    // Control characters in AWS's account names do not reach connection names.
    const first = await connectionsModule.service.get(orgId, members[0]!.connectionId);
    expect(first.name).toBe(`team 0 (${accountId(0)})`);
    // No role deployed yet: every verification failed (AssumeRole refused), none verified.
    expect(members.every((m) => m.status === 'failed')).toBe(true);
    // Nothing but trust probes was ever sent for a member: no credentials were used.
    expect(org.usedBy).toEqual([]);
    for (const a of org.assumeLog.filter((x) => x.accountId !== MANAGEMENT)) {
      expect(a.policy).toEqual(TRUST_PROBE_POLICY);
    }

    const view = await groups.service.get(orgId, groupId);
    expect(view.progress).toMatchObject({
      state: 'done',
      discovered: 52,
      created: 50,
      toVerify: 50,
      failed: 50,
    });
    expect(view.rootId).toBe('r-ab12');
  });

  it('gives fifty distinct, valid external IDs, derived from the group secret, none equal to another connection’s', async () => {
    const rows = await t.database.db.select().from(connections).where(eq(connections.orgId, orgId));
    const keyring = createKeyring(t.config.masterKeys);
    const ids = rows.map((r) =>
      decryptField(keyring, r.externalId, bindingFor('connections', 'external_id', r.id, r.orgId)),
    );
    expect(new Set(ids).size).toBe(ids.length); // 50 members + the management connection
    for (const id of ids) expect(id).toMatch(EXTERNAL_ID_PATTERN);
    // Derived, not random: the group secret reproduces each member's ID.
    const [group] = await t.database.db
      .select()
      .from(connectionGroups)
      .where(eq(connectionGroups.id, groupId));
    const secret = decryptField(
      keyring,
      group!.secret,
      bindingFor('connection_groups', 'secret', groupId, orgId),
    );
    const members = await membersOf(groupId);
    for (const m of members) {
      const row = rows.find((r) => r.id === m.connectionId)!;
      const stored = decryptField(
        keyring,
        row.externalId,
        bindingFor('connections', 'external_id', row.id, orgId),
      );
      expect(stored).toBe(memberExternalId(secret, groupId, m.accountId));
      expect(stored).toMatch(/^rg-[a-z2-7]{32}$/);
    }
    // The secret is stored encrypted, never in clear.
    expect(group!.secret).not.toContain(secret);
  });

  it('after the StackSet is deployed, "verify all" gives the right status per account, retrying throttled ones', async () => {
    const templates = await groups.service.templates(actor, groupId);
    expect(templates.accounts).toBe(50);
    deploy(templates.memberTemplate);
    org.assumeLog.length = 0;
    slept.length = 0;

    await groups.service.verifyAll(actor, groupId);
    await groups.service.settled();
    const members = await membersOf(groupId);
    const expected = {
      unsafe: 'unsafe',
      absent: 'failed',
      throttled: 'verified',
      correct: 'verified',
    } as const;
    for (const m of members) {
      const i = Number(m.accountId) - 111100000000;
      expect(m.status, `${m.accountId} (${kindOf(i)})`).toBe(expected[kindOf(i)]);
    }
    const view = await groups.service.get(orgId, groupId);
    expect(view.progress).toMatchObject({ state: 'done', toVerify: 50, verified: 40, unsafe: 5, failed: 5 });
    expect(view.progress.retried).toBeGreaterThanOrEqual(5);
    // Backoff: a pause before each retry, growing.
    expect(slept.length).toBe(view.progress.retried);
    expect(view.memberStatus).toMatchObject({ verified: 40, unsafe: 5, failed: 5 });

    // Unsafe roles: the trust probes found them out, and their credentials were never used.
    const unsafe = members.filter((m) => kindOf(Number(m.accountId) - 111100000000) === 'unsafe');
    for (const m of unsafe) {
      expect(org.usedBy.filter((u) => u.accountId === m.accountId)).toEqual([]);
      for (const a of org.assumeLog.filter((x) => x.accountId === m.accountId)) {
        expect(a.policy).toEqual(TRUST_PROBE_POLICY);
      }
    }
    // Verified members were probed (DescribeVolumes for cost-scan) only after their trust was proven.
    const verified = members.filter((m) => m.status === 'verified');
    for (const m of verified) {
      const log = org.assumeLog.filter((x) => x.accountId === m.accountId);
      const firstUse = log.findIndex((a) => JSON.stringify(a.policy) !== JSON.stringify(TRUST_PROBE_POLICY));
      const trust = log.slice(0, firstUse).filter((a) => a.accepted);
      expect(trust.length).toBeGreaterThanOrEqual(1);
      expect(log.slice(0, firstUse).some((a) => a.externalId === null && !a.accepted)).toBe(true);
    }
  });

  it('no member is usable before it is verified: the resolver refuses pending, failed and unsafe members', async () => {
    const members = await membersOf(groupId);
    for (const m of members) {
      const attempt = connectionsModule.resolver.resolveUsable(orgId, m.connectionId, 'cost-scan');
      if (m.status === 'verified') {
        await expect(attempt).resolves.toMatchObject({ accountId: m.accountId });
      } else {
        const err = await attempt.catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe(
          m.status === 'unsafe' ? 'connection_unsafe' : 'connection_not_verified',
        );
      }
    }
  });

  it('the next sync adds new accounts, disables suspended and removed ones, and leaves the rest alone', async () => {
    const before = await membersOf(groupId);
    org.accounts = org.accounts.filter((a) => a.id !== accountId(5)); // left the organisation
    const suspended = org.accounts.find((a) => a.id === accountId(6))!;
    suspended.status = 'SUSPENDED';
    org.accounts.push({ id: accountId(70), name: 'new team', status: 'ACTIVE', parent: OU_B });
    await groups.service.sync(actor, groupId);
    await groups.service.settled();
    const after = await membersOf(groupId);
    expect(after).toHaveLength(51);
    const byId = new Map(after.map((m) => [m.accountId, m]));
    expect(byId.get(accountId(5))).toMatchObject({
      accountStatus: 'REMOVED',
      status: 'disabled',
      disabledReason: 'account_removed',
    });
    expect(byId.get(accountId(6))).toMatchObject({
      accountStatus: 'SUSPENDED',
      status: 'disabled',
      disabledReason: 'account_suspended',
    });
    // The new account's role is not in the deployed template yet: pending → failed, never used.
    expect(byId.get(accountId(70))!.status).toBe('failed');
    expect(org.usedBy.filter((u) => u.accountId === accountId(70))).toEqual([]);
    // Verified members stayed verified (the sync verifies only new and failed members).
    expect(byId.get(accountId(3))!.status).toBe('verified');
    expect(before.find((m) => m.accountId === accountId(3))!.connectionId).toBe(
      byId.get(accountId(3))!.connectionId,
    );
    // A disabled member is refused like any disabled connection.
    await expect(
      connectionsModule.resolver.resolveUsable(orgId, byId.get(accountId(6))!.connectionId, 'cost-scan'),
    ).rejects.toMatchObject({ code: 'connection_disabled' });
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, 'connection.disabled')));
    expect(audit.length).toBeGreaterThanOrEqual(2);

    // Back in the organisation: pending again, verified again before any use.
    suspended.status = 'ACTIVE';
    await groups.service.sync(actor, groupId);
    await groups.service.settled();
    const back = (await membersOf(groupId)).find((m) => m.accountId === accountId(6))!;
    expect(back).toMatchObject({ accountStatus: 'ACTIVE', disabledReason: null, status: 'verified' });
  });

  it('Organizations throttling fails the sync cleanly: nothing disabled or created, the error stored', async () => {
    const before = await membersOf(groupId);
    org.throttleOrganizations = 1;
    await groups.service.sync(actor, groupId);
    await groups.service.settled();
    const view = await groups.service.get(orgId, groupId);
    expect(view.progress).toMatchObject({ state: 'failed', error: 'aws_throttled', created: 0, disabled: 0 });
    expect(await membersOf(groupId)).toEqual(before);
  });

  it('an OU filter discovers with ListAccountsForParent', async () => {
    const group = await groups.service.create(actor, {
      name: 'Team A only',
      managementConnectionId: managementId,
      capabilities: ['cost-scan'],
      ouIds: [OU_A],
    });
    org.orgCalls.length = 0;
    await groups.service.sync(actor, group.id);
    await groups.service.settled();
    expect(org.orgCalls.map((c) => c.target)).toEqual(['ListAccountsForParent', 'ListAccountsForParent']);
    expect(org.orgCalls.every((c) => c.body.ParentId === OU_A)).toBe(true);
    const members = await membersOf(group.id);
    expect(members.map((m) => m.accountId).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => accountId(i))
        .filter((a) => a !== accountId(5))
        .sort(),
    );
    // Another group's member IDs for the same accounts are different (another secret).
    const keyring = createKeyring(t.config.masterKeys);
    const rows = await t.database.db.select().from(connections).where(eq(connections.orgId, orgId));
    const all = rows.map((r) =>
      decryptField(keyring, r.externalId, bindingFor('connections', 'external_id', r.id, orgId)),
    );
    expect(new Set(all).size).toBe(all.length);
  });

  it('a management connection that is not verified cannot sync (nothing listed)', async () => {
    const pending = await createTestConnection(t, orgId, {
      capabilities: ['organizations-read'],
      accountId: '888888888888',
      status: 'pending',
    });
    const group = await groups.service.create(actor, {
      name: 'unverified management',
      managementConnectionId: pending.id,
      capabilities: ['cost-scan'],
    });
    org.orgCalls.length = 0;
    await expect(groups.service.sync(actor, group.id)).rejects.toMatchObject({
      code: 'connection_not_verified',
    });
    expect(org.orgCalls).toEqual([]);
  });
});
