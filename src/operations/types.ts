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
  /** The region the call targets (AWS region names are validated by the input schema). */
  region(input: I): string | undefined;
  /** Throws AppError(forbidden) when the input is outside the connection's scopes. */
  scope(input: I, connection: UsableConnection): void;
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
  action: string;
  /** Validates raw input (throws AppError validation_failed) and binds it to the definition. */
  parse(raw: unknown): BoundCall;
}

export interface BoundCall {
  region: string | undefined;
  minValiditySeconds: number | undefined;
  scope(connection: UsableConnection): void;
  policy(target: CallTarget): PolicyStatement[];
  resource(target: CallTarget): string;
  notFound(target: CallTarget): { message: string; details: Record<string, unknown> } | undefined;
  run(ctx: OperationContext): Promise<unknown>;
}
