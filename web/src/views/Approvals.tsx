import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, type Page, qs, type Role } from '../api.ts';
import { MutationError, QueryView } from '../query.tsx';
import { Empty, formatTime, ViewHeading } from '../ui.tsx';

/** Four-eyes approvals and just-in-time elevation (docs/approvals.md). */

/** The decided states, the history table's filter (`?status=` in the address). */
const DECIDED = ['approved', 'denied', 'revoked', 'expired', 'used'] as const;
type Status = 'pending' | (typeof DECIDED)[number];

interface ApprovalRequest {
  id: string;
  kind: 'operation' | 'elevation';
  status: Status;
  requester: { type: 'user' | 'apiKey' | 'oauth'; id: string; userId: string | null };
  operation: string | null;
  connectionId: string | null;
  resource: string | null;
  elevatedRole: string | null;
  reason: string | null;
  approvalsRequired: number;
  approvals: number;
  grantMode: 'single_use' | 'time_boxed';
  grantTtlSeconds: number;
  createdAt: string;
  expiresAt: string;
  decisions: { approverUserId: string; decision: 'approve' | 'deny'; comment: string | null }[];
}

const isApprover = (role: Role) => role === 'admin' || role === 'owner';

function what(r: ApprovalRequest): string {
  return r.kind === 'elevation'
    ? `Temporary ${r.elevatedRole} role for ${Math.round(r.grantTtlSeconds / 60)} min`
    : `${r.operation} on ${r.resource}`;
}

function RequestRow({
  r,
  orgId,
  myUserId,
  myRole,
  highlighted,
}: {
  r: ApprovalRequest;
  orgId: string;
  myUserId: string;
  myRole: Role;
  highlighted: boolean;
}) {
  const queryClient = useQueryClient();
  const [comment, setComment] = useState('');
  const mine = r.requester.userId === myUserId;
  const decide = useMutation({
    mutationFn: (action: 'approve' | 'deny' | 'revoke') =>
      api('POST', `/v1/orgs/${orgId}/approvals/${r.id}/${action}`, comment === '' ? {} : { comment }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['org', orgId, 'approvals'] }),
  });
  const act = (action: 'approve' | 'deny' | 'revoke') => decide.mutate(action);
  return (
    <tr data-testid={`approval-${r.id}`} className={highlighted ? 'highlight' : undefined}>
      <td>
        <code>{r.id}</code>
        <div>{what(r)}</div>
        {r.connectionId !== null && <div className="muted small">connection {r.connectionId}</div>}
      </td>
      <td>
        {r.requester.type === 'user' ? 'user' : r.requester.type === 'apiKey' ? 'API key' : 'agent'}{' '}
        <code>{r.requester.id}</code>
        {r.requester.type !== 'user' && r.requester.userId !== null && (
          <div className="muted small">on behalf of {r.requester.userId}</div>
        )}
      </td>
      <td>{r.reason ?? <span className="muted">no reason given</span>}</td>
      <td>
        {r.status} ({r.approvals}/{r.approvalsRequired})
        <div className="muted small">
          {r.status === 'pending' ? 'lapses' : 'until'} {formatTime(r.expiresAt)}
        </div>
        {r.decisions.map((d) => (
          <div key={d.approverUserId} className="muted small">
            {d.decision} by {d.approverUserId}
            {d.comment !== null && `: ${d.comment}`}
          </div>
        ))}
      </td>
      <td>
        <MutationError mutation={decide} />
        {r.status === 'pending' && isApprover(myRole) && !mine && (
          <>
            <label>
              Comment
              <input maxLength={500} value={comment} onChange={(e) => setComment(e.target.value)} />
            </label>
            <button
              type="button"
              className="small"
              disabled={decide.isPending}
              onClick={() => act('approve')}
            >
              Approve
            </button>{' '}
            <button
              type="button"
              className="danger small"
              disabled={decide.isPending}
              onClick={() => act('deny')}
            >
              Deny
            </button>{' '}
          </>
        )}
        {(r.status === 'pending' || (r.status === 'approved' && (mine || isApprover(myRole)))) && (
          <button
            type="button"
            className="secondary small"
            disabled={decide.isPending}
            onClick={() => act('revoke')}
          >
            {r.status === 'pending' && mine ? 'Withdraw' : 'Revoke'}
          </button>
        )}
      </td>
    </tr>
  );
}

function RequestTable({
  items,
  highlight,
  ...props
}: {
  items: ApprovalRequest[];
  orgId: string;
  myUserId: string;
  myRole: Role;
  highlight: string | null;
}) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Request</th>
          <th scope="col">Requester</th>
          <th scope="col">Reason</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <RequestRow key={r.id} r={r} highlighted={r.id === highlight} {...props} />
        ))}
      </tbody>
    </table>
  );
}

export function ApprovalsView({
  orgId,
  myUserId,
  myRole,
}: {
  orgId: string;
  myUserId: string;
  myRole: Role;
}) {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const asked = params.get('status');
  const status = DECIDED.find((s) => s === asked) ?? null;
  const highlight = params.get('request');
  const pending = useQuery({
    queryKey: ['org', orgId, 'approvals', { status: 'pending' }],
    queryFn: () => api<Page<ApprovalRequest>>('GET', `/v1/orgs/${orgId}/approvals?status=pending&limit=100`),
  });
  const recent = useQuery({
    queryKey: ['org', orgId, 'approvals', { status }],
    queryFn: () =>
      api<Page<ApprovalRequest>>(
        'GET',
        `/v1/orgs/${orgId}/approvals${qs({ limit: 50, status: status ?? undefined })}`,
      ),
  });
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState(60);

  const refresh = () => queryClient.invalidateQueries({ queryKey: ['org', orgId, 'approvals'] });
  const elevate = useMutation({
    mutationFn: () =>
      api('POST', `/v1/orgs/${orgId}/elevations`, { role: 'admin', durationSeconds: minutes * 60, reason }),
    onSuccess: () => {
      setReason('');
      return refresh();
    },
  });

  function askElevation(e: FormEvent) {
    e.preventDefault();
    elevate.mutate();
  }

  const common = { orgId, myUserId, myRole, highlight };
  return (
    <section aria-labelledby="approvals-h">
      <ViewHeading id="approvals-h">Approvals</ViewHeading>
      <p>
        Dangerous operations (clean-up, Lambda invoke, S3 writes by default) need a second person. The
        requester cannot approve their own request; a grant covers exactly the operation, connection and
        resource it names.
      </p>
      <h3>{isApprover(myRole) ? 'Waiting for a decision' : 'Your pending requests'}</h3>
      <button type="button" className="secondary small" onClick={() => void refresh()}>
        Refresh
      </button>
      <QueryView query={pending} label="Loading requests…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>Nothing is waiting.</Empty>
          ) : (
            <RequestTable items={data.items} {...common} />
          )
        }
      </QueryView>
      <h3>Recent requests and grants</h3>
      <label>
        Show
        <select
          value={status ?? ''}
          onChange={(e) => {
            const next = new URLSearchParams(params);
            if (e.target.value === '') next.delete('status');
            else next.set('status', e.target.value);
            setParams(next);
          }}
        >
          <option value="">All decided</option>
          {DECIDED.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <QueryView query={recent} label="Loading requests…">
        {(data) => {
          const decided = data.items.filter((r) => r.status !== 'pending');
          return decided.length === 0 ? (
            <Empty>{status === null ? 'No decided requests yet.' : `No ${status} requests.`}</Empty>
          ) : (
            <RequestTable items={decided} {...common} />
          );
        }}
      </QueryView>
      {myRole === 'member' || myRole === 'viewer' ? (
        <form className="card" onSubmit={askElevation} aria-label="Ask for a temporary admin role">
          <h3>Temporary admin role</h3>
          <label>
            Reason
            <input required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <label>
            Minutes
            <input
              type="number"
              min={5}
              max={1440}
              value={minutes}
              onChange={(e) => setMinutes(Number(e.target.value))}
            />
          </label>
          <MutationError mutation={elevate} />
          <button type="submit" disabled={elevate.isPending}>
            Ask for admin
          </button>
        </form>
      ) : null}
    </section>
  );
}
