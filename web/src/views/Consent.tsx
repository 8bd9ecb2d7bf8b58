import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, CAPABILITIES, type Capability, type Me } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { Busy, ErrorBox } from '../ui.tsx';
import { useConnections } from './Connections.tsx';

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
  const request = useQuery({
    queryKey: ['me', 'oauth-interactions', uid],
    queryFn: () => api<Interaction>('GET', `/v1/oauth/interactions/${encodeURIComponent(uid)}`),
    // An interaction is answered once; refreshing it in the background has no use.
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  const [orgId, setOrgId] = useState(me.organizations[0]?.id ?? '');
  const connections = useConnections(orgId);
  const [chosen, setChosen] = useState<string[]>([]);
  const [capabilities, setCapabilities] = useState<Capability[]>([]);
  const [readOnly, setReadOnly] = useState(true);

  const answer = useMutation({
    mutationFn: (action: 'approve' | 'deny') =>
      api<{ redirectTo: string }>(
        'POST',
        `/v1/oauth/interactions/${encodeURIComponent(uid)}/${action}`,
        action === 'approve'
          ? {
              orgId,
              readOnly,
              ...(chosen.length > 0 ? { connectionIds: chosen } : {}),
              ...(capabilities.length > 0 ? { capabilities } : {}),
            }
          : undefined,
      ),
    // The authorization server continues the flow and redirects to the client.
    onSuccess: (res) => window.location.assign(res.redirectTo),
  });
  // Stays disabled after success: the page is being left.
  const busy = answer.isPending || answer.isSuccess;

  function submit(e: FormEvent) {
    e.preventDefault();
    answer.mutate('approve');
  }

  const toggle = <T,>(list: T[], value: T) =>
    list.includes(value) ? list.filter((v) => v !== value) : [...list, value];

  if (request.isPending) return <Busy label="Loading the request…" />;
  if (request.isError) {
    return (
      <main className="auth">
        <ErrorBox error={request.error} />
      </main>
    );
  }
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
          <select
            value={orgId}
            onChange={(e) => {
              setOrgId(e.target.value);
              // Connections of another organisation mean nothing in this one.
              setChosen([]);
            }}
            data-testid="consent-org"
          >
            {me.organizations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name} ({o.role})
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Connections (none ticked: all of the organisation’s)</legend>
          {orgId !== '' && (
            <QueryView query={connections} label="Loading connections…">
              {(data) =>
                data.items.map((c) => (
                  <label key={c.id}>
                    <input
                      type="checkbox"
                      checked={chosen.includes(c.id)}
                      onChange={() => setChosen(toggle(chosen, c.id))}
                    />{' '}
                    {c.name}
                  </label>
                ))
              }
            </QueryView>
          )}
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
        <button
          type="button"
          disabled={busy}
          onClick={() => answer.mutate('deny')}
          data-testid="consent-deny"
        >
          Decline
        </button>
        <MutationError mutation={answer} />
      </form>
    </main>
  );
}
