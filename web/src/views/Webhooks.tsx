import { type FormEvent, useState } from 'react';
import { api, type Page } from '../api.ts';
import { Busy, CopyButton, Empty, ErrorBox, formatTime, useLoad } from '../ui.tsx';

/** The organisation's webhook endpoints and the delivery log (docs/webhooks.md). */

const EVENT_TYPES = [
  ['threat.brute_force', 'Brute-force sign-in attempts'],
  ['threat.access_denied_burst', 'Bursts of denied AWS calls'],
  ['threat.connection_unsafe', 'Connections found unsafe'],
  ['sso.break_glass_login', 'Break-glass sign-ins (require SSO)'],
  ['approval.requested', 'Approval requested (opt-in)'],
  ['approval.decided', 'Approval decided or revoked (opt-in)'],
  ['approval.policy_updated', 'Approval policy changed (opt-in)'],
] as const;

interface Endpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  createdAt: string;
}

interface Delivery {
  id: string;
  webhookId: string | null;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
}

export function WebhooksView({ orgId }: { orgId: string }) {
  const endpoints = useLoad(() => api<Page<Endpoint>>('GET', `/v1/orgs/${orgId}/webhooks`), [orgId]);
  const deliveries = useLoad(
    () => api<Page<Delivery>>('GET', `/v1/orgs/${orgId}/webhooks/deliveries?limit=50`),
    [orgId],
  );
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(
    EVENT_TYPES.map(([t]) => t).filter((t) => t.startsWith('threat.')),
  );
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function run(fn: () => Promise<unknown>) {
    setError(null);
    try {
      await fn();
      await Promise.all([endpoints.reload(), deliveries.reload()]);
    } catch (err) {
      setError(err);
    }
  }

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    await run(async () => {
      const res = await api<{ url: string; secret: string }>('POST', `/v1/orgs/${orgId}/webhooks`, {
        url,
        description,
        eventTypes: events,
      });
      setCreated(res);
      setUrl('');
      setDescription('');
    });
    setBusy(false);
  }

  const toggle = (type: string) =>
    setEvents((list) => (list.includes(type) ? list.filter((t) => t !== type) : [...list, type]));

  return (
    <section aria-labelledby="webhooks-h">
      <h2 id="webhooks-h">Webhooks</h2>
      <p>
        Rolegate signs every message by the Standard Webhooks scheme: verify it with any Standard Webhooks
        library and the endpoint's secret.
      </p>
      <form className="card" onSubmit={create} aria-label="Add a webhook endpoint">
        <label>
          Endpoint URL
          <input
            type="url"
            required
            maxLength={2048}
            placeholder="https://hooks.example.com/rolegate"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <label>
          Description
          <input maxLength={200} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <fieldset>
          <legend>Events</legend>
          {EVENT_TYPES.map(([type, label]) => (
            <label key={type} className="checkbox">
              <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} />
              {label}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy || events.length === 0}>
          {busy ? 'Adding…' : 'Add endpoint'}
        </button>
      </form>
      {created !== null && (
        <div className="card notice" role="status">
          <h3>Signing secret for {created.url} (shown once)</h3>
          <p>Copy it into your receiver now: Rolegate stores it encrypted and cannot show it again.</p>
          <p>
            <code className="secret" data-testid="new-webhook-secret">
              {created.secret}
            </code>{' '}
            <CopyButton text={created.secret} label="Copy secret" />
          </p>
          <button type="button" className="secondary small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <ErrorBox error={error ?? endpoints.error} />
      {endpoints.loading && endpoints.data === null && <Busy label="Loading endpoints…" />}
      {endpoints.data !== null && endpoints.data.items.length === 0 && (
        <Empty>No endpoints yet. Add one to receive security alerts in your SIEM or chat.</Empty>
      )}
      {endpoints.data !== null && endpoints.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.items.map((e) => (
              <tr key={e.id}>
                <td>
                  <code>{e.url}</code>
                  {e.description !== '' && <div className="muted">{e.description}</div>}
                </td>
                <td>{e.eventTypes.join(', ')}</td>
                <td>{formatTime(e.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() => void run(() => api('POST', `/v1/orgs/${orgId}/webhooks/${e.id}/test`))}
                  >
                    Send test
                  </button>{' '}
                  <button
                    type="button"
                    className="danger small"
                    onClick={() => {
                      if (window.confirm(`Delete the endpoint ${e.url}? Its queued messages are dropped.`)) {
                        void run(() => api('DELETE', `/v1/orgs/${orgId}/webhooks/${e.id}`));
                      }
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Recent deliveries</h3>
      <ErrorBox error={deliveries.error} />
      <button type="button" className="secondary small" onClick={() => void deliveries.reload()}>
        Refresh
      </button>
      {deliveries.data !== null && deliveries.data.items.length === 0 && <Empty>No messages yet.</Empty>}
      {deliveries.data !== null && deliveries.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Message</th>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.id}</code>
                </td>
                <td>{d.eventType}</td>
                <td>
                  {d.status}
                  {d.nextAttemptAt !== null && d.status === 'pending' && (
                    <div className="muted">next try {formatTime(d.nextAttemptAt)}</div>
                  )}
                </td>
                <td>{d.attempts}</td>
                <td>{d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '—')}</td>
                <td>{formatTime(d.createdAt)}</td>
                <td>
                  {d.status !== 'pending' && (
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() =>
                        void run(() => api('POST', `/v1/orgs/${orgId}/webhooks/deliveries/${d.id}/redeliver`))
                      }
                    >
                      Redeliver
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
