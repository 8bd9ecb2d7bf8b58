import { describe, expect, it } from 'vitest';
import type { AuditWriter } from '../../audit/types.ts';
import { sha256Hex } from '../../crypto/tokens.ts';
import { createApiKeyService } from './service.ts';
import type { ApiKeyCredentialRow, ApiKeyStore } from './store.ts';

const PREFIX = 'abcdefghjkmn';
const SECRET = 'S'.repeat(43);
const KEY = `rg_live_${PREFIX}_${SECRET}`;
const NOW = new Date('2026-01-01T00:00:00Z');

function harness(row: Partial<ApiKeyCredentialRow> | null) {
  const lookups: string[] = [];
  const touches: string[] = [];
  const store = {
    async findByPrefix(prefix: string) {
      lookups.push(prefix);
      if (row === null) return null;
      return {
        id: 'key_1',
        orgId: 'org_1',
        role: 'admin',
        secretHash: sha256Hex(SECRET),
        createdBy: 'usr_1',
        expiresAt: null,
        revokedAt: null,
        creatorRole: 'admin',
        scope: null,
        ...row,
      } satisfies ApiKeyCredentialRow;
    },
    async touch(_orgId: string, keyId: string) {
      touches.push(keyId);
    },
  } satisfies Pick<ApiKeyStore, 'findByPrefix' | 'touch'>;
  const audit: AuditWriter = { record: async () => ({ id: 'aud_1' }) };
  const service = createApiKeyService({
    store: store as unknown as ApiKeyStore,
    audit,
    clock: { now: () => NOW },
  });
  return { verifier: service.verifier, lookups, touches };
}

describe('API key verification', () => {
  it('accepts the exact key and returns its principal', async () => {
    const h = harness({});
    expect(await h.verifier.verify(KEY)).toEqual({
      type: 'apiKey',
      keyId: 'key_1',
      orgId: 'org_1',
      role: 'admin',
      createdBy: 'usr_1',
      scope: null,
    });
    expect(h.lookups).toEqual([PREFIX]);
    expect(h.touches).toEqual(['key_1']);
  });

  it('refuses malformed keys without touching the database', async () => {
    const h = harness({});
    for (const bad of [
      '',
      'rg_live_',
      `rg_live_${PREFIX}`,
      `${KEY}=`,
      `rg_live_ABCDEFGHJKMN_${SECRET}`,
      KEY.slice(1),
    ]) {
      expect(await h.verifier.verify(bad)).toBeNull();
    }
    expect(h.lookups).toEqual([]);
  });

  it('refuses a wrong secret, unknown prefix, revoked, expired, or orphaned key', async () => {
    expect(await harness({}).verifier.verify(`rg_live_${PREFIX}_${'T'.repeat(43)}`)).toBeNull();
    expect(await harness(null).verifier.verify(KEY)).toBeNull();
    await expect(harness({ revokedAt: NOW }).verifier.verify(KEY)).rejects.toMatchObject({
      code: 'api_key_revoked',
      status: 401,
    });
    // A wrong secret for a revoked key's prefix does not learn that the key exists.
    expect(
      await harness({ revokedAt: NOW }).verifier.verify(`rg_live_${PREFIX}_${'T'.repeat(43)}`),
    ).toBeNull();
    expect(await harness({ expiresAt: NOW }).verifier.verify(KEY)).toBeNull();
    expect(await harness({ expiresAt: new Date(NOW.getTime() + 1) }).verifier.verify(KEY)).not.toBeNull();
    expect(await harness({ creatorRole: null }).verifier.verify(KEY)).toBeNull();
    expect(await harness({ createdBy: null, creatorRole: null }).verifier.verify(KEY)).toBeNull();
  });

  it('carries a stored scope into the principal and refuses a scope that does not read back', async () => {
    const scope = { connectionIds: ['con_a'], capabilities: ['s3-read'], readOnly: true, allowedCidrs: null };
    expect(await harness({ scope }).verifier.verify(KEY)).toMatchObject({ type: 'apiKey', scope });
    expect(await harness({ scope: { readOnly: 'yes' } }).verifier.verify(KEY)).toBeNull();
  });

  it('caps the role at the creator’s current role and throttles last-use writes', async () => {
    const h = harness({ role: 'owner', creatorRole: 'member' });
    expect(await h.verifier.verify(KEY)).toMatchObject({ type: 'apiKey', role: 'member' });
    await h.verifier.verify(KEY);
    expect(h.touches).toEqual(['key_1']);
  });
});
