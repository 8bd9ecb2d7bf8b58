import { z } from 'zod';
import { CHECKPOINT_FORMAT } from './format.ts';

export const checkpointSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  deployment: z.string(),
  org: z.string(),
  n: z.number().int(),
  seq: z.number().int(),
  head: z.string(),
  time: z.string(),
  prev: z.string(),
  kid: z.string(),
  alg: z.enum(['EdDSA', 'ES256']),
  hash: z.string(),
  signature: z.string(),
});

export const checkpointListQuery = z.strictObject({
  /** Checkpoints after this number (exclusive). */
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const checkpointListSchema = z.object({
  items: z.array(checkpointSchema),
  /** Pass as `after` for the next page; null at the end. */
  nextAfter: z.number().int().nullable(),
});

export const checkpointCreatedSchema = z.object({
  status: z.enum(['created', 'unchanged', 'empty', 'raced', 'contradicted']),
  checkpoint: checkpointSchema.nullable(),
});

export const keysDocumentSchema = z.object({
  format: z.literal('rolegate-audit-keys/v1'),
  deployment: z.string().nullable(),
  keys: z.array(
    z.object({
      kid: z.string(),
      alg: z.enum(['EdDSA', 'ES256']),
      jwk: z.record(z.string(), z.unknown()),
      validFrom: z.string(),
      validUntil: z.string().nullable(),
    }),
  ),
});

export const checkpointVerificationSchema = z.object({
  valid: z.boolean(),
  checked: z.number().int(),
  firstContradicted: z.object({ n: z.number().int(), seq: z.number().int() }).nullable(),
  problems: z.array(
    z.object({
      n: z.number().int().nullable(),
      seq: z.number().int().optional(),
      reason: z.string(),
      source: z.string().optional(),
    }),
  ),
  problemCount: z.number().int(),
  lastGood: z.object({ n: z.number().int(), seq: z.number().int(), time: z.string() }).nullable(),
});
