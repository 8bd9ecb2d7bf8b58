import { eq } from 'drizzle-orm';
import { AppError, ErrorCode } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { auditExportTargets } from './tables.ts';

/**
 * The parts of the organisation's export bucket that hold delivered evidence: `<prefix>checkpoints/`
 * and `<prefix>records/`. The records are full audit records (admin-only in the API) and the
 * checkpoints are what a verifier trusts, so no S3 operation of the organisation may read, list or
 * write there, whichever connection it goes through (docs/security-model.md).
 */
export async function reservedExportAreas(
  db: Db,
  orgId: string,
): Promise<Array<{ bucket: string; prefixes: string[] }>> {
  const rows = await db
    .select({ bucket: auditExportTargets.bucket, prefix: auditExportTargets.prefix })
    .from(auditExportTargets)
    .where(eq(auditExportTargets.orgId, orgId));
  return rows.map((r) => ({
    bucket: r.bucket,
    prefixes: [`${r.prefix}checkpoints/`, `${r.prefix}records/`],
  }));
}

/**
 * The reserved prefixes in `target.bucket` (for listings to leave out); throws 403
 * audit_export_reserved when `target.path` (an object key or a list prefix) lies in one of them.
 */
export async function checkNotReservedForExport(
  db: Db,
  orgId: string,
  target: { bucket: string; path: string },
): Promise<string[]> {
  const prefixes = (await reservedExportAreas(db, orgId))
    .filter((area) => area.bucket === target.bucket)
    .flatMap((area) => area.prefixes);
  if (prefixes.some((p) => target.path.startsWith(p))) {
    throw new AppError(
      ErrorCode.AUDIT_EXPORT_RESERVED,
      'This part of the bucket holds the delivered audit export; no S3 operation may read, list or write it.',
      { details: { reservedPrefixes: prefixes } },
    );
  }
  return prefixes;
}
