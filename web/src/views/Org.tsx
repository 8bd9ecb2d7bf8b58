import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useRef, useState } from 'react';
import {
  ApiError,
  api,
  CAPABILITIES,
  type Capability,
  type Connection,
  type Page,
  ROLES,
  type Role,
} from '../api.ts';
import { invitationLink } from '../invite.ts';
import { MutationError, QueryView } from '../query.tsx';
import { CopyButton, Empty, ErrorBox, FieldMessage, focusSoon, formatTime } from '../ui.tsx';
import { usePermissions } from './connection/access.ts';

interface ApiKey {
  id: string;
  prefix: string;
  name: string;
  role: Role;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  scope: ApiKeyScope | null;
}

/** Limits on top of the role (for agents); null in a field = not narrowed. */
interface ApiKeyScope {
  connectionIds: string[] | null;
  capabilities: Capability[] | null;
  readOnly: boolean;
  allowedCidrs: string[] | null;
}

function scopeSummary(scope: ApiKeyScope | null, names: Map<string, string>): string {
  if (scope === null) return 'unscoped';
  const parts: string[] = [];
  if (scope.connectionIds !== null)
    parts.push(scope.connectionIds.map((id) => names.get(id) ?? id).join(', '));
  if (scope.capabilities !== null) parts.push(scope.capabilities.join(', '));
  if (scope.readOnly) parts.push('read-only');
  if (scope.allowedCidrs !== null) parts.push(`from ${scope.allowedCidrs.join(', ')}`);
  return parts.join(' · ');
}

function toggle<T>(list: T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

function RoleSelect({ value, onChange, label }: { value: Role; onChange: (r: Role) => void; label: string }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value as Role)}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Lifetimes offered for a new key; the API takes an absolute `expiresAt`, at most 5 years away. */
const EXPIRY_CHOICES = [
  ['never', 'Never'],
  ['1', 'In 1 day'],
  ['7', 'In 7 days'],
  ['30', 'In 30 days'],
  ['90', 'In 90 days'],
  ['365', 'In 1 year'],
  ['date', 'On a date…'],
] as const;
export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number][0];
const DAY_MS = 24 * 3600_000;

/** `yyyy-mm-dd` of a local date, for date inputs. */
function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The `expiresAt` to send, or undefined for a key that does not expire (null: no date chosen yet). */
export function expiresAtOf(choice: ExpiryChoice, date: string, now: number): string | undefined | null {
  if (choice === 'never') return undefined;
  if (choice === 'date') {
    if (date === '') return null;
    // The end of the chosen day, in the browser's time zone: the key works through that whole day.
    const end = new Date(`${date}T23:59:59`);
    return Number.isNaN(end.getTime()) ? null : end.toISOString();
  }
  return new Date(now + Number(choice) * DAY_MS).toISOString();
}

/** When a key expires, read at a glance: expired keys are refused by the API already. */
export function expiry(expiresAt: string | null, now: number): { text: string; className?: string } {
  if (expiresAt === null) return { text: 'never' };
  const at = new Date(expiresAt).getTime();
  if (at <= now) return { text: `expired ${formatTime(expiresAt)}`, className: 'danger' };
  const days = Math.ceil((at - now) / DAY_MS);
  return {
    text: `${formatTime(expiresAt)} (in ${days} day${days === 1 ? '' : 's'})`,
    ...(days <= 7 ? { className: 'warning' } : {}),
  };
}

function invalid(error: unknown, path: string): boolean {
  return error instanceof ApiError && error.messagesFor(path).length > 0;
}

export function ApiKeysView({ orgId }: { orgId: string }) {
  const id = useId();
  const queryClient = useQueryClient();
  const canManage = usePermissions(orgId)('api-keys:manage');
  const keysKey = ['org', orgId, 'api-keys'];
  const keys = useQuery({
    queryKey: keysKey,
    queryFn: () => api<Page<ApiKey>>('GET', `/v1/orgs/${orgId}/api-keys?limit=200`),
  });
  const connections = useQuery({
    queryKey: ['org', orgId, 'connections', { limit: 100 }],
    queryFn: () => api<Page<Connection>>('GET', `/v1/orgs/${orgId}/connections?limit=100`),
    enabled: canManage,
  });
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [expiryChoice, setExpiryChoice] = useState<ExpiryChoice>('90');
  const [expiryDate, setExpiryDate] = useState('');
  const [created, setCreated] = useState<{ key: string; name: string; expiresAt: string | null } | null>(
    null,
  );
  const connectionNames = new Map((connections.data?.items ?? []).map((c) => [c.id, c.name]));
  const [scopeConnections, setScopeConnections] = useState<string[]>([]);
  const [scopeCapabilities, setScopeCapabilities] = useState<Capability[]>([]);
  const [readOnly, setReadOnly] = useState(false);
  const [cidrs, setCidrs] = useState('');
  const now = Date.now();

  function scopeBody(): Record<string, unknown> | undefined {
    const allowedCidrs = cidrs
      .split(/[\s,]+/)
      .map((c) => c.trim())
      .filter((c) => c !== '');
    const scope = {
      ...(scopeConnections.length > 0 ? { connectionIds: scopeConnections } : {}),
      ...(scopeCapabilities.length > 0 ? { capabilities: scopeCapabilities } : {}),
      ...(readOnly ? { readOnly: true } : {}),
      ...(allowedCidrs.length > 0 ? { allowedCidrs } : {}),
    };
    return Object.keys(scope).length > 0 ? scope : undefined;
  }

  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<{ key: string; name: string; expiresAt: string | null }>(
        'POST',
        `/v1/orgs/${orgId}/api-keys`,
        body,
      ),
    onSuccess: (res) => {
      setCreated(res);
      setName('');
      setScopeConnections([]);
      setScopeCapabilities([]);
      setReadOnly(false);
      setCidrs('');
      void queryClient.invalidateQueries({ queryKey: keysKey });
    },
  });
  // A revoked key's row (and the button that asked) leaves the list: focus goes to the section's
  // heading rather than dropping to the page's body. A cancelled confirm() keeps it on the button.
  const keysHeading = useRef<HTMLHeadingElement>(null);
  const revoke = useMutation({
    mutationFn: (k: ApiKey) => api('DELETE', `/v1/orgs/${orgId}/api-keys/${k.id}`),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: keysKey });
      focusSoon(keysHeading);
    },
  });

  const expiryChosen = expiresAtOf(expiryChoice, expiryDate, now) !== null;
  function submit(e: FormEvent) {
    e.preventDefault();
    // From the moment of the click: "in 30 days" means 30 days from now, not from the last render.
    const expiresAt = expiresAtOf(expiryChoice, expiryDate, Date.now());
    if (expiresAt === null) return;
    const scope = scopeBody();
    create.mutate({
      name,
      role,
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(scope === undefined ? {} : { scope }),
    });
  }
  const err = create.error;

  return (
    <section aria-labelledby="keys-h">
      <h2 id="keys-h" ref={keysHeading} tabIndex={-1}>
        API keys
      </h2>
      {canManage && (
        <form className="card inline-form" onSubmit={submit} aria-label="Create an API key">
          <label>
            Name
            <input
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-invalid={invalid(err, 'name')}
              aria-describedby={`${id}-name`}
            />
            <FieldMessage error={err} path="name" id={`${id}-name`} />
          </label>
          <RoleSelect label="Role" value={role} onChange={setRole} />
          <label>
            Expires
            <select
              value={expiryChoice}
              onChange={(e) => setExpiryChoice(e.target.value as ExpiryChoice)}
              aria-invalid={invalid(err, 'expiresAt')}
              aria-describedby={`${id}-expiry`}
            >
              {EXPIRY_CHOICES.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            <FieldMessage error={err} path="expiresAt" id={`${id}-expiry`} />
          </label>
          {expiryChoice === 'date' && (
            <label>
              Expiry date (the key works through the end of that day)
              <input
                type="date"
                required
                value={expiryDate}
                min={localDate(new Date(now + DAY_MS))}
                max={localDate(new Date(now + 5 * 365 * DAY_MS))}
                onChange={(e) => setExpiryDate(e.target.value)}
                aria-invalid={invalid(err, 'expiresAt')}
                aria-describedby={`${id}-expiry`}
              />
            </label>
          )}
          <details className="key-scope">
            <summary>Limit this key (for an agent)</summary>
            <p className="muted">
              A limited key can only run operations, scans and findings; it cannot manage connections, keys or
              members. Leave a group empty to not limit it.
            </p>
            <fieldset aria-describedby={`${id}-conns`}>
              <legend>Connections</legend>
              {(connections.data?.items ?? []).map((c) => (
                <label key={c.id} className="check">
                  <input
                    type="checkbox"
                    checked={scopeConnections.includes(c.id)}
                    onChange={() => setScopeConnections(toggle(scopeConnections, c.id))}
                  />
                  {c.name}
                </label>
              ))}
              {connections.data?.items.length === 0 && <p className="muted small">No connections yet.</p>}
              <ErrorBox error={connections.error} />
              <FieldMessage error={err} path="scope.connectionIds" id={`${id}-conns`} />
            </fieldset>
            <fieldset aria-describedby={`${id}-caps`}>
              <legend>Capabilities</legend>
              {CAPABILITIES.map((cap) => (
                <label key={cap} className="check">
                  <input
                    type="checkbox"
                    checked={scopeCapabilities.includes(cap)}
                    onChange={() => setScopeCapabilities(toggle(scopeCapabilities, cap))}
                  />
                  {cap}
                </label>
              ))}
              <FieldMessage error={err} path="scope.capabilities" id={`${id}-caps`} />
            </fieldset>
            <label className="check">
              <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} />
              Read-only (no uploads, Lambda invokes, clean-up or dismissals)
            </label>
            <label>
              Allowed source addresses (CIDR, comma-separated)
              <input
                value={cidrs}
                maxLength={1400}
                placeholder="203.0.113.0/24, 2001:db8::/32"
                onChange={(e) => setCidrs(e.target.value)}
                aria-invalid={invalid(err, 'scope.allowedCidrs')}
                aria-describedby={`${id}-cidrs`}
              />
              <FieldMessage error={err} path="scope.allowedCidrs" id={`${id}-cidrs`} />
            </label>
          </details>
          <button type="submit" disabled={create.isPending || !expiryChosen}>
            {create.isPending ? 'Creating…' : 'Create key'}
          </button>
        </form>
      )}
      {canManage && <MutationError mutation={create} />}
      {created !== null && (
        <div className="card notice" role="status">
          <h3>New key "{created.name}" (shown once)</h3>
          <p>Copy it now: Rolegate stores only a hash and cannot show it again.</p>
          <p>
            <code className="secret" data-testid="new-api-key">
              {created.key}
            </code>{' '}
            <CopyButton text={created.key} label="Copy key" />
          </p>
          <p className="muted small">
            {created.expiresAt === null
              ? 'It does not expire: revoke it when it is no longer needed.'
              : `It stops working at ${formatTime(created.expiresAt)}.`}
          </p>
          <button type="button" className="secondary small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <MutationError mutation={revoke} />
      <QueryView query={keys} label="Loading keys…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>
              No API keys yet.
              {canManage ? ' Create one above for scripts, CI jobs or AI agents (MCP).' : ''}
            </Empty>
          ) : (
            <div className="table-scroll">
              <table data-testid="api-keys">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Prefix</th>
                    <th scope="col">Role</th>
                    <th scope="col">Limits</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Expires</th>
                    {canManage && (
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((k) => {
                    const exp = expiry(k.expiresAt, now);
                    return (
                      <tr key={k.id}>
                        <td>{k.name}</td>
                        <td>
                          <code>{k.prefix}</code>
                        </td>
                        <td>{k.role}</td>
                        <td>{scopeSummary(k.scope, connectionNames)}</td>
                        <td>{formatTime(k.createdAt)}</td>
                        <td>{k.lastUsedAt === null ? 'never' : formatTime(k.lastUsedAt)}</td>
                        <td className={exp.className}>{exp.text}</td>
                        {canManage && (
                          <td>
                            <button
                              type="button"
                              className="danger small"
                              disabled={revoke.isPending}
                              onClick={() => {
                                if (
                                  window.confirm(
                                    `Revoke the API key "${k.name}"? Programs using it stop working at once.`,
                                  )
                                )
                                  revoke.mutate(k);
                              }}
                            >
                              Revoke
                            </button>
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </section>
  );
}

interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: string;
}
interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

export function MembersView({
  orgId,
  myUserId,
}: {
  orgId: string;
  myUserId: string;
  /** Not needed any more: what the role may do comes from /v1/me's permissions. */
  myRole?: Role;
}) {
  const queryClient = useQueryClient();
  const allowed = usePermissions(orgId);
  const canManage = allowed('members:manage');
  const canInvite = allowed('invitations:manage');
  const membersKey = ['org', orgId, 'members'];
  const invitationsKey = ['org', orgId, 'invitations'];
  const members = useQuery({
    queryKey: membersKey,
    queryFn: () => api<Page<Member>>('GET', `/v1/orgs/${orgId}/members?limit=200`),
  });
  const invitations = useQuery({
    queryKey: invitationsKey,
    queryFn: () => api<Page<Invitation>>('GET', `/v1/orgs/${orgId}/invitations?limit=200`),
    enabled: canInvite,
  });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [invited, setInvited] = useState<{ token: string; emailedTo: string | null } | null>(null);

  const refreshMembers = () => queryClient.invalidateQueries({ queryKey: membersKey });
  const refreshInvitations = () => queryClient.invalidateQueries({ queryKey: invitationsKey });
  const changeRole = useMutation({
    mutationFn: ({ userId, next }: { userId: string; next: string }) =>
      api('PATCH', `/v1/orgs/${orgId}/members/${userId}`, { role: next }),
    onSettled: refreshMembers,
  });
  // As for a revoked key: the removed member's row is gone, so focus goes to the heading.
  const membersHeading = useRef<HTMLHeadingElement>(null);
  const remove = useMutation({
    mutationFn: (userId: string) => api('DELETE', `/v1/orgs/${orgId}/members/${userId}`),
    onSuccess: async () => {
      await refreshMembers();
      focusSoon(membersHeading);
    },
  });
  const invite = useMutation({
    mutationFn: (body: { email: string; role: Role }) =>
      api<{ token: string; emailed: boolean }>('POST', `/v1/orgs/${orgId}/invitations`, body),
    onSuccess: (res, body) => {
      setInvited({ token: res.token, emailedTo: res.emailed ? body.email : null });
      setEmail('');
      void refreshInvitations();
    },
  });
  const cancel = useMutation({
    mutationFn: (id: string) => api('DELETE', `/v1/orgs/${orgId}/invitations/${id}`),
    onSuccess: refreshInvitations,
  });
  const busy = changeRole.isPending || remove.isPending;

  return (
    <section aria-labelledby="members-h">
      <h2 id="members-h" ref={membersHeading} tabIndex={-1}>
        Members
      </h2>
      <MutationError mutation={changeRole} />
      <MutationError mutation={remove} />
      <QueryView query={members} label="Loading members…">
        {(data) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((m) => (
                <tr key={m.userId}>
                  <td>{m.email}</td>
                  <td>{m.name ?? '—'}</td>
                  <td>
                    {canManage && m.userId !== myUserId ? (
                      <select
                        aria-label={`Role of ${m.email}`}
                        value={m.role}
                        disabled={busy}
                        onChange={(e) => changeRole.mutate({ userId: m.userId, next: e.target.value })}
                      >
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    ) : (
                      m.role
                    )}
                  </td>
                  <td>{formatTime(m.joinedAt)}</td>
                  <td>
                    {canManage && m.userId !== myUserId && (
                      <button
                        type="button"
                        className="danger small"
                        disabled={busy}
                        onClick={() => {
                          if (window.confirm(`Remove ${m.email} from this organisation?`))
                            remove.mutate(m.userId);
                        }}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
      {canInvite && (
        <>
          <h3>Invitations</h3>
          <form
            className="card inline-form"
            aria-label="Invite a member"
            onSubmit={(e) => {
              e.preventDefault();
              invite.mutate({ email, role });
            }}
          >
            <label>
              Email
              <input
                type="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                maxLength={254}
              />
            </label>
            <RoleSelect label="Role" value={role} onChange={setRole} />
            <button type="submit" disabled={invite.isPending}>
              Invite
            </button>
          </form>
          <MutationError mutation={invite} />
          {invited !== null && (
            <div className="card notice" role="status">
              {invited.emailedTo !== null && (
                <p data-testid="invitation-emailed">
                  The invitation was e-mailed to <strong>{invited.emailedTo}</strong>.
                </p>
              )}
              <p>
                Invitation link (shown once; send it to the invitee, who signs up or logs in with the invited
                email address to join):{' '}
                <code className="secret" data-testid="invitation-link">
                  {invitationLink(invited.token)}
                </code>{' '}
                <CopyButton text={invitationLink(invited.token)} label="Copy link" />
              </p>
              <p className="muted small">
                Or the token alone, for someone already signed in:{' '}
                <code className="secret">{invited.token}</code>{' '}
                <CopyButton text={invited.token} label="Copy token" />
              </p>
            </div>
          )}
          <MutationError mutation={cancel} />
          <QueryView query={invitations} label="Loading invitations…">
            {(data) =>
              data.items.length === 0 ? (
                <Empty>No pending invitations. Invite a colleague by email above.</Empty>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Email</th>
                      <th scope="col">Role</th>
                      <th scope="col">Expires</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((i) => (
                      <tr key={i.id}>
                        <td>{i.email}</td>
                        <td>{i.role}</td>
                        <td>{formatTime(i.expiresAt)}</td>
                        <td>
                          <button
                            type="button"
                            className="danger small"
                            disabled={cancel.isPending}
                            onClick={() => cancel.mutate(i.id)}
                          >
                            Cancel
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </QueryView>
        </>
      )}
      <AcceptInvitation onAccepted={() => window.location.reload()} />
    </section>
  );
}

function AcceptInvitation({ onAccepted }: { onAccepted: () => void }) {
  const [token, setToken] = useState('');
  const accept = useMutation({
    mutationFn: () => api('POST', '/v1/invitations/accept', { token: token.trim() }),
    onSuccess: onAccepted,
  });
  return (
    <form
      className="card inline-form"
      aria-label="Accept an invitation"
      onSubmit={(e) => {
        e.preventDefault();
        accept.mutate();
      }}
    >
      <label>
        Accept an invitation token
        <input value={token} onChange={(e) => setToken(e.target.value)} required maxLength={64} />
      </label>
      <button type="submit" className="secondary" disabled={accept.isPending}>
        Accept
      </button>
      <MutationError mutation={accept} />
    </form>
  );
}
