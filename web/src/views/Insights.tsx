import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createContext, type FormEvent, type ReactNode, useContext, useId, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, api, type Connection, type Page, qs } from '../api.ts';
import { QueryView } from '../query.tsx';
import { Empty, FieldMessage, formatTime } from '../ui.tsx';
import { type Json, type paths, usePermissions } from './connection/access.ts';

/**
 * Security insights (insights:read, admins and owners): the questions of src/insights/catalogue.ts,
 * each with its inputs and its answer as tables. The chosen insight is in the URL (`?insight=`).
 */

type InsightPath<P extends string> = P extends keyof paths
  ? paths[P] extends { get: { responses: { 200: infer R } } }
    ? Json<R>
    : never
  : never;
type EventList = InsightPath<'/v1/orgs/{orgId}/insights/access-log'>;
type Traffic = InsightPath<'/v1/orgs/{orgId}/insights/traffic'>;
type Threats = InsightPath<'/v1/orgs/{orgId}/insights/threats'>;
type Anomalies = InsightPath<'/v1/orgs/{orgId}/insights/anomalies'>;

interface Field {
  name: string;
  label: string;
  kind: 'text' | 'number';
  /** The API's default, shown as the placeholder (an empty field sends nothing). */
  placeholder?: string;
  step?: string;
}

const EVENT_FIELDS: Field[] = [
  { name: 'action', label: 'Action', kind: 'text', placeholder: 'e.g. auth.login' },
  { name: 'actorId', label: 'Actor ID', kind: 'text' },
  { name: 'connectionId', label: 'Connection ID', kind: 'text' },
  { name: 'limit', label: 'Rows per page', kind: 'number', placeholder: '50' },
];

const INSIGHTS = [
  {
    id: 'access-log',
    label: 'Access log',
    about: 'Recent audit events of the organisation, newest first, including its members’ sign-ins.',
    fields: EVENT_FIELDS,
  },
  {
    id: 'error-log',
    label: 'Errors and denials',
    about: 'Failed, denied and errored events, newest first (AWS AccessDenied, failed logins, …).',
    fields: EVENT_FIELDS,
  },
  {
    id: 'traffic',
    label: 'Traffic',
    about: 'Event counts over the window, by action, by outcome and by actor.',
    fields: [{ name: 'top', label: 'Top rows of each', kind: 'number', placeholder: '20' }],
  },
  {
    id: 'threats',
    label: 'Threats',
    about:
      'Brute-force sources, bursts of AWS access denied, connections found unsafe, and Rolegate sessions whose credentials CloudTrail saw used outside Rolegate.',
    fields: [
      { name: 'minFailedLogins', label: 'Failed logins per IP', kind: 'number', placeholder: '5' },
      { name: 'minDenied', label: 'Denials per burst', kind: 'number', placeholder: '5' },
      { name: 'burstMinutes', label: 'Burst length (minutes)', kind: 'number', placeholder: '10' },
      { name: 'limit', label: 'Rows', kind: 'number', placeholder: '50' },
    ],
  },
  {
    id: 'anomalies',
    label: 'Anomalies',
    about:
      'Member logins from an address never used by that user before, and connections whose brokered AWS call volume is far above their baseline.',
    fields: [
      { name: 'baselineDays', label: 'Baseline (days)', kind: 'number', placeholder: '14' },
      { name: 'factor', label: 'Factor over baseline', kind: 'number', placeholder: '3', step: '0.1' },
      { name: 'minCalls', label: 'Minimum calls', kind: 'number', placeholder: '20' },
      { name: 'limit', label: 'Rows', kind: 'number', placeholder: '50' },
    ],
  },
] as const satisfies ReadonlyArray<{ id: string; label: string; about: string; fields: readonly Field[] }>;
type InsightId = (typeof INSIGHTS)[number]['id'];

/** A datetime-local value (the browser's time zone) as the ISO instant the API takes. */
function isoOf(local: string): string | undefined {
  if (local === '') return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function InsightsView({ orgId }: { orgId: string }) {
  const allowed = usePermissions(orgId);
  const [params, setParams] = useSearchParams();
  const current: InsightId = INSIGHTS.find((i) => i.id === params.get('insight'))?.id ?? 'access-log';
  const insight = INSIGHTS.find((i) => i.id === current) ?? INSIGHTS[0];
  if (!allowed('insights:read')) {
    return (
      <section aria-labelledby="insights-h">
        <h2 id="insights-h">Security insights</h2>
        <p>Your role in this organisation does not include security insights.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="insights-h">
      <h2 id="insights-h">Security insights</h2>
      <div className="tabs" role="tablist" aria-label="Insights">
        {INSIGHTS.map((i) => (
          <button
            key={i.id}
            type="button"
            role="tab"
            aria-selected={i.id === current}
            className={i.id === current ? 'tab current' : 'tab'}
            onClick={() =>
              setParams((prev) => {
                const next = new URLSearchParams(prev);
                next.set('insight', i.id);
                return next;
              })
            }
          >
            {i.label}
          </button>
        ))}
      </div>
      <p className="muted">{insight.about}</p>
      <Insight key={insight.id} orgId={orgId} insight={insight} />
    </section>
  );
}

function Insight({ orgId, insight }: { orgId: string; insight: (typeof INSIGHTS)[number] }) {
  const id = useId();
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [input, setInput] = useState<Record<string, string>>({});
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const paged = insight.id === 'access-log' || insight.id === 'error-log';
  const query = useQuery({
    queryKey: ['org', orgId, 'insights', insight.id, input, cursor ?? null],
    queryFn: () => api<unknown>('GET', `/v1/orgs/${orgId}/insights/${insight.id}${qs({ ...input, cursor })}`),
    placeholderData: keepPreviousData,
  });
  const connections = useQuery({
    queryKey: ['org', orgId, 'connections', { limit: 100 }],
    queryFn: () => api<Page<Connection>>('GET', `/v1/orgs/${orgId}/connections?limit=100`),
  });
  const members = useQuery({
    queryKey: ['org', orgId, 'members'],
    queryFn: () => api<Page<{ userId: string; email: string }>>('GET', `/v1/orgs/${orgId}/members?limit=200`),
  });
  const names = new Map((connections.data?.items ?? []).map((c) => [c.id, c.name]));
  const users = new Map((members.data?.items ?? []).map((m) => [m.userId, m.email]));
  const connection = (connId: string | null): ReactNode =>
    connId === null ? '—' : (names.get(connId) ?? <code>{connId}</code>);

  function submit(e: FormEvent) {
    e.preventDefault();
    const next: Record<string, string> = {};
    const s = isoOf(since);
    const u = isoOf(until);
    if (s !== undefined) next.since = s;
    if (u !== undefined) next.until = u;
    for (const f of insight.fields) {
      const v = (values[f.name] ?? '').trim();
      if (v !== '') next[f.name] = v;
    }
    setCursors([undefined]);
    setInput(next);
    if (JSON.stringify(next) === JSON.stringify(input)) void query.refetch();
  }

  const error = query.error;
  const fieldProps = (name: string) => ({
    'aria-invalid': error instanceof ApiError && error.messagesFor(name).length > 0,
    'aria-describedby': `${id}-${name}`,
  });
  const fields: readonly Field[] = insight.fields;

  return (
    <>
      <form className="card insight-inputs" onSubmit={submit} aria-label={`${insight.label} inputs`}>
        <label>
          From (empty: 24 hours before “to”)
          <input
            type="datetime-local"
            value={since}
            onChange={(e) => setSince(e.target.value)}
            {...fieldProps('since')}
          />
          <FieldMessage error={error} path="since" id={`${id}-since`} />
        </label>
        <label>
          To (empty: now)
          <input
            type="datetime-local"
            value={until}
            onChange={(e) => setUntil(e.target.value)}
            {...fieldProps('until')}
          />
          <FieldMessage error={error} path="until" id={`${id}-until`} />
        </label>
        {fields.map((f) => (
          <label key={f.name}>
            {f.label}
            <input
              type={f.kind === 'number' ? 'number' : 'text'}
              inputMode={f.kind === 'number' ? 'decimal' : undefined}
              step={f.step}
              min={f.kind === 'number' ? 1 : undefined}
              maxLength={f.kind === 'text' ? 128 : undefined}
              placeholder={f.placeholder}
              value={values[f.name] ?? ''}
              onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
              {...fieldProps(f.name)}
            />
            <FieldMessage error={error} path={f.name} id={`${id}-${f.name}`} />
          </label>
        ))}
        <button type="submit" disabled={query.isFetching}>
          Show
        </button>
      </form>
      <UserNames.Provider value={users}>
        <QueryView query={query} label={`Loading ${insight.label.toLowerCase()}…`}>
          {(data) => (
            <section aria-label={insight.label} data-testid={`insight-${insight.id}`}>
              <WindowLine span={(data as { window: InsightWindow }).window} />
              {insight.id === 'access-log' || insight.id === 'error-log' ? (
                <EventsTable data={data as EventList} connection={connection} />
              ) : insight.id === 'traffic' ? (
                <TrafficTables data={data as Traffic} />
              ) : insight.id === 'threats' ? (
                <ThreatTables data={data as Threats} connection={connection} />
              ) : (
                <AnomalyTables data={data as Anomalies} connection={connection} />
              )}
            </section>
          )}
        </QueryView>
      </UserNames.Provider>
      {paged && (
        <div className="row">
          <button
            type="button"
            className="secondary"
            disabled={cursors.length <= 1 || query.isFetching}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            Newer
          </button>
          <button
            type="button"
            className="secondary"
            disabled={(query.data as EventList | undefined)?.nextCursor == null || query.isFetching}
            onClick={() => {
              const next = (query.data as EventList | undefined)?.nextCursor;
              if (next != null) setCursors([...cursors, next]);
            }}
          >
            Older
          </button>
        </div>
      )}
    </>
  );
}

interface InsightWindow {
  since: string;
  until: string;
}

function WindowLine({ span }: { span: InsightWindow }) {
  return (
    <p className="muted small">
      From {formatTime(span.since)} to {formatTime(span.until)}.
    </p>
  );
}

/** Outcomes worth the eye: `attempt` is the record written before a brokered call, not a failure. */
const BAD_OUTCOMES = new Set(['failure', 'denied', 'error']);

type ConnectionName = (connId: string | null) => ReactNode;

/** Member emails by user id, so that actors read as people (members:read is below insights:read). */
const UserNames = createContext<ReadonlyMap<string, string>>(new Map());

function Actor({ type, id }: { type: string; id: string | null }) {
  const users = useContext(UserNames);
  if (id === null) return <>{type}</>;
  const email = type === 'user' ? users.get(id) : undefined;
  if (email !== undefined) return <span title={id}>{email}</span>;
  return (
    <>
      {type} <code>{id}</code>
    </>
  );
}

function Scroll({ children }: { children: ReactNode }) {
  return <div className="table-scroll">{children}</div>;
}

function EventsTable({ data, connection }: { data: EventList; connection: ConnectionName }) {
  if (data.items.length === 0)
    return <Empty>No events in this window. Widen the window or the filters.</Empty>;
  return (
    <Scroll>
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
            <th scope="col">Actor</th>
            <th scope="col">Connection</th>
            <th scope="col">Resource</th>
            <th scope="col">Error</th>
            <th scope="col">Address</th>
            <th scope="col">Request ID</th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((e) => (
            <tr key={e.id}>
              <td>{formatTime(e.at)}</td>
              <td>
                <code>{e.action}</code>
                {e.operation !== null && <div className="muted small">{e.operation}</div>}
              </td>
              <td className={BAD_OUTCOMES.has(e.outcome) ? 'danger' : undefined}>{e.outcome}</td>
              <td>
                <Actor type={e.actorType} id={e.actorId} />
              </td>
              <td>{connection(e.connectionId)}</td>
              <td>
                {e.resource !== null ? (
                  <code className="wrap">{e.resource}</code>
                ) : e.targetType !== null ? (
                  `${e.targetType} ${e.targetId ?? ''}`
                ) : (
                  '—'
                )}
              </td>
              <td>{e.errorCode ?? '—'}</td>
              <td>{e.ip ?? '—'}</td>
              <td>{e.requestId === null ? '—' : <code>{e.requestId}</code>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

function CountTable({
  caption,
  head,
  rows,
}: {
  caption: string;
  head: string;
  rows: { key: string; label: ReactNode; count: number }[];
}) {
  return (
    <Scroll>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            <th scope="col">Events</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={2} className="muted">
                None
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.key}>
                <td>{r.label}</td>
                <td>{r.count}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </Scroll>
  );
}

function TrafficTables({ data }: { data: Traffic }) {
  return (
    <>
      <p>
        <strong>{data.total}</strong> events in the window.
      </p>
      <CountTable
        caption="By action"
        head="Action"
        rows={data.byAction.map((r) => ({ key: r.action, label: <code>{r.action}</code>, count: r.count }))}
      />
      <CountTable
        caption="By outcome"
        head="Outcome"
        rows={data.byOutcome.map((r) => ({ key: r.outcome, label: r.outcome, count: r.count }))}
      />
      <CountTable
        caption="By actor"
        head="Actor"
        rows={data.byActor.map((r) => ({
          key: `${r.actorType}:${r.actorId ?? ''}`,
          label: <Actor type={r.actorType} id={r.actorId} />,
          count: r.count,
        }))}
      />
    </>
  );
}

function ThreatTables({ data, connection }: { data: Threats; connection: ConnectionName }) {
  const nothing =
    data.bruteForceSources.length +
      data.accessDeniedBursts.length +
      data.unsafeConnections.length +
      data.sessionsUsedOutsideRolegate.length ===
    0;
  if (nothing) return <Empty>No threats found in this window.</Empty>;
  return (
    <>
      {data.sessionsUsedOutsideRolegate.length > 0 && (
        <Scroll>
          <table>
            <caption className="severity-high">
              High severity: Rolegate session credentials used outside Rolegate
            </caption>
            <thead>
              <tr>
                <th scope="col">Connection</th>
                <th scope="col">Detected</th>
                <th scope="col">Events</th>
                <th scope="col">Sessions</th>
                <th scope="col">Recommended action</th>
              </tr>
            </thead>
            <tbody>
              {data.sessionsUsedOutsideRolegate.map((s) => (
                <tr key={s.reconciliationId}>
                  <td>{connection(s.connectionId)}</td>
                  <td>{formatTime(s.detectedAt)}</td>
                  <td>{s.events}</td>
                  <td>
                    {s.sessionNames.map((n) => (
                      <code key={n} className="wrap">
                        {n}{' '}
                      </code>
                    ))}
                  </td>
                  <td>{s.recommendedAction ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <Scroll>
        <table>
          <caption>Brute-force sources (failed logins by address)</caption>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Failures</th>
              <th scope="col">Users tried</th>
              <th scope="col">First</th>
              <th scope="col">Last</th>
            </tr>
          </thead>
          <tbody>
            {data.bruteForceSources.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  None
                </td>
              </tr>
            ) : (
              data.bruteForceSources.map((b) => (
                <tr key={b.ip}>
                  <td>{b.ip}</td>
                  <td>{b.failures}</td>
                  <td>{b.users}</td>
                  <td>{formatTime(b.firstAt)}</td>
                  <td>{formatTime(b.lastAt)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </Scroll>
      <Scroll>
        <table>
          <caption>Bursts of AWS access denied</caption>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Actor</th>
              <th scope="col">Connection</th>
              <th scope="col">Denials</th>
            </tr>
          </thead>
          <tbody>
            {data.accessDeniedBursts.length === 0 ? (
              <tr>
                <td colSpan={4} className="muted">
                  None
                </td>
              </tr>
            ) : (
              data.accessDeniedBursts.map((b) => (
                <tr key={`${b.bucketStart}:${b.actorType}:${b.actorId ?? ''}:${b.connectionId ?? ''}`}>
                  <td>{formatTime(b.bucketStart)}</td>
                  <td>
                    <Actor type={b.actorType} id={b.actorId} />
                  </td>
                  <td>{connection(b.connectionId)}</td>
                  <td>{b.count}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </Scroll>
      <Scroll>
        <table>
          <caption>Connections found unsafe</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Connection</th>
              <th scope="col">Event</th>
              <th scope="col">Actor</th>
            </tr>
          </thead>
          <tbody>
            {data.unsafeConnections.length === 0 ? (
              <tr>
                <td colSpan={4} className="muted">
                  None
                </td>
              </tr>
            ) : (
              data.unsafeConnections.map((u) => (
                <tr key={`${u.at}:${u.connectionId ?? ''}:${u.action}`}>
                  <td>{formatTime(u.at)}</td>
                  <td>{connection(u.connectionId)}</td>
                  <td>
                    <code>{u.action}</code>
                  </td>
                  <td>
                    <Actor type={u.actorType} id={u.actorId} />
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </Scroll>
    </>
  );
}

function AnomalyTables({ data, connection }: { data: Anomalies; connection: ConnectionName }) {
  return (
    <>
      <Scroll>
        <table>
          <caption>Logins from a new address</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">User</th>
              <th scope="col">Address</th>
              <th scope="col">New network</th>
            </tr>
          </thead>
          <tbody>
            {data.newIpLogins.length === 0 ? (
              <tr>
                <td colSpan={4} className="muted">
                  None
                </td>
              </tr>
            ) : (
              data.newIpLogins.map((l) => (
                <tr key={l.eventId}>
                  <td>{formatTime(l.at)}</td>
                  <td>
                    <Actor type="user" id={l.userId} />
                  </td>
                  <td>{l.ip}</td>
                  <td className={l.newNetwork ? 'warning' : undefined}>{l.newNetwork ? 'yes' : 'no'}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </Scroll>
      <Scroll>
        <table>
          <caption>Brokered AWS calls far above the baseline</caption>
          <thead>
            <tr>
              <th scope="col">Connection</th>
              <th scope="col">Calls in the window</th>
              <th scope="col">Expected</th>
              <th scope="col">Baseline calls</th>
            </tr>
          </thead>
          <tbody>
            {data.brokeredVolume.length === 0 ? (
              <tr>
                <td colSpan={4} className="muted">
                  None
                </td>
              </tr>
            ) : (
              data.brokeredVolume.map((v) => (
                <tr key={v.connectionId}>
                  <td>{connection(v.connectionId)}</td>
                  <td>{v.windowCalls}</td>
                  <td>{v.expectedCalls.toFixed(1)}</td>
                  <td>{v.baselineCalls}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </Scroll>
    </>
  );
}
