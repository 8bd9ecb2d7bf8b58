import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { assumeCalls, awsError, fixture, mockSts, operationMatrix, sts, url } from './harness.ts';

let t: TestApp;
const ddb = mockClient(DynamoDBClient);
const getApp = () => t;
const calls = () => ddb.calls().length;
const tableArn = (name: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`;

beforeAll(async () => {
  t = await createTestApp({ env: { ROLEGATE_CREDENTIAL_CACHE: 'off' } });
});
afterAll(async () => {
  await t.close();
  ddb.restore();
  sts.restore();
});
beforeEach(() => {
  ddb.reset();
  mockSts();
});

describe('dynamodb.list_tables', () => {
  operationMatrix(getApp, {
    operation: 'dynamodb.list_tables',
    capability: 'dynamodb-read',
    minRole: 'viewer',
    scopes: { dynamodbTables: ['orders'] },
    request: (f) => ({ method: 'GET', url: url(f, '/dynamodb/tables?limit=10') }),
    invalid: (f) => ({ method: 'GET', url: url(f, '/dynamodb/tables?limit=101') }),
    succeed: () =>
      ddb
        .on(ListTablesCommand)
        .resolves({ TableNames: ['orders', 'secrets'], LastEvaluatedTableName: 'secrets' }),
    fail: (err) => ddb.on(ListTablesCommand).rejects(err),
    check: (body) => expect(body).toEqual({ items: ['orders'], nextCursor: 'secrets' }),
    policy: () => [{ Effect: 'Allow', Action: ['dynamodb:ListTables'], Resource: ['*'] }],
    awsCalls: calls,
  });
});

describe('dynamodb.describe_table', () => {
  operationMatrix(getApp, {
    operation: 'dynamodb.describe_table',
    capability: 'dynamodb-read',
    minRole: 'viewer',
    request: (f) => ({ method: 'GET', url: url(f, '/dynamodb/tables/orders') }),
    invalid: (f) => ({ method: 'GET', url: url(f, '/dynamodb/tables/o') }),
    succeed: () =>
      ddb.on(DescribeTableCommand).resolves({
        Table: {
          TableName: 'orders',
          TableStatus: 'ACTIVE',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          ItemCount: 3,
          TableSizeBytes: 300,
        },
      }),
    fail: (err) => ddb.on(DescribeTableCommand).rejects(err),
    check: (body) =>
      expect(body).toMatchObject({
        name: 'orders',
        status: 'ACTIVE',
        keySchema: [
          { name: 'pk', type: 'HASH' },
          { name: 'sk', type: 'RANGE' },
        ],
        itemCount: 3,
        indexes: [],
      }),
    policy: () => [{ Effect: 'Allow', Action: ['dynamodb:DescribeTable'], Resource: [tableArn('orders')] }],
    awsCalls: calls,
  });

  it('refuses tables outside the connection scopes', async () => {
    const f = await fixture(t, { capabilities: ['dynamodb-read'], scopes: { dynamodbTables: ['orders'] } });
    const res = await t.app.inject({
      method: 'GET',
      url: url(f, '/dynamodb/tables/users'),
      headers: f.user.headers,
    });
    expect(res.statusCode).toBe(403);
    expect(assumeCalls(f.connection)).toHaveLength(0);
  });
});

describe('dynamodb.get_item', () => {
  operationMatrix(getApp, {
    operation: 'dynamodb.get_item',
    capability: 'dynamodb-read',
    minRole: 'viewer',
    request: (f) => ({
      method: 'POST',
      url: url(f, '/dynamodb/tables/orders/item'),
      payload: { partitionKey: { name: 'pk', value: 'customer#1' }, sortKey: { name: 'sk', value: 42 } },
    }),
    invalid: (f) => ({
      method: 'POST',
      url: url(f, '/dynamodb/tables/orders/item'),
      payload: { partitionKey: { name: 'pk' } },
    }),
    succeed: () =>
      ddb.on(GetItemCommand).resolves({
        Item: {
          pk: { S: 'customer#1' },
          sk: { N: '42' },
          tags: { SS: ['a'] },
          nested: { M: { ok: { BOOL: true } } },
        },
      }),
    fail: (err) => ddb.on(GetItemCommand).rejects(err),
    check: (body) => {
      expect(body).toEqual({ item: { pk: 'customer#1', sk: 42, tags: ['a'], nested: { ok: true } } });
      expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input).toEqual({
        TableName: 'orders',
        Key: { pk: { S: 'customer#1' }, sk: { N: '42' } },
        ConsistentRead: false,
      });
    },
    policy: () => [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: [tableArn('orders')] }],
    awsCalls: calls,
  });
});

describe('dynamodb.query', () => {
  operationMatrix(getApp, {
    operation: 'dynamodb.query',
    capability: 'dynamodb-read',
    minRole: 'viewer',
    request: (f) => ({
      method: 'POST',
      url: url(f, '/dynamodb/tables/orders/query'),
      payload: {
        partitionKey: { name: 'pk', value: 'customer#1' },
        sortKey: { name: 'created at', op: 'between', values: ['2024-01', '2024-12'] },
        limit: 2,
      },
    }),
    invalid: (f) => ({
      method: 'POST',
      url: url(f, '/dynamodb/tables/orders/query'),
      payload: {
        partitionKey: { name: 'pk', value: 'x' },
        sortKey: { name: 'sk', op: 'contains', value: 'x' },
      },
    }),
    succeed: () =>
      ddb.on(QueryCommand).resolves({
        Items: [{ pk: { S: 'customer#1' }, 'created at': { S: '2024-02' }, total: { N: '12.5' } }],
        LastEvaluatedKey: { pk: { S: 'customer#1' }, 'created at': { S: '2024-02' } },
      }),
    fail: (err) => ddb.on(QueryCommand).rejects(err),
    check: (body) => {
      const b = body as { items: unknown[]; nextCursor: string; truncated: boolean };
      expect(b.items).toEqual([{ pk: 'customer#1', 'created at': '2024-02', total: 12.5 }]);
      expect(b.truncated).toBe(false);
      expect(JSON.parse(Buffer.from(b.nextCursor, 'base64url').toString())).toEqual({
        pk: { S: 'customer#1' },
        'created at': { S: '2024-02' },
      });
      // User input only ever reaches the expression through placeholders.
      expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
        TableName: 'orders',
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :sk AND :sk2',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'created at' },
        ExpressionAttributeValues: {
          ':pk': { S: 'customer#1' },
          ':sk': { S: '2024-01' },
          ':sk2': { S: '2024-12' },
        },
        Limit: 2,
        ScanIndexForward: true,
      });
    },
    policy: () => [{ Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [tableArn('orders')] }],
    awsCalls: calls,
  });

  it('round-trips the cursor and refuses a tampered one', async () => {
    const f = await fixture(t, { capabilities: ['dynamodb-read'] });
    ddb.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: { pk: { S: 'a' }, n: { N: '5' } } });
    const send = (payload: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: url(f, '/dynamodb/tables/orders/query'),
        headers: f.user.headers,
        payload: { partitionKey: { name: 'pk', value: 'a' }, ...payload },
      });
    const first = await send({});
    const cursor = first.json().nextCursor as string;
    expect((await send({ cursor })).statusCode).toBe(200);
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      pk: { S: 'a' },
      n: { N: '5' },
    });
    const tampered = Buffer.from(JSON.stringify({ pk: { SS: ['x'] } })).toString('base64url');
    const bad = await send({ cursor: tampered });
    expect(bad.statusCode).toBe(400);
    expect((await send({ cursor: 'not json' })).statusCode).toBe(400);
    // An injection attempt in a name stays a placeholder value.
    const inj = await send({ sortKey: { name: 'sk) OR (#pk', op: '=', value: 'x' } });
    expect(inj.statusCode).toBe(200);
    expect(ddb.commandCalls(QueryCommand).at(-1)?.args[0].input.KeyConditionExpression).toBe(
      '#pk = :pk AND #sk = :sk',
    );
  });

  it('queries an index with the index ARN in the session policy', async () => {
    const f = await fixture(t, { capabilities: ['dynamodb-read'] });
    ddb.on(QueryCommand).resolves({ Items: [] });
    const res = await t.app.inject({
      method: 'POST',
      url: url(f, '/dynamodb/tables/orders/query'),
      headers: f.user.headers,
      payload: {
        index: 'by-status',
        partitionKey: { name: 'status', value: 'open' },
        sortKey: { name: 'at', op: 'begins_with', value: '2024' },
      },
    });
    expect(res.statusCode).toBe(200);
    const policy = JSON.parse(assumeCalls(f.connection)[0]?.Policy ?? '{}');
    expect(policy.Statement).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [`${tableArn('orders')}/index/by-status`] },
    ]);
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.KeyConditionExpression).toBe(
      '#pk = :pk AND begins_with(#sk, :sk)',
    );
  });
});

describe('DynamoDB errors say what to fix (issue 22 item 5)', () => {
  it('a ValidationException (wrong key name) is a 400 with AWS’s message, sanitised', async () => {
    const f = await fixture(t, { capabilities: ['dynamodb-read'] });
    ddb.on(QueryCommand).rejects(
      Object.assign(awsError('ValidationException', 400), {
        message:
          'Query condition missed key schema element: pk for table arn:aws:dynamodb:us-east-1:123456789012:table/orders (account 123456789012)',
      }),
    );
    const res = await t.app.inject({
      method: 'POST',
      url: url(f, '/dynamodb/tables/orders/query'),
      headers: f.user.headers,
      payload: { partitionKey: { name: 'id', value: 'x' } },
    });
    expect(res.statusCode, res.body).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('aws_invalid_request');
    expect(error.message).toContain('Query condition missed key schema element: pk');
    expect(error.message).not.toMatch(/arn:|123456789012/);
    expect(error.details).toEqual({ awsCode: 'ValidationException' });
  });

  it('a long AWS message is capped', async () => {
    const f = await fixture(t, { capabilities: ['dynamodb-read'] });
    ddb
      .on(QueryCommand)
      .rejects(Object.assign(awsError('ValidationException', 400), { message: `bad ${'x'.repeat(5000)}` }));
    const res = await t.app.inject({
      method: 'POST',
      url: url(f, '/dynamodb/tables/orders/query'),
      headers: f.user.headers,
      payload: { partitionKey: { name: 'id', value: 'x' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message.length).toBeLessThan(400);
  });

  it('a missing table is a 404 naming the table the caller gave', async () => {
    const f = await fixture(t, { capabilities: ['dynamodb-read'] });
    ddb.on(DescribeTableCommand).rejects(awsError('ResourceNotFoundException', 400));
    const res = await t.app.inject({
      method: 'GET',
      url: url(f, '/dynamodb/tables/ordres'),
      headers: f.user.headers,
    });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().error).toMatchObject({
      code: 'aws_not_found',
      message: 'Table "ordres" was not found in us-east-1.',
      details: { table: 'ordres', region: 'us-east-1' },
    });
  });

  it('no base AWS credentials is a 503 aws_not_configured naming what to set, never reaching the service', async () => {
    const f = await fixture(t, { capabilities: ['dynamodb-read'] });
    sts.reset();
    // What the SDK's default provider chain throws when it finds nothing.
    sts.on(AssumeRoleCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
        tryNextLink: false,
      }),
    );
    const res = await t.app.inject({
      method: 'GET',
      url: url(f, '/dynamodb/tables/orders'),
      headers: f.user.headers,
    });
    expect(res.statusCode, res.body).toBe(503);
    const error = res.json().error;
    expect(error.code).toBe('aws_not_configured');
    expect(error.message).toContain('AWS_ACCESS_KEY_ID');
    expect(error.message).toContain('ROLEGATE_AWS_PRINCIPAL_ARN');
    expect(calls()).toBe(0);
  });
});
