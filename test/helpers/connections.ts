import { EMPTY_SCOPES } from '../../src/connections/schemas.ts';
import { connections } from '../../src/connections/tables.ts';
import type { Capability, ConnectionScopes } from '../../src/connections/types.ts';
import { bindingFor } from '../../src/crypto/encrypted-columns.ts';
import { createKeyring, encryptField } from '../../src/crypto/field-encryption.ts';
import { newId } from '../../src/db/ids.ts';
import type { TestApp } from './app.ts';

export interface TestConnection {
  id: string;
  orgId: string;
  roleArn: string;
  accountId: string;
  externalId: string;
}

/**
 * A connection straight in the database (status `verified` unless told otherwise), with its
 * external ID encrypted exactly as the connection service stores it, so tests of features that
 * use connections do not depend on the onboarding and verification flow.
 */
export async function createTestConnection(
  t: TestApp,
  orgId: string,
  options: {
    capabilities: Capability[];
    scopes?: Partial<ConnectionScopes>;
    accountId?: string;
    status?: 'verified' | 'pending' | 'unsafe' | 'disabled' | 'failed';
    sourceIdentity?: boolean;
  },
): Promise<TestConnection> {
  const id = newId('con');
  const accountId = options.accountId ?? '123456789012';
  const roleArn = `arn:aws:iam::${accountId}:role/RolegateAccess`;
  const externalId = `rg-test${id.slice(4, 28)}`;
  const keyring = createKeyring(t.config.masterKeys);
  const now = new Date();
  await t.database.db.insert(connections).values({
    id,
    orgId,
    name: `test ${id}`,
    accountId,
    roleArn,
    externalId: encryptField(keyring, externalId, bindingFor('connections', 'external_id', id, orgId)),
    previousExternalId: null,
    capabilities: options.capabilities,
    scopes: { ...EMPTY_SCOPES, ...options.scopes },
    sourceIdentityEnabled: options.sourceIdentity ?? false,
    status: options.status ?? 'verified',
    lastVerifiedAt: now,
    createdAt: now,
    updatedAt: now,
    expiresAt: null,
  });
  return { id, orgId, roleArn, accountId, externalId };
}
