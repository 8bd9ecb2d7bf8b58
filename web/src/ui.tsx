import {
  createContext,
  type ReactNode,
  type RefObject,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, ApprovalRequiredError } from './api.ts';

export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  if (error instanceof ApprovalRequiredError) {
    return (
      <div className="notice card" role="status" data-testid="approval-required">
        <strong>Waiting for approval.</strong> {error.message}
        <div>
          Approval request <code>{error.approvalRequestId}</code>:{' '}
          <ApprovalLink requestId={error.approvalRequestId} />. Retry once it is approved.
        </div>
      </div>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const requestId = error instanceof ApiError ? error.requestId : null;
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="error" role="alert">
      <strong>{message}</strong>
      {code !== null && <span className="muted"> ({code})</span>}
      {error instanceof ApiError && error.fields.length > 0 && (
        <ul className="field-errors">
          {error.fields.map((f) => (
            <li key={`${f.location}:${f.path}:${f.message}`}>
              {f.path === '' ? f.location : <code>{f.path}</code>}: {f.message}
            </li>
          ))}
        </ul>
      )}
      {requestId !== null && (
        <div className="muted small">
          Request ID: <code>{requestId}</code>
        </div>
      )}
    </div>
  );
}

/**
 * The request under Approvals of the organisation in the address (outside one, the legacy path,
 * which redirects to the first organisation).
 */
function ApprovalLink({ requestId }: { requestId: string }) {
  const { orgId } = useParams();
  const query = `?request=${encodeURIComponent(requestId)}`;
  return (
    <Link to={orgId === undefined ? `/approvals${query}` : `/orgs/${orgId}/approvals${query}`}>
      see it under Approvals
    </Link>
  );
}

/**
 * The API's messages for one field (`details.fields`), shown beside it; `id` lets the input point
 * at them with aria-describedby.
 */
export function FieldMessage({ error, path, id }: { error: unknown; path: string; id: string }) {
  if (!(error instanceof ApiError)) return null;
  const messages = error.messagesFor(path);
  if (messages.length === 0) return null;
  return (
    <span className="field-error" id={id} data-testid={`field-error-${path}`}>
      {messages.join('; ')}
    </span>
  );
}

/** A required password input; new passwords ask for the policy's 12 characters before the server does. */
export function PasswordField({
  label,
  value,
  onChange,
  purpose,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  purpose: 'current' | 'new';
}) {
  return (
    <label>
      {label}
      <input
        type="password"
        required
        minLength={purpose === 'new' ? 12 : 1}
        maxLength={1024}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete={purpose === 'new' ? 'new-password' : 'current-password'}
      />
    </label>
  );
}

/**
 * A one-time code input. Backup codes are letters (`xxxxx-xxxxx`), so a field that takes them must
 * not ask phones for a digits-only keyboard.
 */
export function CodeField({
  label,
  value,
  onChange,
  backupCodes,
  autoFocus = false,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  backupCodes: boolean;
  autoFocus?: boolean;
}) {
  return (
    <label>
      {label}
      <input
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="one-time-code"
        inputMode={backupCodes ? 'text' : 'numeric'}
        maxLength={32}
        // biome-ignore lint/a11y/noAutofocus: only where the code is the one field of its step
        autoFocus={autoFocus}
      />
    </label>
  );
}

export function Busy({ label }: { label: string }) {
  return (
    <p className="busy" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="secondary small"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 2000);
          },
          () => setCopied(false),
        );
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}

export function CodeBlock({ title, text }: { title: string; text: string }) {
  return (
    <section className="code-block" aria-label={title}>
      <div className="code-head">
        <h4>{title}</h4>
        <CopyButton text={text} label={`Copy ${title}`} />
      </div>
      <pre>
        <code>{text}</code>
      </pre>
    </section>
  );
}

export function formatTime(iso: string | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/**
 * Focus after navigation (keyboard and screen-reader users): the shell bumps `seq` each time the
 * path changes, and the next view heading that renders takes focus once for that change — also
 * when the view shows a spinner first and its heading only later.
 */
export const NavigationFocus = createContext<{ seq: number; claimed: { current: number } } | null>(null);

/**
 * The main heading of a view: focusable by script only (tabIndex -1), focused after a navigation
 * so that screen readers announce the new view.
 */
export function ViewHeading({ id, children }: { id: string; children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const nav = useContext(NavigationFocus);
  const seq = nav?.seq ?? 0;
  useEffect(() => {
    if (nav === null || seq <= nav.claimed.current) return;
    nav.claimed.current = seq;
    ref.current?.focus();
  }, [nav, seq]);
  return (
    <h2 id={id} ref={ref} tabIndex={-1} className="view-heading">
      {children}
    </h2>
  );
}

/**
 * Moves focus to `ref`'s element once React has committed the current update (the element may
 * only mount then): used to hand focus back to the control that opened a panel that just closed.
 */
export function focusSoon(ref: RefObject<HTMLElement | null>): void {
  requestAnimationFrame(() => ref.current?.focus());
}

/**
 * Returns `focusAfterRender(ref)`: focuses `ref`'s element in an effect of the render that commits
 * the state updates made together with the call. Unlike a timer (focusSoon), this cannot run before
 * React has mounted the element — updates made outside an event (a mutation's onSuccess) are
 * committed later than the next frame on a busy machine.
 */
export function useFocusAfterRender(): (ref: RefObject<HTMLElement | null>) => void {
  const [request, setRequest] = useState<{ ref: RefObject<HTMLElement | null> } | null>(null);
  useEffect(() => {
    request?.ref.current?.focus();
  }, [request]);
  return useCallback((ref: RefObject<HTMLElement | null>) => setRequest({ ref }), []);
}

/** Bar chart drawn with SVG attributes only (the CSP forbids inline styles). */
export function BarChart({
  title,
  rows,
}: {
  title: string;
  rows: { label: string; value: number; note: string }[];
}) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const barH = 22;
  const labelW = 170;
  const width = 520;
  const height = rows.length * (barH + 8) + 8;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg width={width} height={height} role="img" aria-label={title} viewBox={`0 0 ${width} ${height}`}>
        {rows.map((r, i) => {
          const y = 8 + i * (barH + 8);
          const w = Math.max(2, ((width - labelW - 110) * r.value) / max);
          return (
            <g key={r.label}>
              <text x={0} y={y + 15} fontSize="12" fill="currentColor">
                {r.label}
              </text>
              <rect x={labelW} y={y} width={w} height={barH} rx={3} fill="#3b6fd8" />
              <text x={labelW + w + 6} y={y + 15} fontSize="12" fill="currentColor">
                {r.note}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
