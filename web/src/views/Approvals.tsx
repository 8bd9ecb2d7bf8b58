import { type FormEvent, useState } from 'react';
import { api, type Page, type Role } from '../api.ts';
import { Busy, Empty, ErrorBox, formatTime, useLoad } from '../ui.tsx';

/** Four-eyes approvals and just-in-time elevation (docs/approvals.md). */

interface ApprovalRequest {
  id: string;
  kind: 'operation' | 'elevation';
  status: 'pending' | 'approved' | 'denied' | 'revoked' | 'expired' | 'used';
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
  onChanged,
}: {
  r: ApprovalRequest;
  orgId: string;
  myUserId: string;
  myRole: Role;
  onChanged: (err: unknown) => void;
}) {
  const [comment, setComment] = useState('');
  const mine = r.requester.userId === myUserId;
  const act = async (action: 'approve' | 'deny' | 'revoke') => {
    try {
      await api('POST', `/v1/orgs/${orgId}/approvals/${r.id}/${action}`, comment === '' ? {} : { comment });
      onChanged(null);
    } catch (err) {
      onChanged(err);
    }
  };
  const highlighted = new URLSearchParams(window.location.search).get('request') === r.id;
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
        {r.status === 'pending' && isApprover(myRole) && !mine && (
          <>
            <label>
              Comment
              <input maxLength={500} value={comment} onChange={(e) => setComment(e.target.value)} />
            </label>
            <button type="button" className="small" onClick={() => void act('approve')}>
              Approve
            </button>{' '}
            <button type="button" className="danger small" onClick={() => void act('deny')}>
              Deny
            </button>{' '}
          </>
        )}
        {(r.status === 'pending' || (r.status === 'approved' && (mine || isApprover(myRole)))) && (
          <button type="button" className="secondary small" onClick={() => void act('revoke')}>
            {r.status === 'pending' && mine ? 'Withdraw' : 'Revoke'}
          </button>
        )}
      </td>
    </tr>
  );
}

function RequestTable(props: {
  items: ApprovalRequest[];
  orgId: string;
  myUserId: string;
  myRole: Role;
  onChanged: (err: unknown) => void;
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
        {props.items.map((r) => (
          <RequestRow key={r.id} r={r} {...props} />
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
  const pending = useLoad(
    () => api<Page<ApprovalRequest>>('GET', `/v1/orgs/${orgId}/approvals?status=pending&limit=100`),
    [orgId],
  );
  const recent = useLoad(
    () => api<Page<ApprovalRequest>>('GET', `/v1/orgs/${orgId}/approvals?limit=50`),
    [orgId],
  );
  const [error, setError] = useState<unknown>(null);
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState(60);

  const changed = (err: unknown) => {
    setError(err);
    void pending.reload();
    void recent.reload();
  };

  async function askElevation(e: FormEvent) {
    e.preventDefault();
    try {
      await api('POST', `/v1/orgs/${orgId}/elevations`, {
        role: 'admin',
        durationSeconds: minutes * 60,
        reason,
      });
      setReason('');
      changed(null);
    } catch (err) {
      setError(err);
    }
  }

  const common = { orgId, myUserId, myRole, onChanged: changed };
  return (
    <section aria-labelledby="approvals-h">
      <h2 id="approvals-h">Approvals</h2>
      <p>
        Dangerous operations (clean-up, Lambda invoke, S3 writes by default) need a second person. The
        requester cannot approve their own request; a grant covers exactly the operation, connection and
        resource it names.
      </p>
      <ErrorBox error={error ?? pending.error} />
      <h3>{isApprover(myRole) ? 'Waiting for a decision' : 'Your pending requests'}</h3>
      <button type="button" className="secondary small" onClick={() => changed(null)}>
        Refresh
      </button>
      {pending.loading && pending.data === null && <Busy label="Loading requests…" />}
      {pending.data !== null && pending.data.items.length === 0 && <Empty>Nothing is waiting.</Empty>}
      {pending.data !== null && pending.data.items.length > 0 && (
        <RequestTable items={pending.data.items} {...common} />
      )}
      <h3>Recent requests and grants</h3>
      {recent.data?.items.every((r) => r.status === 'pending') && <Empty>No decided requests yet.</Empty>}
      {recent.data?.items.some((r) => r.status !== 'pending') && (
        <RequestTable items={recent.data.items.filter((r) => r.status !== 'pending')} {...common} />
      )}
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
          <button type="submit">Ask for admin</button>
        </form>
      ) : null}
    </section>
  );
}
