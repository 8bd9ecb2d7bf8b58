import { useMutation, useQuery } from '@tanstack/react-query';
import { api, download } from '../../api.ts';
import { MutationError } from '../../query.tsx';
import { Busy, ErrorBox, formatTime } from '../../ui.tsx';
import type { Verify } from './types.ts';

/**
 * The chain's verification status and the exports. Verification is an expensive, rate-limited
 * route: its result is kept for 30 s and not re-run when the window regains focus; "Verify again"
 * asks explicitly.
 */
export function ChainCard({ orgId }: { orgId: string }) {
  const verify = useQuery({
    queryKey: ['org', orgId, 'audit', 'verify'],
    queryFn: () => api<Verify>('GET', `/v1/orgs/${orgId}/audit/verify`),
    staleTime: 30_000,
    refetchOnWindowFocus: false,
  });
  const exporting = useMutation({
    mutationFn: (format: 'ndjson' | 'csv') =>
      download(`/v1/orgs/${orgId}/audit/export?format=${format}`, `audit-${orgId}.${format}`),
  });
  const result = verify.data;
  return (
    <div className="card chain" aria-live="polite">
      {verify.isFetching && <Busy label="Verifying the hash chain…" />}
      {result?.valid === true && (
        <p data-testid="chain-status">
          <span className="badge badge-verified">chain intact</span> {result.headSeq} records, verified{' '}
          {formatTime(result.verifiedAt)}; no record was altered, removed or reordered.
        </p>
      )}
      {result !== undefined && !result.valid && (
        <p data-testid="chain-status" className="error">
          <span className="badge badge-failed">chain broken</span> {result.breakCount} break(s), the first at
          record {result.firstBrokenSeq ?? '?'}: {result.reason ?? 'hash mismatch'}.
        </p>
      )}
      <ErrorBox error={verify.error} />
      <div className="row">
        <button
          type="button"
          className="secondary small"
          disabled={verify.isFetching}
          onClick={() => void verify.refetch()}
        >
          Verify again
        </button>
        <button
          type="button"
          className="secondary small"
          disabled={exporting.isPending}
          onClick={() => exporting.mutate('ndjson')}
        >
          Export NDJSON
        </button>
        <button
          type="button"
          className="secondary small"
          disabled={exporting.isPending}
          onClick={() => exporting.mutate('csv')}
        >
          Export CSV
        </button>
        {exporting.isPending && <Busy label="Exporting…" />}
      </div>
      <MutationError mutation={exporting} />
    </div>
  );
}
