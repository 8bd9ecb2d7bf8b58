import { z } from 'zod';

const ts = z.string();
const nts = z.string().nullable();

const exportedEvent = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  seq: z.number().int(),
  createdAt: ts,
  action: z.string(),
  outcome: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  connectionId: z.string().nullable(),
  operation: z.string().nullable(),
  resource: z.string().nullable(),
  errorCode: z.string().nullable(),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

/** The personal-data export. Response schemas strip anything not listed here, so no secret can leak. */
export const personalDataExportSchema = z.object({
  exportedAt: ts,
  user: z.object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    createdAt: ts,
    passwordChangedAt: ts,
    mfaEnabled: z.boolean(),
    mfaEnabledAt: nts,
  }),
  memberships: z.array(z.object({ orgId: z.string(), orgName: z.string(), role: z.string(), joinedAt: ts })),
  sessions: z.array(
    z.object({
      id: z.string(),
      createdAt: ts,
      lastUsedAt: ts,
      expiresAt: ts,
      revokedAt: nts,
      revokedReason: z.string().nullable(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
    }),
  ),
  apiKeys: z.array(
    z.object({
      id: z.string(),
      orgId: z.string(),
      name: z.string(),
      prefix: z.string(),
      role: z.string(),
      createdAt: ts,
      expiresAt: nts,
      lastUsedAt: nts,
      revokedAt: nts,
    }),
  ),
  invitationsSent: z.array(
    z.object({
      id: z.string(),
      orgId: z.string(),
      role: z.string(),
      createdAt: ts,
      expiresAt: ts,
      acceptedAt: nts,
      revokedAt: nts,
    }),
  ),
  /** Approvals asked for by the user or their keys and agents (docs/approvals.md). */
  approvalRequests: z.array(
    z.object({
      id: z.string(),
      orgId: z.string(),
      kind: z.string(),
      requesterType: z.string(),
      requesterId: z.string(),
      operation: z.string().nullable(),
      connectionId: z.string().nullable(),
      resource: z.string().nullable(),
      elevatedRole: z.string().nullable(),
      reason: z.string().nullable(),
      status: z.string(),
      createdAt: ts,
      expiresAt: ts,
      usedAt: nts,
    }),
  ),
  /** The user's decisions as an approver. */
  approvalDecisions: z.array(
    z.object({
      requestId: z.string(),
      orgId: z.string(),
      decision: z.string(),
      comment: z.string().nullable(),
      createdAt: ts,
    }),
  ),
  auditEvents: z.array(exportedEvent),
  auditEventsTruncated: z.boolean(),
  /** What the API keys the user created did (their actor id is the key's id). */
  auditEventsByApiKeys: z.array(exportedEvent.extend({ actorId: z.string().nullable() })),
  auditEventsByApiKeysTruncated: z.boolean(),
  /** What others did to the user; the other party appears only as an export-local pseudonym (`member-N`). */
  auditEventsAboutUser: z.array(
    exportedEvent.extend({ actorType: z.string(), actorId: z.string().nullable() }),
  ),
  auditEventsAboutUserTruncated: z.boolean(),
});

export const accountDeletedSchema = z.object({
  deleted: z.literal(true),
  deletedOrganizations: z.array(z.string()),
  revokedApiKeys: z.number().int(),
});
