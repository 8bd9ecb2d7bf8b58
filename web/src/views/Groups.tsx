import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, CAPABILITIES, type Capability, type Connection, type Page, type Permission } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { CodeBlock, Empty, ErrorBox, formatTime, ViewHeading } from '../ui.tsx';
import { StatusBadge, useConnections } from './Connections.tsx';

/** Connection groups over an AWS Organization (docs/organizations.md): discovery, per-account status, verify all. */

interface Progress {
  state: 'idle' | 'discovering' | 'verifying' | 'done' | 'failed';
  startedAt: string | null;
  finishedAt: string | null;
  discovered: number;
  created: number;
  disabled: number;
  toVerify: number;
  verified: number;
  unsafe: number;
  failed: number;
  retried: number;
  error: string | null;
}

interface Group {
  id: string;
  name: string;
  managementConnectionId: string;
  roleName: string;
  capabilities: Capability[];
  ouIds: string[];
  region: string;
  rootId: string | null;
  progress: Progress;
  memberStatus: Record<string, number>;
  lastSyncAt: string | null;
}

interface Member {
  accountId: string;
  accountName: string;
  accountStatus: string;
  connectionId: string;
  status: Connection['status'];
  disabledReason: string | null;
}

interface GroupTemplates {
  accounts: number;
  stackSet: string;
  terraform: string;
  steps: string[];
}

const RUNNING = new Set(['discovering', 'verifying']);
/** How often a running group's progress and members are read again. */
const POLL_MS = 2_000;

function progressText(p: Progress): string {
  if (p.state === 'idle') return 'Never synced.';
  const done = p.verified + p.unsafe + p.failed;
  return (
    `${p.state}: ${p.discovered} accounts discovered, ${p.created} new, ${p.disabled} disabled; ` +
    `verified ${p.verified}, unsafe ${p.unsafe}, failed ${p.failed} (${done} of ${p.toVerify})` +
    (p.retried > 0 ? `, ${p.retried} throttled and retried` : '') +
    (p.error !== null ? `; error ${p.error}` : '')
  );
}

/** Which of the group controls the signed-in role may use (the same matrix the API enforces). */
type Allowed = (permission: Permission) => boolean;

export function GroupsView({ orgId, allowed }: { orgId: string; allowed: Allowed }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const groups = useQuery({
    queryKey: ['org', orgId, 'connection-groups'],
    queryFn: () => api<Page<Group>>('GET', `/v1/orgs/${orgId}/connection-groups`),
  });
  const connections = useConnections(orgId);
  const [name, setName] = useState('');
  const [management, setManagement] = useState('');
  const [caps, setCaps] = useState<Capability[]>(['cost-scan']);
  const [ous, setOus] = useState('');

  const managers = (connections.data?.items ?? []).filter((c) =>
    c.capabilities.includes('organizations-read'),
  );

  const create = useMutation({
    mutationFn: () => {
      const ouIds = ous
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      return api<Group>('POST', `/v1/orgs/${orgId}/connection-groups`, {
        name,
        managementConnectionId: management,
        capabilities: caps,
        ...(ouIds.length > 0 ? { ouIds } : {}),
      });
    },
    onSuccess: (g) => {
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connection-groups'] });
      // Member connections appear as the group syncs.
      void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connections'] });
      void navigate(`/orgs/${orgId}/organizations/${g.id}`);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }

  return (
    <section aria-labelledby="groups-h">
      <ViewHeading id="groups-h">AWS Organizations</ViewHeading>
      <p>
        Connect every account of an AWS Organization at once: one StackSet creates the role in each member
        account, Rolegate discovers the accounts through a connection to the management account (capability
        organizations-read) and verifies each of them.
      </p>
      <QueryView query={groups} label="Loading groups…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No connection group yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Members</th>
                  <th scope="col">Last sync</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((g) => (
                  <tr key={g.id}>
                    <td>
                      <Link to={`/orgs/${orgId}/organizations/${g.id}`}>{g.name}</Link>
                    </td>
                    <td>
                      {Object.entries(g.memberStatus)
                        .map(([s, n]) => `${n} ${s}`)
                        .join(', ') || '—'}
                    </td>
                    <td>{formatTime(g.lastSyncAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
      {allowed('connections:write') && (
        <form className="card" onSubmit={submit} aria-label="Create a connection group">
          <h3>New connection group</h3>
          <label>
            Name
            <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Management connection (organizations-read)
            <select required value={management} onChange={(e) => setManagement(e.target.value)}>
              <option value="">Choose…</option>
              {managers.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.status})
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>What each member account grants</legend>
            {CAPABILITIES.filter((c) => c !== 'organizations-read').map((c) => (
              <label key={c} className="checkbox">
                <input
                  type="checkbox"
                  checked={caps.includes(c)}
                  onChange={() => setCaps((l) => (l.includes(c) ? l.filter((x) => x !== c) : [...l, c]))}
                />
                {c}
              </label>
            ))}
          </fieldset>
          <label>
            Organisational units (optional, comma-separated ou-… ids; empty = every account)
            <input value={ous} onChange={(e) => setOus(e.target.value)} maxLength={2000} />
          </label>
          <MutationError mutation={create} />
          <button type="submit" disabled={create.isPending || caps.length === 0 || management === ''}>
            Create group
          </button>
        </form>
      )}
    </section>
  );
}

/** `/orgs/:orgId/organizations/:groupId`: one group, read by id (a deep link works). */
export function GroupDetail({
  orgId,
  groupId,
  allowed,
}: {
  orgId: string;
  groupId: string;
  allowed: Allowed;
}) {
  const queryClient = useQueryClient();
  const base = `/v1/orgs/${orgId}/connection-groups/${groupId}`;
  const key = ['org', orgId, 'connection-groups', groupId] as const;
  // While a sync or verification runs, its stored progress and the members' statuses are read again.
  const poll = (running: boolean | undefined) => (running === true ? POLL_MS : false);
  const group = useQuery({
    queryKey: key,
    queryFn: () => api<Group>('GET', base),
    refetchInterval: (q) => poll(q.state.data !== undefined && RUNNING.has(q.state.data.progress.state)),
  });
  const running = group.data !== undefined && RUNNING.has(group.data.progress.state);
  const members = useQuery({
    queryKey: [...key, 'members'],
    queryFn: () => api<Page<Member>>('GET', `${base}/members?limit=500`),
    refetchInterval: poll(running),
  });
  const [templates, setTemplates] = useState<GroupTemplates | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const act = useMutation({
    mutationFn: async (action: 'sync' | 'verify' | 'scans' | 'templates') => {
      setNotice(null);
      if (action === 'templates') {
        setTemplates(await api<GroupTemplates>('GET', `${base}/templates`));
      } else if (action === 'scans') {
        const r = await api<{ started: unknown[]; skipped: unknown[] }>('POST', `${base}/scans`);
        setNotice(`${r.started.length} scans started, ${r.skipped.length} members skipped.`);
      } else {
        await api('POST', `${base}/${action}`);
      }
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: key });
      // Syncing and verifying change the member connections' statuses.
      void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connections'] });
    },
  });

  return (
    <section aria-labelledby="group-h">
      <Link className="button secondary small" to={`/orgs/${orgId}/organizations`}>
        ← All groups
      </Link>
      <ViewHeading id="group-h">{group.data?.name ?? 'Connection group'}</ViewHeading>
      <MutationError mutation={act} />
      <QueryView query={group} label="Loading the group…">
        {(g) => (
          <>
            <p role="status" data-testid="group-progress">
              {progressText(g.progress)}
            </p>
            <p className="muted">
              Role {g.roleName} in {g.region}; grants {g.capabilities.join(', ')};{' '}
              {g.ouIds.length > 0 ? `units ${g.ouIds.join(', ')}` : 'every account'}.
            </p>
            <p>
              {allowed('connections:verify') && (
                <>
                  <button
                    type="button"
                    disabled={running || act.isPending}
                    onClick={() => act.mutate('sync')}
                  >
                    Sync accounts
                  </button>{' '}
                  <button
                    type="button"
                    className="secondary"
                    disabled={running || act.isPending}
                    onClick={() => act.mutate('verify')}
                  >
                    Verify all
                  </button>{' '}
                </>
              )}
              {allowed('scans:run') && (
                <button
                  type="button"
                  className="secondary"
                  disabled={act.isPending}
                  onClick={() => act.mutate('scans')}
                >
                  Scan all
                </button>
              )}{' '}
              {allowed('connections:templates') && (
                <button
                  type="button"
                  className="secondary"
                  disabled={act.isPending}
                  onClick={() => act.mutate('templates')}
                >
                  Show StackSet
                </button>
              )}
            </p>
            {notice !== null && <p role="status">{notice}</p>}
          </>
        )}
      </QueryView>
      {templates !== null && (
        <div className="card">
          <h3>StackSet for {templates.accounts} accounts</h3>
          <ol>
            {templates.steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
          <CodeBlock title="CloudFormation (management account)" text={templates.stackSet} />
          <CodeBlock title="Terraform" text={templates.terraform} />
        </div>
      )}
      {group.isSuccess && <ErrorBox error={members.error} />}
      {group.isSuccess && members.data !== undefined && members.data.items.length === 0 && (
        <Empty>No member account yet: sync the group.</Empty>
      )}
      {group.isSuccess && members.data !== undefined && members.data.items.length > 0 && (
        <table aria-label="Member accounts">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Name</th>
              <th scope="col">In the organisation</th>
              <th scope="col">Connection</th>
            </tr>
          </thead>
          <tbody>
            {members.data.items.map((m) => (
              <tr key={m.accountId}>
                <td>
                  <code>{m.accountId}</code>
                </td>
                <td>{m.accountName}</td>
                <td>{m.accountStatus}</td>
                <td>
                  <StatusBadge status={m.status} />
                  {m.disabledReason !== null && <span className="muted"> ({m.disabledReason})</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
