import { useState } from 'react';
import { api } from '../api.ts';
import { BarChart, Busy, Empty, ErrorBox, useLoad } from '../ui.tsx';

interface Finding {
  id: string;
  connectionId: string;
  type: string;
  region: string;
  resourceId: string;
  ageDays: number | null;
  monthlyCost: number;
  estimate?: { monthlyUsd: number; basis: string | null };
  recommendedAction: string;
  status?: string;
}
interface Totals {
  count: number;
  byType: Record<string, { count: number; monthlyCost: number }>;
  byRegion: Record<string, { count: number; monthlyCost: number }>;
  monthlyCost: number;
  priceTableDate: string;
}
interface DryRun {
  dryRun: true;
  allowed: boolean;
  wouldDo: string;
  checks: { name: string; status: 'pass' | 'fail' | 'skipped'; message: string }[];
  confirmToken: string | null;
  expiresAt: string | null;
}

type SortKey = 'type' | 'region' | 'resourceId' | 'ageDays' | 'monthlyCost';

const usd = (n: number) => `$${n.toFixed(2)}`;

function chartRows(r: Record<string, { count: number; monthlyCost: number }>) {
  return Object.entries(r)
    .sort((a, b) => b[1].monthlyCost - a[1].monthlyCost)
    .map(([label, v]) => ({ label, value: v.monthlyCost, note: `${usd(v.monthlyCost)}/mo · ${v.count}` }));
}

export function FindingsView({
  orgId,
  canCleanUp,
}: {
  orgId: string;
  /** The role may clean up (cleanup:execute, admin); otherwise no clean-up control is offered. */
  canCleanUp: boolean;
}) {
  const data = useLoad(
    () =>
      api<{ items: Finding[]; totals: Totals }>('GET', `/v1/orgs/${orgId}/findings?limit=200&status=open`),
    [orgId],
  );
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'monthlyCost', desc: true });
  const [cleanup, setCleanup] = useState<{ finding: Finding; dry: DryRun } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  async function dryRun(f: Finding) {
    setBusy(`Dry run for ${f.resourceId}…`);
    setError(null);
    setDone(null);
    try {
      const dry = await api<DryRun>('POST', `/v1/orgs/${orgId}/findings/${f.id}/cleanup`, { dryRun: true });
      setCleanup({ finding: f, dry });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  async function confirm() {
    if (cleanup === null || cleanup.dry.confirmToken === null) return;
    setBusy(`Cleaning up ${cleanup.finding.resourceId}…`);
    setError(null);
    try {
      const res = await api<{ action: string }>(
        'POST',
        `/v1/orgs/${orgId}/findings/${cleanup.finding.id}/cleanup`,
        {
          dryRun: false,
          confirm: cleanup.dry.confirmToken,
        },
      );
      setDone(`Done: ${res.action}`);
      setCleanup(null);
      await data.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  const items = [...(data.data?.items ?? [])].sort((a, b) => {
    const av = a[sort.key] ?? -1;
    const bv = b[sort.key] ?? -1;
    const c = av < bv ? -1 : av > bv ? 1 : 0;
    return sort.desc ? -c : c;
  });
  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="link"
        onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : true })}
      >
        {label} {sort.key === key ? (sort.desc ? '▼' : '▲') : ''}
      </button>
    </th>
  );

  return (
    <section aria-labelledby="findings-h">
      <h2 id="findings-h">Waste findings</h2>
      <ErrorBox error={error ?? data.error} />
      {busy !== null && <Busy label={busy} />}
      {done !== null && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      {data.loading && data.data === null && <Busy label="Loading findings…" />}
      {data.data !== null && data.data.items.length === 0 && (
        <Empty>
          No open findings. Start a scan from a connection with the <code>cost-scan</code> capability
          (Connections → Open → Scan for waste).
        </Empty>
      )}
      {data.data !== null && data.data.items.length > 0 && (
        <>
          <p>
            <strong>{data.data.totals.count}</strong> findings, about{' '}
            <strong>{usd(data.data.totals.monthlyCost)}</strong> per month (prices of{' '}
            {data.data.totals.priceTableDate}).
          </p>
          <div className="charts">
            <BarChart title="Monthly cost by type" rows={chartRows(data.data.totals.byType)} />
            <BarChart title="Monthly cost by region" rows={chartRows(data.data.totals.byRegion)} />
          </div>
          {cleanup !== null && (
            <section className="card notice" aria-label="Clean-up dry run">
              <h3>Dry run: {cleanup.finding.resourceId}</h3>
              <p>{cleanup.dry.wouldDo}</p>
              <ul className="checks">
                {cleanup.dry.checks.map((c) => (
                  <li key={c.name}>
                    <span className={`badge badge-${c.status}`}>{c.status}</span> {c.name}: {c.message}
                  </li>
                ))}
              </ul>
              <div className="row">
                <button
                  type="button"
                  className="danger"
                  disabled={!cleanup.dry.allowed || cleanup.dry.confirmToken === null || busy !== null}
                  onClick={confirm}
                >
                  Confirm clean-up
                </button>
                <button type="button" className="secondary" onClick={() => setCleanup(null)}>
                  Cancel
                </button>
              </div>
              {!cleanup.dry.allowed && (
                <p className="muted">A check failed, so the clean-up is not allowed.</p>
              )}
            </section>
          )}
          <table>
            <thead>
              <tr>
                {header('type', 'Type')}
                {header('region', 'Region')}
                {header('resourceId', 'Resource')}
                {header('ageDays', 'Age (days)')}
                {header('monthlyCost', 'Monthly cost')}
                <th scope="col">Recommendation</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((f) => (
                <tr key={f.id}>
                  <td>{f.type}</td>
                  <td>{f.region}</td>
                  <td>
                    <code>{f.resourceId}</code>
                  </td>
                  <td>{f.ageDays ?? '—'}</td>
                  <td title={f.estimate?.basis ?? undefined}>{usd(f.monthlyCost)}</td>
                  <td>{f.recommendedAction}</td>
                  <td>
                    {canCleanUp && (
                      <button type="button" className="secondary small" onClick={() => dryRun(f)}>
                        Clean up…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
