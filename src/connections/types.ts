import type { BrokerConnection } from '../broker/types.ts';

/** What a customer can grant a connection; each maps to IAM actions in the permission policy. */
export const CAPABILITIES = [
  's3-read',
  's3-write',
  'logs-read',
  'dynamodb-read',
  'lambda-read',
  'lambda-invoke',
  'cost-scan',
  'cleanup',
  'cloudtrail-read',
  'organizations-read',
  'audit-export',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type ConnectionStatus = 'pending' | 'verified' | 'unsafe' | 'failed' | 'disabled' | 'expired';

/**
 * Optional narrowing chosen at onboarding. An empty list means "not narrowed" for that service
 * (the templates then use the widest resource AWS allows for the chosen capability).
 */
export interface ConnectionScopes {
  /** AWS regions operations and scans may use; empty = the deployment's default region. */
  regions: string[];
  s3Buckets: string[];
  /** Key prefixes inside the allowed buckets; empty = whole buckets. */
  s3Prefixes: string[];
  logGroupPrefixes: string[];
  dynamodbTables: string[];
  /** Function-name patterns, `*` as wildcard (e.g. `debug-*`), for lambda-read/lambda-invoke. */
  lambdaFunctionPatterns: string[];
  /** Tag conditions clean-up requires on a resource (all must match), e.g. { env: 'dev' }. */
  cleanupTagConditions: Record<string, string>;
}

/** A connection that may be used for an operation right now, with its external ID decrypted in memory. */
export interface UsableConnection extends BrokerConnection {
  name: string;
  accountId: string;
  capabilities: Capability[];
  scopes: ConnectionScopes;
}

export interface ConnectionResolver {
  /**
   * The connection if it belongs to `orgId`, is verified and grants `capability`. Throws AppError:
   * not_found (missing or another organisation's), connection_not_verified, connection_unsafe,
   * connection_disabled, capability_missing.
   */
  resolveUsable(orgId: string, connectionId: string, capability: Capability): Promise<UsableConnection>;
}
