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
 * Whether a grant's resource scope covers the resource of a call: the same ARN, or — for a scope
 * ending in `*` — any ARN that starts with what comes before it (a bucket prefix, say). A plain
 * prefix comparison: no pattern built from input.
 */
export function scopeCovers(scope: string, resource: string): boolean {
  if (scope.endsWith('*')) return resource.startsWith(scope.slice(0, -1));
  return scope === resource;
}
