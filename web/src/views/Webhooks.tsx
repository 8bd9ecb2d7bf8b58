import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, type Page } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { CopyButton, Empty, focusSoon, formatTime, ViewHeading } from '../ui.tsx';

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
  const queryClient = useQueryClient();
  const key = ['org', orgId, 'webhooks'] as const;
  const endpoints = useQuery({
    queryKey: [...key, 'endpoints'],
    queryFn: () => api<Page<Endpoint>>('GET', `/v1/orgs/${orgId}/webhooks`),
  });
  const deliveries = useQuery({
    queryKey: [...key, 'deliveries'],
    queryFn: () => api<Page<Delivery>>('GET', `/v1/orgs/${orgId}/webhooks/deliveries?limit=50`),
  });
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(
    EVENT_TYPES.map(([t]) => t).filter((t) => t.startsWith('threat.')),
  );
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const secretHeading = useRef<HTMLHeadingElement>(null);
  // The shown-once secret takes focus when it appears, so it is announced and reachable at once.
  useEffect(() => {
    if (created !== null) secretHeading.current?.focus();
  }, [created]);

  // Every change here is about endpoints and what they were sent: refresh both lists.
  const invalidate = () => queryClient.invalidateQueries({ queryKey: key });
  const create = useMutation({
    mutationFn: () =>
      api<{ url: string; secret: string }>('POST', `/v1/orgs/${orgId}/webhooks`, {
        url,
        description,
        eventTypes: events,
      }),
    onSuccess: (res) => {
      setCreated(res);
      setUrl('');
      setDescription('');
      return invalidate();
    },
  });
  const action = useMutation({
    mutationFn: ({ method, path }: { method: 'POST' | 'DELETE'; path: string }) =>
      api(method, `/v1/orgs/${orgId}/webhooks/${path}`),
    onSettled: invalidate,
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }

  const toggle = (type: string) =>
    setEvents((list) => (list.includes(type) ? list.filter((t) => t !== type) : [...list, type]));

  return (
    <section aria-labelledby="webhooks-h">
      <ViewHeading id="webhooks-h">Webhooks</ViewHeading>
      <p>
        Rolegate signs every message by the Standard Webhooks scheme: verify it with any Standard Webhooks
        library and the endpoint's secret.
      </p>
      <form className="card" onSubmit={submit} aria-label="Add a webhook endpoint">
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
        <MutationError mutation={create} />
        <button type="submit" ref={addButton} disabled={create.isPending || events.length === 0}>
          {create.isPending ? 'Adding…' : 'Add endpoint'}
        </button>
      </form>
      {created !== null && (
        <div className="card notice" role="status">
          <h3 ref={secretHeading} tabIndex={-1}>
            Signing secret for {created.url} (shown once)
          </h3>
          <p>Copy it into your receiver now: Rolegate stores it encrypted and cannot show it again.</p>
          <p>
            <code className="secret" data-testid="new-webhook-secret">
              {created.secret}
            </code>{' '}
            <CopyButton text={created.secret} label="Copy secret" />
          </p>
          <button
            type="button"
            className="secondary small"
            onClick={() => {
              setCreated(null);
              focusSoon(addButton);
            }}
          >
            Done
          </button>
        </div>
      )}
      <MutationError mutation={action} />
      <QueryView query={endpoints} label="Loading endpoints…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No endpoints yet. Add one to receive security alerts in your SIEM or chat.</Empty>
          ) : (
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
                {data.items.map((e) => (
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
                        disabled={action.isPending}
                        onClick={() => action.mutate({ method: 'POST', path: `${e.id}/test` })}
                      >
                        Send test
                      </button>{' '}
                      <button
                        type="button"
                        className="danger small"
                        disabled={action.isPending}
                        onClick={() => {
                          if (
                            window.confirm(`Delete the endpoint ${e.url}? Its queued messages are dropped.`)
                          ) {
                            action.mutate({ method: 'DELETE', path: e.id });
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
          )
        }
      </QueryView>
      <h3>Recent deliveries</h3>
      <button
        type="button"
        className="secondary small"
        disabled={deliveries.isFetching}
        onClick={() => void deliveries.refetch()}
      >
        Refresh
      </button>
      <QueryView query={deliveries} label="Loading deliveries…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No messages yet.</Empty>
          ) : (
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
                {data.items.map((d) => (
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
                          disabled={action.isPending}
                          onClick={() =>
                            action.mutate({ method: 'POST', path: `deliveries/${d.id}/redeliver` })
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
          )
        }
      </QueryView>
    </section>
  );
}
