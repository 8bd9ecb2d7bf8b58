import { z } from 'zod';
import { idPattern } from '../db/ids.ts';
import { FINDING_TYPES } from './detectors.ts';

export const orgParams = z.strictObject({ orgId: z.string().regex(idPattern('org')) });
export const connParams = orgParams.extend({ connId: z.string().regex(idPattern('con')) });
export const scanParams = orgParams.extend({ scanId: z.string().regex(idPattern('scn')) });
export const connScanParams = connParams.extend({ scanId: z.string().regex(idPattern('scn')) });
export const findingParams = orgParams.extend({ findingId: z.string().regex(idPattern('fnd')) });

const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/)
  .max(32);

export const scanView = z.object({
  id: z.string(),
  connectionId: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  progress: z.object({
    regionsDone: z.number().int(),
    regionsTotal: z.number().int(),
    findings: z.number().int(),
  }),
  regions: z.array(z.string()),
  warnings: z.array(
    z.object({ region: z.string(), detector: z.string(), code: z.string(), message: z.string() }),
  ),
  attempt: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const startScanBody = z.strictObject({}).nullish();

export const scanListQuery = z.strictObject({
  /** The last scan of the previous page (`nextCursor`). */
  cursor: z.string().regex(idPattern('scn')).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const scanList = z.object({
  items: z.array(
    scanView.extend({
      /** Findings whose latest sighting is this scan, by their status now. */
      findings: z.object({ open: z.number().int(), dismissed: z.number().int(), cleaned: z.number().int() }),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export const findingsQuery = z.strictObject({
  connectionId: z.string().regex(idPattern('con')).optional(),
  /** Findings of a connection group's member accounts (docs/organizations.md). */
  groupId: z.string().regex(idPattern('cgr')).optional(),
  type: z.enum(FINDING_TYPES).optional(),
  region: region.optional(),
  status: z.enum(['open', 'dismissed', 'cleaned']).optional(),
  cursor: z.string().regex(idPattern('fnd')).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const detailValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

export const findingView = z.object({
  id: z.string(),
  connectionId: z.string(),
  scanId: z.string(),
  type: z.string(),
  region: z.string(),
  resourceId: z.string(),
  resourceArn: z.string(),
  ageDays: z.number().int().nullable(),
  tags: z.record(z.string(), z.string()),
  monthlyCost: z.number(),
  currency: z.literal('USD'),
  /** The estimate with its basis, e.g. "500 GiB gp2 at $0.10/GiB-month, us-east-1, price table 2026-11-01". */
  estimate: z.object({ monthlyUsd: z.number(), basis: z.string().nullable() }),
  recommendedAction: z.string(),
  details: z.record(z.string(), detailValue),
  status: z.enum(['open', 'dismissed', 'cleaned']),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
});

export const findingsList = z.object({
  items: z.array(findingView),
  nextCursor: z.string().nullable(),
  totals: z.object({
    count: z.number().int(),
    byType: z.record(z.string(), z.object({ count: z.number().int(), monthlyCost: z.number() })),
    byRegion: z.record(z.string(), z.object({ count: z.number().int(), monthlyCost: z.number() })),
    monthlyCost: z.number(),
    currency: z.literal('USD'),
    priceTableDate: z.string(),
  }),
});

export const cleanupBody = z.strictObject({
  dryRun: z.boolean(),
  confirm: z.string().min(1).max(128).optional(),
  /** Volumes only: take a snapshot before deleting (defaults to the deployment setting). */
  snapshotBeforeDelete: z.boolean().optional(),
  /** AMIs only: also delete the snapshots backing the image. */
  deleteSnapshots: z.boolean().optional(),
});

const check = z.object({
  name: z.string(),
  status: z.enum(['pass', 'fail', 'skipped']),
  message: z.string(),
  /** The part checked (an AMI's snapshot id); absent for the finding's own resource. */
  resource: z.string().optional(),
});

export const cleanupResult = z.union([
  z.object({
    dryRun: z.literal(true),
    allowed: z.boolean(),
    wouldDo: z.string(),
    checks: z.array(check),
    confirmToken: z.string().nullable(),
    expiresAt: z.string().nullable(),
  }),
  z.object({
    dryRun: z.literal(false),
    done: z.literal(true),
    action: z.string(),
    findingId: z.string(),
    status: z.literal('cleaned'),
    snapshotId: z.string().optional(),
    deletedSnapshots: z.array(z.string()).optional(),
  }),
  z.object({
    dryRun: z.literal(false),
    done: z.literal(false),
    action: z.string(),
    findingId: z.string(),
    status: z.literal('partial'),
    deletedSnapshots: z.array(z.string()),
    failedSnapshots: z.array(z.object({ snapshotId: z.string(), code: z.string(), message: z.string() })),
  }),
]);
