import { useState } from 'react';
import { api } from '../api.ts';
import { Busy, Empty, ErrorBox, formatTime, useLoad } from '../ui.tsx';

interface AgentGrant {
  id: string;
  orgId: string;
  clientId: string;
  clientName: string;
  redirectUri: string;
  scope: { connectionIds: string[] | null; capabilities: string[] | null; readOnly: boolean } | null;
  createdAt: string;
}

/** The MCP clients this user authorized (OAuth agent grants), each revocable at once. */
export function AgentGrants() {
  const grants = useLoad(() => api<{ items: AgentGrant[] }>('GET', '/v1/oauth/grants'), []);
  const [error, setError] = useState<unknown>(null);

  async function revoke(id: string) {
    setError(null);
    try {
      await api('DELETE', `/v1/oauth/grants/${id}`);
      await grants.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section className="card" aria-label="Authorized MCP clients">
      <h3>Authorized MCP clients</h3>
      {grants.loading && <Busy label="Loading…" />}
      <ErrorBox error={grants.error ?? error} />
      {grants.data?.items.length === 0 && <Empty>No MCP client is authorized.</Empty>}
      {grants.data !== null && grants.data.items.length > 0 && (
        <table data-testid="agent-grants">
          <thead>
            <tr>
              <th>Client</th>
              <th>Organisation</th>
              <th>Scope</th>
              <th>Granted</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {grants.data.items.map((g) => (
              <tr key={g.id}>
                <td>
                  {g.clientName}
                  <br />
                  <small>{g.redirectUri}</small>
                </td>
                <td>{g.orgId}</td>
                <td>
                  {g.scope === null
                    ? 'your role'
                    : [
                        g.scope.readOnly ? 'read-only' : 'read-write',
                        g.scope.connectionIds === null ? 'all connections' : g.scope.connectionIds.join(', '),
                        g.scope.capabilities === null ? 'all capabilities' : g.scope.capabilities.join(', '),
                      ].join('; ')}
                </td>
                <td>{formatTime(g.createdAt)}</td>
                <td>
                  <button type="button" onClick={() => void revoke(g.id)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
