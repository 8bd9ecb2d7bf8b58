import type { paths } from '@rolegate/client/openapi';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, qs } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { BarChart, Busy, Empty, useFocusAfterRender, ViewHeading } from '../ui.tsx';
import { useConnections } from './Connections.tsx';

type FindingsQuery = NonNullable<paths['/v1/orgs/{orgId}/findings']['get']['parameters']['query']>;
type FindingType = NonNullable<FindingsQuery['type']>;
type FindingStatus = NonNullable<FindingsQuery['status']>;

/** Every type the API knows (the Record fails to compile when the API adds or drops one). */
const TYPE_LABELS: Record<FindingType, string> = {
  ebs_volume_unattached: 'Unattached EBS volumes',
  ebs_snapshot_orphaned: 'Orphaned EBS snapshots',
  eip_unassociated: 'Unassociated Elastic IPs',
  load_balancer_idle: 'Idle load balancers',
  rds_instance_stopped: 'Stopped RDS instances',
  ami_unused: 'Unused AMIs',
  nat_gateway_idle: 'Idle NAT gateways',
};
const STATUSES: readonly FindingStatus[] = ['open', 'dismissed', 'cleaned'];
const SORT_KEYS = ['type', 'region', 'resourceId', 'ageDays', 'monthlyCost'] as const;

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

type SortKey = (typeof SORT_KEYS)[number];

const usd = (n: number) => `$${n.toFixed(2)}`;

function chartRows(r: Record<string, { count: number; monthlyCost: number }>) {
  return Object.entries(r)
    .sort((a, b) => b[1].monthlyCost - a[1].monthlyCost)
    .map(([label, v]) => ({ label, value: v.monthlyCost, note: `${usd(v.monthlyCost)}/mo · ${v.count}` }));
}

/**
 * The list's filters and sort, read from the address (`?type=&region=&connection=&status=&sort=&dir=`)
 * and checked: an unknown value falls back to the default rather than reaching the API.
 */
function filtersFrom(params: URLSearchParams) {
  const type = params.get('type');
  const status = params.get('status');
  const sort = params.get('sort');
  return {
    type: type !== null && type in TYPE_LABELS ? (type as FindingType) : null,
    region: params.get('region') ?? '',
    connection: params.get('connection') ?? '',
    status: STATUSES.find((s) => s === status) ?? 'open',
    sort: SORT_KEYS.find((k) => k === sort) ?? 'monthlyCost',
    desc: params.get('dir') !== 'asc',
  };
}

export function FindingsView({
  orgId,
  canCleanUp,
}: {
  orgId: string;
  /** The role may clean up (cleanup:execute, admin); otherwise no clean-up control is offered. */
  canCleanUp: boolean;
}) {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const apiFilters = {
    status: filters.status,
    type: filters.type ?? undefined,
    region: filters.region,
    connectionId: filters.connection,
  };
  const data = useQuery({
    queryKey: ['org', orgId, 'findings', apiFilters],
    queryFn: () =>
      api<{ items: Finding[]; totals: Totals }>(
        'GET',
        `/v1/orgs/${orgId}/findings${qs({ limit: 200, ...apiFilters })}`,
      ),
  });
  const connections = useConnections(orgId);
  const [region, setRegion] = useState(filters.region);
  // Back and Forward change the address under the form: the field follows it.
  const [regionShown, setRegionShown] = useState(filters.region);
  if (regionShown !== filters.region) {
    setRegionShown(filters.region);
    setRegion(filters.region);
  }
  const [cleanup, setCleanup] = useState<{ finding: Finding; dry: DryRun } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // The row's "Clean up…" button that opened the dry-run panel gets focus back when it closes.
  const opener = useRef<HTMLButtonElement | null>(null);
  // The dry-run panel takes focus when it opens. A cleaned finding has no "Clean up…" button any
  // more (and leaves the list of open ones), so after a clean-up the outcome message takes focus.
  const panelHeading = useRef<HTMLHeadingElement>(null);
  const doneMessage = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();

  /** Changes some parameters of the address; a deliberate change, so a new history entry. */
  function update(changes: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next);
  }

  const dryRun = useMutation({
    mutationFn: (f: Finding) =>
      api<DryRun>('POST', `/v1/orgs/${orgId}/findings/${f.id}/cleanup`, { dryRun: true }),
    onMutate: () => setDone(null),
    onSuccess: (dry, finding) => {
      setCleanup({ finding, dry });
      focusAfterRender(panelHeading);
    },
  });
  const confirm = useMutation({
    mutationFn: (c: { finding: Finding; token: string }) =>
      api<{ action: string }>('POST', `/v1/orgs/${orgId}/findings/${c.finding.id}/cleanup`, {
        dryRun: false,
        confirm: c.token,
      }),
    onSuccess: (res) => {
      setDone(`Done: ${res.action}`);
      setCleanup(null);
      focusAfterRender(doneMessage);
      return queryClient.invalidateQueries({ queryKey: ['org', orgId, 'findings'] });
    },
  });

  function closePanel() {
    setCleanup(null);
    focusAfterRender(opener);
  }

  const items = [...(data.data?.items ?? [])].sort((a, b) => {
    const av = a[filters.sort] ?? -1;
    const bv = b[filters.sort] ?? -1;
    const c = av < bv ? -1 : av > bv ? 1 : 0;
    return filters.desc ? -c : c;
  });
  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={filters.sort === key ? (filters.desc ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="link"
        onClick={() => update({ sort: key, dir: filters.sort === key && filters.desc ? 'asc' : null })}
      >
        {label} {filters.sort === key ? (filters.desc ? '▼' : '▲') : ''}
      </button>
    </th>
  );

  function applyRegion(e: FormEvent) {
    e.preventDefault();
    update({ region: region.trim() });
  }

  return (
    <section aria-labelledby="findings-h">
      <ViewHeading id="findings-h">Waste findings</ViewHeading>
      <form className="card inline-form" aria-label="Filter findings" onSubmit={applyRegion}>
        <label>
          Status
          <select
            value={filters.status}
            onChange={(e) => update({ status: e.target.value === 'open' ? null : e.target.value })}
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={filters.type ?? ''} onChange={(e) => update({ type: e.target.value })}>
            <option value="">All types</option>
            {Object.entries(TYPE_LABELS).map(([t, label]) => (
              <option key={t} value={t}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Connection
          <select value={filters.connection} onChange={(e) => update({ connection: e.target.value })}>
            <option value="">All connections</option>
            {(connections.data?.items ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
            {filters.connection !== '' &&
              connections.data !== undefined &&
              !connections.data.items.some((c) => c.id === filters.connection) && (
                <option value={filters.connection}>{filters.connection}</option>
              )}
          </select>
        </label>
        <label>
          Region
          <input
            value={region}
            onChange={(e) => setRegion(e.target.value)}
            placeholder="eu-west-1"
            maxLength={32}
          />
        </label>
        <button type="submit" className="secondary">
          Apply region
        </button>
      </form>
      <MutationError mutation={dryRun} />
      <MutationError mutation={confirm} />
      {dryRun.isPending && <Busy label="Dry run…" />}
      {confirm.isPending && <Busy label="Cleaning up…" />}
      {done !== null && (
        <p className="notice" role="status" ref={doneMessage} tabIndex={-1}>
          {done}
        </p>
      )}
      <QueryView query={data} label="Loading findings…">
        {(found) =>
          found.items.length === 0 ? (
            <Empty>
              No {filters.status} findings{params.toString() === '' ? '' : ' match these filters'}. Start a
              scan from a connection with the <code>cost-scan</code> capability (Connections → Open → Scan for
              waste).
            </Empty>
          ) : (
            <>
              <p>
                <strong>{found.totals.count}</strong> findings, about{' '}
                <strong>{usd(found.totals.monthlyCost)}</strong> per month (prices of{' '}
                {found.totals.priceTableDate}).
              </p>
              <div className="charts">
                <BarChart title="Monthly cost by type" rows={chartRows(found.totals.byType)} />
                <BarChart title="Monthly cost by region" rows={chartRows(found.totals.byRegion)} />
              </div>
              {cleanup !== null && (
                <section className="card notice" aria-labelledby="dry-run-h">
                  <h3 id="dry-run-h" ref={panelHeading} tabIndex={-1}>
                    Dry run: {cleanup.finding.resourceId}
                  </h3>
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
                      disabled={
                        !cleanup.dry.allowed || cleanup.dry.confirmToken === null || confirm.isPending
                      }
                      onClick={() => {
                        const token = cleanup.dry.confirmToken;
                        if (token !== null) confirm.mutate({ finding: cleanup.finding, token });
                      }}
                    >
                      Confirm clean-up
                    </button>
                    <button type="button" className="secondary" onClick={closePanel}>
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
                        {canCleanUp && f.status === 'open' && (
                          <button
                            type="button"
                            className="secondary small"
                            disabled={dryRun.isPending}
                            onClick={(e) => {
                              opener.current = e.currentTarget;
                              dryRun.mutate(f);
                            }}
                          >
                            Clean up…
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        }
      </QueryView>
    </section>
  );
}
