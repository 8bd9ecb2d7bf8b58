import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAPABILITY_STATEMENTS } from '../connections/policy.ts';
import { EMPTY_SCOPES } from '../connections/schemas.ts';
import type { UsableConnection } from '../connections/types.ts';
import { PERMISSIONS } from '../identity/rbac.ts';
import { JSON_OPERATIONS, jsonSchemaOf, OPERATIONS, toolName } from './catalogue.ts';
import { buildKeyCondition, decodeCursor, encodeCursor } from './dynamodb.ts';
import { createHandleSigner } from './service.ts';
import { escapeArnPart, isValidObjectKey, matchesPattern } from './validation.ts';

const connection: UsableConnection = {
  id: 'con_a',
  orgId: 'org_a',
  roleArn: 'arn:aws:iam::123456789012:role/R',
  externalId: 'x',
  sourceIdentityEnabled: false,
  name: 'n',
  accountId: '123456789012',
  capabilities: [],
  scopes: EMPTY_SCOPES,
};

describe('the catalogue', () => {
  it('names are unique, permissions exist, and every session-policy action is granted by the capability', () => {
    expect(new Set(OPERATIONS.map((o) => o.name)).size).toBe(OPERATIONS.length);
    for (const op of OPERATIONS) {
      expect(op.name).toMatch(/^[a-z0-9]+\.[a-z_]+$/);
      expect(Object.keys(PERMISSIONS)).toContain(op.permission);
      const granted = CAPABILITY_STATEMENTS[op.capability].flatMap((s) => s.actions);
      expect(granted, op.name).toContain(op.action);
    }
  });

  it('every S3 operation naming a bucket gives its key or prefix, so the audit export area is checked', () => {
    const s3 = OPERATIONS.filter((o) => o.name.startsWith('s3.') && o.name !== 's3.list_buckets');
    expect(s3.length).toBeGreaterThan(4);
    for (const op of s3) expect([op.name, op.reachesS3Objects]).toEqual([op.name, true]);
  });

  it('JSON operations have JSON schemas that refuse unknown properties, and MCP-safe tool names', () => {
    for (const op of JSON_OPERATIONS) {
      const schema = jsonSchemaOf(op.input, 'input');
      expect(schema.type, op.name).toBe('object');
      expect(schema.additionalProperties, op.name).toBe(false);
      expect(toolName(op.name)).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(op.description.length).toBeGreaterThan(20);
    }
  });
});

describe('escapeArnPart', () => {
  it('turns IAM wildcards and variables into literals', () => {
    expect(escapeArnPart('a*b?c$d')).toBe(`a\${*}b\${?}c\${$}d`);
    expect(escapeArnPart('plain/key.txt')).toBe('plain/key.txt');
  });
  it('never leaves a bare wildcard', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const escaped = escapeArnPart(s).replace(/\$\{[*?$]\}/g, '');
        return !/[*?$]/.test(escaped);
      }),
    );
  });
});

describe('object keys', () => {
  it('accepts 1–1024 bytes of UTF-8 without control characters', () => {
    expect(isValidObjectKey('a')).toBe(true);
    expect(isValidObjectKey('é'.repeat(512))).toBe(true);
    expect(isValidObjectKey('é'.repeat(513))).toBe(false);
    expect(isValidObjectKey('')).toBe(false);
    expect(isValidObjectKey('a\nb')).toBe(false);
    expect(isValidObjectKey('a\u0085b')).toBe(false);
    expect(isValidObjectKey('\ud800')).toBe(false);
  });
});

describe('function name patterns', () => {
  it('treats * as the only wildcard', () => {
    expect(matchesPattern('debug-echo', 'debug-*')).toBe(true);
    expect(matchesPattern('prod-echo', 'debug-*')).toBe(false);
    expect(matchesPattern('debugXecho', 'debug.echo')).toBe(false);
    expect(matchesPattern('a-b', '*-b')).toBe(true);
  });
});

describe('DynamoDB key conditions and cursors', () => {
  it('builds expressions from #name and :value references only, whatever the names and values', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        (pk, sk, v) => {
          fc.pre(pk !== sk);
          const c = buildKeyCondition({
            partitionKey: { name: pk, value: v },
            sortKey: { name: sk, op: 'begins_with', value: v },
          });
          return (
            c.KeyConditionExpression === '#pk = :pk AND begins_with(#sk, :sk)' &&
            c.ExpressionAttributeNames['#pk'] === pk &&
            c.ExpressionAttributeNames['#sk'] === sk
          );
        },
      ),
    );
  });

  it('round-trips cursors and refuses anything else', () => {
    const key = { pk: { S: 'a' }, n: { N: '3' }, b: { B: Buffer.from([1, 2]) } };
    expect(decodeCursor(encodeCursor(key))).toEqual(key);
    expect(() => decodeCursor(Buffer.from('{"pk":{"M":{}}}').toString('base64url'))).toThrow();
    expect(() => decodeCursor(Buffer.from('[]').toString('base64url'))).toThrow();
  });
});

describe('query handles', () => {
  it('only verify on the connection they were issued for, under any configured key', () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    const signer = createHandleSigner([k1]);
    const handle = signer.sign(connection, 'q-1');
    expect(signer.verify(connection, handle)).toBe('q-1');
    expect(signer.verify({ ...connection, id: 'con_b' }, handle)).toBeNull();
    expect(signer.verify({ ...connection, orgId: 'org_b' }, handle)).toBeNull();
    expect(createHandleSigner([k2, k1]).verify(connection, handle)).toBe('q-1');
    expect(createHandleSigner([k2]).verify(connection, handle)).toBeNull();
  });
});
