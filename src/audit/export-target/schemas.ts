import { z } from 'zod';
import { isValidBucketName } from '../../connections/schemas.ts';
import { idPattern } from '../../db/ids.ts';

/**
 * A key prefix that goes into object keys and, through them, into IAM resource ARNs of session
 * policies: no wildcard (`*`, `?`), no `..` or empty segment, no leading slash; empty or ending in `/`.
 */
const prefixSchema = z
  .string()
  .max(512)
  .regex(/^([A-Za-z0-9!_.'()=-]+\/)*$/, 'must be empty or path segments each ending in /, without * or ?')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'must not contain . or .. segments');

export const putExportTargetBody = z.strictObject({
  connectionId: z.string().regex(idPattern('con'), 'must be a connection id'),
  bucket: z.string().refine(isValidBucketName, 'must be a valid S3 bucket name'),
  prefix: prefixSchema.default(''),
  includeRecords: z.boolean().default(false),
});
export type PutExportTargetInput = z.infer<typeof putExportTargetBody>;

export const exportTargetSchema = z.object({
  connectionId: z.string(),
  bucket: z.string(),
  prefix: z.string(),
  includeRecords: z.boolean(),
  /** Where checkpoint n lands: replace `{n}` with n padded to 10 digits. */
  checkpointKeyTemplate: z.string(),
  status: z.object({
    /** Checkpoints 1 … deliveredN are in the bucket. */
    deliveredN: z.number().int(),
    /** The newest checkpoint signed for the organisation (0 = none yet). */
    latestN: z.number().int(),
    lastDeliveredAt: z.string().nullable(),
    failures: z.number().int(),
    lastError: z.object({ code: z.string(), at: z.string() }).nullable(),
    nextAttemptAt: z.string().nullable(),
  }),
});

export const exportTargetResponse = z.object({ target: exportTargetSchema.nullable() });
