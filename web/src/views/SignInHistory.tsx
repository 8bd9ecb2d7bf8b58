import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { Empty, formatTime } from '../ui.tsx';

interface SessionItem {
  id: string;
  device: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}

/**
 * The user's live sessions (GET /v1/me/sessions). Revoking one stops its tokens at their next
 * request; "Sign out everywhere else" keeps only this browser's session.
 */
export function SignInHistory() {
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: ['me', 'sessions'],
    queryFn: () => api<{ items: SessionItem[] }>('GET', '/v1/me/sessions'),
  });
  const signOut = useMutation({
    mutationFn: async (target: SessionItem | 'others'): Promise<string> => {
      if (target !== 'others') {
        await api('DELETE', `/v1/me/sessions/${target.id}`);
        return `Signed out ${target.device}.`;
      }
      const { revoked } = await api<{ revoked: number }>('POST', '/v1/me/sessions/revoke-others');
      return revoked === 1 ? 'Signed out 1 other session.' : `Signed out ${revoked} other sessions.`;
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['me', 'sessions'] }),
  });
  const busy = signOut.isPending;

  return (
    <section className="card" aria-labelledby="sessions-h">
      <h3 id="sessions-h">Where you are signed in</h3>
      <MutationError mutation={signOut} />
      {signOut.data !== undefined && (
        <p className="notice" role="status">
          {signOut.data}
        </p>
      )}
      <QueryView query={sessions} label="Loading…">
        {({ items }) => {
          const others = items.filter((s) => !s.current).length;
          if (items.length === 0) return <Empty>No live session.</Empty>;
          return (
            <>
              <div className="table-scroll">
                <table data-testid="sessions">
                  <thead>
                    <tr>
                      <th>Device</th>
                      <th>Address</th>
                      <th>Signed in</th>
                      <th>Last seen</th>
                      <th>
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((s) => (
                      <tr key={s.id} data-session-id={s.id}>
                        <td title={s.userAgent ?? undefined}>
                          {s.device}
                          {s.current && (
                            <>
                              {' '}
                              <strong className="badge">this browser</strong>
                            </>
                          )}
                        </td>
                        <td>{s.ip ?? '—'}</td>
                        <td>{formatTime(s.createdAt)}</td>
                        <td>{formatTime(s.lastSeenAt)}</td>
                        <td>
                          {!s.current && (
                            <button
                              type="button"
                              className="secondary small"
                              disabled={busy}
                              aria-label={`Sign out ${s.device} (${s.ip ?? 'unknown address'})`}
                              onClick={() => signOut.mutate(s)}
                            >
                              Sign out
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {others > 0 && (
                <button
                  type="button"
                  className="danger"
                  disabled={busy}
                  onClick={() => signOut.mutate('others')}
                >
                  Sign out everywhere else
                </button>
              )}
            </>
          );
        }}
      </QueryView>
    </section>
  );
}
