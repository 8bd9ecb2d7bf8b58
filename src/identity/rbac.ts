/**
 * The permission matrix: the one place that says which role may do what. Every route asks
 * `can(role, permission)` through the auth guard; anything not listed here is denied.
 */
export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export const PERMISSIONS = {
  'org:read': 'viewer',
  'org:update': 'admin',
  'org:delete': 'owner',
  'members:read': 'viewer',
  'members:manage': 'admin',
  /** Leaving an organisation (removing one's own membership); managing others needs members:manage. */
  'members:leave': 'viewer',
  'invitations:manage': 'admin',
  'api-keys:read': 'admin',
  'api-keys:manage': 'admin',
  'connections:read': 'viewer',
  'connections:write': 'admin',
  'connections:verify': 'admin',
  'connections:templates': 'admin',
  's3:read': 'viewer',
  's3:write': 'member',
  'logs:read': 'viewer',
  'dynamodb:read': 'viewer',
  'lambda:read': 'viewer',
  'lambda:invoke': 'member',
  'scans:read': 'viewer',
  'scans:run': 'member',
  'findings:dismiss': 'member',
  'cleanup:execute': 'admin',
  'audit:read': 'admin',
  'audit:export': 'admin',
  'insights:read': 'admin',
  /** CloudTrail reconciliation (docs/reconciliation.md): security evidence, like the audit trail. */
  'reconcile:read': 'admin',
  'reconcile:run': 'admin',
  'webhooks:read': 'admin',
  'webhooks:manage': 'admin',
  /** Single sign-on, domains and SCIM tokens (docs/sso.md): who may sign in is the owners' call. */
  'sso:read': 'admin',
  'sso:manage': 'owner',
  /** Ask for approval of an operation or a temporary role; see and withdraw one's own requests. */
  'approvals:request': 'member',
  /** Approve or deny others' requests (the service also checks the role held by membership). */
  'approvals:decide': 'admin',
  'approvals:policy': 'admin',
  billing: 'owner',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * Permissions over who holds which role and how four-eyes works: the guard checks them against
 * the role held by membership, so a just-in-time elevation cannot make itself permanent (approvals
 * review 1). An elevated member acts as an admin on resources, not on the organisation's people.
 */
export const MEMBERSHIP_BOUND: ReadonlySet<Permission> = new Set<Permission>([
  'members:manage',
  'invitations:manage',
  'api-keys:manage',
  'sso:manage',
  'approvals:decide',
  'approvals:policy',
]);

/** Every permission, for enumerations (OpenAPI, the console's role-aware controls). */
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as [Permission, ...Permission[]];

/** What `role` may do, in the matrix's order: the console offers only these controls. */
export function permissionsOf(role: Role): Permission[] {
  return PERMISSION_NAMES.filter((p) => can(role, p));
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role | null | undefined, permission: Permission): boolean {
  if (role === null || role === undefined || !isRole(role)) return false;
  const needed = PERMISSIONS[permission] as Role | undefined;
  if (needed === undefined) return false;
  return ROLE_RANK[role] >= ROLE_RANK[needed];
}

/** True when `role` is at most `ceiling` (an API key never outranks its creator). */
export function roleAtMost(role: Role, ceiling: Role): boolean {
  return ROLE_RANK[role] <= ROLE_RANK[ceiling];
}

/**
 * The role a user acts with: their membership role, raised by an approved, unexpired elevation
 * (just-in-time access, docs/approvals.md). Computed on every authorisation, so an elevation ends
 * by itself when it expires or is revoked; it never lowers a role and raises only `member`.
 */
export function effectiveRole(membership: Role | null, elevation: Role | null): Role | null {
  if (membership === null) return null;
  // Only a member is raised: a viewer (perhaps demoted since the elevation was approved) stays one.
  if (membership !== 'member') return membership;
  if (elevation === null || ROLE_RANK[elevation] <= ROLE_RANK[membership]) return membership;
  return elevation;
}
