import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { AppError, ErrorCode } from '../core/errors.ts';
import { defineOperation } from './define.ts';
import type { CallTarget, OperationContext } from './types.ts';
import {
  awsCursorSchema,
  bounded,
  checkFunction,
  functionInScope,
  functionNameSchema,
  optionalRegion,
  statement,
} from './validation.ts';

export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_RESPONSE_CHARS = 256 * 1024;
export const MAX_LOG_TAIL_CHARS = 4096;

const functionArn = (t: CallTarget, name: string) =>
  `arn:${t.partition}:lambda:${t.region}:${t.accountId}:function:${name}`;
const lambdaClient = (ctx: OperationContext) => ctx.clients.lambda(ctx.credentials, ctx.target.region);

const functionSummary = z.object({
  name: z.string(),
  runtime: z.string().nullable(),
  handler: z.string().nullable(),
  memoryMb: z.number().nullable(),
  timeoutSeconds: z.number().nullable(),
  lastModified: z.string().nullable(),
  description: z.string().nullable(),
});

/** The fields a listing and a single function share; never the environment variables. */
function summaryOf(f: FunctionConfiguration, name: string): z.infer<typeof functionSummary> {
  return {
    name: f.FunctionName ?? name,
    runtime: f.Runtime ?? null,
    handler: f.Handler ?? null,
    memoryMb: f.MemorySize ?? null,
    timeoutSeconds: f.Timeout ?? null,
    lastModified: f.LastModified ?? null,
    description: f.Description === undefined ? null : bounded(f.Description, 256).value,
  };
}

export const listFunctions = defineOperation({
  name: 'lambda.list_functions',
  description:
    'List Lambda functions (only those matching the connection’s function patterns). Returns {items:[{name,runtime,handler,memoryMb,timeoutSeconds,lastModified,description}], nextCursor}.',
  input: z.strictObject({
    cursor: awsCursorSchema.optional(),
    limit: z.number().int().min(1).max(50).default(50),
    region: optionalRegion,
  }),
  output: z.object({ items: z.array(functionSummary), nextCursor: z.string().nullable() }),
  permission: 'lambda:read',
  capability: 'lambda-read',
  rest: { method: 'GET', path: '/lambda/functions', summary: 'List Lambda functions' },
  action: 'lambda:ListFunctions',
  region: (i) => i.region,
  scope: () => {},
  policy: () => [statement(['lambda:ListFunctions'], ['*'])],
  resource: (_i, t) => functionArn(t, '*'),
  async handler(ctx, input) {
    const out = await lambdaClient(ctx).send(
      new ListFunctionsCommand({ MaxItems: input.limit, ...(input.cursor ? { Marker: input.cursor } : {}) }),
    );
    return {
      items: (out.Functions ?? [])
        .filter((f) => f.FunctionName !== undefined && functionInScope(f.FunctionName, ctx.connection.scopes))
        .map((f) => summaryOf(f, '')),
      nextCursor: out.NextMarker ?? null,
    };
  },
});

export const getFunction = defineOperation({
  name: 'lambda.get_function',
  description:
    'Get one Lambda function’s configuration (runtime, handler, memory, timeout, state). Environment variables are never returned.',
  input: z.strictObject({ function: functionNameSchema, region: optionalRegion }),
  output: functionSummary.extend({
    arn: z.string().nullable(),
    state: z.string().nullable(),
    architectures: z.array(z.string()),
    codeSizeBytes: z.number().nullable(),
  }),
  permission: 'lambda:read',
  capability: 'lambda-read',
  rest: {
    method: 'GET',
    path: '/lambda/functions/:function',
    summary: 'Get a Lambda function’s configuration',
  },
  action: 'lambda:GetFunctionConfiguration',
  region: (i) => i.region,
  scope: (i, c) => checkFunction(i.function, c, false),
  policy: (i, t) => [statement(['lambda:GetFunctionConfiguration'], [functionArn(t, i.function)])],
  resource: (i, t) => functionArn(t, i.function),
  async handler(ctx, input) {
    const f = await lambdaClient(ctx).send(
      new GetFunctionConfigurationCommand({ FunctionName: input.function }),
    );
    return {
      ...summaryOf(f, input.function),
      arn: f.FunctionArn ?? null,
      state: f.State ?? null,
      architectures: f.Architectures ?? [],
      codeSizeBytes: f.CodeSize ?? null,
    };
  },
});

const jsonPayload = z.json();

export const invokeFunction = defineOperation({
  name: 'lambda.invoke',
  description:
    'Invoke a Lambda function synchronously with a JSON payload (≤ 256 KiB). Only functions matching the connection’s patterns. Returns {statusCode, functionError, payload, payloadTruncated, logTail}; payload is parsed JSON when possible, logTail the last 4 KB of the execution log.',
  input: z.strictObject({
    function: functionNameSchema,
    payload: jsonPayload.default({}),
    region: optionalRegion,
  }),
  output: z.object({
    statusCode: z.number().nullable(),
    functionError: z.string().nullable(),
    executedVersion: z.string().nullable(),
    payload: z.unknown(),
    payloadTruncated: z.boolean(),
    logTail: z.string().nullable(),
  }),
  permission: 'lambda:invoke',
  capability: 'lambda-invoke',
  expensive: true,
  lane: 'long',
  rest: {
    method: 'POST',
    path: '/lambda/functions/:function/invoke',
    summary: 'Invoke a Lambda function synchronously',
    // Room for a 256 KiB payload once escaped inside the JSON body.
    bodyLimit: 1024 * 1024,
  },
  action: 'lambda:InvokeFunction',
  region: (i) => i.region,
  scope: (i, c) => {
    checkFunction(i.function, c, true);
    if (Buffer.byteLength(JSON.stringify(i.payload), 'utf8') > MAX_PAYLOAD_BYTES) {
      throw new AppError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        `The payload must be at most ${MAX_PAYLOAD_BYTES} bytes of JSON.`,
      );
    }
  },
  policy: (i, t) => [statement(['lambda:InvokeFunction'], [functionArn(t, i.function)])],
  resource: (i, t) => functionArn(t, i.function),
  async handler(ctx, input) {
    const out = await lambdaClient(ctx).send(
      new InvokeCommand({
        FunctionName: input.function,
        InvocationType: 'RequestResponse',
        LogType: 'Tail',
        Payload: Buffer.from(JSON.stringify(input.payload), 'utf8'),
      }),
    );
    const text = out.Payload === undefined ? '' : Buffer.from(out.Payload).toString('utf8');
    const cut = bounded(text, MAX_RESPONSE_CHARS);
    let payload: unknown = cut.value;
    if (!cut.truncated && text !== '') {
      try {
        payload = JSON.parse(text);
      } catch {
        payload = text;
      }
    } else if (text === '') {
      payload = null;
    }
    const log = out.LogResult === undefined ? null : Buffer.from(out.LogResult, 'base64').toString('utf8');
    return {
      statusCode: out.StatusCode ?? null,
      functionError: out.FunctionError ?? null,
      executedVersion: out.ExecutedVersion ?? null,
      payload,
      payloadTruncated: cut.truncated,
      logTail: log === null ? null : log.slice(-MAX_LOG_TAIL_CHARS),
    };
  },
});
