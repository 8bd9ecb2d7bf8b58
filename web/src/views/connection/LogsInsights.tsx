import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { ApiError, api, type Connection, qs } from '../../api.ts';
import { MutationError, QueryView } from '../../query.tsx';
import { Busy, Empty, ErrorBox, FieldMessage } from '../../ui.tsx';
import { connectionKey, connectionPath, type Json, type paths, splitList } from './access.ts';

type Groups = Json<paths['/v1/orgs/{orgId}/connections/{connId}/logs/groups']['get']['responses']['200']>;
type InsightsResult = Json<
  paths['/v1/orgs/{orgId}/connections/{connId}/logs/insights']['post']['responses']['200']
>;

/** The API's bounds (src/operations/logs.ts): at most 10 groups, 7 days, 1000 rows. */
const MAX_GROUPS = 10;
const MAX_ROWS = 1000;
const RANGES = [
  ['0.25', 'Last 15 minutes'],
  ['1', 'Last hour'],
  ['6', 'Last 6 hours'],
  ['24', 'Last 24 hours'],
  ['168', 'Last 7 days'],
] as const;
/** Statuses after which CloudWatch Logs changes nothing more. */
const DONE = new Set(['Complete', 'Failed', 'Cancelled', 'Timeout']);
const POLL_MS = 1000;
const DEFAULT_QUERY = 'fields @timestamp, @message\n| sort @timestamp desc\n| limit 50';

/**
 * CloudWatch Logs Insights over a connection's log groups (logs-read): start a query, poll its
 * results every second until it is done, cancel it, read the rows as a table.
 */
export function LogsInsights({ orgId, conn }: { orgId: string; conn: Connection }) {
  const id = useId();
  const queryClient = useQueryClient();
  const prefixes = conn.scopes.logGroupPrefixes;
  // A connection with several group prefixes lists one prefix at a time (the API asks which).
  const [listPrefix, setListPrefix] = useState<string | undefined>(
    prefixes.length > 1 ? prefixes[0] : undefined,
  );
  const groups = useQuery({
    queryKey: connectionKey(orgId, conn.id, 'logs', 'groups', listPrefix ?? null),
    queryFn: () =>
      api<Groups>('GET', `${connectionPath(orgId, conn.id)}/logs/groups${qs({ prefix: listPrefix })}`),
  });
  const [picked, setPicked] = useState<string[]>([]);
  const [other, setOther] = useState('');
  const [text, setText] = useState(DEFAULT_QUERY);
  const [hours, setHours] = useState<string>('1');
  const [limit, setLimit] = useState('100');
  const [localProblem, setLocalProblem] = useState<string | null>(null);
  const [queryId, setQueryId] = useState<string | null>(null);
  // One query at a time: a new one would leave the running one scanning (and billed) unseen.
  const [running, setRunning] = useState(false);

  const start = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<InsightsResult>('POST', `${connectionPath(orgId, conn.id)}/logs/insights`, body),
    onSuccess: (result) => {
      queryClient.setQueryData(connectionKey(orgId, conn.id, 'logs', 'insights', result.queryId), result);
      setQueryId(result.queryId);
    },
  });
  const logGroups = [...new Set([...picked, ...splitList(other)])];

  function submit(e: FormEvent) {
    e.preventDefault();
    if (logGroups.length === 0 || logGroups.length > MAX_GROUPS) {
      setLocalProblem(`Choose between 1 and ${MAX_GROUPS} log groups.`);
      return;
    }
    setLocalProblem(null);
    const end = Date.now();
    const begin = end - Number(hours) * 3600_000;
    start.mutate({
      logGroups,
      query: text,
      start: new Date(begin).toISOString(),
      end: new Date(end).toISOString(),
      limit: Number(limit),
      // A short wait: most queries finish in it; longer ones are polled below.
      waitSeconds: 2,
    });
  }

  const err = start.error;
  const invalid = (path: string) => err instanceof ApiError && err.messagesFor(path).length > 0;
  return (
    <section aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Logs Insights</h3>
      <form className="card" onSubmit={submit} aria-label="Run a Logs Insights query">
        <fieldset aria-describedby={`${id}-groups ${id}-groups-local`}>
          <legend>Log groups (up to {MAX_GROUPS})</legend>
          {prefixes.length > 1 && (
            <label>
              List the groups under
              <select value={listPrefix} onChange={(e) => setListPrefix(e.target.value)}>
                {prefixes.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
          )}
          <QueryView query={groups} label="Listing log groups…">
            {(g) =>
              g.items.length === 0 ? (
                <p className="muted small">No log groups listed; type their names below.</p>
              ) : (
                <div className="group-choices">
                  {g.items.map((group) => (
                    <label key={group.name} className="check">
                      <input
                        type="checkbox"
                        checked={picked.includes(group.name)}
                        onChange={(e) =>
                          setPicked(
                            e.target.checked
                              ? [...picked, group.name]
                              : picked.filter((p) => p !== group.name),
                          )
                        }
                      />
                      {group.name}
                    </label>
                  ))}
                </div>
              )
            }
          </QueryView>
          <label>
            Other log groups (comma-separated)
            <input value={other} maxLength={5200} onChange={(e) => setOther(e.target.value)} />
          </label>
          {localProblem !== null && (
            <span className="field-error" id={`${id}-groups-local`}>
              {localProblem}
            </span>
          )}
          <FieldMessage error={err} path="logGroups" id={`${id}-groups`} />
        </fieldset>
        <label>
          Query
          <textarea
            className="query-text"
            required
            maxLength={10_000}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={invalid('query')}
            aria-describedby={`${id}-query`}
          />
          <FieldMessage error={err} path="query" id={`${id}-query`} />
        </label>
        <div className="inline-form">
          <label>
            Time range
            <select value={hours} onChange={(e) => setHours(e.target.value)} aria-describedby={`${id}-range`}>
              {RANGES.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
            <FieldMessage error={err} path="end" id={`${id}-range`} />
          </label>
          <label>
            Rows at most
            <input
              type="number"
              min={1}
              max={MAX_ROWS}
              required
              value={limit}
              onChange={(e) => setLimit(e.target.value)}
              aria-invalid={invalid('limit')}
              aria-describedby={`${id}-limit`}
            />
            <FieldMessage error={err} path="limit" id={`${id}-limit`} />
          </label>
          <button type="submit" disabled={start.isPending || running} aria-describedby={`${id}-one`}>
            {start.isPending ? 'Starting…' : 'Run query'}
          </button>
          {running && (
            <span className="muted small" id={`${id}-one`}>
              Cancel the running query to start another.
            </span>
          )}
        </div>
      </form>
      <MutationError mutation={start} />
      {queryId !== null && (
        <Run key={queryId} orgId={orgId} conn={conn} queryId={queryId} onRunning={setRunning} />
      )}
    </section>
  );
}

function Run({
  orgId,
  conn,
  queryId,
  onRunning,
}: {
  orgId: string;
  conn: Connection;
  queryId: string;
  onRunning: (running: boolean) => void;
}) {
  const key = connectionKey(orgId, conn.id, 'logs', 'insights', queryId);
  const path = `${connectionPath(orgId, conn.id)}/logs/insights/${encodeURIComponent(queryId)}`;
  const queryClient = useQueryClient();
  const run = useQuery({
    queryKey: key,
    queryFn: () => api<InsightsResult>('GET', path),
    // Polled while running; a finished query's rows never change, so nothing refetches them.
    refetchInterval: (q) => (q.state.data === undefined || DONE.has(q.state.data.status) ? false : POLL_MS),
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  const cancel = useMutation({
    mutationFn: () => api<{ queryId: string; cancelled: boolean }>('DELETE', path),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const status = run.data?.status;
  const running = status !== undefined && !DONE.has(status);
  useEffect(() => {
    onRunning(running);
    return () => onRunning(false);
  }, [running, onRunning]);
  return (
    <section className="card" aria-label="Logs Insights results">
      <div className="section-head">
        <p aria-live="polite" data-testid="insights-status">
          Query {status ?? '…'}
          {run.data?.statistics != null &&
            ` — ${run.data.statistics.recordsMatched} matched of ${run.data.statistics.recordsScanned} scanned`}
        </p>
        {running && (
          <button
            type="button"
            className="secondary"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate()}
          >
            Cancel query
          </button>
        )}
      </div>
      {running && <Busy label="Waiting for results…" />}
      <MutationError mutation={cancel} />
      {run.isError ? (
        <ErrorBox error={run.error} />
      ) : run.data === undefined ? null : run.data.results.length === 0 ? (
        !running && <Empty>No rows. Widen the time range or change the query.</Empty>
      ) : (
        <>
          <ResultsTable rows={run.data.results} />
          {run.data.truncated && <p className="notice">Only the first {MAX_ROWS} rows are shown.</p>}
        </>
      )}
    </section>
  );
}

/** Rows as a table; columns in the order the fields first appear (CloudWatch keeps the query's order). */
function ResultsTable({ rows }: { rows: Record<string, string>[] }) {
  const columns: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  return (
    <div className="table-scroll">
      <table data-testid="insights-results">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: result rows have no id of their own
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>
                  {row[c] === undefined ? (
                    <span className="muted">—</span>
                  ) : (
                    <code className="wrap">{row[c]}</code>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
