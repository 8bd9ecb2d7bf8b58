import { z } from 'zod';
import { idPattern } from '../db/ids.ts';

export const orgParams = z.strictObject({ orgId: z.string().regex(idPattern('org')) });
export const connParams = orgParams.extend({ connId: z.string().regex(idPattern('con')) });
export const reconciliationParams = connParams.extend({
  reconciliationId: z.string().regex(idPattern('rec')),
});

const instant = z.iso.datetime({ offset: true }).describe('ISO 8601 time');

/** Both optional: the default window runs from the last reconciled one to 20 minutes ago. */
export const startBody = z
  .strictObject({
    from: instant.optional().describe('Window start; default: the end of the last reconciled window.'),
    to: instant.optional().describe('Window end, at least 20 minutes ago; at most 24 h after `from`.'),
  })
  .nullish();

export const listQuery = z.strictObject({
  cursor: z.string().regex(idPattern('rec')).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const itemsQuery = z.strictObject({
  cursor: z.string().regex(idPattern('rci')).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const reconciliationView = z.object({
  id: z.string(),
  connectionId: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  trigger: z.enum(['manual', 'schedule']),
  window: z.object({ start: z.string(), end: z.string() }),
  regions: z.array(z.string()),
  progress: z.object({ pages: z.number().int(), eventsSeen: z.number().int() }),
  counts: z.object({
    matched: z.number().int(),
    unmatched: z.number().int(),
    unlogged: z.number().int(),
    foreignAssumeRoles: z.number().int(),
  }),
  truncated: z.boolean(),
  warnings: z.array(z.object({ region: z.string(), code: z.string(), message: z.string() })),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const reconciliationList = z.object({
  items: z.array(reconciliationView),
  nextCursor: z.string().nullable(),
});

export const itemView = z.object({
  id: z.string(),
  kind: z.enum(['unmatched_event', 'unlogged_record', 'foreign_assume_role']),
  severity: z.enum(['high', 'medium', 'info']),
  region: z.string().nullable(),
  eventId: z.string().nullable(),
  eventName: z.string().nullable(),
  eventSource: z.string().nullable(),
  eventTime: z.string().nullable(),
  sessionName: z.string().nullable(),
  sourceIp: z.string().nullable(),
  principal: z.string().nullable(),
  auditId: z.string().nullable(),
  operation: z.string().nullable(),
  note: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const reconciliationResults = z.object({
  reconciliation: reconciliationView,
  items: z.array(itemView),
  nextCursor: z.string().nullable(),
});
