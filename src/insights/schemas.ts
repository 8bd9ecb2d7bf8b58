import { z } from 'zod';

/**
 * Inputs and outputs of the security insights, shared by the REST routes, the JSON intents and the
 * MCP tools. Inputs accept numbers as numbers or numeric strings (query strings), are strict
 * (unknown keys refused) and bounded: a window is at most 30 days, lists at most 200 items.
 */

export const MAX_WINDOW_DAYS = 30;
export const MAX_WINDOW_MS = MAX_WINDOW_DAYS * 24 * 3600_000;
export const DEFAULT_WINDOW_MS = 24 * 3600_000;
export const MAX_LIMIT = 200;

const isoDate = z.iso.datetime({ offset: true }).max(40);
const limit = (fallback: number) => z.coerce.number().int().min(1).max(MAX_LIMIT).default(fallback);
const idLike = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/);

const windowFields = {
  /** Start of the window (inclusive); default: `until` minus 24 hours. */
  since: isoDate.optional(),
  /** End of the window (exclusive); default: now. */
  until: isoDate.optional(),
};

type WindowInput = { since?: string | undefined; until?: string | undefined };

function checkWindow(value: WindowInput, ctx: z.RefinementCtx): void {
  const since = value.since === undefined ? undefined : Date.parse(value.since);
  const until = value.until === undefined ? undefined : Date.parse(value.until);
  if (since !== undefined && until !== undefined) {
    if (since >= until) ctx.addIssue({ code: 'custom', path: ['since'], message: 'must be before until' });
    if (until - since > MAX_WINDOW_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['since'],
        message: `the window may span at most ${MAX_WINDOW_DAYS} days`,
      });
    }
  }
}

const cursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/);

export const eventListInput = z
  .strictObject({
    ...windowFields,
    limit: limit(50),
    cursor: cursor.optional(),
    action: z
      .string()
      .max(128)
      .regex(/^[a-z0-9_.]+$/)
      .optional(),
    actorId: idLike.optional(),
    connectionId: idLike.optional(),
  })
  .superRefine(checkWindow);
export type EventListInput = z.infer<typeof eventListInput>;

export const trafficSummaryInput = z
  .strictObject({ ...windowFields, top: limit(20) })
  .superRefine(checkWindow);
export type TrafficSummaryInput = z.infer<typeof trafficSummaryInput>;

export const threatsInput = z
  .strictObject({
    ...windowFields,
    /** Failed logins from one IP (against this organisation's members) that make it a brute-force source. */
    minFailedLogins: z.coerce.number().int().min(1).max(10_000).default(5),
    /** Denied AWS calls within one burst bucket that make a burst. */
    minDenied: z.coerce.number().int().min(1).max(10_000).default(5),
    /** Burst bucket length in minutes. */
    burstMinutes: z.coerce.number().int().min(1).max(1440).default(10),
    limit: limit(50),
  })
  .superRefine(checkWindow);
export type ThreatsInput = z.infer<typeof threatsInput>;

export const anomaliesInput = z
  .strictObject({
    ...windowFields,
    /** Days before the window that form each connection's baseline. */
    baselineDays: z.coerce.number().int().min(1).max(MAX_WINDOW_DAYS).default(14),
    /** A connection is anomalous when its window volume exceeds `factor` × its baseline rate … */
    factor: z.coerce.number().min(1).max(1000).default(3),
    /** … and is at least this many calls. */
    minCalls: z.coerce.number().int().min(1).max(1_000_000).default(20),
    limit: limit(50),
  })
  .superRefine(checkWindow);
export type AnomaliesInput = z.infer<typeof anomaliesInput>;

const window = z.object({ since: z.string(), until: z.string() });

export const insightEvent = z.object({
  id: z.string(),
  at: z.string(),
  action: z.string(),
  outcome: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  connectionId: z.string().nullable(),
  operation: z.string().nullable(),
  resource: z.string().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  errorCode: z.string().nullable(),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
});
export type InsightEvent = z.infer<typeof insightEvent>;

export const eventListOutput = z.object({
  window,
  items: z.array(insightEvent),
  nextCursor: z.string().nullable(),
});
export type EventListOutput = z.infer<typeof eventListOutput>;

const countRow = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, count: z.number().int() });

export const trafficSummaryOutput = z.object({
  window,
  total: z.number().int(),
  byAction: z.array(countRow({ action: z.string() })),
  byOutcome: z.array(countRow({ outcome: z.string() })),
  byActor: z.array(countRow({ actorType: z.string(), actorId: z.string().nullable() })),
});
export type TrafficSummaryOutput = z.infer<typeof trafficSummaryOutput>;

export const threatsOutput = z.object({
  window,
  bruteForceSources: z.array(
    z.object({
      ip: z.string(),
      failures: z.number().int(),
      users: z.number().int(),
      firstAt: z.string(),
      lastAt: z.string(),
    }),
  ),
  accessDeniedBursts: z.array(
    z.object({
      connectionId: z.string().nullable(),
      actorType: z.string(),
      actorId: z.string().nullable(),
      bucketStart: z.string(),
      count: z.number().int(),
    }),
  ),
  unsafeConnections: z.array(
    z.object({
      connectionId: z.string().nullable(),
      action: z.string(),
      at: z.string(),
      actorType: z.string(),
      actorId: z.string().nullable(),
    }),
  ),
  /**
   * High severity: CloudTrail reconciliations (docs/reconciliation.md) finished in the window that
   * found a Rolegate session's credentials used outside Rolegate; one entry per reconciliation.
   */
  sessionsUsedOutsideRolegate: z.array(
    z.object({
      severity: z.literal('high'),
      reconciliationId: z.string(),
      connectionId: z.string(),
      detectedAt: z.string(),
      windowStart: z.string(),
      windowEnd: z.string(),
      /** Unmatched events of that window (complete count); `sessionNames` from the stored items. */
      events: z.number().int(),
      sessionNames: z.array(z.string()),
      firstEventAt: z.string().nullable(),
      lastEventAt: z.string().nullable(),
      /** Revoke the role's active sessions (the `AWSRevokeOlderSessions` inline policy). */
      recommendedAction: z.string().nullable(),
    }),
  ),
});
export type ThreatsOutput = z.infer<typeof threatsOutput>;

export const anomaliesOutput = z.object({
  window,
  newIpLogins: z.array(
    z.object({
      eventId: z.string(),
      userId: z.string(),
      ip: z.string(),
      at: z.string(),
      /** True when no earlier login of that user came from the same network (/24 for IPv4, /48 for IPv6). */
      newNetwork: z.boolean(),
    }),
  ),
  brokeredVolume: z.array(
    z.object({
      connectionId: z.string(),
      windowCalls: z.number().int(),
      baselineCalls: z.number().int(),
      /** Calls the baseline rate predicts for a window of this length. */
      expectedCalls: z.number(),
    }),
  ),
});
export type AnomaliesOutput = z.infer<typeof anomaliesOutput>;
