import {
  type Account,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import type { AwsClientFactory } from '../aws/clients.ts';
import { mapAwsError } from '../aws/errors.ts';
import type { Broker } from '../broker/broker.ts';
import type { BrokeredAuditEvent } from '../broker/types.ts';
import type { UsableConnection } from '../connections/types.ts';
import type { Actor } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { MemberAccountStatus } from './tables.ts';

/**
 * Discovery of an organisation's accounts through the management connection: one audited brokered
 * call per listing (ListAccounts, or ListAccountsForParent per chosen OU, plus ListRoots when the
 * StackSet should target the whole organisation), each with a session policy allowing exactly the
 * actions it makes. Pages are followed by NextToken, bounded so a misbehaving endpoint cannot loop.
 */

/** 20 accounts per page (AWS's maximum): 1,000 pages is an organisation far beyond AWS's default quota. */
const MAX_PAGES = 1_000;

export interface DiscoveredAccount {
  accountId: string;
  name: string;
  status: Exclude<MemberAccountStatus, 'REMOVED'>;
}

function statusOf(account: Account): DiscoveredAccount['status'] {
  // `State` supersedes `Status` (it adds CLOSED); either may be missing on older endpoints.
  const value = String(account.State ?? account.Status ?? 'ACTIVE');
  if (value === 'ACTIVE') return 'ACTIVE';
  if (value === 'SUSPENDED') return 'SUSPENDED';
  if (value === 'CLOSED') return 'CLOSED';
  // PENDING_CLOSURE and PENDING_ACTIVATION: not usable now; PENDING_ACTIVATION becomes ACTIVE on a later sync.
  return 'PENDING_CLOSURE';
}

function accountsOf(list: Account[] | undefined): DiscoveredAccount[] {
  const out: DiscoveredAccount[] = [];
  for (const a of list ?? []) {
    if (a.Id === undefined || !/^\d{12}$/.test(a.Id)) continue;
    out.push({ accountId: a.Id, name: a.Name ?? a.Id, status: statusOf(a) });
  }
  return out;
}

export interface DiscoveryDeps {
  broker: Pick<Broker, 'call'>;
  awsClients: Pick<AwsClientFactory, 'organizations'>;
}

export function createDiscovery(deps: DiscoveryDeps) {
  async function brokered<T>(
    management: UsableConnection,
    actor: Actor,
    action: 'ListAccounts' | 'ListAccountsForParent' | 'ListRoots',
    region: string,
    audit: Omit<BrokeredAuditEvent, 'action'>,
    resource: string | null,
    fn: (client: ReturnType<AwsClientFactory['organizations']>) => Promise<T>,
  ): Promise<T> {
    return deps.broker.call(
      {
        connection: management,
        actor,
        policy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: [`organizations:${action}`], Resource: ['*'] }],
        },
        operation: `organizations.${action}`,
        region,
        audit: { ...audit, action: `aws.organizations.${action}`, resource },
      },
      async (credentials) => {
        try {
          return await fn(deps.awsClients.organizations(credentials, region));
        } catch (err) {
          // AWS's own error (throttled, denied, not in an organisation…) as a stable code; its message stays in the logs.
          throw mapAwsError(err, { action: `organizations:${action}` });
        }
      },
    );
  }

  async function paged(
    send: (token: string | undefined) => Promise<{ Accounts?: Account[]; NextToken?: string }>,
  ): Promise<DiscoveredAccount[]> {
    const out: DiscoveredAccount[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await send(token);
      out.push(...accountsOf(res.Accounts));
      token = res.NextToken;
      if (token === undefined || token === '') return out;
    }
    throw new AppError(ErrorCode.AWS_REQUEST_FAILED, 'AWS Organizations kept paging; discovery stopped.');
  }

  return {
    /** The accounts of the organisation (or of `ouIds`), deduplicated, and the root when asked for. */
    async discover(input: {
      management: UsableConnection;
      actor: Actor;
      ouIds: readonly string[];
      region: string;
      wantRoot: boolean;
      audit: Omit<BrokeredAuditEvent, 'action' | 'resource'>;
    }): Promise<{ accounts: DiscoveredAccount[]; rootId: string | null }> {
      const { management, actor, region, audit } = input;
      const byId = new Map<string, DiscoveredAccount>();
      if (input.ouIds.length === 0) {
        const list = await brokered(management, actor, 'ListAccounts', region, audit, null, (c) =>
          paged((token) => c.send(new ListAccountsCommand({ NextToken: token }))),
        );
        for (const a of list) byId.set(a.accountId, a);
      } else {
        for (const ou of input.ouIds) {
          const list = await brokered(management, actor, 'ListAccountsForParent', region, audit, ou, (c) =>
            paged((token) => c.send(new ListAccountsForParentCommand({ ParentId: ou, NextToken: token }))),
          );
          for (const a of list) byId.set(a.accountId, a);
        }
      }
      let rootId: string | null = null;
      if (input.wantRoot) {
        rootId = await brokered(management, actor, 'ListRoots', region, audit, null, async (c) => {
          const res = await c.send(new ListRootsCommand({}));
          const id = res.Roots?.[0]?.Id;
          return id !== undefined && /^r-[0-9a-z]{4,32}$/.test(id) ? id : null;
        });
      }
      return { accounts: [...byId.values()], rootId };
    },
  };
}

export type Discovery = ReturnType<typeof createDiscovery>;
