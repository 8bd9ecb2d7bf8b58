import { type ReactNode, useEffect, useId, useRef } from 'react';
import { formatTime } from '../../ui.tsx';
import { actorOf, type Shown, targetOf } from './names.ts';
import type { AuditRecord, Display } from './types.ts';
import { actionWords, outcomeLabel } from './words.ts';

function Line({ shown }: { shown: Shown }) {
  return (
    <>
      {shown.primary}
      {shown.secondary !== null && <span className="muted"> · {shown.secondary}</span>}
    </>
  );
}

function Raw({ value }: { value: string | null }) {
  return value === null ? <span className="muted">—</span> : <code>{value}</code>;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/**
 * Every field of one audit record, in a modal side panel. A native <dialog> opened with
 * showModal(): the browser makes the rest of the page inert, keeps Tab inside, and closes it on
 * Escape; focus goes to the close button on open and back to the row's button (`returnTo`) on
 * close, whichever way it closed.
 */
export function RecordDrawer({
  record,
  display,
  returnTo,
  onClose,
  onFilterActor,
}: {
  record: AuditRecord;
  display: Display;
  returnTo: HTMLElement | null;
  onClose: () => void;
  /** Show only this actor's records (absent in views without an actor filter). */
  onFilterActor?: (actorId: string) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (!dialog.open) dialog.showModal();
    closeRef.current?.focus();
    const closed = () => onCloseRef.current();
    dialog.addEventListener('close', closed);
    return () => {
      dialog.removeEventListener('close', closed);
      if (dialog.open) dialog.close();
      // The row's button, still in the page: keyboard users continue where they were.
      if (returnTo?.isConnected) returnTo.focus();
    };
  }, [returnTo]);

  const actor = actorOf(record, display);
  const { connection, target } = targetOf(record, display);
  const outcome = outcomeLabel(record);
  const system = record.chain === 'system';
  return (
    <dialog ref={ref} className="drawer" aria-labelledby={titleId} data-testid="audit-drawer">
      <div className="drawer-head">
        <h3 id={titleId}>{actionWords(record.action)}</h3>
        <button ref={closeRef} type="button" className="secondary small" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
      <p className="drawer-sub">
        <span className={`badge ${outcome.className}`}>{outcome.text}</span> {formatTime(record.createdAt)}
      </p>
      <dl className="facts drawer-facts">
        <Field label="Time">
          {formatTime(record.createdAt)} <code className="small">{record.createdAt}</code>
        </Field>
        <Field label="Actor">
          <Line shown={actor} />
          <div className="small muted">
            {record.actorType}
            {record.actorId !== null && (
              <>
                {' '}
                <code>{record.actorId}</code>
              </>
            )}
          </div>
          {onFilterActor !== undefined && record.actorId !== null && (
            <button
              type="button"
              className="secondary small"
              onClick={() => {
                onFilterActor(record.actorId as string);
                ref.current?.close();
              }}
            >
              Show only this actor
            </button>
          )}
        </Field>
        <Field label="Action">
          {actionWords(record.action)} <Raw value={record.action} />
        </Field>
        <Field label="Outcome">
          <code>{record.outcome}</code>
          {record.errorCode !== null && (
            <>
              {' '}
              error code <code>{record.errorCode}</code>
            </>
          )}
        </Field>
        <Field label="Connection">
          {connection ?? <span className="muted">—</span>}
          {record.connectionId !== null && (
            <>
              {' '}
              <code className="small">{record.connectionId}</code>
            </>
          )}
        </Field>
        <Field label="Target">
          {target === null ? <span className="muted">—</span> : <Line shown={target} />}
          {(record.targetType !== null || record.targetId !== null) && (
            <div className="small muted">
              {record.targetType ?? ''} <Raw value={record.targetId} />
            </div>
          )}
        </Field>
        <Field label="Operation">
          <Raw value={record.operation} />
        </Field>
        <Field label="Resource">
          <Raw value={record.resource} />
        </Field>
        <Field label="Request ID">
          <Raw value={record.requestId} />
        </Field>
        <Field label="IP address">
          <Raw value={record.ip} />
        </Field>
        <Field label="User agent">
          {record.device !== undefined && <div>{record.device}</div>}
          <Raw value={record.userAgent} />
        </Field>
        <Field label="Record ID">
          <Raw value={record.id} />
        </Field>
        <Field label="Chain">
          {system
            ? 'System chain (sign-ins of accounts; details cut to this organisation)'
            : "This organisation's chain"}
          , position <code>{record.seq}</code>
        </Field>
        <Field label="Hash">
          <Raw value={record.hash} />
        </Field>
        <Field label="Previous hash">
          <Raw value={record.prevHash} />
        </Field>
        <Field label="References">
          <div className="small">
            actor <Raw value={record.actorRef} />
          </div>
          <div className="small">
            target <Raw value={record.targetRef} />
          </div>
          <div className="small">
            IP <Raw value={record.ipRef} />
          </div>
          <div className="small">
            user agent <Raw value={record.userAgentRef} />
          </div>
        </Field>
      </dl>
      <h4>Details</h4>
      <pre data-testid="audit-details">
        <code>{JSON.stringify(record.details, null, 2)}</code>
      </pre>
    </dialog>
  );
}
