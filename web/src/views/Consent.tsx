import { type FormEvent, useState } from 'react';
import { api, CAPABILITIES, type Capability, type Connection, type Me, type Page } from '../api.ts';
import { Busy, ErrorBox, useLoad } from '../ui.tsx';

interface Interaction {
  uid: string;
  client: { id: string; name: string; redirectUri: string };
  resource: string;
}

/**
 * The OAuth consent page (`/oauth-consent?uid=…`): an MCP client asks for access; the signed-in user
 * picks the organisation, connections and capabilities (read-only unless turned off), or declines.
 * Either answer sends the browser back to the authorization server, which redirects to the client.
 */
export function ConsentView({ me, uid }: { me: Me; uid: string }) {
  const request = useLoad(
    () => api<Interaction>('GET', `/v1/oauth/interactions/${encodeURIComponent(uid)}`),
    [uid],
  );
  const [orgId, setOrgId] = useState(me.organizations[0]?.id ?? '');
  const connections = useLoad(
    () =>
      orgId === ''
        ? Promise.resolve({ items: [], nextCursor: null } as Page<Connection>)
        : api<Page<Connection>>('GET', `/v1/orgs/${orgId}/connections?limit=200`),
    [orgId],
  );
  const [chosen, setChosen] = useState<string[]>([]);
  const [capabilities, setCapabilities] = useState<Capability[]>([]);
  const [readOnly, setReadOnly] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function answer(action: 'approve' | 'deny') {
    setBusy(true);
    setError(null);
    try {
      const body =
        action === 'approve'
          ? {
              orgId,
              readOnly,
              ...(chosen.length > 0 ? { connectionIds: chosen } : {}),
              ...(capabilities.length > 0 ? { capabilities } : {}),
            }
          : undefined;
      const res = await api<{ redirectTo: string }>(
        'POST',
        `/v1/oauth/interactions/${encodeURIComponent(uid)}/${action}`,
        body,
      );
      window.location.assign(res.redirectTo);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void answer('approve');
  }

  const toggle = <T,>(list: T[], value: T) =>
    list.includes(value) ? list.filter((v) => v !== value) : [...list, value];

  if (request.loading) return <Busy label="Loading the request…" />;
  if (request.data === null) return <ErrorBox error={request.error} />;
  const { client } = request.data;
  return (
    <main className="auth">
      <form className="card" onSubmit={submit} aria-label="Authorize an MCP client">
        <h2>Authorize {client.name}</h2>
        <p>
          <strong data-testid="consent-client">{client.name}</strong> wants to use Rolegate’s MCP tools on
          your behalf. After approval it is sent back to{' '}
          <code data-testid="consent-redirect">{client.redirectUri}</code>. Only approve clients you started
          yourself.
        </p>
        <label>
          Organisation
          <select value={orgId} onChange={(e) => setOrgId(e.target.value)} data-testid="consent-org">
            {me.organizations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name} ({o.role})
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Connections (none ticked: all of the organisation’s)</legend>
          {connections.loading && <Busy label="Loading connections…" />}
          {connections.data?.items.map((c) => (
            <label key={c.id}>
              <input
                type="checkbox"
                checked={chosen.includes(c.id)}
                onChange={() => setChosen(toggle(chosen, c.id))}
              />{' '}
              {c.name}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Capabilities (none ticked: all the connection grants)</legend>
          {CAPABILITIES.map((c) => (
            <label key={c}>
              <input
                type="checkbox"
                checked={capabilities.includes(c)}
                onChange={() => setCapabilities(toggle(capabilities, c))}
              />{' '}
              {c}
            </label>
          ))}
        </fieldset>
        <label>
          <input
            type="checkbox"
            checked={readOnly}
            onChange={(e) => setReadOnly(e.target.checked)}
            data-testid="consent-read-only"
          />{' '}
          Read-only (no S3 writes, Lambda invocations, clean-up or dismissals)
        </label>
        <p>Your role applies too: the client can never do more than you can, now or after a role change.</p>
        <button type="submit" disabled={busy || orgId === ''} data-testid="consent-approve">
          Approve
        </button>{' '}
        <button type="button" disabled={busy} onClick={() => void answer('deny')} data-testid="consent-deny">
          Decline
        </button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
