import type { MouseEvent } from 'react';
import { actorOf, targetOf } from './names.ts';
import type { AuditRecord, Display } from './types.ts';
import { actionWords, outcomeLabel } from './words.ts';

/** Time as people read it in a table: date and time to the second, in the browser's locale. */
function shortTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

function Who({ r, display }: { r: AuditRecord; display: Display }) {
  const shown = actorOf(r, display);
  return (
    <>
      <div className="cell-main">{shown.primary}</div>
      {shown.secondary !== null && <div className="muted small cell-sub">{shown.secondary}</div>}
    </>
  );
}

function Outcome({ r }: { r: AuditRecord }) {
  const label = outcomeLabel(r);
  return (
    <>
      <span className={`badge ${label.className}`}>{label.text}</span>
      {r.errorCode !== null && <div className="muted small cell-sub">{r.errorCode}</div>}
    </>
  );
}

/**
 * The records of one page, one row each, with a button that opens the record's drawer. The sign-in
 * view shows where the sign-in came from instead of a target, and no chain position (its records
 * come from two chains).
 */
export function RecordTable({
  records,
  display,
  signIns,
  onOpen,
}: {
  records: AuditRecord[];
  display: Display;
  signIns: boolean;
  onOpen: (record: AuditRecord, button: HTMLButtonElement) => void;
}) {
  const open = (r: AuditRecord) => (e: MouseEvent<HTMLButtonElement>) => onOpen(r, e.currentTarget);
  return (
    <table className={`audit-table${signIns ? ' sign-ins' : ''}`} data-testid="audit-table">
      <caption className="sr-only">
        {signIns ? 'Sign-ins of the organisation’s members, newest first' : 'Audit records, newest first'}
      </caption>
      <thead>
        <tr>
          {!signIns && (
            <th scope="col" className="col-seq">
              #
            </th>
          )}
          <th scope="col" className="col-time">
            Time
          </th>
          <th scope="col" className="col-actor">
            {signIns ? 'Member' : 'Actor'}
          </th>
          <th scope="col" className="col-action">
            Action
          </th>
          <th scope="col" className="col-target">
            {signIns ? 'From' : 'Target'}
          </th>
          <th scope="col" className="col-outcome">
            Outcome
          </th>
          <th scope="col" className="col-open">
            <span className="sr-only">Record</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => {
          const { connection, target } = targetOf(r, display);
          return (
            <tr key={r.id}>
              {!signIns && <td className="muted">{r.seq}</td>}
              <td>
                <time dateTime={r.createdAt}>{shortTime(r.createdAt)}</time>
              </td>
              <td>
                <Who r={r} display={display} />
              </td>
              <td>
                <div className="cell-main">{actionWords(r.action)}</div>
                <code className="small cell-sub">{r.action}</code>
              </td>
              <td>
                {signIns ? (
                  <>
                    <div className="cell-main">{r.device ?? '—'}</div>
                    <div className="muted small cell-sub">
                      {r.ip ?? 'no address'}
                      {r.chain === 'organization' && ' · this organisation’s SSO'}
                    </div>
                  </>
                ) : (
                  <>
                    {connection !== null && <div className="cell-main">{connection}</div>}
                    {target !== null && (
                      <div className={connection === null ? 'cell-main' : 'muted small cell-sub'}>
                        {target.primary}
                        {target.secondary !== null && <span className="muted"> · {target.secondary}</span>}
                      </div>
                    )}
                    {connection === null && target === null && <span className="muted">—</span>}
                  </>
                )}
              </td>
              <td>
                <Outcome r={r} />
              </td>
              <td>
                <button
                  type="button"
                  className="secondary small"
                  aria-haspopup="dialog"
                  aria-label={`Details of ${actionWords(r.action)} at ${shortTime(r.createdAt)}`}
                  onClick={open(r)}
                >
                  Details
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
