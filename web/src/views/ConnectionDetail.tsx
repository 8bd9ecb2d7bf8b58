import { useEffect, useState } from 'react';
import { api, type Check, type Connection } from '../api.ts';
import { Busy, ErrorBox, formatTime, useLoad } from '../ui.tsx';
import { StatusBadge, VerificationReport } from './Connections.tsx';
import { usePermissions } from './connection/access.ts';
import { ConnectionSettings } from './connection/ConnectionSettings.tsx';
import { DynamoDb } from './connection/DynamoDb.tsx';
import { LogsInsights } from './connection/LogsInsights.tsx';
import { ScanHistory } from './connection/ScanHistory.tsx';
import { LambdaList, LogSearch, S3Browser } from './Operations.tsx';

type Tab = 'overview' | 's3' | 'logs' | 'insights-query' | 'dynamodb' | 'lambda' | 'scans' | 'settings';

interface Scan {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: { regionsDone: number; regionsTotal: number; findings: number };
}

interface ReconciliationRow {
  id: string;
  status: string;
  window: { start: string; end: string };
  counts: { matched: number; unmatched: number; unlogged: number; foreignAssumeRoles: number };
}

/** The reconciled windows of a connection with their counts (docs/reconciliation.md). */
function Reconciliations({ orgId, connId }: { orgId: string; connId: string }) {
  const { data, error } = useLoad(
    () =>
      api<{ items: ReconciliationRow[] }>('GET', `/v1/orgs/${orgId}/connections/${connId}/reconciliations`),
    [orgId, connId],
  );
  if (error !== null) return <ErrorBox error={error} />;
  if (data === null) return <Busy label="Loading reconciliations" />;
  if (data.items.length === 0) return <p>No window reconciled yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Window</th>
          <th>Status</th>
          <th>Matched</th>
          <th>Unmatched</th>
          <th>Informational</th>
          <th>Foreign AssumeRole</th>
        </tr>
      </thead>
      <tbody>
        {data.items.map((r) => (
          <tr key={r.id}>
            <td>
              {formatTime(r.window.start)} – {formatTime(r.window.end)}
            </td>
            <td>{r.status}</td>
            <td>{r.counts.matched}</td>
            <td className={r.counts.unmatched > 0 ? 'danger' : undefined}>{r.counts.unmatched}</td>
            <td>{r.counts.unlogged}</td>
            <td className={r.counts.foreignAssumeRoles > 0 ? 'danger' : undefined}>
              {r.counts.foreignAssumeRoles}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ConnectionDetail({
  orgId,
  connection,
  onBack,
  onFindings,
  canVerify,
}: {
  orgId: string;
  connection: Connection;
  onBack: () => void;
  onFindings: () => void;
  /** connections:verify (admin): a weaker role is not offered the verify button. */
  canVerify: boolean;
}) {
  const [conn, setConn] = useState(connection);
  const [tab, setTab] = useState<Tab>('overview');
  const [result, setResult] = useState<{ status: 'verified' | 'unsafe' | 'failed'; checks: Check[] } | null>(
    connection.verification,
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [scan, setScan] = useState<Scan | null>(null);
  const usable = conn.status === 'verified';
  const caps = conn.capabilities;
  const allowed = usePermissions(orgId);

  const tabs: [Tab, string, boolean][] = [
    ['overview', 'Overview', true],
    ['s3', 'S3', caps.includes('s3-read') || caps.includes('s3-write')],
    ['logs', 'Logs', caps.includes('logs-read')],
    ['insights-query', 'Logs Insights', caps.includes('logs-read')],
    ['dynamodb', 'DynamoDB', caps.includes('dynamodb-read')],
    ['lambda', 'Lambda', caps.includes('lambda-read')],
    ['scans', 'Scans', caps.includes('cost-scan') && allowed('scans:read')],
    ['settings', 'Settings', allowed('connections:write')],
  ];

  async function verify() {
    setBusy('Verifying the role…');
    setError(null);
    try {
      setResult(await api('POST', `/v1/orgs/${orgId}/connections/${conn.id}/verify`, {}));
      setConn(await api<Connection>('GET', `/v1/orgs/${orgId}/connections/${conn.id}`));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  async function startScan() {
    setError(null);
    try {
      setScan(await api<Scan>('POST', `/v1/orgs/${orgId}/connections/${conn.id}/scans`, {}));
    } catch (err) {
      setError(err);
    }
  }

  useEffect(() => {
    if (scan === null || (scan.status !== 'queued' && scan.status !== 'running')) return;
    const t = setTimeout(() => {
      api<Scan>('GET', `/v1/orgs/${orgId}/scans/${scan.id}`).then(setScan, setError);
    }, 1500);
    return () => clearTimeout(t);
  }, [scan, orgId]);

  return (
    <section aria-labelledby="cd-h">
      <div className="section-head">
        <h2 id="cd-h">
          {conn.name} <StatusBadge status={conn.status} />
        </h2>
        <button type="button" className="secondary" onClick={onBack}>
          All connections
        </button>
      </div>
      <div className="tabs" role="tablist" aria-label="Connection views">
        {tabs
          .filter(([, , shown]) => shown)
          .map(([t, label]) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              className={tab === t ? 'tab current' : 'tab'}
              onClick={() => setTab(t)}
            >
              {label}
            </button>
          ))}
      </div>
      <ErrorBox error={error} />
      {busy !== null && <Busy label={busy} />}
      {tab !== 'overview' && tab !== 'settings' && tab !== 'scans' && !usable && (
        <p className="notice">
          This connection is {conn.status}: verify it on the Overview tab before using it.
        </p>
      )}
      {tab === 'overview' && (
        <>
          <dl className="facts">
            <dt>Account</dt>
            <dd>{conn.accountId ?? '—'}</dd>
            <dt>Role ARN</dt>
            <dd>
              <code>{conn.roleArn ?? 'not set yet'}</code>
            </dd>
            <dt>Capabilities</dt>
            <dd>{caps.join(', ')}</dd>
            <dt>Role name</dt>
            <dd>
              <code>{conn.roleName}</code>
            </dd>
            <dt>Clean-up tags</dt>
            <dd>
              {Object.entries(conn.scopes.cleanupTagConditions)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}
            </dd>
            <dt>Last verified</dt>
            <dd>{formatTime(conn.lastVerifiedAt)}</dd>
            {conn.previousExternalIdExpiresAt !== null && (
              <>
                <dt>Previous external ID</dt>
                <dd>accepted until {formatTime(conn.previousExternalIdExpiresAt)} (rotation pending)</dd>
              </>
            )}
          </dl>
          {result !== null ? (
            <VerificationReport result={result} onRetry={verify} />
          ) : (
            canVerify && (
              <button type="button" onClick={verify} disabled={busy !== null || conn.roleArn === null}>
                Verify now
              </button>
            )
          )}
          {caps.includes('cloudtrail-read') && (
            <div className="card">
              <h3>CloudTrail reconciliation</h3>
              <Reconciliations orgId={orgId} connId={conn.id} />
            </div>
          )}
          {caps.includes('cost-scan') && (
            <div className="card">
              <h3>Waste scan</h3>
              <button
                type="button"
                onClick={startScan}
                disabled={
                  !usable || (scan !== null && (scan.status === 'queued' || scan.status === 'running'))
                }
              >
                Scan for waste
              </button>
              {scan !== null && (
                <div aria-live="polite">
                  <p>
                    Scan {scan.status}: {scan.progress.regionsDone}/{scan.progress.regionsTotal} regions,{' '}
                    {scan.progress.findings} findings.
                  </p>
                  <progress
                    max={Math.max(1, scan.progress.regionsTotal)}
                    value={scan.progress.regionsDone}
                    aria-label="Scan progress"
                  />
                  {scan.status === 'succeeded' && (
                    <button type="button" className="secondary" onClick={onFindings}>
                      See the findings
                    </button>
                  )}
                </div>
              )}
            </div>
          )}
        </>
      )}
      {usable && tab === 's3' && <S3Browser orgId={orgId} conn={conn} />}
      {usable && tab === 'logs' && <LogSearch orgId={orgId} conn={conn} />}
      {usable && tab === 'insights-query' && <LogsInsights orgId={orgId} conn={conn} />}
      {usable && tab === 'dynamodb' && <DynamoDb orgId={orgId} conn={conn} />}
      {usable && tab === 'lambda' && <LambdaList orgId={orgId} conn={conn} />}
      {tab === 'scans' && <ScanHistory orgId={orgId} conn={conn} onFindings={onFindings} />}
      {tab === 'settings' && (
        <ConnectionSettings orgId={orgId} conn={conn} onChanged={setConn} onDeleted={onBack} />
      )}
    </section>
  );
}
