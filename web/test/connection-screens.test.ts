import { describe, expect, it } from 'vitest';
import type { Connection } from '../src/api.ts';
import { connectionChanges, formOf, parseTags } from '../src/views/connection/ConnectionSettings.tsx';
import { itemColumns, keysOf, type TableDescription } from '../src/views/connection/DynamoDb.tsx';
import { initialPrefix, prefixAllowed } from '../src/views/connection/S3Prefixes.tsx';
import { expiresAtOf, expiry } from '../src/views/Org.tsx';

/** The pure parts of the console's connection screens and API key form (web/src/views/…). */

const conn: Connection = {
  id: 'con_1',
  name: 'prod',
  accountId: '123456789012',
  roleArn: 'arn:aws:iam::123456789012:role/RolegateAccess',
  roleName: 'RolegateAccess',
  capabilities: ['s3-read', 'cleanup'],
  scopes: {
    regions: ['eu-west-1'],
    s3Buckets: [],
    s3Prefixes: ['team-a/', 'shared/'],
    logGroupPrefixes: [],
    dynamodbTables: [],
    lambdaFunctionPatterns: [],
    cleanupTagConditions: { 'rolegate-cleanup': 'allowed' },
  },
  sourceIdentity: true,
  status: 'verified',
  rotationPending: false,
  previousExternalIdExpiresAt: null,
  lastVerifiedAt: null,
  verification: null,
  createdBy: null,
  createdAt: '2026-11-01T00:00:00Z',
  expiresAt: null,
};

describe('connection settings form', () => {
  it('sends nothing when nothing changed, whatever the order of lists', () => {
    const form = formOf(conn);
    expect(connectionChanges(conn, form, parseTags(form.tags).tags)).toEqual({});
    const reordered = { ...form, capabilities: ['cleanup' as const, 's3-read' as const] };
    expect(connectionChanges(conn, reordered, parseTags(form.tags).tags)).toEqual({});
  });

  it('sends only the changed fields, scopes as a whole', () => {
    const form = {
      ...formOf(conn),
      name: ' renamed ',
      lists: { ...formOf(conn).lists, regions: 'eu-west-1, us-east-1' },
    };
    const body = connectionChanges(conn, form, parseTags(form.tags).tags);
    expect(body).toEqual({
      name: 'renamed',
      scopes: { ...conn.scopes, regions: ['eu-west-1', 'us-east-1'] },
    });
  });

  it('sends the role ARN instead of a role name (the ARN names the role)', () => {
    const form = { ...formOf(conn), roleArn: 'arn:aws:iam::123456789012:role/Other', roleName: 'Ignored' };
    expect(connectionChanges(conn, form, parseTags(form.tags).tags)).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/Other',
    });
  });

  it('reads tag conditions one key=value per line and reports the lines that are not', () => {
    expect(parseTags('env=dev\n\n team = a b \nnot a pair\n=x\nk=v=w')).toEqual({
      tags: { env: 'dev', team: 'a b', k: 'v=w' },
      bad: ['not a pair', '=x'],
    });
  });
});

describe('S3 prefix limits', () => {
  it('opens a bucket at the first allowed prefix and lists only inside the allowed ones', () => {
    expect(initialPrefix(conn)).toBe('team-a/');
    expect(prefixAllowed(conn, 'team-a/')).toBe(true);
    expect(prefixAllowed(conn, 'shared/2026/')).toBe(true);
    expect(prefixAllowed(conn, '')).toBe(false);
    expect(prefixAllowed(conn, 'team-')).toBe(false);
    const open = { ...conn, scopes: { ...conn.scopes, s3Prefixes: [] } };
    expect(initialPrefix(open)).toBe('');
    expect(prefixAllowed(open, '')).toBe(true);
  });
});

describe('DynamoDB screen', () => {
  const description: TableDescription = {
    name: 'orders',
    status: 'ACTIVE',
    keySchema: [
      { name: 'customerId', type: 'HASH' },
      { name: 'orderedAt', type: 'RANGE' },
    ],
    attributes: [
      { name: 'customerId', type: 'S' },
      { name: 'orderedAt', type: 'N' },
      { name: 'sku', type: 'B' },
    ],
    itemCount: 3,
    sizeBytes: 10,
    billingMode: null,
    indexes: [{ name: 'by-sku', kind: 'global', keySchema: [{ name: 'sku', type: 'HASH' }] }],
  };

  it('takes the key names and types of the table or of an index from DescribeTable', () => {
    expect(keysOf(description, '')).toEqual({
      partition: { name: 'customerId', type: 'S' },
      sort: { name: 'orderedAt', type: 'N' },
    });
    expect(keysOf(description, 'by-sku')).toEqual({ partition: { name: 'sku', type: 'B' }, sort: null });
    expect(keysOf(description, 'missing')).toEqual({ partition: null, sort: null });
  });

  it('shows every attribute as a column, keys first, then by name', () => {
    const items = [
      { total: 1, customerId: 'c', orderedAt: 2 },
      { customerId: 'c', note: 'x', amount: 3 },
    ];
    expect(itemColumns(items, ['customerId', 'orderedAt'])).toEqual([
      'customerId',
      'orderedAt',
      'amount',
      'note',
      'total',
    ]);
    expect(itemColumns([], ['customerId'])).toEqual([]);
  });
});

describe('API key expiry', () => {
  const now = Date.parse('2026-11-30T08:00:00Z');

  it('turns a lifetime or a date into expiresAt, or nothing for a key that does not expire', () => {
    expect(expiresAtOf('never', '', now)).toBeUndefined();
    expect(expiresAtOf('30', '', now)).toBe('2026-12-30T08:00:00.000Z');
    expect(expiresAtOf('date', '', now)).toBeNull();
    const endOfDay = expiresAtOf('date', '2027-01-15', now);
    expect(endOfDay).toBe(new Date('2027-01-15T23:59:59').toISOString());
  });

  it('reads an expiry at a glance', () => {
    expect(expiry(null, now).text).toBe('never');
    expect(expiry('2026-12-30T08:00:00Z', now).text).toContain('(in 30 days)');
    expect(expiry('2026-12-30T08:00:00Z', now).className).toBeUndefined();
    expect(expiry('2026-12-02T08:00:00Z', now).className).toBe('warning');
    expect(expiry('2026-11-29T08:00:00Z', now)).toMatchObject({ className: 'danger' });
    expect(expiry('2026-11-29T08:00:00Z', now).text).toMatch(/^expired /);
  });
});
