import { type FormEvent, useId, useState } from 'react';
import type { ConnectionSummary, Member } from './types.ts';
import { OUTCOME_CHOICES, outcomeChoiceLabel } from './words.ts';

export interface AuditFilters {
  action: string;
  outcome: string;
  actor: string;
  connection: string;
}

export const NO_FILTERS: AuditFilters = { action: '', outcome: '', actor: '', connection: '' };

const memberLabel = (m: Member) => (m.name !== null && m.name !== '' ? `${m.name} — ${m.email}` : m.email);

/**
 * The filter form. It edits a copy; the view's URL changes only on "Filter" (a deliberate change,
 * so Back returns to the previous filters). The caller remounts it when the URL changes.
 */
export function FilterForm({
  initial,
  signIns,
  members,
  connections,
  onApply,
}: {
  initial: AuditFilters;
  signIns: boolean;
  members: Member[];
  connections: ConnectionSummary[];
  onApply: (filters: AuditFilters) => void;
}) {
  const [f, setF] = useState(initial);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(signIns ? { ...f, action: '', connection: '' } : f);
  };
  const actorKnown = f.actor === '' || members.some((m) => m.userId === f.actor);
  const connectionKnown = f.connection === '' || connections.some((c) => c.id === f.connection);
  return (
    <form
      className="card inline-form audit-filters"
      onSubmit={submit}
      aria-label={signIns ? 'Filter sign-ins' : 'Filter audit records'}
    >
      {!signIns && (
        <label>
          Action (prefix ending in *)
          <input
            value={f.action}
            onChange={(e) => setF({ ...f, action: e.target.value })}
            placeholder="auth.*"
            maxLength={128}
          />
        </label>
      )}
      <label>
        Outcome
        <select value={f.outcome} onChange={(e) => setF({ ...f, outcome: e.target.value })}>
          <option value="">Any</option>
          {OUTCOME_CHOICES.map((o) => (
            <option key={o} value={o}>
              {outcomeChoiceLabel(o)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {signIns ? 'Member' : 'Actor'}
        <select
          value={f.actor}
          onChange={(e) => setF({ ...f, actor: e.target.value })}
          aria-describedby={`${id}-actor`}
        >
          <option value="">{signIns ? 'Every member' : 'Anyone'}</option>
          {!actorKnown && <option value={f.actor}>{f.actor} (chosen from a record)</option>}
          {members.map((m) => (
            <option key={m.userId} value={m.userId}>
              {memberLabel(m)}
            </option>
          ))}
        </select>
        <span id={`${id}-actor`} className="muted small">
          {signIns ? 'Current members only.' : 'Or pick one in a record’s details.'}
        </span>
      </label>
      {!signIns && (
        <label>
          Connection
          <select value={f.connection} onChange={(e) => setF({ ...f, connection: e.target.value })}>
            <option value="">Any</option>
            {!connectionKnown && <option value={f.connection}>{f.connection}</option>}
            {connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="filter-actions">
        <button type="submit">Filter</button>
        <button type="button" className="secondary" onClick={() => onApply(NO_FILTERS)}>
          Clear
        </button>
      </div>
    </form>
  );
}
