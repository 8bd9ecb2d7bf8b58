import type { ServerResponse } from 'node:http';
import {
  type FakeAws,
  type FakeAwsRequest,
  fakeCredentials,
  reply,
  startFakeAws,
  stsAssumeRole,
  stsError,
} from './fake-aws.ts';

/**
 * A wire-format fake of AWS Organizations (JSON 1.1: `X-Amz-Target: AWSOrganizationsV20161128.*`,
 * NextToken paging) and of STS AssumeRole for many member accounts, on one 127.0.0.1 endpoint, plus
 * EC2 DescribeVolumes (the cost-scan verification probe). Every other call is refused (AccessDenied),
 * so over-privilege probes pass. Each account's role behaves as its `RoleBehaviour` says.
 */

export type RoleBehaviour =
  /** The StackSet has not created the role (or it trusts someone else): every AssumeRole is refused. */
  | { kind: 'absent' }
  /** A correct role: only its own external ID (from the StackSet's mapping) is accepted. */
  | { kind: 'correct'; externalId: string; throttleFirst?: number }
  /** A trust policy without the external ID condition: any AssumeRole succeeds. */
  | { kind: 'unsafe' };

export interface FakeOrgAccount {
  id: string;
  name: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  /** Organisational unit the account sits in directly. */
  parent: string;
}

export interface FakeOrganization {
  fake: FakeAws;
  accounts: FakeOrgAccount[];
  roles: Map<string, RoleBehaviour>;
  /** The management role: accepts only this external ID. */
  management: { accountId: string; externalId: string };
  rootId: string;
  pageSize: number;
  /** AssumeRole calls per member account, in order (external ID sent, session policy, accepted). */
  assumeLog: Array<{ accountId: string; externalId: string | null; policy: unknown; accepted: boolean }>;
  /** Non-STS calls made with a member account's credentials (access key → account). */
  usedBy: Array<{ accountId: string; target: string }>;
  /** Organizations calls answered TooManyRequestsException before the fake answers again. */
  throttleOrganizations: number;
  /** Organizations calls (target, body). */
  orgCalls: Array<{ target: string; body: Record<string, unknown>; accessKeyId: string | null }>;
  close(): Promise<void>;
}

const JSON11 = { 'content-type': 'application/x-amz-json-1.1' };

function accessKeyOf(req: FakeAwsRequest): string | null {
  const auth = String(req.headers.authorization ?? '');
  return /Credential=([A-Z0-9]+)\//.exec(auth)?.[1] ?? null;
}

/** Fake access keys encode the account: ASIA + 12 digits + padding. */
function keyFor(accountId: string): string {
  return `ASIA${accountId}XXXX`;
}

export async function startFakeOrganization(options: {
  accounts: FakeOrgAccount[];
  management: { accountId: string; externalId: string };
  pageSize?: number;
}): Promise<FakeOrganization> {
  const throttled = new Map<string, number>();
  const state: Omit<FakeOrganization, 'fake' | 'close'> = {
    accounts: options.accounts,
    roles: new Map(),
    management: options.management,
    rootId: 'r-ab12',
    pageSize: options.pageSize ?? 7,
    assumeLog: [],
    usedBy: [],
    orgCalls: [],
    throttleOrganizations: 0,
  };

  function listing(accounts: FakeOrgAccount[], body: Record<string, unknown>, res: ServerResponse) {
    const start = typeof body.NextToken === 'string' ? Number(body.NextToken.replace('page-', '')) : 0;
    const page = accounts.slice(start, start + state.pageSize);
    const next = start + state.pageSize < accounts.length ? `page-${start + state.pageSize}` : undefined;
    reply(
      res,
      200,
      JSON.stringify({
        Accounts: page.map((a) => ({
          Id: a.id,
          Arn: `arn:aws:organizations::${state.management.accountId}:account/o-fake/${a.id}`,
          Email: `${a.id}@example.test`,
          Name: a.name,
          Status: a.status,
          JoinedMethod: 'CREATED',
          JoinedTimestamp: 1_700_000_000,
        })),
        ...(next === undefined ? {} : { NextToken: next }),
      }),
      JSON11,
    );
  }

  function assumeRole(req: FakeAwsRequest, res: ServerResponse) {
    const roleArn = req.params.get('RoleArn') ?? '';
    const accountId = /::(\d{12}):role\//.exec(roleArn)?.[1] ?? '';
    const externalId = req.params.get('ExternalId');
    const policy = JSON.parse(req.params.get('Policy') ?? 'null') as unknown;
    const creds = () =>
      stsAssumeRole(res, {
        ...fakeCredentials(new Date(Date.now() + 3_600_000), accountId),
        accessKeyId: keyFor(accountId),
      });
    if (accountId === state.management.accountId) {
      const ok = externalId === state.management.externalId;
      state.assumeLog.push({ accountId, externalId, policy, accepted: ok });
      if (ok) return creds();
      return stsError(res, 403, 'AccessDenied', 'not authorized to perform sts:AssumeRole');
    }
    const role = state.roles.get(accountId) ?? { kind: 'absent' };
    let accepted = false;
    if (role.kind === 'unsafe') accepted = true;
    if (role.kind === 'correct') {
      const left = throttled.get(accountId) ?? role.throttleFirst ?? 0;
      if (left > 0) {
        throttled.set(accountId, left - 1);
        state.assumeLog.push({ accountId, externalId, policy, accepted: false });
        return stsError(res, 400, 'Throttling', 'Rate exceeded');
      }
      throttled.set(accountId, 0);
      accepted = externalId === role.externalId;
    }
    state.assumeLog.push({ accountId, externalId, policy, accepted });
    if (accepted) return creds();
    return stsError(res, 403, 'AccessDenied', 'not authorized to perform sts:AssumeRole');
  }

  const fake = await startFakeAws((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.params.get('Action') === 'AssumeRole') return assumeRole(req, res);
    const key = accessKeyOf(req);
    if (target.startsWith('AWSOrganizationsV20161128.')) {
      const body = JSON.parse(req.body || '{}') as Record<string, unknown>;
      const op = target.slice('AWSOrganizationsV20161128.'.length);
      state.orgCalls.push({ target: op, body, accessKeyId: key });
      if (key !== keyFor(state.management.accountId)) {
        return reply(
          res,
          400,
          JSON.stringify({ __type: 'AccessDeniedException', Message: 'not the management account' }),
          JSON11,
        );
      }
      if (state.throttleOrganizations > 0) {
        state.throttleOrganizations -= 1;
        return reply(
          res,
          400,
          JSON.stringify({
            __type: 'TooManyRequestsException',
            Message:
              'AWS Organizations can’t complete your request because another request is already in progress.',
          }),
          JSON11,
        );
      }
      if (op === 'ListAccounts') return listing(state.accounts, body, res);
      if (op === 'ListAccountsForParent') {
        return listing(
          state.accounts.filter((a) => a.parent === body.ParentId),
          body,
          res,
        );
      }
      if (op === 'ListRoots') {
        return reply(
          res,
          200,
          JSON.stringify({
            Roots: [
              {
                Id: state.rootId,
                Arn: 'arn:aws:organizations::x:root/o-fake/r-ab12',
                Name: 'Root',
                PolicyTypes: [],
              },
            ],
          }),
          JSON11,
        );
      }
      return reply(
        res,
        400,
        JSON.stringify({ __type: 'UnsupportedAPIEndpointException', Message: op }),
        JSON11,
      );
    }
    const accountId = key !== null && /^ASIA\d{12}/.test(key) ? key.slice(4, 16) : 'unknown';
    state.usedBy.push({ accountId, target: req.params.get('Action') ?? target ?? req.url });
    if (req.params.get('Action') === 'DescribeVolumes') {
      return reply(
        res,
        200,
        '<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake</requestId><volumeSet/></DescribeVolumesResponse>',
      );
    }
    return reply(res, 403, JSON.stringify({ __type: 'AccessDeniedException', message: 'denied' }), {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': 'AccessDeniedException',
    });
  });
  return Object.assign(state, { fake, close: () => fake.close() });
}
