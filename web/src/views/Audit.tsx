import { type FormEvent, useState } from 'react';
import { api, download, type Page, qs } from '../api.ts';
import { Busy, Empty, ErrorBox, formatTime, useLoad } from '../ui.tsx';

interface AuditRecord {
  id: string;
  seq: number;
  createdAt: string;
  actorType: string;
  actorId: string | null;
  action: string;
  outcome: string;
  targetType: string | null;
  targetId: string | null;
  connectionId: string | null;
  resource: string | null;
  errorCode: string | null;
  requestId: string | null;
  ip: string | null;
}
interface Verify {
  valid: boolean;
  checked: number;
  headSeq: number;
  breakCount: number;
  firstBrokenSeq?: number;
  reason?: string;
  verifiedAt: string;
}

const OUTCOMES = ['', 'success', 'failure', 'denied', 'attempt', 'error'];

export function AuditView({ orgId }: { orgId: string }) {
  const [filters, setFilters] = useState({ action: '', outcome: '', actorId: '', connectionId: '' });
  const [applied, setApplied] = useState(filters);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(
    () => api<Page<AuditRecord>>('GET', `/v1/orgs/${orgId}/audit${qs({ ...applied, limit: 50, cursor })}`),
    [orgId, applied, cursor],
  );
  const verify = useLoad(() => api<Verify>('GET', `/v1/orgs/${orgId}/audit/verify`), [orgId]);
  const [error, setError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);

  function apply(e: FormEvent) {
    e.preventDefault();
    setApplied(filters);
    setCursors([undefined]);
  }

  async function exportAs(format: 'ndjson' | 'csv') {
    setExporting(true);
    setError(null);
    try {
      await download(`/v1/orgs/${orgId}/audit/export?format=${format}`, `audit-${orgId}.${format}`);
    } catch (err) {
      setError(err);
    } finally {
      setExporting(false);
    }
  }

  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <div className="card chain" aria-live="polite">
        {verify.loading && <Busy label="Verifying the hash chain…" />}
        {verify.data?.valid && (
          <p data-testid="chain-status">
            <span className="badge badge-verified">chain intact</span> {verify.data.headSeq} records, verified{' '}
            {formatTime(verify.data.verifiedAt)}; no record was altered, removed or reordered.
          </p>
        )}
        {verify.data !== null && !verify.data.valid && (
          <p data-testid="chain-status" className="error">
            <span className="badge badge-failed">chain broken</span> {verify.data.breakCount} break(s), the
            first at record {verify.data.firstBrokenSeq ?? '?'}: {verify.data.reason ?? 'hash mismatch'}.
          </p>
        )}
        <ErrorBox error={verify.error} />
        <div className="row">
          <button type="button" className="secondary small" onClick={() => verify.reload()}>
            Verify again
          </button>
          <button
            type="button"
            className="secondary small"
            disabled={exporting}
            onClick={() => exportAs('ndjson')}
          >
            Export NDJSON
          </button>
          <button
            type="button"
            className="secondary small"
            disabled={exporting}
            onClick={() => exportAs('csv')}
          >
            Export CSV
          </button>
          {exporting && <Busy label="Exporting…" />}
        </div>
      </div>
      <form className="card inline-form" onSubmit={apply} aria-label="Filter audit records">
        <label>
          Action (prefix ending in *)
          <input
            value={filters.action}
            onChange={(e) => setFilters({ ...filters, action: e.target.value })}
            placeholder="auth.*"
            maxLength={128}
          />
        </label>
        <label>
          Outcome
          <select
            value={filters.outcome}
            onChange={(e) => setFilters({ ...filters, outcome: e.target.value })}
          >
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o === '' ? 'any' : o}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor ID
          <input
            value={filters.actorId}
            onChange={(e) => setFilters({ ...filters, actorId: e.target.value })}
            maxLength={128}
          />
        </label>
        <label>
          Connection ID
          <input
            value={filters.connectionId}
            onChange={(e) => setFilters({ ...filters, connectionId: e.target.value })}
            maxLength={64}
          />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error ?? page.error} />
      {page.loading && <Busy label="Loading records…" />}
      {page.data !== null && page.data.items.length === 0 && (
        <Empty>No audit records match these filters. Clear a filter to see more.</Empty>
      )}
      {page.data !== null && page.data.items.length > 0 && (
        <table data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Target</th>
              <th scope="col">Request ID</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((r) => (
              <tr key={r.id}>
                <td>{r.seq}</td>
                <td>{formatTime(r.createdAt)}</td>
                <td>
                  {r.actorType}
                  {r.actorId !== null && <div className="muted small">{r.actorId}</div>}
                </td>
                <td>
                  <code>{r.action}</code>
                </td>
                <td>
                  <span className={`badge badge-${r.outcome}`}>{r.outcome}</span>
                  {r.errorCode !== null && <div className="muted small">{r.errorCode}</div>}
                </td>
                <td>{r.resource ?? (r.targetId === null ? '—' : `${r.targetType ?? ''} ${r.targetId}`)}</td>
                <td>
                  <code className="small">{r.requestId ?? '—'}</code>
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
          Newer
        </button>
        <button
          type="button"
          className="secondary"
          disabled={page.data?.nextCursor == null}
          onClick={() => page.data?.nextCursor != null && setCursors([...cursors, page.data.nextCursor])}
        >
          Older
        </button>
      </div>
    </section>
  );
}
