import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, type Connection } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { Busy, ErrorBox, formatTime, ViewHeading } from '../ui.tsx';
import { StatusBadge, VerificationReport, type VerifyResult } from './Connections.tsx';
import { usePermissions } from './connection/access.ts';
import { ConnectionSettings } from './connection/ConnectionSettings.tsx';
import { DynamoDb } from './connection/DynamoDb.tsx';
import { LogsInsights } from './connection/LogsInsights.tsx';
import { ScanHistory } from './connection/ScanHistory.tsx';
import { LambdaList, LogSearch, S3Browser } from './Operations.tsx';

/** The panels of a connection, `?tab=` in its address (docs/console.md, "Addresses"). */
const TABS = ['overview', 's3', 'logs', 'insights-query', 'dynamodb', 'lambda', 'scans', 'settings'] as const;
type Tab = (typeof TABS)[number];
const isTab = (v: string | null): v is Tab => TABS.some((t) => t === v);

interface Scan {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: { regionsDone: number; regionsTotal: number; findings: number };
}

/** How often a running scan's progress is read again. */
const SCAN_POLL_MS = 1_500;

interface ReconciliationRow {
  id: string;
  status: string;
  window: { start: string; end: string };
  counts: { matched: number; unmatched: number; unlogged: number; foreignAssumeRoles: number };
}

/** The reconciled windows of a connection with their counts (docs/reconciliation.md). */
function Reconciliations({ orgId, connId }: { orgId: string; connId: string }) {
  const query = useQuery({
    queryKey: ['org', orgId, 'connections', connId, 'reconciliations'],
    queryFn: () =>
      api<{ items: ReconciliationRow[] }>('GET', `/v1/orgs/${orgId}/connections/${connId}/reconciliations`),
  });
  return (
    <QueryView query={query} label="Loading reconciliations">
      {(data) =>
        data.items.length === 0 ? (
          <p>No window reconciled yet.</p>
        ) : (
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
        )
      }
    </QueryView>
  );
}

/**
 * `/orgs/:orgId/connections/:connId`: the connection is read by id from the API, so a deep link,
 * a reload and a new tab all work; an id that does not exist shows the API's 404 message.
 */
export function ConnectionDetail({
  orgId,
  connId,
  canVerify,
}: {
  orgId: string;
  connId: string;
  /** connections:verify (admin): a weaker role is not offered the verify button. */
  canVerify: boolean;
}) {
  const query = useQuery({
    queryKey: ['org', orgId, 'connections', connId],
    queryFn: () => api<Connection>('GET', `/v1/orgs/${orgId}/connections/${connId}`),
  });
  const back = (
    <Link className="button secondary" to={`/orgs/${orgId}/connections`}>
      All connections
    </Link>
  );
  if (query.isPending) return <Busy label="Loading the connection…" />;
  if (query.isError) {
    return (
      <section aria-labelledby="cd-h">
        <div className="section-head">
          <ViewHeading id="cd-h">
            {query.error instanceof ApiError && query.error.status === 404
              ? 'Connection not found'
              : 'Connection'}
          </ViewHeading>
          {back}
        </div>
        <ErrorBox error={query.error} />
      </section>
    );
  }
  return <ConnectionPanels orgId={orgId} conn={query.data} canVerify={canVerify} back={back} />;
}

function ConnectionPanels({
  orgId,
  conn,
  canVerify,
  back,
}: {
  orgId: string;
  conn: Connection;
  canVerify: boolean;
  back: ReactNode;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const path = `/v1/orgs/${orgId}/connections/${conn.id}`;
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
  const shown = tabs.filter(([, , visible]) => visible);
  const asked = params.get('tab');
  // A tab the connection does not offer (an old link, a capability removed) opens the overview.
  const tab: Tab = isTab(asked) && shown.some(([t]) => t === asked) ? asked : 'overview';

  const verify = useMutation({
    mutationFn: () => api<VerifyResult>('POST', `${path}/verify`, {}),
    // The verification is stored on the connection: the mutation stays pending until the connection
    // (status, report) and the list are read again.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connections'] }),
  });

  const [scanId, setScanId] = useState<string | null>(null);
  const startScan = useMutation({
    mutationFn: () => api<Scan>('POST', `${path}/scans`, {}),
    onSuccess: (scan) => {
      queryClient.setQueryData(['org', orgId, 'scans', scan.id], scan);
      setScanId(scan.id);
    },
  });
  const scan = useQuery({
    queryKey: ['org', orgId, 'scans', scanId],
    queryFn: () => api<Scan>('GET', `/v1/orgs/${orgId}/scans/${scanId}`),
    enabled: scanId !== null,
    // Polled while it runs; a finished scan's findings are new data for the findings view.
    refetchInterval: (q) => {
      const status = q.state.data?.status;
      return status === 'queued' || status === 'running' ? SCAN_POLL_MS : false;
    },
  });
  const scanning = scan.data?.status === 'queued' || scan.data?.status === 'running';
  const scanStatus = scan.data?.status;
  // A finished scan wrote findings: the findings view must not show its cached list.
  useEffect(() => {
    if (scanStatus === 'succeeded')
      void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'findings'] });
  }, [scanStatus, queryClient, orgId]);

  return (
    <section aria-labelledby="cd-h">
      <div className="section-head">
        <ViewHeading id="cd-h">
          {conn.name} <StatusBadge status={conn.status} />
        </ViewHeading>
        {back}
      </div>
      <div className="tabs" role="tablist" aria-label="Connection views">
        {shown.map(([t, label]) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? 'tab current' : 'tab'}
            // A deliberate change: a new history entry, so Back returns to the previous panel.
            onClick={() => setParams(t === 'overview' ? {} : { tab: t })}
          >
            {label}
          </button>
        ))}
      </div>
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
          {verify.isPending && <Busy label="Verifying the role…" />}
          <MutationError mutation={verify} />
          {conn.verification !== null ? (
            <VerificationReport
              result={conn.verification}
              retrying={verify.isPending}
              onRetry={() => verify.mutate()}
            />
          ) : (
            canVerify && (
              <button
                type="button"
                onClick={() => verify.mutate()}
                disabled={verify.isPending || conn.roleArn === null}
              >
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
                onClick={() => startScan.mutate()}
                disabled={!usable || startScan.isPending || scanning}
              >
                Scan for waste
              </button>
              <MutationError mutation={startScan} />
              <ErrorBox error={scan.error} />
              {scan.data !== undefined && (
                <div aria-live="polite">
                  <p>
                    Scan {scan.data.status}: {scan.data.progress.regionsDone}/
                    {scan.data.progress.regionsTotal} regions, {scan.data.progress.findings} findings.
                  </p>
                  <progress
                    max={Math.max(1, scan.data.progress.regionsTotal)}
                    value={scan.data.progress.regionsDone}
                    aria-label="Scan progress"
                  />
                  {scan.data.status === 'succeeded' && (
                    <Link className="button secondary" to={`/orgs/${orgId}/findings?connection=${conn.id}`}>
                      See the findings
                    </Link>
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
      {tab === 'scans' && (
        <ScanHistory
          orgId={orgId}
          conn={conn}
          onFindings={() => navigate(`/orgs/${orgId}/findings?connection=${encodeURIComponent(conn.id)}`)}
        />
      )}
      {tab === 'settings' && (
        <ConnectionSettings
          orgId={orgId}
          conn={conn}
          onChanged={(updated) => {
            queryClient.setQueryData(['org', orgId, 'connections', conn.id], updated);
            void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connections'] });
          }}
          onDeleted={() => {
            queryClient.removeQueries({ queryKey: ['org', orgId, 'connections', conn.id] });
            void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connections'] });
            navigate(`/orgs/${orgId}/connections`);
          }}
        />
      )}
    </section>
  );
}
