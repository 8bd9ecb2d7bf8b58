/**
 * What the connection screens share: the signed-in user's permissions in an organisation (from
 * /v1/me, through the query cache, so every screen asks the same cached answer), the API's JSON
 * types, and the paths of a connection's routes.
 */
import type { paths } from '@rolegate/client/openapi';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, can, type Me, type Org, type Permission } from '../../api.ts';

/** The JSON body of one OpenAPI response (types are generated from the API, never copied). */
export type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
export type { paths };

/** The signed-in user as /v1/me describes them; user-level data, keyed `['me']`. */
export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', '/v1/me') });
}

/** The user's membership of `orgId` (role and permissions), undefined until /v1/me has answered. */
export function useOrg(orgId: string): Org | undefined {
  const me = useMe();
  const org = me.data?.organizations.find((o) => o.id === orgId);
  // An organisation joined or created after the cached answer: ask again, once per organisation
  // (a user who is really not a member must not cause a request loop).
  const askedFor = useRef<string | null>(null);
  const { data, refetch } = me;
  useEffect(() => {
    if (data !== undefined && org === undefined && askedFor.current !== orgId) {
      askedFor.current = orgId;
      void refetch();
    }
  }, [data, org, orgId, refetch]);
  return org;
}

/**
 * `allowed(permission)` for `orgId`: controls a role cannot use are not offered (nothing is offered
 * before /v1/me answers). The API enforces every check regardless.
 */
export function usePermissions(orgId: string): (permission: Permission) => boolean {
  const org = useOrg(orgId);
  return (permission) => can(org, permission);
}

export function connectionPath(orgId: string, connId: string): string {
  return `/v1/orgs/${encodeURIComponent(orgId)}/connections/${encodeURIComponent(connId)}`;
}

/** Query keys of one connection's resources: below the connection, below the organisation. */
export function connectionKey(orgId: string, connId: string, ...rest: unknown[]): unknown[] {
  return ['org', orgId, 'connections', connId, ...rest];
}

/** Values typed as a list: commas, spaces or new lines separate them. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
