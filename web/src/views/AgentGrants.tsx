import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { Empty, formatTime } from '../ui.tsx';

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
  const queryClient = useQueryClient();
  const key = ['me', 'oauth-grants'] as const;
  const grants = useQuery({
    queryKey: key,
    queryFn: () => api<{ items: AgentGrant[] }>('GET', '/v1/oauth/grants'),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/v1/oauth/grants/${id}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });

  return (
    <section className="card" aria-labelledby="agent-grants-h">
      <h3 id="agent-grants-h">Authorized MCP clients</h3>
      <MutationError mutation={revoke} />
      <QueryView query={grants} label="Loading…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No MCP client is authorized.</Empty>
          ) : (
            <table data-testid="agent-grants">
              <thead>
                <tr>
                  <th>Client</th>
                  <th>Organisation</th>
                  <th>Scope</th>
                  <th>Granted</th>
                  <th>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((g) => (
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
                            g.scope.connectionIds === null
                              ? 'all connections'
                              : g.scope.connectionIds.join(', '),
                            g.scope.capabilities === null
                              ? 'all capabilities'
                              : g.scope.capabilities.join(', '),
                          ].join('; ')}
                    </td>
                    <td>{formatTime(g.createdAt)}</td>
                    <td>
                      <button
                        type="button"
                        disabled={revoke.isPending}
                        aria-label={`Revoke ${g.clientName}`}
                        onClick={() => revoke.mutate(g.id)}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </section>
  );
}
