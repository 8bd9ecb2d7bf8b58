import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useRef, useState } from 'react';
import { ApiError, api, CAPABILITIES, type Capability, type Connection } from '../../api.ts';
import { MutationError, QueryView } from '../../query.tsx';
import { CodeBlock, CopyButton, FieldMessage, formatTime, useFocusAfterRender } from '../../ui.tsx';
import { connectionKey, connectionPath, type Json, type paths, splitList, usePermissions } from './access.ts';

type Templates = Json<paths['/v1/orgs/{orgId}/connections/{connId}/templates']['get']['responses']['200']>;
type Scopes = Connection['scopes'];

/** The list scopes, in the order the form shows them, with what an empty list means. */
const LIST_SCOPES: [Exclude<keyof Scopes, 'cleanupTagConditions'>, string, string][] = [
  ['regions', 'Regions', 'empty: the deployment’s default region'],
  ['s3Buckets', 'S3 buckets', 'empty: every bucket'],
  ['s3Prefixes', 'S3 key prefixes', 'empty: whole buckets'],
  ['logGroupPrefixes', 'Log group prefixes', 'empty: every log group'],
  ['dynamodbTables', 'DynamoDB tables', 'empty: every table'],
  ['lambdaFunctionPatterns', 'Lambda function patterns (* as wildcard)', 'empty: every function'],
];

export interface Form {
  name: string;
  roleArn: string;
  roleName: string;
  capabilities: Capability[];
  lists: Record<(typeof LIST_SCOPES)[number][0], string>;
  /** One `key=value` per line. */
  tags: string;
}

export function formOf(conn: Connection): Form {
  return {
    name: conn.name,
    roleArn: conn.roleArn ?? '',
    roleName: conn.roleName,
    capabilities: [...conn.capabilities],
    lists: {
      regions: conn.scopes.regions.join(', '),
      s3Buckets: conn.scopes.s3Buckets.join(', '),
      s3Prefixes: conn.scopes.s3Prefixes.join(', '),
      logGroupPrefixes: conn.scopes.logGroupPrefixes.join(', '),
      dynamodbTables: conn.scopes.dynamodbTables.join(', '),
      lambdaFunctionPatterns: conn.scopes.lambdaFunctionPatterns.join(', '),
    },
    tags: Object.entries(conn.scopes.cleanupTagConditions)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  };
}

/** `key=value` lines as tag conditions; the lines that are not `key=value` are returned as problems. */
export function parseTags(text: string): { tags: Record<string, string>; bad: string[] } {
  const tags: Record<string, string> = {};
  const bad: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) bad.push(line);
    else tags[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { tags, bad };
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** Only what changed, as PATCH /connections/:connId takes it. */
export function connectionChanges(
  conn: Connection,
  form: Form,
  tags: Record<string, string>,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (form.name.trim() !== conn.name) body.name = form.name.trim();
  const arn = form.roleArn.trim();
  if (arn !== '' && arn !== (conn.roleArn ?? '')) body.roleArn = arn;
  // The role ARN names the role; a role name is only sent on its own (the server checks they agree).
  if (body.roleArn === undefined && form.roleName.trim() !== conn.roleName)
    body.roleName = form.roleName.trim();
  if (!sameList(form.capabilities, conn.capabilities)) body.capabilities = form.capabilities;
  const scopes: Scopes = {
    regions: splitList(form.lists.regions),
    s3Buckets: splitList(form.lists.s3Buckets),
    s3Prefixes: splitList(form.lists.s3Prefixes),
    logGroupPrefixes: splitList(form.lists.logGroupPrefixes),
    dynamodbTables: splitList(form.lists.dynamodbTables),
    lambdaFunctionPatterns: splitList(form.lists.lambdaFunctionPatterns),
    cleanupTagConditions: tags,
  };
  const scopesChanged =
    LIST_SCOPES.some(([k]) => !sameList(scopes[k], conn.scopes[k])) ||
    JSON.stringify(Object.entries(tags).sort()) !==
      JSON.stringify(Object.entries(conn.scopes.cleanupTagConditions).sort());
  if (scopesChanged) body.scopes = scopes;
  return body;
}

function invalid(error: unknown, path: string): boolean {
  return error instanceof ApiError && error.messagesFor(path).length > 0;
}

/**
 * Settings of one connection (connections:write): edit, rotate the external ID, delete. The parent
 * shows this tab only to roles that may write connections; the API enforces it regardless.
 */
export function ConnectionSettings({
  orgId,
  conn,
  onChanged,
  onDeleted,
}: {
  orgId: string;
  conn: Connection;
  /** The connection as the API returned it after an edit or a rotation. */
  onChanged: (conn: Connection) => void;
  onDeleted: () => void;
}) {
  const allowed = usePermissions(orgId);
  if (!allowed('connections:write')) {
    return <p className="notice">Your role does not include changing connections.</p>;
  }
  return (
    <section aria-labelledby="settings-h">
      <h3 id="settings-h">Settings</h3>
      <EditConnection orgId={orgId} conn={conn} onChanged={onChanged} />
      <RotateExternalId
        orgId={orgId}
        conn={conn}
        onChanged={onChanged}
        canSeeTemplates={allowed('connections:templates')}
      />
      <DeleteConnection orgId={orgId} conn={conn} onDeleted={onDeleted} />
    </section>
  );
}

function EditConnection({
  orgId,
  conn,
  onChanged,
}: {
  orgId: string;
  conn: Connection;
  onChanged: (conn: Connection) => void;
}) {
  const id = useId();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(() => formOf(conn));
  const [tagProblem, setTagProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<Connection>('PATCH', connectionPath(orgId, conn.id), body),
    onSuccess: (updated, body) => {
      setForm(formOf(updated));
      setSaved(
        body.roleArn !== undefined || body.capabilities !== undefined
          ? 'Saved. The role or its capabilities changed, so the connection is pending again: update the role with the new templates if needed, then verify it on the Overview tab.'
          : body.scopes !== undefined
            ? 'Saved. The permission policy in the templates now reflects the new scopes; update the role in AWS to match.'
            : 'Saved.',
      );
      onChanged(updated);
      void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connections'] });
    },
  });
  const parsed = parseTags(form.tags);
  const body = connectionChanges(conn, form, parsed.tags);
  // A malformed tag line counts as a change, so that saving explains it instead of staying disabled.
  const unchanged = Object.keys(body).length === 0 && parsed.bad.length === 0;

  function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(null);
    if (parsed.bad.length > 0) {
      setTagProblem(`Write each condition as key=value on its own line: ${parsed.bad.join(', ')}`);
      return;
    }
    setTagProblem(null);
    if (form.capabilities.length === 0) return;
    save.mutate(body);
  }

  const err = save.error;
  const set = (patch: Partial<Form>) => {
    setSaved(null);
    setForm({ ...form, ...patch });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Edit the connection" noValidate>
      <h4>Connection</h4>
      <label>
        Name
        <input
          required
          maxLength={100}
          value={form.name}
          onChange={(e) => set({ name: e.target.value })}
          aria-invalid={invalid(err, 'name')}
          aria-describedby={`${id}-name`}
        />
        <FieldMessage error={err} path="name" id={`${id}-name`} />
      </label>
      <label>
        Role ARN
        <input
          value={form.roleArn}
          maxLength={2048}
          placeholder="arn:aws:iam::123456789012:role/RolegateAccess"
          onChange={(e) => set({ roleArn: e.target.value })}
          aria-invalid={invalid(err, 'roleArn')}
          aria-describedby={`${id}-arn`}
        />
        <FieldMessage error={err} path="roleArn" id={`${id}-arn`} />
      </label>
      <label>
        IAM role name (the templates’ role; follows the role ARN once one is set)
        <input
          value={form.roleName}
          maxLength={64}
          disabled={form.roleArn.trim() !== ''}
          onChange={(e) => set({ roleName: e.target.value })}
          aria-invalid={invalid(err, 'roleName')}
          aria-describedby={`${id}-rolename`}
        />
        <FieldMessage error={err} path="roleName" id={`${id}-rolename`} />
      </label>
      <fieldset aria-describedby={`${id}-caps`}>
        <legend>Capabilities</legend>
        {CAPABILITIES.map((c) => (
          <label key={c} className="check">
            <input
              type="checkbox"
              checked={form.capabilities.includes(c)}
              onChange={(e) =>
                set({
                  capabilities: e.target.checked
                    ? [...form.capabilities, c]
                    : form.capabilities.filter((x) => x !== c),
                })
              }
            />
            <code>{c}</code>
          </label>
        ))}
        {form.capabilities.length === 0 && (
          <span className="field-error" id={`${id}-caps-empty`}>
            Choose at least one capability.
          </span>
        )}
        <FieldMessage error={err} path="capabilities" id={`${id}-caps`} />
      </fieldset>
      <fieldset>
        <legend>Scopes (separate several values with commas or spaces)</legend>
        {LIST_SCOPES.map(([key, label, hint]) => (
          <label key={key}>
            {label} <span className="muted small">({hint})</span>
            <input
              value={form.lists[key]}
              onChange={(e) => set({ lists: { ...form.lists, [key]: e.target.value } })}
              aria-invalid={invalid(err, `scopes.${key}`)}
              aria-describedby={`${id}-${key}`}
            />
            <FieldMessage error={err} path={`scopes.${key}`} id={`${id}-${key}`} />
          </label>
        ))}
        <label>
          <span>
            Clean-up tag conditions (one <code>key=value</code> per line; clean-up deletes only resources
            carrying all of them)
          </span>
          <textarea
            rows={3}
            value={form.tags}
            onChange={(e) => set({ tags: e.target.value })}
            aria-invalid={tagProblem !== null || invalid(err, 'scopes.cleanupTagConditions')}
            aria-describedby={`${id}-tags ${id}-tags-local`}
          />
          {tagProblem !== null && (
            <span className="field-error" id={`${id}-tags-local`}>
              {tagProblem}
            </span>
          )}
          <FieldMessage error={err} path="scopes.cleanupTagConditions" id={`${id}-tags`} />
        </label>
      </fieldset>
      <p className="muted small">
        Changing the role ARN or the capabilities sets the connection back to pending until it is verified
        again.
      </p>
      <MutationError mutation={save} />
      {saved !== null && (
        <p className="notice" role="status">
          {saved}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={save.isPending || unchanged || form.capabilities.length === 0}>
          {save.isPending ? 'Saving…' : 'Save changes'}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={save.isPending || unchanged}
          onClick={() => {
            setForm(formOf(conn));
            setTagProblem(null);
            save.reset();
          }}
        >
          Discard changes
        </button>
      </div>
    </form>
  );
}

function RotateExternalId({
  orgId,
  conn,
  onChanged,
  canSeeTemplates,
}: {
  orgId: string;
  conn: Connection;
  onChanged: (conn: Connection) => void;
  canSeeTemplates: boolean;
}) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [rotated, setRotated] = useState<Connection | null>(null);
  // The confirmation replaces the button that opened it: focus moves into it, and back to that
  // button (mounted again) when it closes, whichever way.
  const opener = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const focusAfterRender = useFocusAfterRender();
  function openConfirmation() {
    setConfirming(true);
    focusAfterRender(cancelButton);
  }
  function closeConfirmation() {
    setConfirming(false);
    focusAfterRender(opener);
  }
  const rotate = useMutation({
    mutationFn: () => api<Connection>('POST', `${connectionPath(orgId, conn.id)}/rotate-external-id`),
    onSuccess: (updated) => {
      closeConfirmation();
      setRotated(updated);
      onChanged(updated);
      void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connections'] });
    },
  });
  const pending = rotated ?? conn;
  return (
    <section className="card" aria-labelledby="rotate-h">
      <h4 id="rotate-h">External ID</h4>
      <p>
        The role trusts Rolegate only with this connection’s external ID. Rotate it when it may have been
        exposed: Rolegate issues a new one and the role’s trust policy must be updated to it.
      </p>
      {pending.rotationPending && pending.previousExternalIdExpiresAt !== null && (
        <p className="notice" data-testid="rotation-pending">
          A rotation is pending: the previous external ID is still accepted until{' '}
          <strong>{formatTime(pending.previousExternalIdExpiresAt)}</strong>. Update the role’s trust policy
          and verify the connection before then; a successful verification with the new ID ends the rotation.
        </p>
      )}
      {!confirming ? (
        <button ref={opener} type="button" className="secondary" onClick={openConfirmation}>
          Rotate the external ID…
        </button>
      ) : (
        <fieldset>
          <legend>Confirm the rotation</legend>
          <p>
            Issue a new external ID for <strong>{conn.name}</strong>?{' '}
            {conn.status === 'verified'
              ? 'The current ID stays accepted for a grace period, so operations keep working until the role is updated.'
              : 'The connection is not verified, so the current ID stops being used at once.'}
          </p>
          <div className="row">
            <button type="button" disabled={rotate.isPending} onClick={() => rotate.mutate()}>
              {rotate.isPending ? 'Rotating…' : 'Rotate now'}
            </button>
            <button ref={cancelButton} type="button" className="secondary" onClick={closeConfirmation}>
              Cancel
            </button>
          </div>
        </fieldset>
      )}
      <MutationError mutation={rotate} />
      {rotated !== null && (
        <div role="status">
          <p>
            {rotated.rotationPending && rotated.previousExternalIdExpiresAt !== null
              ? `Rotated. The previous external ID is accepted until ${formatTime(
                  rotated.previousExternalIdExpiresAt,
                )}; the templates below trust both IDs until then.`
              : 'Rotated. The previous external ID is no longer accepted: update the role’s trust policy with the templates below, then verify the connection.'}
          </p>
          {canSeeTemplates ? (
            <RotatedTemplates orgId={orgId} connId={conn.id} />
          ) : (
            <p className="muted">An admin can show the new templates.</p>
          )}
        </div>
      )}
    </section>
  );
}

/** The templates after a rotation, with the new external ID (reading them is audited, so only on demand). */
function RotatedTemplates({ orgId, connId }: { orgId: string; connId: string }) {
  const templates = useQuery({
    queryKey: connectionKey(orgId, connId, 'templates'),
    queryFn: () => api<Templates>('GET', `${connectionPath(orgId, connId)}/templates`),
    // The external ID changed: never show templates fetched before the rotation.
    staleTime: 0,
    gcTime: 0,
  });
  return (
    <QueryView query={templates} label="Rendering the templates…">
      {(t) => (
        <>
          <p>
            New external ID: <code data-testid="rotated-external-id">{t.externalId}</code>{' '}
            <CopyButton text={t.externalId} label="Copy external ID" />
          </p>
          <p className="muted small">
            Role <code>{t.roleName}</code>, trusting <code>{t.principalArn}</code>.
          </p>
          <CodeBlock title="Trust policy" text={JSON.stringify(t.trustPolicy, null, 2)} />
          <CodeBlock title="Permission policy" text={JSON.stringify(t.permissionPolicy, null, 2)} />
          <CodeBlock title="Terraform" text={t.terraform} />
          <CodeBlock title="AWS CLI" text={t.awsCli} />
          <CodeBlock title="CloudFormation" text={t.cloudFormation} />
        </>
      )}
    </QueryView>
  );
}

function DeleteConnection({
  orgId,
  conn,
  onDeleted,
}: {
  orgId: string;
  conn: Connection;
  onDeleted: () => void;
}) {
  const id = useId();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  // The confirmation replaces the "Delete…" button: focus moves to its name field, and back to the
  // button when it is cancelled (a deletion navigates to the list, whose heading takes focus).
  const opener = useRef<HTMLButtonElement>(null);
  const nameField = useRef<HTMLInputElement>(null);
  const focusAfterRender = useFocusAfterRender();
  const remove = useMutation({
    mutationFn: () => api<void>('DELETE', connectionPath(orgId, conn.id)),
    onSuccess: () => {
      // Drop the deleted connection's own queries first: refetching them would only answer 404.
      queryClient.removeQueries({ queryKey: connectionKey(orgId, conn.id) });
      void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'connections'] });
      onDeleted();
    },
  });
  return (
    <section className="card" aria-labelledby="delete-h">
      <h4 id="delete-h">Delete the connection</h4>
      <p>
        Rolegate forgets the role and its external ID and stops every scan of this connection. The role itself
        stays in the AWS account: delete it there too. The audit trail keeps its history.
      </p>
      {!open ? (
        <button
          ref={opener}
          type="button"
          className="danger"
          onClick={() => {
            setOpen(true);
            focusAfterRender(nameField);
          }}
        >
          Delete…
        </button>
      ) : (
        <form
          aria-label="Confirm the deletion"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed === conn.name) remove.mutate();
          }}
        >
          <label>
            <span>
              Type <strong>{conn.name}</strong> to delete this connection
            </span>
            <input
              ref={nameField}
              value={typed}
              autoComplete="off"
              onChange={(e) => setTyped(e.target.value)}
              aria-describedby={`${id}-hint`}
            />
          </label>
          <p className="muted small" id={`${id}-hint`}>
            This cannot be undone.
          </p>
          <div className="row">
            <button type="submit" className="danger" disabled={typed !== conn.name || remove.isPending}>
              {remove.isPending ? 'Deleting…' : `Delete ${conn.name}`}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setOpen(false);
                setTyped('');
                focusAfterRender(opener);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      <MutationError mutation={remove} />
    </section>
  );
}
