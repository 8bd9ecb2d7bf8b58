import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, type Page, qs } from '../api.ts';
import { QueryView } from '../query.tsx';
import { Empty } from '../ui.tsx';
import { ChainCard } from './audit/ChainCard.tsx';
import { type AuditFilters, FilterForm, NO_FILTERS } from './audit/Filters.tsx';
import { RecordDrawer } from './audit/RecordDrawer.tsx';
import { RecordTable } from './audit/RecordTable.tsx';
import type { AuditPage, AuditRecord, ConnectionSummary, Member, SignInPage } from './audit/types.ts';

const PAGE_SIZE = 50;

/**
 * Everything the view shows is in the URL's search params, so reload, Back and a shared link keep
 * it: `view=sign-ins`, the filters (`action`, `outcome`, `actor`, `connection`), the page `cursor`
 * and `prev`, the cursors of the newer pages ('.'-separated; cursors are base64url), for "Newer".
 */
function readParams(params: URLSearchParams) {
  const signIns = params.get('view') === 'sign-ins';
  const filters: AuditFilters = {
    action: signIns ? '' : (params.get('action') ?? ''),
    outcome: params.get('outcome') ?? '',
    actor: params.get('actor') ?? '',
    connection: signIns ? '' : (params.get('connection') ?? ''),
  };
  const cursor = params.get('cursor') ?? undefined;
  const prev = (params.get('prev') ?? '').split('.').filter((c) => c !== '');
  return { signIns, filters, cursor, prev };
}

function writeParams(state: {
  signIns: boolean;
  filters: AuditFilters;
  cursor?: string | undefined;
  prev?: string[];
}): URLSearchParams {
  const p = new URLSearchParams();
  if (state.signIns) p.set('view', 'sign-ins');
  for (const [k, v] of Object.entries(state.filters)) if (v !== '') p.set(k, v);
  if (state.cursor !== undefined) p.set('cursor', state.cursor);
  if (state.prev !== undefined && state.prev.length > 0) p.set('prev', state.prev.join('.'));
  return p;
}

export function AuditView({ orgId }: { orgId: string }) {
  const [params, setSearchParams] = useSearchParams();
  // A filter or a page is a navigation of its own: Back returns to the previous one.
  const setParams = (next: URLSearchParams) => setSearchParams(next);
  const { signIns, filters, cursor, prev } = readParams(params);
  // The open drawer belongs to the page it was opened on: another URL (Back, a filter) closes it.
  const here = params.toString();
  const [open, setOpen] = useState<{ record: AuditRecord; button: HTMLButtonElement; at: string } | null>(
    null,
  );

  const path = signIns
    ? `/v1/orgs/${orgId}/audit/sign-ins${qs({ actorId: filters.actor, outcome: filters.outcome, limit: PAGE_SIZE, cursor })}`
    : `/v1/orgs/${orgId}/audit${qs({
        action: filters.action,
        outcome: filters.outcome,
        actorId: filters.actor,
        connectionId: filters.connection,
        limit: PAGE_SIZE,
        cursor,
      })}`;
  const records = useQuery({
    queryKey: ['org', orgId, 'audit', { view: signIns ? 'sign-ins' : 'records', ...filters, cursor }],
    queryFn: () => api<AuditPage | SignInPage>('GET', path),
  });
  // For the filters' choices only: the page works without them (they fall back to "anyone").
  const members = useQuery({
    queryKey: ['org', orgId, 'members'],
    queryFn: () => api<Page<Member>>('GET', `/v1/orgs/${orgId}/members?limit=200`),
  });
  const connections = useQuery({
    queryKey: ['org', orgId, 'connections'],
    queryFn: () => api<Page<ConnectionSummary>>('GET', `/v1/orgs/${orgId}/connections?limit=100`),
    enabled: !signIns,
  });

  const apply = (next: AuditFilters) => setParams(writeParams({ signIns, filters: next }));
  const older = (next: string) =>
    setParams(
      writeParams({ signIns, filters, cursor: next, prev: cursor === undefined ? prev : [...prev, cursor] }),
    );
  const newer = () =>
    setParams(writeParams({ signIns, filters, cursor: prev.at(-1), prev: prev.slice(0, -1) }));
  // Each view starts unfiltered: the two take different filters.
  const viewHref = (s: boolean) => {
    const search = writeParams({ signIns: s, filters: NO_FILTERS }).toString();
    return { search: search === '' ? '' : `?${search}` };
  };

  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <ChainCard orgId={orgId} />
      <nav className="tabs" aria-label="Audit views">
        <Link
          className={`tab${signIns ? '' : ' current'}`}
          to={viewHref(false)}
          aria-current={signIns ? undefined : 'page'}
        >
          All records
        </Link>
        <Link
          className={`tab${signIns ? ' current' : ''}`}
          to={viewHref(true)}
          aria-current={signIns ? 'page' : undefined}
        >
          Sign-ins
        </Link>
      </nav>
      {signIns && (
        <p className="muted">
          Sign-ins, failed attempts, lock-outs and sign-outs of the people who are members now, since they
          joined, and sign-ins through this organisation’s single sign-on.
        </p>
      )}
      <FilterForm
        key={here}
        initial={filters}
        signIns={signIns}
        members={members.data?.items ?? []}
        connections={connections.data?.items ?? []}
        onApply={apply}
      />
      <QueryView query={records} label={signIns ? 'Loading sign-ins…' : 'Loading records…'}>
        {(page) => (
          <>
            {page.items.length === 0 ? (
              <Empty>
                {signIns
                  ? 'No sign-ins match these filters.'
                  : 'No audit records match these filters. Clear a filter to see more.'}
              </Empty>
            ) : (
              <div className="table-scroll">
                <RecordTable
                  records={page.items}
                  display={page}
                  signIns={signIns}
                  onOpen={(record, button) => setOpen({ record, button, at: here })}
                />
              </div>
            )}
            <div className="row">
              <button type="button" className="secondary" disabled={cursor === undefined} onClick={newer}>
                Newer
              </button>
              <button
                type="button"
                className="secondary"
                disabled={page.nextCursor === null}
                onClick={() => page.nextCursor !== null && older(page.nextCursor)}
              >
                Older
              </button>
            </div>
            {open !== null && open.at === here && (
              <RecordDrawer
                record={open.record}
                display={page}
                returnTo={open.button}
                onClose={() => setOpen(null)}
                {...(signIns
                  ? {}
                  : {
                      onFilterActor: (actor: string) => {
                        setOpen(null);
                        setParams(writeParams({ signIns, filters: { ...filters, actor } }));
                      },
                    })}
              />
            )}
          </>
        )}
      </QueryView>
    </section>
  );
}
