import {
  DescribeAddressesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand as AssumeRoleFilter } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionGroupMembers } from '../../src/connection-groups/tables.ts';
import { createTestConnection } from '../helpers/connections.ts';
import { createTestUser, type TestUser } from '../helpers/identity.ts';
import {
  createScanHarness,
  insertFinding,
  mockSts,
  type ScanHarness,
  sts,
  waitForScan,
} from '../scans/harness.ts';

/** Group-wide scans (one ordinary scan per verified member) and findings filtered by group. */

const ec2 = mockClient(EC2Client);
let h: ScanHarness;
let owner: TestUser;
let stranger: TestUser;
let groupId: string;
const members: Record<string, string> = {};

async function addMember(accountId: string, status: 'verified' | 'pending' | 'unsafe' | 'disabled') {
  const c = await createTestConnection(h.t, owner.orgId, { capabilities: ['cost-scan'], accountId, status });
  await h.db.insert(connectionGroupMembers).values({
    groupId,
    orgId: owner.orgId,
    accountId,
    connectionId: c.id,
    accountName: `acct ${accountId}`,
    accountStatus: status === 'disabled' ? 'SUSPENDED' : 'ACTIVE',
    disabledBySync: status === 'disabled' ? 'account_suspended' : null,
    lastSeenAt: new Date(),
  });
  members[status] = c.id;
  return c.id;
}

beforeAll(async () => {
  mockSts();
  ec2.reset();
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2.onAnyCommand().resolves({});
  h = await createScanHarness();
  owner = await createTestUser(h.t);
  stranger = await createTestUser(h.t);
  const management = await createTestConnection(h.t, owner.orgId, {
    capabilities: ['organizations-read'],
    accountId: '999999999999',
  });
  const res = await h.t.app.inject({
    method: 'POST',
    url: `/v1/orgs/${owner.orgId}/connection-groups`,
    headers: owner.headers,
    payload: { name: 'org', managementConnectionId: management.id, capabilities: ['cost-scan'] },
  });
  groupId = res.json().id;
  await addMember('111100000001', 'verified');
  await addMember('111100000002', 'pending');
  await addMember('111100000003', 'unsafe');
  await addMember('111100000004', 'disabled');
});
afterAll(async () => {
  await h?.close();
  ec2.restore();
  sts.reset();
});

describe('group scans and findings', () => {
  it('scans every verified member, one scan per account; unverified, unsafe and disabled members are skipped unused', async () => {
    const res = await h.t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/connection-groups/${groupId}/scans`,
      headers: owner.headers,
    });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(body.started.map((s: { connectionId: string }) => s.connectionId)).toEqual([members.verified]);
    const skipped = Object.fromEntries(
      body.skipped.map((s: { connectionId: string; code: string }) => [s.connectionId, s.code]),
    );
    expect(skipped).toEqual({
      [members.pending!]: 'connection_not_verified',
      [members.unsafe!]: 'connection_unsafe',
      [members.disabled!]: 'connection_disabled',
    });
    await waitForScan(h, owner.orgId, body.started[0].scanId);
    // Only the verified member's role was ever assumed.
    const roles = sts.commandCalls(AssumeRoleFilter).map((c) => c.args[0].input.RoleArn);
    expect(new Set(roles)).toEqual(new Set(['arn:aws:iam::111100000001:role/RolegateAccess']));
  });

  it('findings filter by groupId: only member accounts’ findings; another organisation’s group is 404', async () => {
    const outsider = await createTestConnection(h.t, owner.orgId, {
      capabilities: ['cost-scan'],
      accountId: '222222222222',
    });
    const inGroup = await insertFinding(h.db, owner.orgId, members.verified!, {
      type: 'ebs_unattached',
      resourceId: 'vol-1',
      resourceArn: 'arn:aws:ec2:us-east-1:111100000001:volume/vol-1',
    });
    await insertFinding(h.db, owner.orgId, outsider.id, {
      type: 'ebs_unattached',
      resourceId: 'vol-2',
      resourceArn: 'arn:aws:ec2:us-east-1:222222222222:volume/vol-2',
    });
    const res = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/findings?groupId=${groupId}`,
      headers: owner.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((f: { id: string }) => f.id)).toEqual([inGroup]);
    // The same filter through the agent tool (intents and MCP share it).
    const viaIntent = await h.t.app.inject({
      method: 'POST',
      url: '/v1/intents',
      headers: owner.headers,
      payload: { intent: 'findings.list', orgId: owner.orgId, params: { groupId } },
    });
    expect(viaIntent.statusCode, viaIntent.body).toBe(200);
    expect(viaIntent.json().result.items.map((f: { id: string }) => f.id)).toEqual([inGroup]);
    const all = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/findings`,
      headers: owner.headers,
    });
    expect(all.json().items.length).toBeGreaterThanOrEqual(2);
    const foreign = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${stranger.orgId}/findings?groupId=${groupId}`,
      headers: stranger.headers,
    });
    expect(foreign.statusCode).toBe(404);
    const bad = await h.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/findings?groupId=not-a-group`,
      headers: owner.headers,
    });
    expect(bad.statusCode).toBe(400);
    const strangerScan = await h.t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${stranger.orgId}/connection-groups/${groupId}/scans`,
      headers: stranger.headers,
    });
    expect(strangerScan.statusCode).toBe(404);
  });
});
