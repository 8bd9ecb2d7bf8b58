import { revokeElevationsOf } from '../../approvals/store.ts';
import type { AuditWriter } from '../../audit/types.ts';
import type { Clock } from '../../clock.ts';
import { type Actor, heldRole } from '../../core/actor.ts';
import { auditEventFor } from '../../core/audit-event.ts';
import { AppError, ErrorCode } from '../../core/errors.ts';
import { randomToken, sha256Hex } from '../../crypto/tokens.ts';
import type { Tx } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import type { ScanCanceller } from '../../jobs/registry.ts';
import { can, ROLE_RANK, type Role, roleAtMost } from '../rbac.ts';
import type { InvitationMailer } from './invitation-mail.ts';
import type { InvitationRow, MemberRow, OrgRow, OrgStore } from './store.ts';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export type OrgActor = Actor & { orgId: string; role: Role };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Generic refusal for an invitation token that is unknown, used, revoked, expired or for someone else. */
const invitationNotFound = () =>
  new AppError(
    ErrorCode.NOT_FOUND,
    'The invitation is not valid: it may have expired, been used or been revoked.',
  );

function requireUser(actor: Actor, what: string): string {
  if (actor.type !== 'user')
    throw new AppError(ErrorCode.FORBIDDEN, `${what} requires a user, not an API key.`);
  return actor.id;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Limits on organisation creation (issue 14.9): each organisation brings its own STS budget. */
export interface OrgCreationLimits {
  /** Organisations one user may create through the API in any 24 hours (deleted ones count). */
  perDay: number;
  /** Organisations one user may own; creating another is refused. */
  maxOwned: number;
}

const DAY_MS = 24 * 3600 * 1000;

export function createOrgService(deps: {
  store: OrgStore;
  audit: AuditWriter;
  clock: Clock;
  limits: OrgCreationLimits;
  /** Stops the scans of a deleted organisation (issue 25, item 4). */
  scans: Pick<ScanCanceller, 'cancelOrganizations'>;
  /** E-mails invitations when SMTP is configured; null otherwise (the console shows the link). */
  mailer?: InvitationMailer | null;
}) {
  const { store, audit, clock, limits } = deps;

  /** Inside a transaction holding the org lock: would this change leave the organisation without an owner? */
  async function assertOwnerRemains(tx: Tx, orgId: string, currentRole: Role): Promise<void> {
    if (currentRole !== 'owner') return;
    if ((await store.countOwners(tx, orgId)) <= 1) throw new AppError(ErrorCode.LAST_OWNER);
  }

  /**
   * An invitation carries its inviter's authority: when that authority shrinks or ends (demoted,
   * removed, left), their pending invitations are revoked in the same transaction, each audited.
   */
  async function revokeInvitationsOf(
    tx: Tx,
    actor: Actor,
    orgId: string,
    inviterId: string,
    reason: 'inviter_removed' | 'inviter_left' | 'inviter_demoted',
  ): Promise<void> {
    const revoked = await store.revokeInvitationsBy(tx, orgId, inviterId, clock.now());
    for (const invitation of revoked) {
      await audit.record(
        tx,
        auditEventFor(
          actor,
          'invitation.revoked',
          { type: 'invitation', id: invitation.id },
          { orgId, details: { reason, role: invitation.role } },
        ),
      );
    }
  }

  /** In the demotion's or removal's transaction: the user's elevations end with it, each audited. */
  async function revokeElevations(
    tx: Tx,
    actor: Actor,
    orgId: string,
    userId: string,
    reason: 'member_demoted' | 'member_removed' | 'member_left',
  ): Promise<void> {
    for (const request of await revokeElevationsOf(tx, orgId, userId, actor.id)) {
      await audit.record(
        tx,
        auditEventFor(
          actor,
          'approval.revoked',
          { type: 'approval_request', id: request.id },
          { orgId, details: { kind: request.kind, reason } },
        ),
      );
    }
  }

  async function lockedRole(tx: Tx, orgId: string, userId: string): Promise<Role> {
    if (!(await store.lockOrg(tx, orgId))) throw new AppError(ErrorCode.NOT_FOUND);
    const role = await store.roleOf(tx, orgId, userId);
    if (role === null) throw new AppError(ErrorCode.NOT_FOUND, 'Member not found.');
    return role;
  }

  async function acceptIn(tx: Tx, actor: Actor, token: string): Promise<{ orgId: string; role: Role }> {
    const userId = requireUser(actor, 'Accepting an invitation');
    const now = clock.now();
    const invitation = await store.findInvitationByTokenHash(tx, sha256Hex(token));
    if (
      invitation === null ||
      invitation.acceptedAt !== null ||
      invitation.revokedAt !== null ||
      invitation.expiresAt.getTime() <= now.getTime()
    ) {
      throw invitationNotFound();
    }
    const email = await store.emailOf(tx, userId);
    if (email === null || normaliseEmail(email) !== invitation.email) throw invitationNotFound();
    if (!(await store.lockOrg(tx, invitation.orgId))) throw invitationNotFound();
    if ((await store.roleOf(tx, invitation.orgId, userId)) !== null) {
      throw new AppError(ErrorCode.CONFLICT, 'You are already a member of this organisation.');
    }
    // Checked again now, under the org lock: the inviter must still be a member who could send
    // this invitation today. Revocation on demotion or removal covers the usual paths; this
    // covers any other (an account deleted, a role changed outside the service).
    const inviterRole =
      invitation.invitedBy === null ? null : await store.roleOf(tx, invitation.orgId, invitation.invitedBy);
    if (
      inviterRole === null ||
      !can(inviterRole, 'invitations:manage') ||
      !roleAtMost(invitation.role, inviterRole)
    ) {
      throw new AppError(
        ErrorCode.NOT_FOUND,
        'The invitation is no longer valid: whoever sent it no longer holds the role it grants. Ask an admin of the organisation for a new one.',
      );
    }
    if (!(await store.markInvitationAccepted(tx, invitation.orgId, invitation.id, userId, now))) {
      throw invitationNotFound();
    }
    await store.addMember(tx, {
      membershipId: newId('mem'),
      orgId: invitation.orgId,
      userId,
      role: invitation.role,
      now,
    });
    await audit.record(
      tx,
      auditEventFor(
        actor,
        'invitation.accepted',
        { type: 'invitation', id: invitation.id },
        { orgId: invitation.orgId, details: { role: invitation.role } },
      ),
    );
    return { orgId: invitation.orgId, role: invitation.role };
  }

  return {
    async listMine(actor: Actor): Promise<Array<OrgRow & { role: Role }>> {
      if (actor.type === 'apiKey') {
        if (actor.orgId === null || actor.role === null) return [];
        const org = await store.findOrg(actor.orgId);
        return org === null ? [] : [{ ...org, role: actor.role }];
      }
      return store.organizationsOf(actor.id);
    },

    async create(actor: Actor, name: string): Promise<OrgRow & { role: Role }> {
      const userId = requireUser(actor, 'Creating an organisation');
      const now = clock.now();
      const orgId = newId('org');
      await store.transaction(async (tx) => {
        // Serialise one user's creations so parallel requests cannot overshoot the limits.
        if (!(await store.lockUser(tx, userId))) throw new AppError(ErrorCode.UNAUTHENTICATED);
        const recent = await store.creationsSince(tx, userId, new Date(now.getTime() - DAY_MS));
        if (recent.count >= limits.perDay) {
          const freesAt = (recent.oldest ?? now).getTime() + DAY_MS;
          throw new AppError(
            ErrorCode.RATE_LIMITED,
            `You can create at most ${limits.perDay} organisations in 24 hours; retry later.`,
            {
              retryAfter: Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000)),
              details: { budget: 'org_creation', limit: limits.perDay },
            },
          );
        }
        if ((await store.countOwned(tx, userId)) >= limits.maxOwned) {
          throw new AppError(
            ErrorCode.ORG_LIMIT_REACHED,
            `You already own ${limits.maxOwned} organisations; delete one or transfer its ownership first.`,
            { details: { limit: limits.maxOwned } },
          );
        }
        await store.createOrg(tx, { orgId, name, ownerId: userId, membershipId: newId('mem'), now });
        await store.recordCreation(tx, { orgId, userId, now });
        await audit.record(
          tx,
          auditEventFor(actor, 'org.created', { type: 'organization', id: orgId }, { orgId }),
        );
      });
      return { id: orgId, name, createdAt: now, role: 'owner' };
    },

    async get(actor: OrgActor): Promise<OrgRow & { role: Role }> {
      const org = await store.findOrg(actor.orgId);
      if (org === null) throw new AppError(ErrorCode.NOT_FOUND);
      return { ...org, role: actor.role };
    },

    async rename(actor: OrgActor, name: string): Promise<OrgRow & { role: Role }> {
      const org = await store.transaction(async (tx) => {
        const row = await store.renameOrg(tx, actor.orgId, name);
        if (row === null) throw new AppError(ErrorCode.NOT_FOUND);
        await audit.record(
          tx,
          auditEventFor(
            actor,
            'org.updated',
            { type: 'organization', id: actor.orgId },
            { details: { fields: ['name'] } },
          ),
        );
        return row;
      });
      return { ...org, role: actor.role };
    },

    async remove(actor: OrgActor): Promise<void> {
      requireUser(actor, 'Deleting an organisation');
      await store.transaction(async (tx) => {
        if (!(await store.lockOrg(tx, actor.orgId))) throw new AppError(ErrorCode.NOT_FOUND);
        // The audit chain has no FK to organizations: this record outlives the organisation.
        await audit.record(
          tx,
          auditEventFor(actor, 'org.deleted', { type: 'organization', id: actor.orgId }),
        );
        await store.deleteOrg(tx, actor.orgId);
        deps.scans.cancelOrganizations([actor.orgId]);
      });
    },

    async listMembers(
      actor: OrgActor,
      page: { cursor: string | null; limit: number },
    ): Promise<Page<MemberRow>> {
      const rows = await store.listMembers(actor.orgId, { after: page.cursor, limit: page.limit + 1 });
      const items = rows.slice(0, page.limit);
      return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.userId ?? null) : null };
    },

    async changeRole(actor: OrgActor, userId: string, role: Role): Promise<MemberRow['role']> {
      // Judged on the role held by membership: an elevated member must not make itself (or an
      // accomplice) a permanent admin (approvals review 1).
      const held = heldRole(actor);
      if (held === null || !can(held, 'members:manage')) throw new AppError(ErrorCode.FORBIDDEN);
      await store.transaction(async (tx) => {
        const current = await lockedRole(tx, actor.orgId, userId);
        if (current === role) return;
        // Stepping down is one's own call (the last-owner rule still holds); stepping up never is.
        if (actor.userId === userId && ROLE_RANK[role] > ROLE_RANK[current]) {
          throw new AppError(
            ErrorCode.FORBIDDEN,
            'You cannot raise your own role; ask another admin or owner.',
          );
        }
        if ((current === 'owner' || role === 'owner') && held !== 'owner') {
          throw new AppError(ErrorCode.FORBIDDEN, 'Only an owner can grant or change the owner role.');
        }
        if (!roleAtMost(role, held)) {
          throw new AppError(ErrorCode.FORBIDDEN, 'You cannot grant a role above your own.');
        }
        await assertOwnerRemains(tx, actor.orgId, current);
        await store.setRole(tx, actor.orgId, userId, role);
        if (ROLE_RANK[role] < ROLE_RANK[current]) {
          await revokeInvitationsOf(tx, actor, actor.orgId, userId, 'inviter_demoted');
          await revokeElevations(tx, actor, actor.orgId, userId, 'member_demoted');
        }
        await audit.record(
          tx,
          auditEventFor(
            actor,
            'membership.role_changed',
            { type: 'user', id: userId },
            { details: { from: current, to: role } },
          ),
        );
      });
      return role;
    },

    async removeMember(actor: OrgActor, userId: string): Promise<void> {
      const self = actor.type === 'user' && actor.id === userId;
      const held = heldRole(actor);
      if (!self && !can(held, 'members:manage')) throw new AppError(ErrorCode.FORBIDDEN);
      await store.transaction(async (tx) => {
        const current = await lockedRole(tx, actor.orgId, userId);
        if (!self && current === 'owner' && held !== 'owner') {
          throw new AppError(ErrorCode.FORBIDDEN, 'Only an owner can remove an owner.');
        }
        await assertOwnerRemains(tx, actor.orgId, current);
        await store.removeMember(tx, actor.orgId, userId);
        await revokeInvitationsOf(tx, actor, actor.orgId, userId, self ? 'inviter_left' : 'inviter_removed');
        await revokeElevations(tx, actor, actor.orgId, userId, self ? 'member_left' : 'member_removed');
        await audit.record(
          tx,
          auditEventFor(
            actor,
            self ? 'membership.left' : 'membership.removed',
            { type: 'user', id: userId },
            { details: { role: current } },
          ),
        );
      });
    },

    async invite(
      actor: OrgActor,
      input: { email: string; role: Role },
    ): Promise<{ id: string; token: string; expiresAt: Date; emailed: boolean }> {
      const held = heldRole(actor);
      if (held === null || !can(held, 'invitations:manage') || !roleAtMost(input.role, held)) {
        throw new AppError(ErrorCode.FORBIDDEN, 'You cannot invite someone with a role above your own.');
      }
      const email = normaliseEmail(input.email);
      const now = clock.now();
      const id = newId('inv');
      const token = randomToken(32);
      const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
      await store.transaction(async (tx) => {
        if (await store.isMemberByEmail(tx, actor.orgId, email)) {
          throw new AppError(ErrorCode.CONFLICT, 'This person is already a member of the organisation.');
        }
        await store.insertInvitation(tx, {
          id,
          orgId: actor.orgId,
          email,
          role: input.role,
          tokenHash: sha256Hex(token),
          invitedBy: actor.userId,
          now,
          expiresAt,
        });
        await audit.record(
          tx,
          auditEventFor(
            actor,
            'invitation.created',
            { type: 'invitation', id: id },
            { details: { role: input.role } },
          ),
        );
      });
      // After the commit: the invitation exists whatever the mail server does; `emailed` says
      // whether it took the message (the console shows the link to pass on either way).
      const mailer = deps.mailer ?? null;
      const org = mailer === null ? null : await store.findOrg(actor.orgId);
      const emailed =
        mailer !== null && org !== null
          ? await mailer.send({ to: email, orgName: org.name, role: input.role, token, expiresAt })
          : false;
      return { id, token, expiresAt, emailed };
    },

    async listInvitations(
      actor: OrgActor,
      page: { cursor: string | null; limit: number },
    ): Promise<Page<InvitationRow>> {
      const rows = await store.listPendingInvitations(actor.orgId, clock.now(), {
        after: page.cursor,
        limit: page.limit + 1,
      });
      const items = rows.slice(0, page.limit);
      return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
    },

    async revokeInvitation(actor: OrgActor, invitationId: string): Promise<void> {
      await store.transaction(async (tx) => {
        if (!(await store.revokeInvitation(tx, actor.orgId, invitationId, clock.now()))) {
          throw new AppError(ErrorCode.NOT_FOUND, 'Invitation not found.');
        }
        await audit.record(
          tx,
          auditEventFor(actor, 'invitation.revoked', { type: 'invitation', id: invitationId }),
        );
      });
    },

    async accept(actor: Actor, token: string): Promise<{ orgId: string; role: Role }> {
      return store.transaction((tx) => acceptIn(tx, actor, token));
    },

    /**
     * Accepts inside the caller's transaction: sign-up with an invitation creates the user and
     * their membership together, so a refused invitation leaves no account (and no stray
     * organisation) behind.
     */
    acceptInvitationIn: acceptIn,
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
