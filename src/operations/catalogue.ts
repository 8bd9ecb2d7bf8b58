import { z } from 'zod';
import { describeTable, getItem, listTables, query } from './dynamodb.ts';
import { getFunction, invokeFunction, listFunctions } from './lambda.ts';
import {
  cancelInsightsQuery,
  filterLogEvents,
  getInsightsResults,
  listLogGroups,
  startInsightsQuery,
} from './logs.ts';
import {
  getObject,
  listBuckets,
  listObjects,
  listObjectsStream,
  presignGet,
  presignPut,
  putObject,
} from './s3.ts';
import type { Operation } from './types.ts';

/**
 * Every operation Rolegate performs in a customer's account, defined once. REST routes, JSON
 * intents and MCP tools are generated from this list; nothing else calls AWS on a user's behalf.
 */
export const OPERATIONS: readonly Operation[] = [
  listBuckets,
  listObjects,
  listObjectsStream,
  getObject,
  putObject,
  presignGet,
  presignPut,
  listLogGroups,
  filterLogEvents,
  startInsightsQuery,
  getInsightsResults,
  cancelInsightsQuery,
  listTables,
  describeTable,
  getItem,
  query,
  listFunctions,
  getFunction,
  invokeFunction,
];

const BY_NAME = new Map(OPERATIONS.map((op) => [op.name, op]));

export function operation(name: string): Operation {
  const op = BY_NAME.get(name);
  if (op === undefined) throw new Error(`unknown operation ${name}`);
  return op;
}

/** Operations callable with JSON in and JSON out (intents, MCP); streamed ones are REST only. */
export const JSON_OPERATIONS: readonly Operation[] = OPERATIONS.filter((op) => op.exposure === 'all');

export function jsonOperation(name: string): Operation | undefined {
  const op = BY_NAME.get(name);
  return op?.exposure === 'all' ? op : undefined;
}

/** JSON Schema of an operation's input or output, for tool definitions. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** MCP tool names use `_` where operation names use `.` (some clients refuse dots). */
export const toolName = (name: string) => name.replace(/\./g, '_');
