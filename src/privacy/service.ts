import { personalRef } from '../audit/chain.ts';
import { eraseAuditSubject } from '../audit/erasure.ts';
import type { AuditEvent, AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { Actor } from '../core/actor.ts';
import { auditActorFields } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { ScanCanceller } from '../jobs/registry.ts';
import { MAX_EXPORTED_AUDIT_EVENTS, type PrivacyStore } from './store.ts';

export interface PrivacyServiceDeps {
  store: PrivacyStore;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  /** Stops the scans of the organisations deleted with the account. */
  scans: Pick<ScanCanceller, 'cancelOrganizations'>;
}

/** The personal-data routes are about a person: API keys (organisation credentials) cannot use them. */
function userIdOf(actor: Actor): string {
  if (actor.type !== 'user') {
    throw new AppError(ErrorCode.FORBIDDEN, 'Only a signed-in user can export or delete their own account.');
  }
  return actor.id;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

const USER_ID = /usr_[0-9a-hjkmnp-tv-z]{24}/g;
/** The audit trail's keyed reference to a user (see audit/writer.ts): stable, so linkable across exports. */
const USER_REF = /usr_ref:[0-9a-f]{16,128}/g;

/**
 * Replaces every other person's user id (and audit reference) anywhere in the export, keys and
 * free text alike, by a pseudonym stable within this export only (`member-1`, `member-2`, … in order
 * of appearance): the export shows that the same person acted twice, never who, and two exports
 * cannot be joined on it. The user's own id stays, and their own reference (`selfRef`) is shown as
 * their id.
 */
export function pseudonymiseOthers<T>(value: T, selfId: string, selfRef: string | null = null): T {
  const labels = new Map<string, string>();
  const label = (raw: string) => {
    let l = labels.get(raw);
    if (l === undefined) {
      l = `member-${labels.size + 1}`;
      labels.set(raw, l);
    }
    return l;
  };
  const text = (s: string) =>
    s
      .replace(USER_REF, (ref) => (ref === selfRef ? selfId : label(ref)))
      .replace(USER_ID, (id) => (id === selfId ? id : label(id)));
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

export function createPrivacyService(deps: PrivacyServiceDeps) {
  const { store, audit, clock } = deps;

  const eventFor = (
    actor: Actor,
    event: Omit<AuditEvent, 'actorType' | 'actorId' | 'requestId' | 'ip' | 'userAgent'>,
  ): AuditEvent => ({ ...event, ...auditActorFields(actor) });

  return {
    /** Everything held about the caller, without secrets (see docs/audit.md, "Privacy"). */
    async exportData(actor: Actor) {
      const userId = userIdOf(actor);
      return store.transaction(async (tx) => {
        const profile = await store.profile(tx, userId);
        if (profile === null) throw new AppError(ErrorCode.UNAUTHENTICATED);
        const [memberships, sessions, apiKeys, invitations, events] = [
          await store.memberships(tx, userId),
          await store.sessions(tx, userId),
          await store.apiKeysCreatedBy(tx, userId),
          await store.invitationsSentBy(tx, userId),
          await store.auditEventsByActor(tx, userId, MAX_EXPORTED_AUDIT_EVENTS + 1),
        ];
        const byKeys = await store.auditEventsByApiKeys(
          tx,
          apiKeys.map((k) => k.id),
          MAX_EXPORTED_AUDIT_EVENTS + 1,
        );
        const about = await store.auditEventsAboutUser(tx, userId, MAX_EXPORTED_AUDIT_EVENTS + 1);
        const approvalsAsked = await store.approvalRequestsOf(tx, userId);
        const approvalsDecided = await store.approvalDecisionsBy(tx, userId);
        // The export is itself an audited event (written in the system chain).
        await audit.record(
          tx,
          eventFor(actor, { orgId: null, action: 'account.exported', outcome: 'success' }),
        );
        const exported = {
          exportedAt: clock.now().toISOString(),
          user: {
            id: profile.id,
            email: profile.email,
            name: profile.name,
            createdAt: profile.createdAt.toISOString(),
            passwordChangedAt: profile.passwordChangedAt.toISOString(),
            mfaEnabled: profile.totpEnabledAt !== null,
            mfaEnabledAt: iso(profile.totpEnabledAt),
          },
          memberships: memberships.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
          sessions: sessions.map((s) => ({
            ...s,
            createdAt: s.createdAt.toISOString(),
            lastUsedAt: s.lastUsedAt.toISOString(),
            expiresAt: s.expiresAt.toISOString(),
            revokedAt: iso(s.revokedAt),
          })),
          apiKeys: apiKeys.map((k) => ({
            ...k,
            createdAt: k.createdAt.toISOString(),
            expiresAt: iso(k.expiresAt),
            lastUsedAt: iso(k.lastUsedAt),
            revokedAt: iso(k.revokedAt),
          })),
          invitationsSent: invitations.map((i) => ({
            ...i,
            createdAt: i.createdAt.toISOString(),
            expiresAt: i.expiresAt.toISOString(),
            acceptedAt: iso(i.acceptedAt),
            revokedAt: iso(i.revokedAt),
          })),
          approvalRequests: approvalsAsked.map((r) => ({
            ...r,
            createdAt: r.createdAt.toISOString(),
            expiresAt: r.expiresAt.toISOString(),
            usedAt: iso(r.usedAt),
          })),
          approvalDecisions: approvalsDecided.map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })),
          auditEvents: events
            .slice(0, MAX_EXPORTED_AUDIT_EVENTS)
            .map((e) => ({ ...e, createdAt: e.createdAt.toISOString() })),
          auditEventsTruncated: events.length > MAX_EXPORTED_AUDIT_EVENTS,
          // Done by the user's keys, often long after the user's own role changed: what the key did
          // and when, but not the organisation's data the user may no longer read (the resources
          // touched and the call's details need audit:read) nor the callers' addresses.
          auditEventsByApiKeys: byKeys.slice(0, MAX_EXPORTED_AUDIT_EVENTS).map((e) => ({
            ...e,
            resource: null,
            ip: null,
            userAgent: null,
            details: {},
            createdAt: e.createdAt.toISOString(),
          })),
          auditEventsByApiKeysTruncated: byKeys.length > MAX_EXPORTED_AUDIT_EVENTS,
          // Done to the user by someone else: the other party's address and browser are theirs, not
          // the user's, and the other party is named only by a pseudonym (below).
          auditEventsAboutUser: about.slice(0, MAX_EXPORTED_AUDIT_EVENTS).map((e) => ({
            ...e,
            ip: null,
            userAgent: null,
            createdAt: e.createdAt.toISOString(),
          })),
          auditEventsAboutUserTruncated: about.length > MAX_EXPORTED_AUDIT_EVENTS,
        };
        const key = await store.subjectKey(tx, userId);
        const selfRef = key === null ? null : `usr_ref:${personalRef(key, 'actor_id', userId)}`;
        return pseudonymiseOthers(exported, userId, selfRef);
      });
    },

    /**
     * Deletes the caller's account in one transaction: refused (409 last_owner) while they are the
     * last owner of an organisation that has other members; organisations where they are the only
     * member are deleted; API keys they created are revoked; sessions and memberships go with the
     * user; the audit trail keeps its records but is pseudonymised (chains still verify).
     */
    async deleteAccount(actor: Actor): Promise<{ deletedOrganizations: string[]; revokedApiKeys: number }> {
      const userId = userIdOf(actor);
      return store.transaction(async (tx) => {
        const user = await store.lockUser(tx, userId);
        if (user === null) throw new AppError(ErrorCode.UNAUTHENTICATED);
        const orgs = await store.lockMembershipsWithCounts(tx, userId);
        const blocking = orgs.filter((o) => o.role === 'owner' && o.otherOwners === 0 && o.otherMembers > 0);
        if (blocking.length > 0) {
          throw new AppError(
            ErrorCode.LAST_OWNER,
            'You are the last owner of an organisation with other members: transfer ownership or delete the organisation first.',
            { details: { organizations: blocking.map((o) => o.orgId) } },
          );
        }
        const now = clock.now();
        const solo = orgs.filter((o) => o.otherMembers === 0).map((o) => o.orgId);
        const staying = orgs.filter((o) => o.otherMembers > 0).map((o) => o.orgId);
        const revoked = await store.revokeApiKeysCreatedBy(tx, userId, now);

        // Each organisation's own chain records what happened to it (chains outlive organisations).
        for (const orgId of solo) {
          await audit.record(
            tx,
            eventFor(actor, {
              orgId,
              action: 'org.deleted',
              outcome: 'success',
              targetType: 'organization',
              targetId: orgId,
              details: { reason: 'account_deleted' },
            }),
          );
        }
        for (const orgId of staying) {
          await audit.record(
            tx,
            eventFor(actor, {
              orgId,
              action: 'member.removed',
              outcome: 'success',
              targetType: 'user',
              targetId: userId,
              details: {
                reason: 'account_deleted',
                apiKeysRevoked: revoked.filter((k) => k.orgId === orgId).length,
              },
            }),
          );
        }
        await audit.record(
          tx,
          eventFor(actor, {
            orgId: null,
            action: 'account.deleted',
            outcome: 'success',
            targetType: 'user',
            targetId: userId,
            details: { organizationsDeleted: solo, apiKeysRevoked: revoked.length },
          }),
        );

        // Their invitations in organisations that stay end with their authority (issue 25 item 6).
        const invitationsRevoked = await store.revokeInvitationsSentBy(tx, userId, now);
        for (const invitation of invitationsRevoked.filter((i) => staying.includes(i.orgId))) {
          await audit.record(
            tx,
            eventFor(actor, {
              orgId: invitation.orgId,
              action: 'invitation.revoked',
              outcome: 'success',
              targetType: 'invitation',
              targetId: invitation.id,
              details: { reason: 'inviter_deleted', role: invitation.role },
            }),
          );
        }
        await store.eraseUserReferences(tx, userId);
        await store.deleteOrgs(tx, solo);
        deps.scans.cancelOrganizations(solo);
        await store.deleteInvitationsTo(tx, user.email);
        await store.deleteUser(tx, userId);
        // Last: also pseudonymises the records written just above.
        await eraseAuditSubject(tx, userId);
        return { deletedOrganizations: solo, revokedApiKeys: revoked.length };
      });
    },
  };
}
export type PrivacyService = ReturnType<typeof createPrivacyService>;
