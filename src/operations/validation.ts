import { z } from 'zod';
import type { PolicyStatement } from '../broker/types.ts';
import { isValidBucketName, regionSchema } from '../connections/schemas.ts';
import type { ConnectionScopes, UsableConnection } from '../connections/types.ts';
import { AppError, ErrorCode } from '../core/errors.ts';

/** Shared input pieces: every string has a maximum length and a character set. */

export const MAX_KEY_BYTES = 1024;
const CONTROL = /\p{Cc}/u;

/**
 * A key (or prefix) is written into the call's session policy, escaped for IAM (`*` → `${*}`) and
 * for JSON (`"` → `\"`), and STS caps the whole policy at 2,048 characters. A valid S3 key made of
 * such characters would otherwise overflow the policy and fail as a 500; it is a 400 instead.
 */
export const MAX_KEY_POLICY_CHARS = 1_500;

export function policyEncodedLength(key: string): number {
  return JSON.stringify(escapeArnPart(key)).length - 2;
}

export function isValidObjectKey(key: string): boolean {
  const bytes = Buffer.byteLength(key, 'utf8');
  return (
    bytes >= 1 &&
    bytes <= MAX_KEY_BYTES &&
    !CONTROL.test(key) &&
    key.isWellFormed() &&
    policyEncodedLength(key) <= MAX_KEY_POLICY_CHARS
  );
}

export const bucketSchema = z
  .string()
  .min(3)
  .max(63)
  .refine(isValidBucketName, 'must be a valid S3 bucket name');

export const objectKeySchema = z
  .string()
  .min(1)
  .max(MAX_KEY_BYTES)
  .refine(
    isValidObjectKey,
    'must be 1–1024 bytes of UTF-8 without control characters (and fewer than about 370 of $ * ? " \\, which IAM policies must escape)',
  );

/** A key prefix: like a key, but may be empty. */
export const prefixSchema = z
  .string()
  .max(MAX_KEY_BYTES)
  .refine(
    (v) => v === '' || isValidObjectKey(v),
    'must be at most 1024 bytes of UTF-8 without control characters (and fewer than about 370 of $ * ? " \\, which IAM policies must escape)',
  );

export const optionalRegion = regionSchema.optional();

export const logGroupNameSchema = z
  .string()
  .regex(/^[\w\-/.#]{1,512}$/, 'must be a log group name (1–512 of [A-Za-z0-9_-/.#])');

export const tableNameSchema = z
  .string()
  .regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name (3–255 of [A-Za-z0-9_.-])');

export const functionNameSchema = z
  .string()
  .regex(/^[\w-]{1,64}$/, 'must be a Lambda function name (1–64 of [A-Za-z0-9_-])');

/** Opaque continuation tokens from AWS: bounded and printable. */
export const awsCursorSchema = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[\x21-\x7e]+$/, 'must be a cursor returned by a previous page');

export function forbidden(message: string, details?: Record<string, unknown>): AppError {
  return new AppError(ErrorCode.FORBIDDEN, message, details === undefined ? {} : { details });
}

export function invalid(field: string, message: string): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, `${field} ${message}`, {
    details: { fields: [{ location: 'body', path: field, message }] },
  });
}

/**
 * IAM treats `*`, `?` and `$` in a resource ARN as wildcards / variables; user input (object keys)
 * is written with the policy's literal escapes so a key can never widen the session policy.
 */
export function escapeArnPart(value: string): string {
  return value.replace(/[$*?]/g, (c) => `\${${c}}`);
}

export function statement(
  actions: string[],
  resources: string[],
  condition?: PolicyStatement['Condition'],
): PolicyStatement {
  return {
    Effect: 'Allow',
    Action: [...actions],
    Resource: [...resources],
    ...(condition === undefined ? {} : { Condition: condition }),
  };
}

/** The region of a call: the requested one if the connection allows it, else its first allowed region. */
export function resolveRegion(
  requested: string | undefined,
  scopes: ConnectionScopes,
  defaultRegion: string,
): string {
  const allowed = scopes.regions.length > 0 ? scopes.regions : [defaultRegion];
  const region = requested ?? allowed[0] ?? defaultRegion;
  if (!allowed.includes(region)) {
    throw forbidden(`Region ${region} is outside the regions this connection allows.`, {
      allowedRegions: allowed,
    });
  }
  return region;
}

export function checkBucket(bucket: string, scopes: ConnectionScopes): void {
  if (scopes.s3Buckets.length > 0 && !scopes.s3Buckets.includes(bucket)) {
    throw forbidden(`Bucket ${bucket} is outside the buckets this connection allows.`);
  }
}

export function keyInScope(key: string, scopes: ConnectionScopes): boolean {
  return scopes.s3Prefixes.length === 0 || scopes.s3Prefixes.some((p) => key.startsWith(p));
}

export function checkKey(bucket: string, key: string, scopes: ConnectionScopes): void {
  checkBucket(bucket, scopes);
  if (!keyInScope(key, scopes)) {
    throw forbidden('The object key is outside the key prefixes this connection allows.', {
      allowedPrefixes: scopes.s3Prefixes,
    });
  }
}

export function checkLogGroup(name: string, scopes: ConnectionScopes): void {
  if (scopes.logGroupPrefixes.length > 0 && !scopes.logGroupPrefixes.some((p) => name.startsWith(p))) {
    throw forbidden(`Log group ${name} is outside the log group prefixes this connection allows.`, {
      allowedPrefixes: scopes.logGroupPrefixes,
    });
  }
}

export function tableInScope(name: string, scopes: ConnectionScopes): boolean {
  return scopes.dynamodbTables.length === 0 || scopes.dynamodbTables.includes(name);
}

export function checkTable(name: string, scopes: ConnectionScopes): void {
  if (!tableInScope(name, scopes))
    throw forbidden(`Table ${name} is outside the tables this connection allows.`);
}

/**
 * `*` matches any run of characters; everything else is literal. No regular expression: a pattern
 * is tenant input, and a backtracking engine takes exponential time on `a*a*…a*b`. The literal runs
 * between stars are found left to right, each at its earliest position after the previous one
 * (earliest is always safe for `*`-only globs), so the work is at most one scan of the name per
 * run: O(name × pattern) in the worst case, whatever the pattern.
 */
export function matchesPattern(name: string, pattern: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return name === pattern;
  const head = parts[0]!;
  const tail = parts[parts.length - 1]!;
  if (name.length < head.length + tail.length) return false;
  if (!name.startsWith(head) || !name.endsWith(tail)) return false;
  let from = head.length;
  const end = name.length - tail.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const at = name.indexOf(part, from);
    if (at === -1 || at + part.length > end) return false;
    from = at + part.length;
  }
  return true;
}

export function functionInScope(name: string, scopes: ConnectionScopes): boolean {
  return (
    scopes.lambdaFunctionPatterns.length === 0 ||
    scopes.lambdaFunctionPatterns.some((p) => matchesPattern(name, p))
  );
}

export function checkFunction(name: string, connection: UsableConnection, invoke: boolean): void {
  const patterns = connection.scopes.lambdaFunctionPatterns;
  if (invoke && patterns.length === 0) {
    throw forbidden(
      'This connection names no Lambda function patterns, so no function may be invoked through it.',
    );
  }
  if (!functionInScope(name, connection.scopes)) {
    throw forbidden(`Function ${name} does not match the function patterns this connection allows.`, {
      allowedPatterns: patterns,
    });
  }
}

/** Cuts a string to at most `max` characters, telling whether it did. */
export function bounded(value: string, max: number): { value: string; truncated: boolean } {
  return value.length <= max ? { value, truncated: false } : { value: value.slice(0, max), truncated: true };
}
