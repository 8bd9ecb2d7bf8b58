import { ROLE_RANK, type Role } from '../identity/rbac.ts';
import type { RoleMapping } from './tables.ts';

/**
 * The role an identity provider's claims grant, recomputed at every sign-in: the highest role of the
 * rules whose value the claim holds (a string equal to it, or an array containing it), else the
 * default role; null refuses the sign-in. Values compare exactly (no patterns built from input).
 */
export function roleFromClaims(claims: Record<string, unknown>, mapping: RoleMapping): Role | null {
  const raw = claims[mapping.claim];
  const values = new Set<string>(
    typeof raw === 'string'
      ? [raw]
      : Array.isArray(raw)
        ? raw.filter((v): v is string => typeof v === 'string')
        : [],
  );
  let best: Role | null = null;
  for (const rule of mapping.rules) {
    if (!values.has(rule.value)) continue;
    if (best === null || ROLE_RANK[rule.role] > ROLE_RANK[best]) best = rule.role;
  }
  return best ?? mapping.defaultRole;
}
