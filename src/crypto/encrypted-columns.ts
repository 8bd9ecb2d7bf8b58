/**
 * Every encrypted column in the database, so that `rolegate keys rotate` can re-encrypt all of them.
 * A feature that stores a new secret adds its column here; the rotation test fails for a table
 * whose ciphertexts stay under an old key.
 */
export interface EncryptedColumn {
  /** SQL table name; also the `table` part of the AAD binding. */
  table: string;
  idColumn: string;
  /** Column holding the AAD scope (organisation id, or user id for user-owned secrets). */
  scopeColumn: string;
  valueColumn: string;
}

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  { table: 'users', idColumn: 'id', scopeColumn: 'id', valueColumn: 'totp_secret' },
  { table: 'connections', idColumn: 'id', scopeColumn: 'org_id', valueColumn: 'external_id' },
  { table: 'connections', idColumn: 'id', scopeColumn: 'org_id', valueColumn: 'previous_external_id' },
  { table: 'connection_groups', idColumn: 'id', scopeColumn: 'org_id', valueColumn: 'secret' },
  { table: 'webhook_endpoints', idColumn: 'id', scopeColumn: 'org_id', valueColumn: 'secret_encrypted' },
  { table: 'sso_configs', idColumn: 'id', scopeColumn: 'org_id', valueColumn: 'client_secret_enc' },
];

/** The AAD binding of a value in `column` of `table`: the column is part of it, so two secrets of one row cannot be swapped. */
export function bindingFor(table: string, column: string, rowId: string, scope: string) {
  return { table: `${table}.${column}`, rowId, scope };
}
