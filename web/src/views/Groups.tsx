import { type FormEvent, useEffect, useState } from 'react';
import { api, CAPABILITIES, type Capability, type Connection, type Page, type Permission } from '../api.ts';
import { Busy, CodeBlock, Empty, ErrorBox, formatTime, useLoad } from '../ui.tsx';
import { StatusBadge } from './Connections.tsx';

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
  const groups = useLoad(() => api<Page<Group>>('GET', `/v1/orgs/${orgId}/connection-groups`), [orgId]);
  const connections = useLoad(
    () => api<Page<Connection>>('GET', `/v1/orgs/${orgId}/connections?limit=100`),
    [orgId],
  );
  const [open, setOpen] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [management, setManagement] = useState('');
  const [caps, setCaps] = useState<Capability[]>(['cost-scan']);
  const [ous, setOus] = useState('');
  const [error, setError] = useState<unknown>(null);

  const managers = (connections.data?.items ?? []).filter((c) =>
    c.capabilities.includes('organizations-read'),
  );

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const ouIds = ous
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const g = await api<Group>('POST', `/v1/orgs/${orgId}/connection-groups`, {
        name,
        managementConnectionId: management,
        capabilities: caps,
        ...(ouIds.length > 0 ? { ouIds } : {}),
      });
      setName('');
      await groups.reload();
      setOpen(g.id);
    } catch (err) {
      setError(err);
    }
  }

  if (open !== null)
    return <GroupDetail orgId={orgId} groupId={open} allowed={allowed} onBack={() => setOpen(null)} />;
  return (
    <section aria-labelledby="groups-h">
      <h2 id="groups-h">AWS Organizations</h2>
      <p>
        Connect every account of an AWS Organization at once: one StackSet creates the role in each member
        account, Rolegate discovers the accounts through a connection to the management account (capability
        organizations-read) and verifies each of them.
      </p>
      <ErrorBox error={error ?? groups.error} />
      {groups.loading && groups.data === null && <Busy label="Loading groups…" />}
      {groups.data !== null && groups.data.items.length === 0 && <Empty>No connection group yet.</Empty>}
      {groups.data !== null && groups.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Members</th>
              <th scope="col">Last sync</th>
            </tr>
          </thead>
          <tbody>
            {groups.data.items.map((g) => (
              <tr key={g.id}>
                <td>
                  <button type="button" className="link" onClick={() => setOpen(g.id)}>
                    {g.name}
                  </button>
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
      )}
      {allowed('connections:write') && (
        <form className="card" onSubmit={create} aria-label="Create a connection group">
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
          <button type="submit" disabled={caps.length === 0 || management === ''}>
            Create group
          </button>
        </form>
      )}
    </section>
  );
}

function GroupDetail({
  orgId,
  groupId,
  allowed,
  onBack,
}: {
  orgId: string;
  groupId: string;
  allowed: Allowed;
  onBack: () => void;
}) {
  const base = `/v1/orgs/${orgId}/connection-groups/${groupId}`;
  const group = useLoad(() => api<Group>('GET', base), [base]);
  const members = useLoad(() => api<Page<Member>>('GET', `${base}/members?limit=500`), [base]);
  const [templates, setTemplates] = useState<GroupTemplates | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const running = group.data !== null && RUNNING.has(group.data.progress.state);

  // While a sync or verification runs, its stored progress and the members' statuses are read again.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      void group.reload();
      void members.reload();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [running, group.reload, members.reload]);

  async function act(fn: () => Promise<unknown>) {
    setError(null);
    setNotice(null);
    try {
      await fn();
      await Promise.all([group.reload(), members.reload()]);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section aria-labelledby="group-h">
      <button type="button" className="secondary small" onClick={onBack}>
        ← All groups
      </button>
      <h2 id="group-h">{group.data?.name ?? 'Connection group'}</h2>
      <ErrorBox error={error ?? group.error ?? members.error} />
      {group.data !== null && (
        <>
          <p role="status" data-testid="group-progress">
            {progressText(group.data.progress)}
          </p>
          <p className="muted">
            Role {group.data.roleName} in {group.data.region}; grants {group.data.capabilities.join(', ')};{' '}
            {group.data.ouIds.length > 0 ? `units ${group.data.ouIds.join(', ')}` : 'every account'}.
          </p>
          <p>
            {allowed('connections:verify') && (
              <>
                <button
                  type="button"
                  disabled={running}
                  onClick={() => void act(() => api('POST', `${base}/sync`))}
                >
                  Sync accounts
                </button>{' '}
                <button
                  type="button"
                  className="secondary"
                  disabled={running}
                  onClick={() => void act(() => api('POST', `${base}/verify`))}
                >
                  Verify all
                </button>{' '}
              </>
            )}
            {allowed('scans:run') && (
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  void act(async () => {
                    const r = await api<{ started: unknown[]; skipped: unknown[] }>('POST', `${base}/scans`);
                    setNotice(`${r.started.length} scans started, ${r.skipped.length} members skipped.`);
                  })
                }
              >
                Scan all
              </button>
            )}{' '}
            {allowed('connections:templates') && (
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  void act(async () => setTemplates(await api<GroupTemplates>('GET', `${base}/templates`)))
                }
              >
                Show StackSet
              </button>
            )}
          </p>
          {notice !== null && <p role="status">{notice}</p>}
        </>
      )}
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
      {members.data !== null && members.data.items.length === 0 && (
        <Empty>No member account yet: sync the group.</Empty>
      )}
      {members.data !== null && members.data.items.length > 0 && (
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
