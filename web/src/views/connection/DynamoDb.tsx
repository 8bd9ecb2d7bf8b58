import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, api, type Connection, qs } from '../../api.ts';
import { QueryView } from '../../query.tsx';
import { Busy, Empty, ErrorBox, FieldMessage } from '../../ui.tsx';
import { connectionKey, connectionPath, type Json, type paths } from './access.ts';

type TablesPage = Json<
  paths['/v1/orgs/{orgId}/connections/{connId}/dynamodb/tables']['get']['responses']['200']
>;
export type TableDescription = Json<
  paths['/v1/orgs/{orgId}/connections/{connId}/dynamodb/tables/{table}']['get']['responses']['200']
>;
type QueryPath = paths['/v1/orgs/{orgId}/connections/{connId}/dynamodb/tables/{table}/query']['post'];
type QueryBody =
  NonNullable<QueryPath['requestBody']> extends { content: { 'application/json': infer B } } ? B : never;
type QueryPage = Json<QueryPath['responses']['200']>;
type KeyType = 'S' | 'N' | 'B';
type SortOp = NonNullable<QueryBody['sortKey']>['op'];

const SORT_OPS: SortOp[] = ['=', '<', '<=', '>', '>=', 'begins_with', 'between'];
const TYPE_TEXT: Record<string, string> = { S: 'string', N: 'number', B: 'binary (base64)' };
const PAGE_SIZES = [25, 100, 500] as const;

/**
 * DynamoDB of one connection (dynamodb-read): pick a table (its key schema from DescribeTable),
 * query it by partition key and an optional sort key condition, and read the items as a table.
 * The picked table is in the URL (`?table=`), so a link opens it.
 */
export function DynamoDb({ orgId, conn }: { orgId: string; conn: Connection }) {
  const [params, setParams] = useSearchParams();
  const table = params.get('table') ?? '';
  const regions = conn.scopes.regions;
  const [region, setRegion] = useState<string | undefined>(regions[0]);

  function pick(name: string) {
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (name === '') next.delete('table');
      else next.set('table', name);
      return next;
    });
  }

  return (
    <section aria-labelledby="ddb-h">
      <h3 id="ddb-h">DynamoDB</h3>
      {regions.length > 1 && (
        <label>
          Region
          <select
            value={region}
            onChange={(e) => {
              setRegion(e.target.value);
              pick('');
            }}
          >
            {regions.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
      )}
      <TablePicker
        key={region ?? ''}
        orgId={orgId}
        conn={conn}
        region={region}
        selected={table}
        onPick={pick}
      />
      {table !== '' && (
        <TableView key={`${region ?? ''}/${table}`} orgId={orgId} conn={conn} region={region} table={table} />
      )}
    </section>
  );
}

function TablePicker({
  orgId,
  conn,
  region,
  selected,
  onPick,
}: {
  orgId: string;
  conn: Connection;
  region: string | undefined;
  selected: string;
  onPick: (table: string) => void;
}) {
  const id = useId();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const tables = useQuery({
    queryKey: connectionKey(orgId, conn.id, 'dynamodb', 'tables', region ?? null, cursor ?? null),
    queryFn: () =>
      api<TablesPage>('GET', `${connectionPath(orgId, conn.id)}/dynamodb/tables${qs({ region, cursor })}`),
    placeholderData: keepPreviousData,
  });
  const [typed, setTyped] = useState('');

  function open(e: FormEvent) {
    e.preventDefault();
    if (typed.trim() !== '') onPick(typed.trim());
  }

  return (
    <div className="card">
      <h4 id={`${id}-h`}>Tables</h4>
      <QueryView query={tables} label="Listing tables…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty>
              No tables visible{cursors.length > 1 ? ' on this page' : ''}. Check the connection’s table
              scopes and regions, or open a table by name below.
            </Empty>
          ) : (
            <ul className="pills" aria-labelledby={`${id}-h`}>
              {page.items.map((name) => (
                <li key={name}>
                  <button
                    type="button"
                    className={name === selected ? '' : 'secondary'}
                    aria-pressed={name === selected}
                    onClick={() => onPick(name)}
                  >
                    {name}
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
      {(cursors.length > 1 || tables.data?.nextCursor != null) && (
        <div className="row">
          <button
            type="button"
            className="secondary small"
            disabled={cursors.length <= 1}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            Previous tables
          </button>
          <button
            type="button"
            className="secondary small"
            disabled={tables.data?.nextCursor == null || tables.isFetching}
            onClick={() => {
              const next = tables.data?.nextCursor;
              if (next != null) setCursors([...cursors, next]);
            }}
          >
            More tables
          </button>
        </div>
      )}
      <form className="inline-form" onSubmit={open} aria-label="Open a table by name">
        <label>
          Table name
          <input value={typed} maxLength={255} onChange={(e) => setTyped(e.target.value)} />
        </label>
        <button type="submit" className="secondary">
          Open
        </button>
      </form>
    </div>
  );
}

/** The key schema of the table or of one of its indexes, with each key's attribute type. */
export function keysOf(
  description: TableDescription,
  index: string,
): { partition: { name: string; type: KeyType } | null; sort: { name: string; type: KeyType } | null } {
  const schema =
    index === ''
      ? description.keySchema
      : (description.indexes.find((i) => i.name === index)?.keySchema ?? []);
  const typeOf = (name: string): KeyType => {
    const t = description.attributes.find((a) => a.name === name)?.type;
    return t === 'N' || t === 'B' ? t : 'S';
  };
  const hash = schema.find((k) => k.type === 'HASH');
  const range = schema.find((k) => k.type === 'RANGE');
  return {
    partition: hash === undefined ? null : { name: hash.name, type: typeOf(hash.name) },
    sort: range === undefined ? null : { name: range.name, type: typeOf(range.name) },
  };
}

function TableView({
  orgId,
  conn,
  region,
  table,
}: {
  orgId: string;
  conn: Connection;
  region: string | undefined;
  table: string;
}) {
  const description = useQuery({
    queryKey: connectionKey(orgId, conn.id, 'dynamodb', 'table', region ?? null, table),
    queryFn: () =>
      api<TableDescription>(
        'GET',
        `${connectionPath(orgId, conn.id)}/dynamodb/tables/${encodeURIComponent(table)}${qs({ region })}`,
      ),
  });
  return (
    <QueryView query={description} label={`Describing ${table}…`}>
      {(d) => (
        <>
          <KeySchema description={d} />
          <QueryForm orgId={orgId} conn={conn} region={region} description={d} />
        </>
      )}
    </QueryView>
  );
}

function KeySchema({ description: d }: { description: TableDescription }) {
  const rows = [
    { on: 'table', keySchema: d.keySchema },
    ...d.indexes.map((i) => ({ on: `${i.kind} index ${i.name}`, keySchema: i.keySchema })),
  ];
  const typeOf = (name: string) => {
    const t = d.attributes.find((a) => a.name === name)?.type ?? '';
    return TYPE_TEXT[t] ?? t;
  };
  return (
    <section className="card" aria-label={`Key schema of ${d.name}`}>
      <h4>{d.name}</h4>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{d.status ?? '—'}</dd>
        <dt>Items (approximate)</dt>
        <dd>{d.itemCount ?? '—'}</dd>
        <dt>Billing</dt>
        <dd>{d.billingMode ?? '—'}</dd>
      </dl>
      <div className="table-scroll">
        <table data-testid="key-schema">
          <thead>
            <tr>
              <th scope="col">Key of</th>
              <th scope="col">Attribute</th>
              <th scope="col">Role</th>
              <th scope="col">Type</th>
            </tr>
          </thead>
          <tbody>
            {rows.flatMap((r) =>
              r.keySchema.map((k) => (
                <tr key={`${r.on}:${k.name}`}>
                  <td>{r.on}</td>
                  <td>
                    <code>{k.name}</code>
                  </td>
                  <td>{k.type === 'HASH' ? 'partition key' : k.type === 'RANGE' ? 'sort key' : k.type}</td>
                  <td>{typeOf(k.name)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function QueryForm({
  orgId,
  conn,
  region,
  description,
}: {
  orgId: string;
  conn: Connection;
  region: string | undefined;
  description: TableDescription;
}) {
  const id = useId();
  const [index, setIndex] = useState('');
  const [pkValue, setPkValue] = useState('');
  const [op, setOp] = useState<SortOp | ''>('');
  const [skValue, setSkValue] = useState('');
  const [skHigh, setSkHigh] = useState('');
  const [newestFirst, setNewestFirst] = useState(false);
  const [limit, setLimit] = useState<number>(PAGE_SIZES[0]);
  const [submitted, setSubmitted] = useState<{ table: string; body: QueryBody; keyNames: string[] } | null>(
    null,
  );
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const keys = keysOf(description, index);
  const results = useQuery({
    queryKey: connectionKey(
      orgId,
      conn.id,
      'dynamodb',
      'query',
      submitted?.table ?? null,
      submitted?.body ?? null,
      cursor ?? null,
    ),
    queryFn: () => {
      if (submitted === null) throw new Error('No query submitted.');
      return api<QueryPage>(
        'POST',
        `${connectionPath(orgId, conn.id)}/dynamodb/tables/${encodeURIComponent(submitted.table)}/query`,
        { ...submitted.body, ...(cursor === undefined ? {} : { cursor }) },
      );
    },
    enabled: submitted !== null,
    placeholderData: keepPreviousData,
    // Results are the snapshot the user asked for: refetching on focus would move the page under them.
    refetchOnWindowFocus: false,
  });
  const error = submitted === null ? null : results.error;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (keys.partition === null) return;
    const body: QueryBody = {
      ...(index === '' ? {} : { index }),
      partitionKey: { name: keys.partition.name, value: pkValue, type: keys.partition.type },
      ...(keys.sort !== null && op !== ''
        ? {
            sortKey:
              op === 'between'
                ? { name: keys.sort.name, op, values: [skValue, skHigh], type: keys.sort.type }
                : { name: keys.sort.name, op, value: skValue, type: keys.sort.type },
          }
        : {}),
      limit,
      scanForward: !newestFirst,
      ...(region === undefined ? {} : { region }),
    };
    setCursors([undefined]);
    setSubmitted({
      table: description.name,
      body,
      keyNames: [keys.partition.name, keys.sort?.name].filter((k): k is string => k !== undefined),
    });
    // The same query again is a deliberate refresh.
    if (JSON.stringify(body) === JSON.stringify(submitted?.body) && cursors.length === 1)
      void results.refetch();
  }

  return (
    <>
      <form className="card" onSubmit={submit} aria-label="Query the table">
        <h4>Query</h4>
        {description.indexes.length > 0 && (
          <label>
            Query
            <select
              value={index}
              onChange={(e) => {
                setIndex(e.target.value);
                setOp('');
              }}
            >
              <option value="">the table</option>
              {description.indexes.map((i) => (
                <option key={i.name} value={i.name}>
                  {i.kind} index {i.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {keys.partition === null ? (
          <p className="notice">DescribeTable returned no partition key for this table.</p>
        ) : (
          <div className="inline-form">
            <label>
              {keys.partition.name} = ({TYPE_TEXT[keys.partition.type]})
              <input
                required
                value={pkValue}
                maxLength={2048}
                inputMode={keys.partition.type === 'N' ? 'decimal' : undefined}
                onChange={(e) => setPkValue(e.target.value)}
                aria-invalid={invalid(error, 'partitionKey')}
                aria-describedby={`${id}-pk`}
              />
              <FieldMessage error={error} path="partitionKey" id={`${id}-pk`} />
            </label>
            {keys.sort !== null && (
              <>
                <label>
                  {keys.sort.name} condition
                  <select value={op} onChange={(e) => setOp(e.target.value as SortOp | '')}>
                    <option value="">any</option>
                    {SORT_OPS.map((o) => (
                      <option key={o} value={o}>
                        {o}
                      </option>
                    ))}
                  </select>
                </label>
                {op !== '' && (
                  <label>
                    {op === 'between' ? 'From' : 'Value'} ({TYPE_TEXT[keys.sort.type]})
                    <input
                      required
                      value={skValue}
                      maxLength={2048}
                      onChange={(e) => setSkValue(e.target.value)}
                      aria-invalid={invalid(error, 'sortKey')}
                      aria-describedby={`${id}-sk`}
                    />
                    <FieldMessage error={error} path="sortKey" id={`${id}-sk`} />
                  </label>
                )}
                {op === 'between' && (
                  <label>
                    To
                    <input
                      required
                      value={skHigh}
                      maxLength={2048}
                      onChange={(e) => setSkHigh(e.target.value)}
                    />
                  </label>
                )}
              </>
            )}
            <label>
              Page size
              <select value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
                {PAGE_SIZES.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            {keys.sort !== null && (
              <label className="check">
                <input
                  type="checkbox"
                  checked={newestFirst}
                  onChange={(e) => setNewestFirst(e.target.checked)}
                />
                Descending sort key
              </label>
            )}
            <button type="submit" disabled={submitted !== null && results.isFetching}>
              Run query
            </button>
          </div>
        )}
      </form>
      {submitted !== null && (
        <section className="card" aria-label="Query results">
          {results.isPending ? (
            <Busy label="Querying…" />
          ) : results.isError ? (
            <ErrorBox error={results.error} />
          ) : results.data.items.length === 0 ? (
            <Empty>
              No items match. Check the key value (and its type), or widen the sort key condition.
            </Empty>
          ) : (
            <>
              <ItemsTable items={results.data.items} keyNames={submitted.keyNames} />
              {results.data.truncated && (
                <p className="notice">
                  The page was cut at 1 MiB of items; narrow the sort key condition to see the rest.
                </p>
              )}
            </>
          )}
          <div className="row">
            <button
              type="button"
              className="secondary"
              disabled={cursors.length <= 1 || results.isFetching}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              Previous page
            </button>
            <span className="muted small" aria-live="polite">
              Page {cursors.length}
            </span>
            <button
              type="button"
              className="secondary"
              disabled={results.data?.nextCursor == null || results.isFetching}
              onClick={() => {
                const next = results.data?.nextCursor;
                if (next != null) setCursors([...cursors, next]);
              }}
            >
              Next page
            </button>
          </div>
        </section>
      )}
    </>
  );
}

function invalid(error: unknown, path: string): boolean {
  return error instanceof ApiError && error.messagesFor(path).length > 0;
}

function cell(value: unknown): ReactNode {
  if (value === undefined) return <span className="muted">—</span>;
  if (value === null) return <span className="muted">null</span>;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return <code className="wrap">{JSON.stringify(value)}</code>;
}

/** The columns of a page of items: every attribute any item has, key attributes first, then by name. */
export function itemColumns(items: Record<string, unknown>[], keyNames: string[]): string[] {
  const seen = new Set<string>();
  for (const item of items) for (const k of Object.keys(item)) seen.add(k);
  return [
    ...keyNames.filter((k) => seen.has(k)),
    ...[...seen].filter((k) => !keyNames.includes(k)).sort((a, b) => a.localeCompare(b)),
  ];
}

function ItemsTable({ items, keyNames }: { items: Record<string, unknown>[]; keyNames: string[] }) {
  const columns = itemColumns(items, keyNames);
  return (
    <div className="table-scroll">
      <table data-testid="dynamodb-items">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((item, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a page of items in the order DynamoDB returned them
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{cell(item[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
