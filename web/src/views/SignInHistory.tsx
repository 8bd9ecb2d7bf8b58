import { useState } from 'react';
import { api } from '../api.ts';
import { Busy, Empty, ErrorBox, formatTime, useLoad } from '../ui.tsx';

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
  const sessions = useLoad(() => api<{ items: SessionItem[] }>('GET', '/v1/me/sessions'), []);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<string>) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
      await sessions.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const revoke = (s: SessionItem) =>
    run(async () => {
      await api('DELETE', `/v1/me/sessions/${s.id}`);
      return `Signed out ${s.device}.`;
    });
  const revokeOthers = () =>
    run(async () => {
      const { revoked } = await api<{ revoked: number }>('POST', '/v1/me/sessions/revoke-others');
      return revoked === 1 ? 'Signed out 1 other session.' : `Signed out ${revoked} other sessions.`;
    });

  const items = sessions.data?.items ?? [];
  const others = items.filter((s) => !s.current).length;
  return (
    <section className="card" aria-labelledby="sessions-h">
      <h3 id="sessions-h">Where you are signed in</h3>
      {sessions.loading && <Busy label="Loading…" />}
      <ErrorBox error={sessions.error ?? error} />
      {notice !== null && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {sessions.data !== null && items.length === 0 && <Empty>No live session.</Empty>}
      {items.length > 0 && (
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
                        onClick={() => void revoke(s)}
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
      )}
      {others > 0 && (
        <button type="button" className="danger" disabled={busy} onClick={() => void revokeOthers()}>
          Sign out everywhere else
        </button>
      )}
    </section>
  );
}
