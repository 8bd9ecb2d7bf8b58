import type { AuditRecordView } from './schemas.ts';

/** Columns of the CSV export, in order (details as JSON text). */
export const CSV_COLUMNS = [
  'id',
  'seq',
  'createdAt',
  'actorType',
  'actorId',
  'actorRef',
  'action',
  'outcome',
  'targetType',
  'targetId',
  'targetRef',
  'connectionId',
  'operation',
  'resource',
  'errorCode',
  'requestId',
  'ip',
  'ipRef',
  'userAgent',
  'userAgentRef',
  'details',
  'prevHash',
  'hash',
] as const satisfies readonly (keyof AuditRecordView)[];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * A text value a spreadsheet would run as a formula (leading = + - @, tab or carriage return)
 * gets a leading apostrophe first, so opening the export never executes anything.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvLine(record: AuditRecordView): string {
  return `${CSV_COLUMNS.map((c) => {
    const v = record[c];
    return csvField(c === 'details' ? JSON.stringify(v) : (v as string | number | null));
  }).join(',')}\r\n`;
}

export function ndjsonLine(record: AuditRecordView): string {
  return `${JSON.stringify(record)}\n`;
}
