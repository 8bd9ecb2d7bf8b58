import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { z } from 'zod';
import type { AwsClientFactory } from '../aws/clients.ts';
import type { Lane } from '../broker/lanes.ts';
import type { PolicyStatement } from '../broker/types.ts';
import type { Capability, UsableConnection } from '../connections/types.ts';
import type { Permission } from '../identity/rbac.ts';

/** Where an operation runs: the connection's account, partition and the region chosen for the call. */
export interface CallTarget {
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  accountId: string;
  region: string;
}

/** What a handler receives: the SDK client factory, the temporary credentials and the call target. */
export interface OperationContext {
  clients: Pick<AwsClientFactory, 's3' | 'logs' | 'dynamodb' | 'lambda'>;
  credentials: AwsCredentialIdentity;
  connection: UsableConnection;
  target: CallTarget;
  limits: OperationLimits;
  /** Signs and checks opaque handles (Logs Insights query ids) so they only work on their connection. */
  handles: HandleSigner;
  now: () => Date;
  /** Aborted when the client goes away: long waits (Logs Insights) stop instead of polling on. */
  signal: AbortSignal;
  /** Key prefixes of the call's bucket a listing leaves out (the delivered audit export). */
  hiddenS3Prefixes: readonly string[];
}

export interface OperationLimits {
  /** Largest object a download may stream. */
  maxDownloadBytes: number;
  /** Largest object an upload may stream. */
  maxUploadBytes: number;
}

export interface HandleSigner {
  sign(connection: UsableConnection, value: string): string;
  /** The signed value, or null when the handle was not issued for this connection. */
  verify(connection: UsableConnection, handle: string): string | null;
}

/**
 * How an operation is reached over REST. `src/operations/routes.ts` builds its route from this
 * and the operation's input schema; no route of the catalogue is written by hand except the
 * streamed ones (`streamed: true`), whose method, path and summary still come from here.
 *
 * Where each input field comes from:
 * - a `:name` segment of `path` is the input field `name` (checked by the field's own schema);
 * - every other field comes from the query string for GET and DELETE (numbers coerced, a field
 *   left out takes the operation's default) and from the JSON body for POST (the input schema
 *   itself, defaults included).
 */
export interface RestDescription {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** Under `/v1/orgs/:orgId/connections/:connId`, e.g. `/s3/buckets/:bucket/objects`. */
  path: string;
  /** The OpenAPI summary. */
  summary: string;
  /** A body limit of the route's own (the global limit applies otherwise). */
  bodyLimit?: number;
  /**
   * A path field the route checks more loosely than the operation (the operation's check then
   * answers, with the same message on every door, after the API key's scope was checked).
   */
  pathSchemas?: Record<string, z.ZodType>;
  /**
   * One route for several operations (presigned GET and PUT): the body field that picks this one
   * and its value. The route's body is the operations' common input plus that field, every
   * default left to the chosen operation; the route admits the permission the lowest role holds
   * (whoever may run one of them) and the service then checks the chosen operation's own.
   */
  variant?: { field: string; value: string };
  /** Streamed in or out: the route is written by hand in routes.ts (raw bodies, NDJSON, downloads). */
  streamed?: boolean;
}

/**
 * One operation, defined once and exposed as a REST route, a JSON intent and an MCP tool.
 * `scope` throws 403 when the input reaches outside the connection's scopes; `policy` returns the
 * session policy statements for exactly this call; `handler` performs it with the SDK.
 */
export interface OperationDef<I = unknown, O = unknown> {
  name: string;
  description: string;
  input: z.ZodType<I>;
  output: z.ZodType<O>;
  permission: Permission;
  capability: Capability;
  /** Costly calls use the stricter rate-limit budget. */
  expensive?: boolean;
  /**
   * `long`: the call may hold its socket for seconds or minutes (Lambda invoke, Logs Insights,
   * streamed S3 transfers); it runs in the long lane, with its own per-organisation limit and socket
   * pool (src/broker/lanes.ts). Default `short`.
   */
  lane?: Lane;
  /** `rest`: streamed REST routes only (not JSON intents or MCP tools). Default: everywhere. */
  exposure?: 'all' | 'rest';
  /** Its REST route (method, path, where each input field comes from). */
  rest: RestDescription;
  /** The region the call targets (AWS region names are validated by the input schema). */
  region(input: I): string | undefined;
  /** Throws AppError(forbidden) when the input is outside the connection's scopes. */
  scope(input: I, connection: UsableConnection): void;
  /**
   * The bucket and object key or list prefix an S3 operation reaches: the service refuses those in
   * the organisation's delivered audit export (src/audit/export-target/reserved.ts). Every S3
   * operation naming a bucket must give it (test/operations/catalogue.test.ts checks).
   */
  s3Path?(input: I): { bucket: string; path: string };
  /** Exactly the IAM actions and resources of this call. */
  policy(input: I, target: CallTarget): PolicyStatement[];
  /** The AWS resource the call touches, for the audit record. */
  resource(input: I, target: CallTarget): string;
  /** The AWS action(s) named in error messages (e.g. `s3:GetObject`). */
  action: string;
  /** Credentials must stay valid at least this long (presigned URLs). */
  minValiditySeconds?(input: I): number;
  /**
   * What AWS did not find, named in the caller's terms (the log group or table they gave), for the
   * 404 when AWS answers ResourceNotFound: the caller learns which of their inputs to fix.
   */
  notFound?(input: I, target: CallTarget): { message: string; details: Record<string, unknown> };
  handler(ctx: OperationContext, input: I): Promise<O>;
}

/** A catalogue entry with its input type bound: what the service, REST, intents and MCP use. */
export interface Operation {
  name: string;
  description: string;
  input: z.ZodType;
  output: z.ZodType;
  permission: Permission;
  capability: Capability;
  expensive: boolean;
  lane: Lane;
  exposure: 'all' | 'rest';
  rest: RestDescription;
  action: string;
  /** Whether the definition names the S3 bucket and key or prefix it reaches (`s3Path`). */
  reachesS3Objects: boolean;
  /** Validates raw input (throws AppError validation_failed) and binds it to the definition. */
  parse(raw: unknown): BoundCall;
}

export interface BoundCall {
  region: string | undefined;
  minValiditySeconds: number | undefined;
  scope(connection: UsableConnection): void;
  s3Path: { bucket: string; path: string } | undefined;
  policy(target: CallTarget): PolicyStatement[];
  resource(target: CallTarget): string;
  notFound(target: CallTarget): { message: string; details: Record<string, unknown> } | undefined;
  run(ctx: OperationContext): Promise<unknown>;
}
