import { OPERATIONS } from '../operations/catalogue.ts';

/** What a policy says; the row of `approval_policies` without its bookkeeping. */
export interface ApprovalPolicy {
  operations: string[];
  approverRoles: ('admin' | 'owner')[];
  approvalsRequired: number;
  grantTtlSeconds: number;
  grantMode: 'single_use' | 'time_boxed';
}

/** Clean-up execution is not a catalogue operation (src/scans/cleanup.ts) but is gated the same way. */
export const CLEANUP_OPERATION = 'cleanup.execute';

/** Everything a policy may put under approval: the catalogue's operations and clean-up. */
export const APPROVABLE_OPERATIONS: readonly string[] = [
  ...OPERATIONS.map((op) => op.name),
  CLEANUP_OPERATION,
];

export const MAX_GRANT_TTL_SECONDS = 24 * 3600;
export const MIN_GRANT_TTL_SECONDS = 60;
/** An unanswered request lapses after this; asking again makes a new one. */
export const PENDING_TTL_SECONDS = 24 * 3600;

/**
 * The policy of an organisation that has not written its own: the operations that delete, run code
 * or write data in a customer's account need a second person, once, for one call.
 */
export const DEFAULT_POLICY: ApprovalPolicy = {
  operations: [CLEANUP_OPERATION, 'lambda.invoke', 's3.put_object', 's3.presign_put'],
  approverRoles: ['admin', 'owner'],
  approvalsRequired: 1,
  grantTtlSeconds: 3600,
  grantMode: 'single_use',
};

/**
 * Whether `after` lets through anything `before` held back: an operation no longer gated, fewer
 * approvals, longer grants, time-boxed instead of single-use grants, or more roles that may
 * approve. Loosening four-eyes is the owners' call (approvals review 3); tightening is an admin's.
 */
export function loosens(before: ApprovalPolicy, after: ApprovalPolicy): boolean {
  return (
    before.operations.some((op) => !after.operations.includes(op)) ||
    after.approvalsRequired < before.approvalsRequired ||
    after.grantTtlSeconds > before.grantTtlSeconds ||
    (before.grantMode === 'single_use' && after.grantMode === 'time_boxed') ||
    after.approverRoles.some((role) => !before.approverRoles.includes(role))
  );
}

/**
 * Whether a wildcard scope (ending in `*`) is one the gate accepts: the `*` follows a `/` or `:`
 * (so `bucket-a*` cannot cover `bucket-ab`), and what comes before it names at least one bucket,
 * function, log group or table — never a whole service or account (approvals review 4).
 */
export function wildcardScopeValid(scope: string): boolean {
  if (!scope.endsWith('*') || scope.slice(0, -1).includes('*')) return false;
  const prefix = scope.slice(0, -1);
  if (!prefix.endsWith('/') && !prefix.endsWith(':')) return false;
  const parts = prefix.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] === '') return false;
  const resource = parts.slice(5).join(':');
  // S3 ARNs carry no type: the bucket comes first and the `*` must be inside it (after `bucket/`).
  if (parts[2] === 's3') return /^[^/:]+\//.test(resource);
  // Elsewhere a type comes first (`function:`, `log-group:`, `table/`); a name must follow it.
  const named = /^[A-Za-z-]+[:/](.*)$/.exec(resource);
  return named !== null && /[^/:]/.test(named[1] ?? '');
}

/**
 * One call may touch several resources (`logs.insights_query` joins its log groups' ARNs with
 * commas): split where the next ARN starts, so a comma inside an S3 key stays in its ARN.
 */
function resourcesOf(resource: string): string[] {
  return resource.split(/,(?=arn:)/);
}

/**
 * Whether a grant's resource scope covers the resource of a call: the same ARN(s), or — for a
 * valid wildcard scope — every ARN the call touches starts with what comes before the `*`. A plain
 * prefix comparison per ARN: no pattern built from input.
 */
export function scopeCovers(scope: string, resource: string): boolean {
  if (scope === resource) return true;
  if (!scope.endsWith('*') || !wildcardScopeValid(scope)) return false;
  const prefix = scope.slice(0, -1);
  return resourcesOf(resource).every((arn) => arn.startsWith(prefix));
}
