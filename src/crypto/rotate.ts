import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.ts';
import { bindingFor, ENCRYPTED_COLUMNS, type EncryptedColumn } from './encrypted-columns.ts';
import { type Keyring, reencryptField } from './field-encryption.ts';

export interface RotationProgress {
  table: string;
  column: string;
  scanned: number;
  reencrypted: number;
}

export interface RotationResult {
  columns: RotationProgress[];
  total: number;
}

/**
 * Re-encrypts every ciphertext not under the active key, in small batches so the service keeps
 * running. Each update is compare-and-set on the old ciphertext: a value written concurrently by
 * the application (already under the active key) is never overwritten with a stale one.
 */
export async function rotateKeys(
  db: Db,
  keyring: Keyring,
  options: {
    batchSize?: number;
    columns?: readonly EncryptedColumn[];
    onProgress?: (p: RotationProgress) => void;
  } = {},
): Promise<RotationResult> {
  const batchSize = options.batchSize ?? 200;
  const activePrefix = `v1.${keyring.activeKid}.%`;
  const result: RotationResult = { columns: [], total: 0 };
  for (const col of options.columns ?? ENCRYPTED_COLUMNS) {
    const progress: RotationProgress = {
      table: col.table,
      column: col.valueColumn,
      scanned: 0,
      reencrypted: 0,
    };
    const table = sql.identifier(col.table);
    const id = sql.identifier(col.idColumn);
    const scope = sql.identifier(col.scopeColumn);
    const value = sql.identifier(col.valueColumn);
    let after = '';
    for (;;) {
      const list = await queryRows<{ id: string; scope: string; value: string }>(
        db,
        sql`select ${id} as id, ${scope} as scope, ${value} as value from ${table}
            where ${id} > ${after} and ${value} is not null and ${value} not like ${activePrefix}
            order by ${id} limit ${batchSize}`,
      );
      if (list.length === 0) break;
      for (const row of list) {
        progress.scanned += 1;
        const next = reencryptField(
          keyring,
          row.value,
          bindingFor(col.table, col.valueColumn, row.id, row.scope),
        );
        const updated = await queryRows<{ id: string }>(
          db,
          sql`update ${table} set ${value} = ${next} where ${id} = ${row.id} and ${value} = ${row.value} returning ${id} as id`,
        );
        if (updated.length > 0) progress.reencrypted += 1;
      }
      after = list[list.length - 1]!.id;
      options.onProgress?.(progress);
    }
    result.columns.push(progress);
    result.total += progress.reencrypted;
  }
  return result;
}
