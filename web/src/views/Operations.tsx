import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, type Connection, download, qs, uploadWithProgress } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { Empty, ErrorBox, formatTime } from '../ui.tsx';
import { initialPrefix, prefixAllowed, S3PrefixChooser } from './connection/S3Prefixes.tsx';

/**
 * Reads that reach the customer's AWS account: each one assumes the role and is audited, so they
 * are not repeated in the background when the window regains focus, only on the user's request.
 */
const AWS_READ = { staleTime: 60_000, refetchOnWindowFocus: false } as const;

/** The query key of one connection's resources (they go when the connection is invalidated). */
const connKey = (orgId: string, connId: string) => ['org', orgId, 'connections', connId] as const;

/** The connection's address with these panel parameters (`?tab=s3&bucket=…&prefix=…`). */
function panelSearch(params: Record<string, string>): string {
  return `?${new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''))}`;
}

function base(orgId: string, connId: string) {
  return `/v1/orgs/${orgId}/connections/${connId}`;
}

function formatBytes(n: number | null): string {
  if (n === null) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

interface Bucket {
  name: string;
  createdAt: string | null;
  region: string | null;
}
interface ObjectPage {
  items: { key: string; size: number; lastModified: string | null }[];
  prefixes: string[];
  nextCursor: string | null;
}

/** S3 panel: `?tab=s3&bucket=…&prefix=…` is the folder shown, so a reload or a new tab opens it. */
export function S3Browser({ orgId, conn }: { orgId: string; conn: Connection }) {
  const [params] = useSearchParams();
  const bucket = params.get('bucket') ?? '';
  // A prefix-limited connection opens a bucket at its first allowed prefix (docs/console.md).
  const prefix = params.get('prefix') ?? initialPrefix(conn);
  const buckets = useQuery({
    queryKey: [...connKey(orgId, conn.id), 's3', 'buckets'],
    queryFn: () =>
      api<{ items: Bucket[]; nextCursor: string | null }>('GET', `${base(orgId, conn.id)}/s3/buckets`),
    ...AWS_READ,
  });
  // After the first render a new folder is the user's move: the listing takes focus (the link
  // that was clicked is gone with the old listing). A page load keeps the browser's focus.
  const rendered = useRef(false);
  useEffect(() => {
    rendered.current = true;
  }, []);
  return (
    <section aria-labelledby="s3-h">
      <h3 id="s3-h">S3</h3>
      <QueryView query={buckets} label="Listing buckets…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>
              No buckets visible. Check the connection's bucket scopes, or create a bucket in the account.
            </Empty>
          ) : (
            <ul className="pills" aria-label="Buckets">
              {data.items.map((b) => (
                <li key={b.name}>
                  <Link
                    className={b.name === bucket ? 'button small' : 'button secondary small'}
                    aria-current={b.name === bucket ? 'location' : undefined}
                    to={panelSearch({ tab: 's3', bucket: b.name })}
                  >
                    {b.name}
                  </Link>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
      {bucket !== '' && (
        <ObjectList
          key={`${bucket}/${prefix}`}
          orgId={orgId}
          conn={conn}
          bucket={bucket}
          prefix={prefix}
          takeFocus={rendered.current}
        />
      )}
    </section>
  );
}

function ObjectList({
  orgId,
  conn,
  bucket,
  prefix,
  takeFocus,
}: {
  orgId: string;
  conn: Connection;
  bucket: string;
  prefix: string;
  takeFocus: boolean;
}) {
  const queryClient = useQueryClient();
  // Pages are not part of the address: a cursor is only valid for a short while.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const objectsKey = [...connKey(orgId, conn.id), 's3', 'objects', bucket] as const;
  // Outside a prefix-limited connection's prefixes the API answers 403: not asked; the chooser shows.
  const inside = prefixAllowed(conn, prefix);
  const navigate = useNavigate();
  const page = useQuery({
    enabled: inside,
    queryKey: [...objectsKey, prefix, cursor ?? null],
    queryFn: () =>
      api<ObjectPage>(
        'GET',
        `${base(orgId, conn.id)}/s3/buckets/${encodeURIComponent(bucket)}/objects${qs({
          prefix,
          delimiter: '/',
          limit: 100,
          cursor,
        })}`,
      ),
    ...AWS_READ,
  });
  const [progress, setProgress] = useState<number | null>(null);
  const canWrite = conn.capabilities.includes('s3-write');
  const folderNav = useRef<HTMLElement>(null);
  useEffect(() => {
    if (takeFocus) folderNav.current?.focus();
  }, [takeFocus]);

  const upload = useMutation({
    mutationFn: (file: File) =>
      uploadWithProgress(
        `${base(orgId, conn.id)}/s3/buckets/${encodeURIComponent(bucket)}/object${qs({ key: prefix + file.name })}`,
        file,
        setProgress,
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: objectsKey }),
    onSettled: () => setProgress(null),
  });
  const fetchObject = useMutation({
    mutationFn: (key: string) =>
      download(
        `${base(orgId, conn.id)}/s3/buckets/${encodeURIComponent(bucket)}/object${qs({ key })}`,
        key.split('/').pop() ?? 'download',
      ),
  });

  function submitUpload(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const input = e.currentTarget.elements.namedItem('file');
    const file = input instanceof HTMLInputElement ? input.files?.[0] : undefined;
    if (file === undefined) return;
    setProgress(0);
    upload.mutate(file);
  }

  const folder = (p: string) =>
    // Without `prefix` a prefix-limited connection opens the bucket at its first allowed prefix, so
    // the bucket's root says `prefix=` explicitly: there the chooser offers the allowed prefixes.
    p === '' && conn.scopes.s3Prefixes.length > 0
      ? `?${new URLSearchParams({ tab: 's3', bucket, prefix: '' })}`
      : panelSearch({ tab: 's3', bucket, prefix: p });
  const crumbs = prefix.split('/').filter((s) => s.length > 0);

  return (
    <div className="card">
      <nav aria-label={`Folder ${bucket}/${prefix}`} className="crumbs" ref={folderNav} tabIndex={-1}>
        <Link to={folder('')}>{bucket}</Link>
        {crumbs.map((c, i) => (
          <span key={crumbs.slice(0, i + 1).join('/')}>
            {' / '}
            <Link
              to={folder(`${crumbs.slice(0, i + 1).join('/')}/`)}
              aria-current={i === crumbs.length - 1 ? 'location' : undefined}
            >
              {c}
            </Link>
          </span>
        ))}
      </nav>
      <S3PrefixChooser conn={conn} prefix={prefix} onGo={(p) => navigate(folder(p))} />
      <MutationError mutation={fetchObject} />
      {inside && (
        <QueryView query={page} label="Listing objects…">
          {(data) =>
            data.items.length === 0 && data.prefixes.length === 0 ? (
              <Empty>This folder is empty.{canWrite ? ' Upload a file below.' : ''}</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Size</th>
                    <th scope="col">Last modified</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.prefixes.map((p) => (
                    <tr key={p}>
                      <td colSpan={4}>
                        <Link to={folder(p)}>
                          <svg width="16" height="13" viewBox="0 0 16 13" aria-hidden="true" className="icon">
                            <path
                              d="M0 1.5A1.5 1.5 0 0 1 1.5 0h4l1.5 2h7.5A1.5 1.5 0 0 1 16 3.5v8a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 0 11.5z"
                              fill="#c89b2c"
                            />
                          </svg>{' '}
                          {p.slice(prefix.length)}
                        </Link>
                      </td>
                    </tr>
                  ))}
                  {data.items.map((o) => (
                    <tr key={o.key}>
                      <td>{o.key.slice(prefix.length)}</td>
                      <td>{formatBytes(o.size)}</td>
                      <td>{formatTime(o.lastModified)}</td>
                      <td>
                        <button
                          type="button"
                          className="secondary small"
                          disabled={fetchObject.isPending}
                          onClick={() => fetchObject.mutate(o.key)}
                        >
                          Download
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryView>
      )}
      <div className="row">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length <= 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          className="secondary"
          disabled={page.data?.nextCursor == null}
          onClick={() => page.data?.nextCursor != null && setCursors([...cursors, page.data.nextCursor])}
        >
          Next page
        </button>
      </div>
      {canWrite && inside ? (
        <form className="inline-form" onSubmit={submitUpload} aria-label="Upload a file">
          <label>
            Upload to {prefix === '' ? 'the bucket root' : prefix}
            <input type="file" name="file" required />
          </label>
          <button type="submit" disabled={upload.isPending}>
            Upload
          </button>
          {progress !== null && (
            <progress max={1} value={progress} aria-label="Upload progress">
              {Math.round(progress * 100)}%
            </progress>
          )}
          <MutationError mutation={upload} />
        </form>
      ) : canWrite ? null : (
        <p className="muted small">Uploads need the s3-write capability on this connection.</p>
      )}
    </div>
  );
}

interface LogEvent {
  timestamp: string;
  stream: string | null;
  message: string;
  truncated: boolean;
}

/** The time ranges offered, in hours. */
const RANGES = [
  ['1', 'Last hour'],
  ['6', 'Last 6 hours'],
  ['24', 'Last 24 hours'],
  ['168', 'Last 7 days'],
] as const;

/**
 * Logs panel: the search is the address (`?tab=logs&group=…&pattern=…&start=…&end=…`, absolute
 * ISO times), so a reload, Back or a shared link repeats exactly the same query.
 */
export function LogSearch({ orgId, conn }: { orgId: string; conn: Connection }) {
  const [params, setParams] = useSearchParams();
  const search = {
    group: params.get('group') ?? '',
    pattern: params.get('pattern') ?? '',
    start: params.get('start') ?? '',
    end: params.get('end') ?? '',
  };
  const groups = useQuery({
    queryKey: [...connKey(orgId, conn.id), 'logs', 'groups'],
    queryFn: () => api<{ items: { name: string }[] }>('GET', `${base(orgId, conn.id)}/logs/groups`),
    ...AWS_READ,
  });
  const ready = search.group !== '' && search.start !== '' && search.end !== '';
  const events = useQuery({
    queryKey: [...connKey(orgId, conn.id), 'logs', 'events', search],
    queryFn: () =>
      api<{ items: LogEvent[] }>('POST', `${base(orgId, conn.id)}/logs/events`, {
        logGroup: search.group,
        ...(search.pattern.trim() === '' ? {} : { pattern: search.pattern }),
        start: search.start,
        end: search.end,
        limit: 200,
      }),
    enabled: ready,
    ...AWS_READ,
  });
  const [group, setGroup] = useState(search.group);
  const [pattern, setPattern] = useState(search.pattern);
  // Back and Forward change the search under the form: the fields follow the address.
  const [shown, setShown] = useState({ group: search.group, pattern: search.pattern });
  if (shown.group !== search.group || shown.pattern !== search.pattern) {
    setShown({ group: search.group, pattern: search.pattern });
    setGroup(search.group);
    setPattern(search.pattern);
  }
  const [hours, setHours] = useState<string>(() => {
    const span = (Date.parse(search.end) - Date.parse(search.start)) / 3600_000;
    return RANGES.find(([h]) => Number(h) === span)?.[0] ?? '1';
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const end = Date.now();
    const start = end - Number(hours) * 3600_000;
    // A deliberate search: a new history entry.
    setParams(
      new URLSearchParams(
        panelSearch({
          tab: 'logs',
          group,
          pattern: pattern.trim(),
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
        }),
      ),
    );
  }

  return (
    <section aria-labelledby="logs-h">
      <h3 id="logs-h">CloudWatch Logs</h3>
      <form className="card inline-form" onSubmit={submit} aria-label="Search logs">
        <label>
          Log group
          <input required list="log-groups" value={group} onChange={(e) => setGroup(e.target.value)} />
          <datalist id="log-groups">
            {(groups.data?.items ?? []).map((g) => (
              <option key={g.name} value={g.name} />
            ))}
          </datalist>
        </label>
        <label>
          Filter pattern
          <input
            value={pattern}
            onChange={(e) => setPattern(e.target.value)}
            placeholder="ERROR"
            maxLength={1024}
          />
        </label>
        <label>
          Time range
          <select value={hours} onChange={(e) => setHours(e.target.value)}>
            {RANGES.map(([h, label]) => (
              <option key={h} value={h}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={events.isFetching}>
          Search
        </button>
      </form>
      <ErrorBox error={groups.error} />
      {ready && (
        <p className="muted small" data-testid="logs-window">
          Events in {search.group}
          {search.pattern !== '' && <> matching {search.pattern}</>} from {formatTime(search.start)} to{' '}
          {formatTime(search.end)}.
        </p>
      )}
      {ready && (
        <QueryView query={events} label="Searching…">
          {(data) =>
            data.items.length === 0 ? (
              <Empty>No events match. Widen the time range or the pattern.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Stream</th>
                    <th scope="col">Message</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((ev, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: log events have no id
                    <tr key={i}>
                      <td>{formatTime(ev.timestamp)}</td>
                      <td>{ev.stream ?? '—'}</td>
                      <td>
                        <code className="wrap">{ev.message}</code>
                        {ev.truncated && <span className="muted"> (truncated)</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryView>
      )}
    </section>
  );
}

interface LambdaFn {
  name: string;
  runtime: string | null;
  memoryMb: number | null;
  timeoutSeconds: number | null;
  lastModified: string | null;
  description: string | null;
}

export function LambdaList({ orgId, conn }: { orgId: string; conn: Connection }) {
  const fns = useQuery({
    queryKey: [...connKey(orgId, conn.id), 'lambda', 'functions'],
    queryFn: () => api<{ items: LambdaFn[] }>('GET', `${base(orgId, conn.id)}/lambda/functions`),
    ...AWS_READ,
  });
  return (
    <section aria-labelledby="lambda-h">
      <h3 id="lambda-h">Lambda functions</h3>
      <QueryView query={fns} label="Listing functions…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No functions visible. Check the connection's function patterns and regions.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Runtime</th>
                  <th scope="col">Memory</th>
                  <th scope="col">Timeout</th>
                  <th scope="col">Last modified</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((f) => (
                  <tr key={f.name}>
                    <td>
                      {f.name}
                      {f.description !== null && f.description !== '' && (
                        <div className="muted small">{f.description}</div>
                      )}
                    </td>
                    <td>{f.runtime ?? '—'}</td>
                    <td>{f.memoryMb === null ? '—' : `${f.memoryMb} MB`}</td>
                    <td>{f.timeoutSeconds === null ? '—' : `${f.timeoutSeconds} s`}</td>
                    <td>{formatTime(f.lastModified)}</td>
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
