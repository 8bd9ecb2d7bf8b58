import type { DbOrTx } from './client.ts';

/**
 * A query built once per database handle instead of once per call. Building SQL with Drizzle
 * costs more CPU than a short indexed read takes to run (a CPU profile of the brokered-call path
 * put query building at about 13 % of the server's busy time), so the reads every brokered call
 * makes are built here once, with `sql.placeholder` parameters, and prepared under a name (on
 * PostgreSQL a named statement is also parsed and planned once per pooled connection).
 *
 * A transaction handle gets its own copy (a prepared query runs on the handle it was built from),
 * dropped with the handle.
 */
export function preparedPerHandle<P>(build: (db: DbOrTx) => P): (db: DbOrTx) => P {
  const byHandle = new WeakMap<DbOrTx, P>();
  return (db) => {
    let prepared = byHandle.get(db);
    if (prepared === undefined) {
      prepared = build(db);
      byHandle.set(db, prepared);
    }
    return prepared;
  };
}
