import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { z } from 'zod';
import type { UsableConnection } from '../connections/types.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { defineOperation } from './define.ts';
import type { CallTarget, OperationContext } from './types.ts';
import {
  awsCursorSchema,
  bounded,
  checkLogGroup,
  forbidden,
  invalid,
  logGroupNameSchema,
  optionalRegion,
  statement,
} from './validation.ts';

export const MAX_WINDOW_MS = 7 * 24 * 3600 * 1000;
export const MAX_EVENTS = 1000;
export const MAX_MESSAGE_CHARS = 8192;
export const MAX_INSIGHTS_WAIT_SECONDS = 20;
export const MAX_INSIGHTS_ROWS = 1000;
export const MAX_INSIGHTS_GROUPS = 10;
export const INSIGHTS_POLL_MS = 500;

const groupArn = (t: CallTarget, name: string) =>
  `arn:${t.partition}:logs:${t.region}:${t.accountId}:log-group:${name}`;
const groupResources = (t: CallTarget, name: string) => [groupArn(t, name), `${groupArn(t, name)}:*`];
const logsClient = (ctx: OperationContext) => ctx.clients.logs(ctx.credentials, ctx.target.region);

const timestamp = z.iso.datetime({ offset: true }).or(z.number().int().min(0).max(8_640_000_000_000));
const toMs = (v: string | number) => (typeof v === 'number' ? v : Date.parse(v));

function checkWindow(start: number, end: number): void {
  if (end <= start) throw invalid('end', 'must be after start');
  if (end - start > MAX_WINDOW_MS) throw invalid('end', 'must be at most 7 days after start');
}

/* ---------------------------------------------------------------- list groups */

function groupPrefixFor(prefix: string | undefined, connection: UsableConnection): string | undefined {
  const allowed = connection.scopes.logGroupPrefixes;
  if (allowed.length === 0) return prefix;
  if (prefix === undefined) {
    if (allowed.length === 1) return allowed[0];
    throw forbidden('This connection allows several log group prefixes; pass one of them as prefix.', {
      allowedPrefixes: allowed,
    });
  }
  checkLogGroup(prefix, connection.scopes);
  return prefix;
}

export const listLogGroups = defineOperation({
  name: 'logs.list_groups',
  description:
    'List CloudWatch Logs log groups, optionally under a name prefix. Returns {items:[{name,createdAt,storedBytes,retentionDays}], nextCursor}.',
  input: z.strictObject({
    prefix: logGroupNameSchema.optional(),
    cursor: awsCursorSchema.optional(),
    limit: z.number().int().min(1).max(50).default(50),
    region: optionalRegion,
  }),
  output: z.object({
    items: z.array(
      z.object({
        name: z.string(),
        createdAt: z.string().nullable(),
        storedBytes: z.number().nullable(),
        retentionDays: z.number().nullable(),
      }),
    ),
    nextCursor: z.string().nullable(),
  }),
  permission: 'logs:read',
  capability: 'logs-read',
  rest: { method: 'GET', path: '/logs/groups', summary: 'List log groups' },
  action: 'logs:DescribeLogGroups',
  region: (i) => i.region,
  scope: (i, c) => {
    groupPrefixFor(i.prefix, c);
  },
  policy: (_i, t) => [statement(['logs:DescribeLogGroups'], [groupArn(t, '*')])],
  resource: (i, t) => groupArn(t, `${i.prefix ?? ''}*`),
  async handler(ctx, input) {
    const prefix = groupPrefixFor(input.prefix, ctx.connection);
    const out = await logsClient(ctx).send(
      new DescribeLogGroupsCommand({
        limit: input.limit,
        ...(prefix === undefined ? {} : { logGroupNamePrefix: prefix }),
        ...(input.cursor === undefined ? {} : { nextToken: input.cursor }),
      }),
    );
    return {
      items: (out.logGroups ?? []).map((g) => ({
        name: g.logGroupName ?? '',
        createdAt: g.creationTime === undefined ? null : new Date(g.creationTime).toISOString(),
        storedBytes: g.storedBytes ?? null,
        retentionDays: g.retentionInDays ?? null,
      })),
      nextCursor: out.nextToken ?? null,
    };
  },
});

/* ---------------------------------------------------------------- filter events */

export const filterLogEvents = defineOperation({
  name: 'logs.filter_events',
  description:
    'Search one log group for events matching a CloudWatch filter pattern between start and end (ISO 8601 or epoch milliseconds; window ≤ 7 days; limit ≤ 1000). Messages longer than 8192 characters are truncated (truncated: true).',
  input: z.strictObject({
    logGroup: logGroupNameSchema,
    pattern: z.string().max(1024).optional(),
    start: timestamp,
    end: timestamp,
    limit: z.number().int().min(1).max(MAX_EVENTS).default(100),
    cursor: awsCursorSchema.optional(),
    region: optionalRegion,
  }),
  output: z.object({
    items: z.array(
      z.object({
        timestamp: z.string(),
        stream: z.string().nullable(),
        message: z.string(),
        truncated: z.boolean(),
      }),
    ),
    nextCursor: z.string().nullable(),
  }),
  permission: 'logs:read',
  capability: 'logs-read',
  rest: { method: 'POST', path: '/logs/events', summary: 'Filter log events' },
  action: 'logs:FilterLogEvents',
  region: (i) => i.region,
  scope: (i, c) => {
    checkWindow(toMs(i.start), toMs(i.end));
    checkLogGroup(i.logGroup, c.scopes);
  },
  policy: (i, t) => [statement(['logs:FilterLogEvents'], groupResources(t, i.logGroup))],
  resource: (i, t) => groupArn(t, i.logGroup),
  notFound: (i, t) => ({
    message: `Log group ${JSON.stringify(i.logGroup)} was not found in ${t.region}.`,
    details: { logGroup: i.logGroup, region: t.region },
  }),
  async handler(ctx, input) {
    const out = await logsClient(ctx).send(
      new FilterLogEventsCommand({
        logGroupName: input.logGroup,
        startTime: toMs(input.start),
        endTime: toMs(input.end),
        limit: input.limit,
        ...(input.pattern === undefined || input.pattern === '' ? {} : { filterPattern: input.pattern }),
        ...(input.cursor === undefined ? {} : { nextToken: input.cursor }),
      }),
    );
    return {
      items: (out.events ?? []).slice(0, input.limit).map((e) => {
        const message = bounded(e.message ?? '', MAX_MESSAGE_CHARS);
        return {
          timestamp: new Date(e.timestamp ?? 0).toISOString(),
          stream: e.logStreamName ?? null,
          message: message.value,
          truncated: message.truncated,
        };
      }),
      nextCursor: out.nextToken ?? null,
    };
  },
});

/* ---------------------------------------------------------------- Logs Insights */

const insightsOutput = z.object({
  queryId: z.string(),
  status: z.string(),
  results: z.array(z.record(z.string(), z.string())),
  truncated: z.boolean(),
  statistics: z
    .object({ recordsMatched: z.number(), recordsScanned: z.number(), bytesScanned: z.number() })
    .nullable(),
});
type InsightsOutput = z.infer<typeof insightsOutput>;

function insightsResult(handle: string, out: GetQueryResultsCommandOutput): InsightsOutput {
  const rows = out.results ?? [];
  const results = rows.slice(0, MAX_INSIGHTS_ROWS).map((row) => {
    const record: Record<string, string> = {};
    for (const f of row) {
      if (f.field !== undefined && f.field !== '@ptr')
        record[f.field] = bounded(f.value ?? '', MAX_MESSAGE_CHARS).value;
    }
    return record;
  });
  const s = out.statistics;
  return {
    queryId: handle,
    status: out.status ?? 'Unknown',
    results,
    truncated: rows.length > MAX_INSIGHTS_ROWS,
    statistics:
      s === undefined
        ? null
        : {
            recordsMatched: s.recordsMatched ?? 0,
            recordsScanned: s.recordsScanned ?? 0,
            bytesScanned: s.bytesScanned ?? 0,
          },
  };
}

const DONE = new Set(['Complete', 'Failed', 'Cancelled', 'Timeout']);

/** Waits `ms`, or less if `signal` aborts first; never rejects (the caller checks the signal). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * The client went away mid-wait: nobody will read the results, so the query is stopped (it would
 * otherwise keep scanning, billed to the customer) and the call ends as a failure.
 */
async function abandon(client: CloudWatchLogsClient, queryId: string): Promise<never> {
  try {
    await client.send(new StopQueryCommand({ queryId }));
  } catch {
    // Best effort: the query may have finished in the meantime; it times out on its own anyway.
  }
  throw new AppError(
    ErrorCode.BAD_REQUEST,
    'The client disconnected before the query finished; the query was stopped.',
  );
}

export const startInsightsQuery = defineOperation({
  name: 'logs.insights_query',
  description:
    'Run a CloudWatch Logs Insights query over up to 10 log groups between start and end (window ≤ 7 days). Waits up to waitSeconds (≤ 20) for results; if the query is still running, returns its queryId with status "Running" — poll it with logs.insights_results.',
  input: z.strictObject({
    logGroups: z.array(logGroupNameSchema).min(1).max(MAX_INSIGHTS_GROUPS),
    query: z.string().min(1).max(10_000),
    start: timestamp,
    end: timestamp,
    limit: z.number().int().min(1).max(MAX_INSIGHTS_ROWS).default(100),
    waitSeconds: z.number().int().min(0).max(MAX_INSIGHTS_WAIT_SECONDS).default(10),
    region: optionalRegion,
  }),
  output: insightsOutput,
  permission: 'logs:read',
  capability: 'logs-read',
  expensive: true,
  lane: 'long',
  rest: {
    method: 'POST',
    path: '/logs/insights',
    summary: 'Run a Logs Insights query (waits up to waitSeconds)',
  },
  action: 'logs:StartQuery',
  region: (i) => i.region,
  scope: (i, c) => {
    checkWindow(toMs(i.start), toMs(i.end));
    for (const g of i.logGroups) checkLogGroup(g, c.scopes);
  },
  policy: (i, t) => [
    statement(
      ['logs:StartQuery'],
      i.logGroups.flatMap((g) => groupResources(t, g)),
    ),
    // StopQuery: a query whose client went away mid-wait is stopped, not left running.
    statement(['logs:GetQueryResults', 'logs:StopQuery'], ['*']),
  ],
  resource: (i, t) => i.logGroups.map((g) => groupArn(t, g)).join(','),
  notFound: (i, t) => ({
    message:
      i.logGroups.length === 1
        ? `Log group ${JSON.stringify(i.logGroups[0])} was not found in ${t.region}.`
        : `One of the log groups ${i.logGroups.map((g) => JSON.stringify(g)).join(', ')} was not found in ${t.region}.`,
    details: { logGroups: i.logGroups, region: t.region },
  }),
  async handler(ctx, input) {
    const client = logsClient(ctx);
    const { signal } = ctx;
    const started = await client.send(
      new StartQueryCommand({
        logGroupNames: input.logGroups,
        queryString: input.query,
        startTime: Math.floor(toMs(input.start) / 1000),
        endTime: Math.ceil(toMs(input.end) / 1000),
        limit: input.limit,
      }),
      { abortSignal: signal },
    );
    const queryId = started.queryId;
    if (queryId === undefined)
      throw new AppError(ErrorCode.AWS_REQUEST_FAILED, 'CloudWatch Logs returned no query id.');
    const handle = ctx.handles.sign(ctx.connection, queryId);
    const deadline = Date.now() + input.waitSeconds * 1000;
    for (;;) {
      let out: GetQueryResultsCommandOutput | undefined;
      if (!signal.aborted) {
        try {
          out = await client.send(new GetQueryResultsCommand({ queryId }), { abortSignal: signal });
        } catch (err) {
          if (!signal.aborted) throw err;
        }
      }
      if (out === undefined) return abandon(client, queryId);
      if (DONE.has(out.status ?? '') || Date.now() + INSIGHTS_POLL_MS > deadline) {
        return insightsResult(handle, out);
      }
      await pause(INSIGHTS_POLL_MS, signal);
    }
  },
});

/**
 * The route only bounds the handle's length; its format is the operation's check, so a malformed
 * handle is answered like a forged one on every door, after the API key's scope.
 */
const queryIdPathSchema = z.string().min(1).max(200);
const queryHandleSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w-]{1,128}\.[a-f0-9]{32}$/, 'must be a queryId returned by logs.insights_query');

function queryIdOf(ctx: OperationContext, handle: string): string {
  const queryId = ctx.handles.verify(ctx.connection, handle);
  if (queryId === null) throw new AppError(ErrorCode.NOT_FOUND, 'Query not found.');
  return queryId;
}

export const getInsightsResults = defineOperation({
  name: 'logs.insights_results',
  description: 'Get the status and results of a Logs Insights query started with logs.insights_query.',
  input: z.strictObject({ queryId: queryHandleSchema, region: optionalRegion }),
  output: insightsOutput,
  permission: 'logs:read',
  capability: 'logs-read',
  rest: {
    method: 'GET',
    path: '/logs/insights/:queryId',
    summary: 'Logs Insights query status and results',
    pathSchemas: { queryId: queryIdPathSchema },
  },
  action: 'logs:GetQueryResults',
  region: (i) => i.region,
  scope: () => {},
  policy: () => [statement(['logs:GetQueryResults'], ['*'])],
  resource: (i) => `logs-insights-query:${i.queryId.split('.')[0]}`,
  async handler(ctx, input) {
    const queryId = queryIdOf(ctx, input.queryId);
    const out = await logsClient(ctx).send(new GetQueryResultsCommand({ queryId }));
    return insightsResult(input.queryId, out);
  },
});

export const cancelInsightsQuery = defineOperation({
  name: 'logs.insights_cancel',
  description: 'Cancel a running Logs Insights query started with logs.insights_query.',
  input: z.strictObject({ queryId: queryHandleSchema, region: optionalRegion }),
  output: z.object({ queryId: z.string(), cancelled: z.boolean() }),
  permission: 'logs:read',
  capability: 'logs-read',
  rest: {
    method: 'DELETE',
    path: '/logs/insights/:queryId',
    summary: 'Cancel a Logs Insights query',
    pathSchemas: { queryId: queryIdPathSchema },
  },
  action: 'logs:StopQuery',
  region: (i) => i.region,
  scope: () => {},
  policy: () => [statement(['logs:StopQuery'], ['*'])],
  resource: (i) => `logs-insights-query:${i.queryId.split('.')[0]}`,
  async handler(ctx, input) {
    const queryId = queryIdOf(ctx, input.queryId);
    const out = await logsClient(ctx).send(new StopQueryCommand({ queryId }));
    return { queryId: input.queryId, cancelled: out.success === true };
  },
});
