import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { assumeCalls, fixture, mockSts, operationMatrix, sts, url } from './harness.ts';

let t: TestApp;
const lambda = mockClient(LambdaClient);
const getApp = () => t;
const calls = () => lambda.calls().length;
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
});
afterAll(async () => {
  await t.close();
  lambda.restore();
  sts.restore();
});
beforeEach(() => {
  lambda.reset();
  mockSts();
});

const scopes = { lambdaFunctionPatterns: ['debug-*'] };

describe('lambda.list_functions', () => {
  operationMatrix(getApp, {
    operation: 'lambda.list_functions',
    capability: 'lambda-read',
    minRole: 'viewer',
    scopes,
    request: (f) => ({ method: 'GET', url: url(f, '/lambda/functions') }),
    invalid: (f) => ({ method: 'GET', url: url(f, '/lambda/functions?limit=abc') }),
    succeed: () =>
      lambda.on(ListFunctionsCommand).resolves({
        Functions: [
          {
            FunctionName: 'debug-echo',
            Runtime: 'nodejs22.x',
            Handler: 'index.handler',
            MemorySize: 128,
            Timeout: 3,
          },
          { FunctionName: 'payments' },
        ],
        NextMarker: 'm2',
      }),
    fail: (err) => lambda.on(ListFunctionsCommand).rejects(err),
    check: (body) =>
      expect(body).toEqual({
        items: [
          {
            name: 'debug-echo',
            runtime: 'nodejs22.x',
            handler: 'index.handler',
            memoryMb: 128,
            timeoutSeconds: 3,
            lastModified: null,
            description: null,
          },
        ],
        nextCursor: 'm2',
      }),
    policy: () => [{ Effect: 'Allow', Action: ['lambda:ListFunctions'], Resource: ['*'] }],
    awsCalls: calls,
  });
});

describe('lambda.get_function', () => {
  operationMatrix(getApp, {
    operation: 'lambda.get_function',
    capability: 'lambda-read',
    minRole: 'viewer',
    scopes,
    request: (f) => ({ method: 'GET', url: url(f, '/lambda/functions/debug-echo') }),
    invalid: (f) => ({ method: 'GET', url: url(f, '/lambda/functions/debug-echo?x=1') }),
    succeed: () =>
      lambda.on(GetFunctionConfigurationCommand).resolves({
        FunctionName: 'debug-echo',
        Runtime: 'nodejs22.x',
        State: 'Active',
        Environment: { Variables: { SECRET: 'do-not-return' } },
      }),
    fail: (err) => lambda.on(GetFunctionConfigurationCommand).rejects(err),
    check: (body) => {
      expect(body).toMatchObject({ name: 'debug-echo', runtime: 'nodejs22.x', state: 'Active' });
      expect(JSON.stringify(body)).not.toContain('do-not-return');
    },
    policy: () => [
      { Effect: 'Allow', Action: ['lambda:GetFunctionConfiguration'], Resource: [fnArn('debug-echo')] },
    ],
    awsCalls: calls,
  });
});

describe('lambda.invoke', () => {
  operationMatrix(getApp, {
    operation: 'lambda.invoke',
    capability: 'lambda-invoke',
    minRole: 'member',
    scopes,
    request: (f) => ({
      method: 'POST',
      url: url(f, '/lambda/functions/debug-echo/invoke'),
      payload: { payload: { ping: 1 } },
    }),
    invalid: (f) => ({
      method: 'POST',
      url: url(f, '/lambda/functions/debug-echo/invoke'),
      payload: { payload: { a: 1 }, type: 'Event' },
    }),
    succeed: () =>
      lambda.on(InvokeCommand).resolves({
        StatusCode: 200,
        Payload: Buffer.from(JSON.stringify({ pong: 1 })) as never,
        LogResult: Buffer.from('START\nhello\nEND\n').toString('base64'),
        ExecutedVersion: '$LATEST',
      }),
    fail: (err) => lambda.on(InvokeCommand).rejects(err),
    check: (body) => {
      expect(body).toEqual({
        statusCode: 200,
        functionError: null,
        executedVersion: '$LATEST',
        payload: { pong: 1 },
        payloadTruncated: false,
        logTail: 'START\nhello\nEND\n',
      });
      const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
      expect(input).toMatchObject({
        FunctionName: 'debug-echo',
        InvocationType: 'RequestResponse',
        LogType: 'Tail',
      });
      expect(Buffer.from(input?.Payload as Uint8Array).toString()).toBe('{"ping":1}');
    },
    policy: () => [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [fnArn('debug-echo')] }],
    awsCalls: calls,
  });

  it('only invokes functions matching the patterns; no patterns means none', async () => {
    const f = await fixture(t, { capabilities: ['lambda-invoke'], scopes });
    const res = await t.app.inject({
      method: 'POST',
      url: url(f, '/lambda/functions/payments/invoke'),
      headers: f.user.headers,
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    const open = await fixture(t, { capabilities: ['lambda-invoke'] });
    const none = await t.app.inject({
      method: 'POST',
      url: url(open, '/lambda/functions/debug-echo/invoke'),
      headers: open.user.headers,
      payload: {},
    });
    expect(none.statusCode).toBe(403);
    expect(none.json().error.message).toContain('no Lambda function patterns');
    expect(lambda.calls()).toHaveLength(0);
  });

  it('refuses payloads over 256 KiB and bounds the response payload', async () => {
    const f = await fixture(t, { capabilities: ['lambda-invoke'], scopes });
    const big = await t.app.inject({
      method: 'POST',
      url: url(f, '/lambda/functions/debug-echo/invoke'),
      headers: f.user.headers,
      payload: { payload: { data: 'x'.repeat(256 * 1024) } },
    });
    expect(big.statusCode).toBe(413);
    expect(assumeCalls(f.connection)).toHaveLength(0);
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: Buffer.alloc(300 * 1024, 97) as never,
    });
    const res = await t.app.inject({
      method: 'POST',
      url: url(f, '/lambda/functions/debug-echo/invoke'),
      headers: f.user.headers,
      payload: {},
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().payloadTruncated).toBe(true);
    expect(res.json().functionError).toBe('Unhandled');
    expect((res.json().payload as string).length).toBe(256 * 1024);
  });
});
