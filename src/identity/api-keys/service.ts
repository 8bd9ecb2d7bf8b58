import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AuditWriter } from '../../audit/types.ts';
import type { Clock } from '../../clock.ts';
import { type Actor, heldRole, type Principal } from '../../core/actor.ts';
import { auditEventFor } from '../../core/audit-event.ts';
import { AppError, ErrorCode } from '../../core/errors.ts';
import { constantTimeEqual, randomToken, sha256Hex } from '../../crypto/tokens.ts';
import { newId } from '../../db/ids.ts';
import type { ApiKeyVerifier } from '../authenticator.ts';
import { API_KEY_PREFIX } from '../authenticator.ts';
import { ROLE_RANK, type Role, roleAtMost } from '../rbac.ts';
import { type ApiKeyScope, type ApiKeyScopeInput, apiKeyScopeView, normaliseScope } from './scope.ts';
import type { ApiKeyRow, ApiKeyStore } from './store.ts';

/**
 * API keys: `rg_live_<prefix>_<secret>`. The prefix (12 characters of Crockford base32, 60 random
 * bits) is stored in clear and finds the row; the secret (32 random bytes, base64url) is stored only
 * as its SHA-256 and compared in constant time. Keys are never cached, so revocation bites on the
 * next request.
 *
 * A key never outranks its creator: its effective role is min(key role, creator's current role in
 * the organisation), and a key whose creator is no longer a member (left, removed or deleted) is
 * refused.
 */
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';
export const KEY_PREFIX_LENGTH = 12;
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}([${BASE32}]{${KEY_PREFIX_LENGTH}})_([A-Za-z0-9_-]{43})$`);
/** At most one last-used write per key per interval. */
export const LAST_USED_INTERVAL_MS = 60_000;
const MAX_TOUCH_ENTRIES = 10_000;
const MAX_LIFETIME_MS = 5 * 366 * 24 * 3600 * 1000;
/** Compared against when the prefix is unknown, so both paths hash and compare. */
const DUMMY_HASH = sha256Hex('rolegate-unknown-api-key');

function randomPrefix(): string {
  const bytes = randomBytes(KEY_PREFIX_LENGTH);
  let out = '';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}

function minRole(a: Role, b: Role): Role {
  return ROLE_RANK[a] <= ROLE_RANK[b] ? a : b;
}

export interface CreatedApiKey {
  id: string;
  key: string;
  prefix: string;
  name: string;
  role: Role;
  expiresAt: Date | null;
  createdAt: Date;
  scope: ApiKeyScope | null;
}

export function createApiKeyService(deps: {
  store: ApiKeyStore;
  audit: AuditWriter;
  clock: Clock;
  /** Reports a failed last-used write (it never fails the request). */
  onTouchError?: (err: unknown) => void;
}) {
  const { store, audit, clock } = deps;
  // Last-used write time per key, so a busy key writes at most once per LAST_USED_INTERVAL_MS. The
  // times come from the injected clock (not lru-cache's TTL, which reads its own); MAX_TOUCH_ENTRIES
  // bounds memory, and a forgotten key only costs one early write.
  const lastTouched = new LRUCache<string, number>({ max: MAX_TOUCH_ENTRIES });

  function touch(orgId: string, keyId: string): void {
    const now = clock.now();
    const previous = lastTouched.get(keyId);
    if (previous !== undefined && now.getTime() - previous < LAST_USED_INTERVAL_MS) return;
    lastTouched.set(keyId, now.getTime());
    store
      .touch(orgId, keyId, now, new Date(now.getTime() - LAST_USED_INTERVAL_MS))
      .catch((err: unknown) => deps.onTouchError?.(err));
  }

  const verifier: ApiKeyVerifier = {
    async verify(presented: string): Promise<Principal | null> {
      const match = KEY_PATTERN.exec(presented);
      if (match === null) return null;
      const [, prefix, secret] = match as unknown as [string, string, string];
      const row = await store.findByPrefix(prefix);
      const hashMatches = constantTimeEqual(row?.secretHash ?? DUMMY_HASH, sha256Hex(secret));
      if (row === null || !hashMatches) return null;
      // Only the holder of the secret learns that the key was revoked (and so to ask for a new one);
      // an unknown prefix or a wrong secret stays a plain 401 that says nothing about the key.
      if (row.revokedAt !== null) throw new AppError(ErrorCode.API_KEY_REVOKED);
      if (row.expiresAt !== null && row.expiresAt.getTime() <= clock.now().getTime()) return null;
      if (row.createdBy === null || row.creatorRole === null) return null;
      // A stored scope that does not read back as one is refused, never treated as "unscoped".
      const scope = row.scope === null ? null : apiKeyScopeView.safeParse(row.scope);
      if (scope !== null && !scope.success) return null;
      touch(row.orgId, row.id);
      return {
        type: 'apiKey',
        keyId: row.id,
        orgId: row.orgId,
        role: minRole(row.role, row.creatorRole),
        createdBy: row.createdBy,
        scope: scope === null ? null : scope.data,
      };
    },
  };

  return {
    verifier,

    async create(
      actor: Actor & { orgId: string; role: Role },
      input: { name: string; role: Role; expiresAt?: Date | undefined; scope?: ApiKeyScopeInput | undefined },
    ): Promise<CreatedApiKey> {
      if (actor.type !== 'user') {
        throw new AppError(
          ErrorCode.FORBIDDEN,
          'API keys can only be created by a signed-in user, not by another API key.',
        );
      }
      // The role held by membership: a key outlives a just-in-time elevation (approvals review 1).
      const held = heldRole(actor);
      if (held === null || !roleAtMost(input.role, held)) {
        throw new AppError(
          ErrorCode.FORBIDDEN,
          `An API key cannot have a role above your own (${held ?? 'none'}).`,
          { details: { maxRole: held } },
        );
      }
      const now = clock.now();
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'expiresAt must be in the future.', {
          details: { fields: [{ location: 'body', path: 'expiresAt', message: 'must be in the future' }] },
        });
      }
      if (expiresAt !== null && expiresAt.getTime() - now.getTime() > MAX_LIFETIME_MS) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'expiresAt must be at most 5 years away.', {
          details: { fields: [{ location: 'body', path: 'expiresAt', message: 'at most 5 years away' }] },
        });
      }
      const scope = normaliseScope(input.scope);
      const id = newId('key');
      const prefix = randomPrefix();
      const secret = randomToken(32);
      await store.transaction(async (tx) => {
        if (scope?.connectionIds) {
          const known = await store.connectionsOf(tx, actor.orgId, scope.connectionIds);
          const unknown = scope.connectionIds.filter((c) => !known.has(c));
          // Another organisation's connection answers exactly like one that does not exist.
          if (unknown.length > 0) {
            throw new AppError(ErrorCode.NOT_FOUND, `Connection ${unknown[0]} not found.`, {
              details: { connectionIds: unknown },
            });
          }
        }
        await store.insert(tx, {
          id,
          orgId: actor.orgId,
          name: input.name,
          prefix,
          secretHash: sha256Hex(secret),
          role: input.role,
          createdBy: actor.id,
          createdAt: now,
          expiresAt,
          scope,
        });
        await audit.record(
          tx,
          auditEventFor(
            actor,
            'api_key.created',
            { type: 'api_key', id },
            { details: { role: input.role, prefix, expiresAt: expiresAt?.toISOString() ?? null, scope } },
          ),
        );
      });
      return {
        id,
        key: `${API_KEY_PREFIX}${prefix}_${secret}`,
        prefix,
        name: input.name,
        role: input.role,
        expiresAt,
        createdAt: now,
        scope,
      };
    },

    async list(
      actor: Actor & { orgId: string },
      page: { cursor: string | null; limit: number },
    ): Promise<{ items: ApiKeyRow[]; nextCursor: string | null }> {
      const rows = await store.list(actor.orgId, { after: page.cursor, limit: page.limit + 1 });
      const items = rows.slice(0, page.limit);
      return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
    },

    async revoke(actor: Actor & { orgId: string }, keyId: string): Promise<void> {
      await store.transaction(async (tx) => {
        const revoked = await store.revoke(tx, actor.orgId, keyId, clock.now());
        if (revoked === null) throw new AppError(ErrorCode.NOT_FOUND, 'API key not found.');
        await audit.record(
          tx,
          auditEventFor(
            actor,
            'api_key.revoked',
            { type: 'api_key', id: keyId },
            { details: { prefix: revoked.prefix } },
          ),
        );
      });
      lastTouched.delete(keyId);
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
