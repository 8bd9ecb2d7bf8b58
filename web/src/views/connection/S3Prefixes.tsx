import { type FormEvent, useId, useState } from 'react';
import type { Connection } from '../../api.ts';

/**
 * A connection limited to S3 key prefixes (`scopes.s3Prefixes`, the `allowedPrefixes` of the API's
 * 403) may list only inside them: the browser opens a bucket at the first allowed prefix, never
 * asks for a listing outside them, and offers the allowed prefixes plus a field to go deeper.
 */

/** Whether listing `prefix` stays inside what the connection allows (no limit: everything). */
export function prefixAllowed(conn: Connection, prefix: string): boolean {
  const allowed = conn.scopes.s3Prefixes;
  return allowed.length === 0 || allowed.some((p) => prefix.startsWith(p));
}

/** Where a bucket opens: its root, or the first allowed prefix of a prefix-limited connection. */
export function initialPrefix(conn: Connection): string {
  return conn.scopes.s3Prefixes[0] ?? '';
}

export function S3PrefixChooser({
  conn,
  prefix,
  onGo,
}: {
  conn: Connection;
  prefix: string;
  onGo: (prefix: string) => void;
}) {
  const id = useId();
  const [typed, setTyped] = useState(prefix);
  const [problem, setProblem] = useState<string | null>(null);
  // Browsing into a folder moves the field along (state adjusted during render, not in an effect).
  const [shown, setShown] = useState(prefix);
  if (shown !== prefix) {
    setShown(prefix);
    setTyped(prefix);
    setProblem(null);
  }
  const allowed = conn.scopes.s3Prefixes;
  if (allowed.length === 0) return null;
  const inside = prefixAllowed(conn, prefix);

  function go(e: FormEvent) {
    e.preventDefault();
    const p = typed.trim();
    if (!prefixAllowed(conn, p)) {
      setProblem(`Must start with one of: ${allowed.join(', ')}`);
      return;
    }
    setProblem(null);
    onGo(p);
  }

  return (
    <div className="prefix-chooser" data-testid="s3-prefix-chooser">
      <p className={inside ? 'muted small' : 'notice'}>
        {inside
          ? 'This connection may list only inside these key prefixes:'
          : 'This connection may not list here. Choose one of its key prefixes:'}
      </p>
      <ul className="pills" aria-label="Allowed prefixes">
        {allowed.map((p) => (
          <li key={p}>
            <button
              type="button"
              className={prefix.startsWith(p) ? '' : 'secondary'}
              aria-pressed={prefix.startsWith(p)}
              onClick={() => {
                setTyped(p);
                setProblem(null);
                onGo(p);
              }}
            >
              {p}
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={go} aria-label="Go to a prefix">
        <label>
          Prefix
          <input
            value={typed}
            maxLength={1024}
            onChange={(e) => setTyped(e.target.value)}
            aria-invalid={problem !== null}
            aria-describedby={`${id}-problem`}
          />
          {problem !== null && (
            <span className="field-error" id={`${id}-problem`}>
              {problem}
            </span>
          )}
        </label>
        <button type="submit" className="secondary">
          Go
        </button>
      </form>
    </div>
  );
}
