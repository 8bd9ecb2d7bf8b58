import { type FormEvent, useState } from 'react';
import { api, type Connection, download, qs, uploadWithProgress } from '../api.ts';
import { Busy, Empty, ErrorBox, formatTime, useLoad } from '../ui.tsx';
import { initialPrefix, prefixAllowed, S3PrefixChooser } from './connection/S3Prefixes.tsx';

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

export function S3Browser({ orgId, conn }: { orgId: string; conn: Connection }) {
  const buckets = useLoad(
    () => api<{ items: Bucket[]; nextCursor: string | null }>('GET', `${base(orgId, conn.id)}/s3/buckets`),
    [orgId, conn.id],
  );
  const [bucket, setBucket] = useState<string | null>(null);
  return (
    <section aria-labelledby="s3-h">
      <h3 id="s3-h">S3</h3>
      <ErrorBox error={buckets.error} />
      {buckets.loading && <Busy label="Listing buckets…" />}
      {buckets.data !== null && buckets.data.items.length === 0 && (
        <Empty>
          No buckets visible. Check the connection's bucket scopes, or create a bucket in the account.
        </Empty>
      )}
      {buckets.data !== null && buckets.data.items.length > 0 && (
        <ul className="pills" aria-label="Buckets">
          {buckets.data.items.map((b) => (
            <li key={b.name}>
              <button
                type="button"
                className={b.name === bucket ? '' : 'secondary'}
                aria-pressed={b.name === bucket}
                onClick={() => setBucket(b.name)}
              >
                {b.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {bucket !== null && <ObjectList key={bucket} orgId={orgId} conn={conn} bucket={bucket} />}
    </section>
  );
}

function ObjectList({ orgId, conn, bucket }: { orgId: string; conn: Connection; bucket: string }) {
  const [prefix, setPrefix] = useState(() => initialPrefix(conn));
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(
    () =>
      // Outside a prefix-limited connection's prefixes the API answers 403: not asked; the chooser shows.
      !prefixAllowed(conn, prefix)
        ? Promise.resolve<ObjectPage | null>(null)
        : api<ObjectPage>(
            'GET',
            `${base(orgId, conn.id)}/s3/buckets/${encodeURIComponent(bucket)}/objects${qs({
              prefix,
              delimiter: '/',
              limit: 100,
              cursor,
            })}`,
          ),
    [orgId, conn.id, bucket, prefix, cursor],
  );
  const [error, setError] = useState<unknown>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const canWrite = conn.capabilities.includes('s3-write');

  function go(p: string) {
    setPrefix(p);
    setCursors([undefined]);
  }
  const crumbs = prefix.split('/').filter((s) => s.length > 0);

  async function upload(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const input = e.currentTarget.elements.namedItem('file');
    const file = input instanceof HTMLInputElement ? input.files?.[0] : undefined;
    if (file === undefined) return;
    setError(null);
    setProgress(0);
    try {
      await uploadWithProgress(
        `${base(orgId, conn.id)}/s3/buckets/${encodeURIComponent(bucket)}/object${qs({ key: prefix + file.name })}`,
        file,
        setProgress,
      );
      await page.reload();
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
    }
  }

  return (
    <div className="card">
      <nav aria-label="Folder" className="crumbs">
        <button type="button" className="link" onClick={() => go('')}>
          {bucket}
        </button>
        {crumbs.map((c, i) => (
          <span key={crumbs.slice(0, i + 1).join('/')}>
            {' / '}
            <button type="button" className="link" onClick={() => go(`${crumbs.slice(0, i + 1).join('/')}/`)}>
              {c}
            </button>
          </span>
        ))}
      </nav>
      <S3PrefixChooser conn={conn} prefix={prefix} onGo={go} />
      <ErrorBox error={error ?? page.error} />
      {page.loading && <Busy label="Listing objects…" />}
      {page.data !== null && page.data.items.length === 0 && page.data.prefixes.length === 0 && (
        <Empty>This folder is empty.{canWrite ? ' Upload a file below.' : ''}</Empty>
      )}
      {page.data !== null && (page.data.items.length > 0 || page.data.prefixes.length > 0) && (
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
            {page.data.prefixes.map((p) => (
              <tr key={p}>
                <td colSpan={4}>
                  <button type="button" className="link" onClick={() => go(p)}>
                    <svg width="16" height="13" viewBox="0 0 16 13" aria-hidden="true" className="icon">
                      <path
                        d="M0 1.5A1.5 1.5 0 0 1 1.5 0h4l1.5 2h7.5A1.5 1.5 0 0 1 16 3.5v8a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 0 11.5z"
                        fill="#c89b2c"
                      />
                    </svg>{' '}
                    {p.slice(prefix.length)}
                  </button>
                </td>
              </tr>
            ))}
            {page.data.items.map((o) => (
              <tr key={o.key}>
                <td>{o.key.slice(prefix.length)}</td>
                <td>{formatBytes(o.size)}</td>
                <td>{formatTime(o.lastModified)}</td>
                <td>
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() =>
                      download(
                        `${base(orgId, conn.id)}/s3/buckets/${encodeURIComponent(bucket)}/object${qs({ key: o.key })}`,
                        o.key.split('/').pop() ?? 'download',
                      ).catch(setError)
                    }
                  >
                    Download
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
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
      {canWrite ? (
        <form className="inline-form" onSubmit={upload} aria-label="Upload a file">
          <label>
            Upload to {prefix === '' ? 'the bucket root' : prefix}
            <input type="file" name="file" required />
          </label>
          <button type="submit" disabled={progress !== null}>
            Upload
          </button>
          {progress !== null && (
            <progress max={1} value={progress} aria-label="Upload progress">
              {Math.round(progress * 100)}%
            </progress>
          )}
        </form>
      ) : (
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

export function LogSearch({ orgId, conn }: { orgId: string; conn: Connection }) {
  const groups = useLoad(
    () => api<{ items: { name: string }[] }>('GET', `${base(orgId, conn.id)}/logs/groups`),
    [orgId, conn.id],
  );
  const [group, setGroup] = useState('');
  const [pattern, setPattern] = useState('');
  const [hours, setHours] = useState('1');
  const [events, setEvents] = useState<LogEvent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function search(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const end = Date.now();
      const start = end - Number(hours) * 3600_000;
      const res = await api<{ items: LogEvent[] }>('POST', `${base(orgId, conn.id)}/logs/events`, {
        logGroup: group,
        ...(pattern.trim() === '' ? {} : { pattern }),
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
        limit: 200,
      });
      setEvents(res.items);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="logs-h">
      <h3 id="logs-h">CloudWatch Logs</h3>
      <form className="card inline-form" onSubmit={search} aria-label="Search logs">
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
            <option value="1">Last hour</option>
            <option value="6">Last 6 hours</option>
            <option value="24">Last 24 hours</option>
            <option value="168">Last 7 days</option>
          </select>
        </label>
        <button type="submit" disabled={busy}>
          Search
        </button>
      </form>
      <ErrorBox error={error ?? groups.error} />
      {busy && <Busy label="Searching…" />}
      {events !== null && events.length === 0 && (
        <Empty>No events match. Widen the time range or the pattern.</Empty>
      )}
      {events !== null && events.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Stream</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {events.map((ev, i) => (
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
  const fns = useLoad(
    () => api<{ items: LambdaFn[] }>('GET', `${base(orgId, conn.id)}/lambda/functions`),
    [orgId, conn.id],
  );
  return (
    <section aria-labelledby="lambda-h">
      <h3 id="lambda-h">Lambda functions</h3>
      <ErrorBox error={fns.error} />
      {fns.loading && <Busy label="Listing functions…" />}
      {fns.data !== null && fns.data.items.length === 0 && (
        <Empty>No functions visible. Check the connection's function patterns and regions.</Empty>
      )}
      {fns.data !== null && fns.data.items.length > 0 && (
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
            {fns.data.items.map((f) => (
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
      )}
    </section>
  );
}
