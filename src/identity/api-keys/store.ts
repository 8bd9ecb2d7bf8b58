import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { connections } from '../../connections/tables.ts';
import type { Db, Tx } from '../../db/client.ts';
import { memberships } from '../../db/core-tables.ts';
import { preparedPerHandle } from '../../db/prepared.ts';
import type { Role } from '../rbac.ts';
import type { ApiKeyScope } from './scope.ts';
import { apiKeys } from './tables.ts';

/** SQL for API keys; every tenant query takes the orgId. Secret hashes leave this file only for verification. */
/**
 * Every request with an API key reads the key and its creator's membership (never cached: a revoked
 * key or a removed creator stops at the next request, on every node); built once (src/db/prepared.ts).
 */
const credentialByPrefix = preparedPerHandle((db) =>
  db
    .select({
      id: apiKeys.id,
      orgId: apiKeys.orgId,
      role: apiKeys.role,
      secretHash: apiKeys.secretHash,
      createdBy: apiKeys.createdBy,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      creatorRole: memberships.role,
      scope: apiKeys.scope,
    })
    .from(apiKeys)
    .leftJoin(
      memberships,
      and(eq(memberships.orgId, apiKeys.orgId), eq(memberships.userId, apiKeys.createdBy)),
    )
    .where(eq(apiKeys.prefix, sql.placeholder('prefix')))
    .limit(1)
    .prepare('rolegate_api_key_credential_v1'),
);

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  /** Null for an unscoped key; read back as stored (the service validates it). */
  scope: ApiKeyScope | null;
}

/** What verification needs: the key, its hash, and its creator's current role in the key's organisation. */
export interface ApiKeyCredentialRow {
  id: string;
  orgId: string;
  role: Role;
  secretHash: string;
  createdBy: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  creatorRole: Role | null;
  scope: unknown;
}

const publicColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  role: apiKeys.role,
  createdBy: apiKeys.createdBy,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  lastUsedAt: apiKeys.lastUsedAt,
  scope: apiKeys.scope,
};

export function createApiKeyStore(db: Db) {
  return {
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(fn);
    },

    async insert(
      tx: Tx,
      input: {
        id: string;
        orgId: string;
        name: string;
        prefix: string;
        secretHash: string;
        role: Role;
        createdBy: string;
        createdAt: Date;
        expiresAt: Date | null;
        scope: ApiKeyScope | null;
      },
    ): Promise<void> {
      await tx.insert(apiKeys).values(input);
    },

    /** Which of `ids` are connections of the organisation (a key's scope may name only those). */
    async connectionsOf(tx: Tx, orgId: string, ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await tx
        .select({ id: connections.id })
        .from(connections)
        .where(and(eq(connections.orgId, orgId), inArray(connections.id, [...ids])));
      return new Set(rows.map((r) => r.id));
    },
    /** Active (unrevoked) keys of the organisation, expired ones included so they can be cleaned up. */
    async list(orgId: string, page: { after: string | null; limit: number }): Promise<ApiKeyRow[]> {
      const active = and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt));
      return db
        .select(publicColumns)
        .from(apiKeys)
        .where(page.after === null ? active : and(active, gt(apiKeys.id, page.after)))
        .orderBy(asc(apiKeys.id))
        .limit(page.limit);
    },

    async revoke(tx: Tx, orgId: string, keyId: string, now: Date): Promise<ApiKeyRow | null> {
      const rows = await tx
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
        .returning(publicColumns);
      return rows[0] ?? null;
    },

    /** Lookup by the public prefix (the organisation is not known before the key is found). */
    async findByPrefix(prefix: string): Promise<ApiKeyCredentialRow | null> {
      const rows = await credentialByPrefix(db).execute({ prefix });
      return rows[0] ?? null;
    },

    /** Records a use unless one was recorded after `staleBefore` (a cheap, multi-node-safe throttle). */
    async touch(orgId: string, keyId: string, now: Date, staleBefore: Date): Promise<void> {
      await db
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(
          and(
            eq(apiKeys.orgId, orgId),
            eq(apiKeys.id, keyId),
            or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, staleBefore)),
          ),
        );
    },
  };
}

export type ApiKeyStore = ReturnType<typeof createApiKeyStore>;
