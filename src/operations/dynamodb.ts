import {
  type AttributeValue,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { defineOperation } from './define.ts';
import type { CallTarget, OperationContext } from './types.ts';
import {
  checkTable,
  invalid,
  optionalRegion,
  statement,
  tableInScope,
  tableNameSchema,
} from './validation.ts';

export const MAX_QUERY_LIMIT = 1000;
/** Items are returned until their JSON reaches this size; the rest is cut with `truncated: true`. */
export const MAX_ITEMS_JSON_CHARS = 1024 * 1024;

const tableArn = (t: CallTarget, table: string) =>
  `arn:${t.partition}:dynamodb:${t.region}:${t.accountId}:table/${table}`;
const ddb = (ctx: OperationContext) => ctx.clients.dynamodb(ctx.credentials, ctx.target.region);

const attributeName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^\P{Cc}+$/u, 'must not contain control characters');
const keyValue = z.union([z.string().min(1).max(2048), z.number().finite()]);
const keyType = z.enum(['S', 'N', 'B']);

/** A key attribute as the user gives it: strings are S, numbers are N unless `type` says otherwise. */
const keyAttribute = z.strictObject({ name: attributeName, value: keyValue, type: keyType.optional() });

function toAttribute(
  value: string | number,
  type: 'S' | 'N' | 'B' | undefined,
  field: string,
): AttributeValue {
  const t = type ?? (typeof value === 'number' ? 'N' : 'S');
  if (t === 'N') {
    const s = String(value);
    if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) throw invalid(field, 'must be a number');
    return { N: s };
  }
  if (t === 'B') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
      throw invalid(field, 'must be base64');
    return { B: Buffer.from(value, 'base64') };
  }
  return { S: String(value) };
}

/** DynamoDB's typed JSON as plain JSON (numbers as numbers when exact, else strings; binary as base64). */
export function plain(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) {
    const n = Number(value.N);
    return Number.isSafeInteger(n) || (Number.isFinite(n) && String(n) === value.N) ? n : value.N;
  }
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.B !== undefined) return Buffer.from(value.B).toString('base64');
  if (value.SS !== undefined) return value.SS;
  if (value.NS !== undefined) return value.NS.map((n) => plain({ N: n }));
  if (value.BS !== undefined) return value.BS.map((b) => Buffer.from(b).toString('base64'));
  if (value.L !== undefined) return value.L.map(plain);
  if (value.M !== undefined) return plainItem(value.M);
  return null;
}
export function plainItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) out[k] = plain(v);
  return out;
}

/* ------------------------------------------------------------ cursor (LastEvaluatedKey) */

const cursorAttribute = z.union([
  z.strictObject({ S: z.string().max(2048) }),
  z.strictObject({
    N: z
      .string()
      .regex(/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/)
      .max(40),
  }),
  z.strictObject({
    B: z
      .string()
      .regex(/^[A-Za-z0-9+/]*={0,2}$/)
      .max(2800),
  }),
]);
const cursorSchema = z.record(attributeName, cursorAttribute).refine((r) => {
  const n = Object.keys(r).length;
  return n >= 1 && n <= 4;
}, 'must be a key of 1–4 attributes');

export const dynamoCursorSchema = z
  .string()
  .min(1)
  .max(8192)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page');

export function encodeCursor(key: Record<string, AttributeValue>): string {
  const json: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(key)) {
    json[k] =
      v.B !== undefined
        ? { B: Buffer.from(v.B).toString('base64') }
        : v.S !== undefined
          ? { S: v.S }
          : { N: v.N };
  }
  return Buffer.from(JSON.stringify(json), 'utf8').toString('base64url');
}

/** Decodes and validates a cursor; anything that is not a well-formed key is a 400. */
export function decodeCursor(cursor: string): Record<string, AttributeValue> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('cursor', 'is not a cursor returned by a previous page');
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success) throw invalid('cursor', 'is not a cursor returned by a previous page');
  const key: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(parsed.data)) {
    key[k] = 'B' in v ? { B: Buffer.from(v.B, 'base64') } : v;
  }
  return key;
}

/* ---------------------------------------------------------------- list / describe */

/** A DynamoDB ResourceNotFoundException names the table the caller gave (or its index). */
function tableNotFound(
  i: { table: string; index?: string | undefined },
  t: CallTarget,
): { message: string; details: Record<string, unknown> } {
  const what =
    i.index === undefined
      ? `Table ${JSON.stringify(i.table)}`
      : `Table ${JSON.stringify(i.table)} or its index ${JSON.stringify(i.index)}`;
  return {
    message: `${what} was not found in ${t.region}.`,
    details: { table: i.table, ...(i.index === undefined ? {} : { index: i.index }), region: t.region },
  };
}

export const listTables = defineOperation({
  name: 'dynamodb.list_tables',
  description:
    'List DynamoDB table names (only the tables the connection allows). Returns {items:[name], nextCursor}.',
  input: z.strictObject({
    cursor: tableNameSchema.optional(),
    limit: z.number().int().min(1).max(100).default(100),
    region: optionalRegion,
  }),
  output: z.object({ items: z.array(z.string()), nextCursor: z.string().nullable() }),
  permission: 'dynamodb:read',
  capability: 'dynamodb-read',
  rest: { method: 'GET', path: '/dynamodb/tables', summary: 'List DynamoDB tables' },
  action: 'dynamodb:ListTables',
  region: (i) => i.region,
  scope: () => {},
  policy: () => [statement(['dynamodb:ListTables'], ['*'])],
  resource: (_i, t) => tableArn(t, '*'),
  async handler(ctx, input) {
    const out = await ddb(ctx).send(
      new ListTablesCommand({
        Limit: input.limit,
        ...(input.cursor ? { ExclusiveStartTableName: input.cursor } : {}),
      }),
    );
    return {
      items: (out.TableNames ?? []).filter((n) => tableInScope(n, ctx.connection.scopes)),
      nextCursor: out.LastEvaluatedTableName ?? null,
    };
  },
});

const keySchemaOut = z.array(z.object({ name: z.string(), type: z.string() }));

export const describeTable = defineOperation({
  name: 'dynamodb.describe_table',
  description:
    'Describe a DynamoDB table: status, key schema (partition/sort key names and types), item count, size, and secondary indexes.',
  input: z.strictObject({ table: tableNameSchema, region: optionalRegion }),
  output: z.object({
    name: z.string(),
    status: z.string().nullable(),
    keySchema: keySchemaOut,
    attributes: z.array(z.object({ name: z.string(), type: z.string() })),
    itemCount: z.number().nullable(),
    sizeBytes: z.number().nullable(),
    billingMode: z.string().nullable(),
    indexes: z.array(
      z.object({ name: z.string(), kind: z.enum(['global', 'local']), keySchema: keySchemaOut }),
    ),
  }),
  permission: 'dynamodb:read',
  capability: 'dynamodb-read',
  rest: { method: 'GET', path: '/dynamodb/tables/:table', summary: 'Describe a DynamoDB table' },
  action: 'dynamodb:DescribeTable',
  region: (i) => i.region,
  scope: (i, c) => checkTable(i.table, c.scopes),
  policy: (i, t) => [statement(['dynamodb:DescribeTable'], [tableArn(t, i.table)])],
  resource: (i, t) => tableArn(t, i.table),
  notFound: tableNotFound,
  async handler(ctx, input) {
    const out = await ddb(ctx).send(new DescribeTableCommand({ TableName: input.table }));
    const t = out.Table;
    const keys = (k: { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined) =>
      (k ?? []).map((e) => ({ name: e.AttributeName ?? '', type: e.KeyType ?? '' }));
    return {
      name: t?.TableName ?? input.table,
      status: t?.TableStatus ?? null,
      keySchema: keys(t?.KeySchema),
      attributes: (t?.AttributeDefinitions ?? []).map((a) => ({
        name: a.AttributeName ?? '',
        type: a.AttributeType ?? '',
      })),
      itemCount: t?.ItemCount ?? null,
      sizeBytes: t?.TableSizeBytes ?? null,
      billingMode: t?.BillingModeSummary?.BillingMode ?? null,
      indexes: [
        ...(t?.GlobalSecondaryIndexes ?? []).map((x) => ({
          name: x.IndexName ?? '',
          kind: 'global' as const,
          keySchema: keys(x.KeySchema),
        })),
        ...(t?.LocalSecondaryIndexes ?? []).map((x) => ({
          name: x.IndexName ?? '',
          kind: 'local' as const,
          keySchema: keys(x.KeySchema),
        })),
      ],
    };
  },
});

/* ---------------------------------------------------------------- get item */

export const getItem = defineOperation({
  name: 'dynamodb.get_item',
  description:
    'Read one item by its primary key: partitionKey {name,value} and, for tables with a sort key, sortKey {name,value}. Values: strings (S) or numbers (N); set type "B" for base64 binary.',
  input: z.strictObject({
    table: tableNameSchema,
    partitionKey: keyAttribute,
    sortKey: keyAttribute.optional(),
    consistentRead: z.boolean().default(false),
    region: optionalRegion,
  }),
  output: z.object({ item: z.record(z.string(), z.unknown()).nullable() }),
  permission: 'dynamodb:read',
  capability: 'dynamodb-read',
  rest: { method: 'POST', path: '/dynamodb/tables/:table/item', summary: 'Get one item by primary key' },
  action: 'dynamodb:GetItem',
  region: (i) => i.region,
  scope: (i, c) => checkTable(i.table, c.scopes),
  policy: (i, t) => [statement(['dynamodb:GetItem'], [tableArn(t, i.table)])],
  resource: (i, t) => tableArn(t, i.table),
  notFound: tableNotFound,
  async handler(ctx, input) {
    const key: Record<string, AttributeValue> = {
      [input.partitionKey.name]: toAttribute(
        input.partitionKey.value,
        input.partitionKey.type,
        'partitionKey.value',
      ),
    };
    if (input.sortKey !== undefined) {
      if (input.sortKey.name === input.partitionKey.name)
        throw invalid('sortKey.name', 'must differ from the partition key');
      key[input.sortKey.name] = toAttribute(input.sortKey.value, input.sortKey.type, 'sortKey.value');
    }
    const out = await ddb(ctx).send(
      new GetItemCommand({ TableName: input.table, Key: key, ConsistentRead: input.consistentRead }),
    );
    return { item: out.Item === undefined ? null : plainItem(out.Item) };
  },
});

/* ---------------------------------------------------------------- query */

const SORT_OPS = ['=', '<', '<=', '>', '>=', 'begins_with', 'between'] as const;

const sortCondition = z
  .strictObject({
    name: attributeName,
    op: z.enum(SORT_OPS),
    value: keyValue.optional(),
    // A two-item array rather than a tuple: tuples become `prefixItems`, which draft-07 validators (and
    // MCP Inspector's strict check) refuse.
    values: z.array(keyValue).length(2).optional(),
    type: keyType.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.op === 'between') {
      if (s.values === undefined)
        ctx.addIssue({ code: 'custom', path: ['values'], message: 'between needs values [low, high]' });
      if (s.value !== undefined)
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'between takes values, not value' });
    } else {
      if (s.value === undefined)
        ctx.addIssue({ code: 'custom', path: ['value'], message: `${s.op} needs a value` });
      if (s.values !== undefined)
        ctx.addIssue({ code: 'custom', path: ['values'], message: 'only between takes values' });
    }
  });

export const queryInput = z.strictObject({
  table: tableNameSchema,
  index: tableNameSchema.optional(),
  partitionKey: keyAttribute,
  sortKey: sortCondition.optional(),
  limit: z.number().int().min(1).max(MAX_QUERY_LIMIT).default(100),
  cursor: dynamoCursorSchema.optional(),
  scanForward: z.boolean().default(true),
  region: optionalRegion,
});
type QueryInput = z.infer<typeof queryInput>;

/**
 * Builds the key condition from #name and :value references only: attribute names go to ExpressionAttributeNames
 * (#pk, #sk) and values to ExpressionAttributeValues (:pk, :sk, :sk2). No user input is ever part
 * of the expression string itself.
 */
export function buildKeyCondition(input: Pick<QueryInput, 'partitionKey' | 'sortKey'>): {
  KeyConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, AttributeValue>;
} {
  const names: Record<string, string> = { '#pk': input.partitionKey.name };
  const values: Record<string, AttributeValue> = {
    ':pk': toAttribute(input.partitionKey.value, input.partitionKey.type, 'partitionKey.value'),
  };
  let expression = '#pk = :pk';
  const s = input.sortKey;
  if (s !== undefined) {
    if (s.name === input.partitionKey.name)
      throw invalid('sortKey.name', 'must differ from the partition key');
    names['#sk'] = s.name;
    if (s.op === 'between') {
      const [low, high] = s.values ?? [];
      if (low === undefined || high === undefined)
        throw invalid('sortKey.values', 'between needs values [low, high]');
      values[':sk'] = toAttribute(low, s.type, 'sortKey.values.0');
      values[':sk2'] = toAttribute(high, s.type, 'sortKey.values.1');
      expression += ' AND #sk BETWEEN :sk AND :sk2';
    } else {
      if (s.value === undefined) throw invalid('sortKey.value', 'is required');
      values[':sk'] = toAttribute(s.value, s.type, 'sortKey.value');
      expression += s.op === 'begins_with' ? ' AND begins_with(#sk, :sk)' : ` AND #sk ${s.op} :sk`;
    }
  }
  return {
    KeyConditionExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export const query = defineOperation({
  name: 'dynamodb.query',
  description:
    'Query a DynamoDB table (or one of its indexes) by partition key, optionally with a sort key condition (op one of =, <, <=, >, >=, begins_with, between with values [low, high]). Returns {items, nextCursor, truncated}; items are plain JSON.',
  input: queryInput,
  output: z.object({
    items: z.array(z.record(z.string(), z.unknown())),
    nextCursor: z.string().nullable(),
    truncated: z.boolean(),
  }),
  permission: 'dynamodb:read',
  capability: 'dynamodb-read',
  rest: {
    method: 'POST',
    path: '/dynamodb/tables/:table/query',
    summary: 'Query by partition key (and sort key condition)',
  },
  action: 'dynamodb:Query',
  region: (i) => i.region,
  scope: (i, c) => checkTable(i.table, c.scopes),
  policy: (i, t) => [
    statement(
      ['dynamodb:Query'],
      [i.index === undefined ? tableArn(t, i.table) : `${tableArn(t, i.table)}/index/${i.index}`],
    ),
  ],
  resource: (i, t) =>
    i.index === undefined ? tableArn(t, i.table) : `${tableArn(t, i.table)}/index/${i.index}`,
  notFound: tableNotFound,
  async handler(ctx, input) {
    const condition = buildKeyCondition(input);
    const out = await ddb(ctx).send(
      new QueryCommand({
        TableName: input.table,
        ...(input.index === undefined ? {} : { IndexName: input.index }),
        ...condition,
        Limit: input.limit,
        ScanIndexForward: input.scanForward,
        ...(input.cursor === undefined ? {} : { ExclusiveStartKey: decodeCursor(input.cursor) }),
      }),
    );
    const items: Record<string, unknown>[] = [];
    let size = 0;
    let truncated = false;
    for (const raw of out.Items ?? []) {
      const item = plainItem(raw);
      size += JSON.stringify(item).length;
      if (size > MAX_ITEMS_JSON_CHARS) {
        truncated = true;
        break;
      }
      items.push(item);
    }
    // DynamoDB already caps a page at 1 MB of data; this bound only bites on pathological items.
    if (truncated) return { items, nextCursor: null, truncated };
    return {
      items,
      nextCursor: out.LastEvaluatedKey === undefined ? null : encodeCursor(out.LastEvaluatedKey),
      truncated,
    };
  },
});
