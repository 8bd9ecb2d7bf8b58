/**
 * Whether an error means "the database cannot be reached right now" (connection refused, reset or
 * timed out; the pool or PGlite closed; the server shutting down) rather than a bug or a bad query.
 * Such errors are answered 503 `service_unavailable` (invariant 6: fail closed, never a 500 with a
 * half-done request). Drivers wrap errors (Drizzle's DrizzleQueryError), so causes are followed.
 */

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs: class 08 (connection exception), shutdown/cannot connect now, too many connections. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

const MESSAGES = [
  /^Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /^Query read timeout$/,
  /^PGlite is clos(ed|ing)$/,
  /^database closed$/,
  /Client has encountered a connection error/i,
  /Cannot use a pool after calling end/i,
  /Client was closed and is not queryable/i,
];

interface Failure {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** Whether `err` or one of its causes (drivers wrap errors, up to a few levels) matches. */
function anyCause(err: unknown, matches: (e: Failure) => boolean): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const e = current as Failure;
    if (matches(e)) return true;
    current = e.cause;
  }
  return false;
}

export function isDatabaseUnavailable(err: unknown): boolean {
  return anyCause(
    err,
    ({ code, message }) =>
      (typeof code === 'string' &&
        (NETWORK_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) ||
      (typeof message === 'string' && MESSAGES.some((m) => m.test(message))),
  );
}

/** SQLSTATEs of a transaction PostgreSQL aborted to resolve a conflict: serialization failure, deadlock. */
const CONFLICT_SQLSTATES = new Set(['40001', '40P01']);

/**
 * Whether PostgreSQL aborted the transaction because it collided with a concurrent one. The whole
 * transaction was rolled back, so retrying the request is safe; it is answered 503 + Retry-After,
 * not a 500.
 */
export function isTransactionConflict(err: unknown): boolean {
  return anyCause(err, ({ code }) => typeof code === 'string' && CONFLICT_SQLSTATES.has(code));
}
