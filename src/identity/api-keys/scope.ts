import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { CAPABILITIES, type Capability } from '../../connections/types.ts';
import { AppError, ErrorCode } from '../../core/errors.ts';
import { idPattern } from '../../db/ids.ts';
import type { Permission } from '../rbac.ts';

/**
 * API key scopes: what a key may reach on top of its role. A key for an agent is usually limited to
 * a few connections and capabilities, read-only, and to the addresses it calls from. `null` for a
 * dimension means "not narrowed"; a key without any scope (`null`) is an ordinary, unscoped key.
 *
 * A scoped key is for operations only: management routes (connections, keys, members, audit…)
 * refuse it, so a leaked agent key cannot widen itself or its connections.
 */
export interface ApiKeyScope {
  /** Connections the key may act through (ids of the key's organisation); null = all. */
  connectionIds: string[] | null;
  /** Capabilities the key may use; null = every capability the connection grants. */
  capabilities: Capability[] | null;
  /** No call that changes anything (S3 writes, Lambda invoke, clean-up, dismissing findings). */
  readOnly: boolean;
  /** Source addresses (CIDR) the key may be used from; null = anywhere. */
  allowedCidrs: string[] | null;
}

export const MAX_SCOPE_CONNECTIONS = 50;
export const MAX_SCOPE_CIDRS = 20;

const CIDR_PREFIX = /^(0|[1-9][0-9]{0,2})$/;

/** `10.0.0.0/8`, `2001:db8::/32`, or a bare address (one host). Null when not strictly valid. */
export function parseCidr(
  input: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  if (input.length > 64) return null;
  const parts = input.split('/');
  if (parts.length > 2) return null;
  const address = parts[0]!.toLowerCase();
  // Zone ids (`fe80::1%eth0`) name an interface of this host: meaningless in an allow-list.
  if (address.includes('%')) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (parts.length === 2) {
    const text = parts[1]!;
    if (!CIDR_PREFIX.test(text)) return null;
    prefix = Number(text);
    if (prefix > max) return null;
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

const cidrSchema = z
  .string()
  .trim()
  .max(64)
  .refine((v) => parseCidr(v) !== null, 'must be an IPv4 or IPv6 address or CIDR block (e.g. 203.0.113.0/24)')
  .transform((v) => {
    const c = parseCidr(v)!;
    return `${c.address}/${c.prefix}`;
  });

/** The scope as a client sends it at key creation; every field optional, lists bounded. */
export const apiKeyScopeInput = z.strictObject({
  connectionIds: z
    .array(z.string().regex(idPattern('con'), 'must be a connection id (con_…)'))
    .min(1)
    .max(MAX_SCOPE_CONNECTIONS)
    .optional(),
  capabilities: z.array(z.enum(CAPABILITIES)).min(1).max(CAPABILITIES.length).optional(),
  readOnly: z.boolean().optional(),
  allowedCidrs: z.array(cidrSchema).min(1).max(MAX_SCOPE_CIDRS).optional(),
});
export type ApiKeyScopeInput = z.infer<typeof apiKeyScopeInput>;

/** The stored and displayed shape (also used to read the column back defensively). */
export const apiKeyScopeView = z.object({
  connectionIds: z.array(z.string()).nullable(),
  capabilities: z.array(z.enum(CAPABILITIES)).nullable(),
  readOnly: z.boolean(),
  allowedCidrs: z.array(z.string()).nullable(),
});

/** Normalised scope (deduplicated); null when the input narrows nothing. */
export function normaliseScope(input: ApiKeyScopeInput | undefined): ApiKeyScope | null {
  if (input === undefined) return null;
  const unique = <T>(values: T[] | undefined): T[] | null =>
    values === undefined ? null : [...new Set(values)];
  const scope: ApiKeyScope = {
    connectionIds: unique(input.connectionIds),
    capabilities: unique(input.capabilities),
    readOnly: input.readOnly === true,
    allowedCidrs: unique(input.allowedCidrs),
  };
  const narrows =
    scope.connectionIds !== null ||
    scope.capabilities !== null ||
    scope.readOnly ||
    scope.allowedCidrs !== null;
  return narrows ? scope : null;
}

/**
 * Permissions a scoped key may use at all, with the capability each needs. Everything else
 * (managing connections, keys, members, the audit trail, insights…) needs an unscoped key.
 */
const OPERATION_PERMISSIONS: Partial<Record<Permission, Capability | null>> = {
  'connections:read': null,
  's3:read': 's3-read',
  's3:write': 's3-write',
  'logs:read': 'logs-read',
  'dynamodb:read': 'dynamodb-read',
  'lambda:read': 'lambda-read',
  'lambda:invoke': 'lambda-invoke',
  'scans:read': 'cost-scan',
  'scans:run': 'cost-scan',
  'findings:dismiss': 'cost-scan',
  'cleanup:execute': 'cleanup',
};

/** Whether a scoped key may use routes of this permission at all. */
export function isOperationPermission(permission: Permission): boolean {
  return Object.hasOwn(OPERATION_PERMISSIONS, permission);
}

/**
 * Permissions that change something, refused to read-only keys. A scan only reads the customer's
 * account (it writes findings in Rolegate), so read-only keys may run one.
 */
const WRITE_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  's3:write',
  'lambda:invoke',
  'findings:dismiss',
  'cleanup:execute',
]);

export interface ScopeCheck {
  /** The caller's address (from trusted proxy hops only, as `request.ip`). */
  ip: string;
  /** What the route or operation needs; undefined = authentication only (source address check). */
  permission?: Permission | undefined;
  /** The connection the call acts through, when it has one. */
  connectionId?: string | undefined;
  /** The capability the call uses, when more precise than the permission's (e.g. presigned PUT). */
  capability?: Capability | undefined;
}

function denied(message: string, details: Record<string, unknown>): AppError {
  return new AppError(ErrorCode.KEY_SCOPE_DENIED, message, { details });
}

/** `::ffff:203.0.113.7` (dual-stack sockets) is checked as the IPv4 address it carries. */
function addressOf(ip: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const lower = ip.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4)
    return { address: lower.slice(7), family: 'ipv4' };
  const version = isIP(lower);
  if (version === 0) return null;
  return { address: lower, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function sourceAllowed(cidrs: readonly string[], ip: string): boolean {
  const source = addressOf(ip);
  if (source === null) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const c = parseCidr(cidr);
    if (c !== null) list.addSubnet(c.address, c.prefix, c.family);
  }
  return list.check(source.address, source.family);
}

/**
 * The one scope check. The auth guard calls it for every route an API key reaches, and the
 * operations service (REST, intents and MCP alike), scans and clean-up call it again with the
 * connection and capability of the call. Throws key_source_denied (403), key_scope_denied (403), or
 * not_found (404) for a connection outside the scope — exactly like a connection that does not exist.
 */
export function checkKeyScope(scope: ApiKeyScope | null | undefined, check: ScopeCheck): void {
  if (scope === null || scope === undefined) return;
  if (scope.allowedCidrs !== null && !sourceAllowed(scope.allowedCidrs, check.ip)) {
    throw new AppError(ErrorCode.KEY_SOURCE_DENIED);
  }
  if (check.permission !== undefined) {
    if (!isOperationPermission(check.permission)) {
      throw denied('This API key is scoped to operations; this action needs an unscoped key.', {
        permission: check.permission,
      });
    }
    if (scope.readOnly && WRITE_PERMISSIONS.has(check.permission)) {
      throw denied('This API key is read-only.', { permission: check.permission, readOnly: true });
    }
  }
  if (
    check.connectionId !== undefined &&
    scope.connectionIds !== null &&
    !scope.connectionIds.includes(check.connectionId)
  ) {
    throw new AppError(ErrorCode.NOT_FOUND, 'Connection not found.');
  }
  const capability =
    check.capability ??
    (check.permission === undefined ? null : (OPERATION_PERMISSIONS[check.permission] ?? null));
  if (capability !== null && scope.capabilities !== null && !scope.capabilities.includes(capability)) {
    throw denied('This API key is not scoped to this capability.', { capability });
  }
}

/** Whether a scoped key may see a connection (listings filter with it). */
export function connectionInScope(scope: ApiKeyScope | null | undefined, connectionId: string): boolean {
  return (
    scope === null ||
    scope === undefined ||
    scope.connectionIds === null ||
    scope.connectionIds.includes(connectionId)
  );
}
