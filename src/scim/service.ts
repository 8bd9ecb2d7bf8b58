import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { Actor } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { randomToken, sha256Hex } from '../crypto/tokens.ts';
import type { DbOrTx } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import type { OrgService } from '../identity/orgs/service.ts';
import type { Role } from '../identity/rbac.ts';
import type { SsoStore } from '../sso/store.ts';
import type { ScimStore, ScimTokenRow, ScimUserRow } from './store.ts';

/**
 * SCIM 2.0 Users (RFC 7643/7644) for one organisation, authenticated by the organisation's bearer
 * token. Creating a user provisions the person (a user without a usable password) and their
 * membership; `active: false` or a delete removes the membership through the organisation
 * service's member-removal path (so their API keys are capped exactly as for any removed member)
 * and revokes their sessions, so both stop at the next request.
 */

export type OrgActor = Actor & { orgId: string; role: Role };

export const SCIM_TOKEN_PREFIX = 'rg_scim_';
export const MAX_LIVE_TOKENS = 5;
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** A SCIM error: the HTTP status and RFC 7644 §3.12 scimType travel in the AppError. */
export function scimError(code: ErrorCode, detail: string, scimType?: string): AppError {
  return new AppError(code, detail, scimType === undefined ? {} : { details: { scimType } });
}

export interface ScimCaller {
  orgId: string;
  tokenId: string;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export interface ScimUserView {
  schemas: string[];
  id: string;
  externalId?: string;
  userName: string;
  displayName?: string;
  active: boolean;
  emails: Array<{ value: string; primary: boolean }>;
  meta: { resourceType: 'User'; created: string; lastModified: string; location: string };
}

export interface ScimUserInput {
  userName: string;
  externalId?: string | undefined;
  displayName?: string | undefined;
  active?: boolean | undefined;
}

export interface ScimPatch {
  active?: boolean;
  externalId?: string | null;
  displayName?: string | null;
}

function domainOf(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at <= 0 || at === email.length - 1 ? null : email.slice(at + 1);
}

export function createScimService(deps: {
  store: ScimStore;
  sso: Pick<SsoStore, 'db' | 'verifiedOwnerOf' | 'findConfig'>;
  orgs: Pick<OrgService, 'removeMember'>;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  /** `<public URL>/scim/v2` for `meta.location`; relative without a public URL. */
  baseUrl: string;
}) {
  const { store, clock } = deps;

  function view(row: ScimUserRow): ScimUserView {
    return {
      schemas: [USER_SCHEMA],
      id: row.id,
      ...(row.externalId === null ? {} : { externalId: row.externalId }),
      userName: row.userName,
      ...(row.displayName === null ? {} : { displayName: row.displayName }),
      active: row.active,
      emails: [{ value: row.userName, primary: true }],
      meta: {
        resourceType: 'User',
        created: row.createdAt.toISOString(),
        lastModified: row.updatedAt.toISOString(),
        location: `${deps.baseUrl}/Users/${row.id}`,
      },
    };
  }

  /** The system actor SCIM changes are made and audited as, with the owner's reach in the organisation. */
  function actorOf(caller: ScimCaller): OrgActor {
    return {
      type: 'system',
      id: 'system:scim',
      userId: null,
      orgId: caller.orgId,
      role: 'owner',
      sessionId: null,
      ip: caller.ip,
      userAgent: caller.userAgent,
      requestId: caller.requestId,
    };
  }

  async function defaultRole(orgId: string): Promise<Role> {
    const config = await deps.sso.findConfig(deps.sso.db, orgId);
    return config?.roleMapping.defaultRole ?? 'viewer';
  }

  async function requireUser(caller: ScimCaller, id: string): Promise<ScimUserRow> {
    const row = await store.findUser(store.db, caller.orgId, id);
    if (row === null) throw scimError(ErrorCode.NOT_FOUND, `User ${id} not found.`);
    return row;
  }

  /** Membership gone (member-removal path: keys capped, invitations revoked), sessions revoked. */
  async function deprovision(caller: ScimCaller, row: ScimUserRow, now: Date): Promise<number> {
    await refuseOwner(caller, row.userId);
    const actor = actorOf(caller);
    try {
      await deps.orgs.removeMember(actor, row.userId);
    } catch (err) {
      if (!(err instanceof AppError && err.code === ErrorCode.NOT_FOUND)) throw err;
    }
    return store.transaction((tx) => store.revokeSessions(tx, caller.orgId, row.userId, now));
  }

  /**
   * Owners (the break-glass owner among them) are managed in Rolegate only: a provider's token must
   * not be able to remove or take over the accounts that administer the organisation.
   */
  async function refuseOwner(caller: ScimCaller, userId: string, q: DbOrTx = store.db): Promise<void> {
    if ((await store.roleOf(q, caller.orgId, userId)) === 'owner') {
      throw scimError(
        ErrorCode.CONFLICT,
        'This person is an owner of the organisation; owners are managed in Rolegate, not through SCIM.',
        'mutability',
      );
    }
  }

  async function provision(caller: ScimCaller, row: ScimUserRow, now: Date): Promise<void> {
    const role = await defaultRole(caller.orgId);
    await store.transaction(async (tx) => {
      if (await store.isMember(tx, caller.orgId, row.userId)) return;
      await store.addMember(tx, { id: newId('mem'), orgId: caller.orgId, userId: row.userId, role, now });
      await deps.audit.record(
        tx,
        auditEventFor(
          actorOf(caller),
          'membership.added',
          { type: 'user', id: row.userId },
          {
            details: { role, source: 'scim' },
          },
        ),
      );
    });
  }

  return {
    // Tokens (console / API, owners)

    async createToken(actor: OrgActor, name: string): Promise<{ id: string; token: string; name: string }> {
      const id = newId('sct');
      const token = `${SCIM_TOKEN_PREFIX}${randomToken(32)}`;
      const now = clock.now();
      await store.transaction(async (tx) => {
        if (!(await store.lockOrg(tx, actor.orgId))) throw new AppError(ErrorCode.NOT_FOUND);
        if ((await store.countLiveTokens(tx, actor.orgId)) >= MAX_LIVE_TOKENS) {
          throw new AppError(
            ErrorCode.CONFLICT,
            `At most ${MAX_LIVE_TOKENS} SCIM tokens can be live; revoke one first.`,
          );
        }
        await store.insertToken(tx, {
          id,
          orgId: actor.orgId,
          tokenHash: sha256Hex(token),
          name,
          createdBy: actor.type === 'user' ? actor.id : null,
          now,
        });
        await deps.audit.record(tx, auditEventFor(actor, 'scim.token_created', { type: 'scim_token', id }));
      });
      return { id, token, name };
    },

    async listTokens(actor: OrgActor): Promise<ScimTokenRow[]> {
      return store.listTokens(store.db, actor.orgId);
    },

    async revokeToken(actor: OrgActor, tokenId: string): Promise<void> {
      await store.transaction(async (tx) => {
        if (!(await store.revokeToken(tx, actor.orgId, tokenId, clock.now()))) {
          throw new AppError(ErrorCode.NOT_FOUND, 'SCIM token not found.');
        }
        await deps.audit.record(
          tx,
          auditEventFor(actor, 'scim.token_revoked', { type: 'scim_token', id: tokenId }),
        );
      });
    },

    /** The organisation a presented token belongs to, or null (unknown, revoked, malformed). */
    async authenticate(presented: string): Promise<{ orgId: string; tokenId: string } | null> {
      if (!presented.startsWith(SCIM_TOKEN_PREFIX)) return null;
      const row = await store.findLiveToken(store.db, sha256Hex(presented));
      if (row === null) return null;
      await store.touchToken(store.db, row.id, clock.now());
      return { orgId: row.orgId, tokenId: row.id };
    },

    // Users (the identity provider)

    async create(caller: ScimCaller, input: ScimUserInput): Promise<ScimUserView> {
      const userName = input.userName.trim().toLowerCase();
      const domain = domainOf(userName);
      if (domain === null || (await deps.sso.verifiedOwnerOf(deps.sso.db, domain)) !== caller.orgId) {
        throw scimError(
          ErrorCode.VALIDATION_FAILED,
          'userName must be an email address in a domain this organisation has verified.',
          'invalidValue',
        );
      }
      const now = clock.now();
      const active = input.active ?? true;
      const row = await store.transaction(async (tx) => {
        if (!(await store.lockOrg(tx, caller.orgId))) throw scimError(ErrorCode.NOT_FOUND, 'Not found.');
        const existing = await store.findByUserName(tx, caller.orgId, userName);
        if (existing !== null && existing.deletedAt === null) {
          throw scimError(
            ErrorCode.CONFLICT,
            `A user with userName ${userName} already exists.`,
            'uniqueness',
          );
        }
        let saved: ScimUserRow;
        if (existing !== null) {
          saved = (await store.updateUser(tx, caller.orgId, existing.id, {
            active,
            deletedAt: null,
            externalId: input.externalId ?? null,
            displayName: input.displayName ?? null,
            now,
          }))!;
        } else {
          let userId = await store.findUserIdByEmail(tx, userName);
          if (userId !== null) await refuseOwner(caller, userId, tx);
          if (userId === null) {
            userId = newId('usr');
            if (
              !(await store.insertSsoUser(tx, {
                id: userId,
                email: userName,
                name: input.displayName ?? null,
                now,
              }))
            ) {
              throw scimError(ErrorCode.CONFLICT, 'The user was created concurrently; retry.', 'uniqueness');
            }
          }
          if ((await store.findByUserId(tx, caller.orgId, userId)) !== null) {
            throw scimError(
              ErrorCode.CONFLICT,
              'This person is already provisioned under another userName.',
              'uniqueness',
            );
          }
          saved = await store.insertUser(tx, {
            id: newId('scu'),
            orgId: caller.orgId,
            userId,
            userName,
            externalId: input.externalId ?? null,
            displayName: input.displayName ?? null,
            active,
            now,
          });
        }
        await deps.audit.record(
          tx,
          auditEventFor(
            actorOf(caller),
            'scim.user_created',
            { type: 'user', id: saved.userId },
            {
              details: { scimId: saved.id, active },
            },
          ),
        );
        return saved;
      });
      if (active) await provision(caller, row, now);
      // Created inactive for someone who is already a member: the provider says they have no access.
      else if (await store.isMember(store.db, caller.orgId, row.userId)) await deprovision(caller, row, now);
      return view(row);
    },

    async get(caller: ScimCaller, id: string): Promise<ScimUserView> {
      return view(await requireUser(caller, id));
    },

    async list(
      caller: ScimCaller,
      query: { userName?: string | undefined; startIndex: number; count: number },
    ): Promise<{ total: number; items: ScimUserView[] }> {
      const { total, rows } = await store.listUsers(store.db, caller.orgId, {
        offset: query.startIndex - 1,
        limit: query.count,
        userName: query.userName?.trim().toLowerCase(),
      });
      return { total, items: rows.map(view) };
    },

    async patch(caller: ScimCaller, id: string, change: ScimPatch): Promise<ScimUserView> {
      const row = await requireUser(caller, id);
      const now = clock.now();
      const becomesInactive = change.active === false && row.active;
      const becomesActive = change.active === true && !row.active;
      // Access goes first: if it cannot be removed (the last owner), nothing is marked inactive.
      const revoked = becomesInactive ? await deprovision(caller, row, now) : 0;
      const saved = await store.transaction(async (tx) => {
        const updated = await store.updateUser(tx, caller.orgId, id, { ...change, now });
        if (updated === null) throw scimError(ErrorCode.NOT_FOUND, `User ${id} not found.`);
        await deps.audit.record(
          tx,
          auditEventFor(
            actorOf(caller),
            becomesInactive
              ? 'scim.user_deactivated'
              : becomesActive
                ? 'scim.user_activated'
                : 'scim.user_updated',
            { type: 'user', id: row.userId },
            { details: { scimId: id, ...(becomesInactive ? { sessionsRevoked: revoked } : {}) } },
          ),
        );
        return updated;
      });
      if (becomesActive) await provision(caller, saved, now);
      return view(saved);
    },

    async remove(caller: ScimCaller, id: string): Promise<void> {
      const row = await requireUser(caller, id);
      const now = clock.now();
      const revoked = await deprovision(caller, row, now);
      await store.transaction(async (tx) => {
        // A tombstone, so single sign-on does not provision the person again on their next sign-in.
        await store.updateUser(tx, caller.orgId, id, { active: false, deletedAt: now, now });
        await deps.audit.record(
          tx,
          auditEventFor(
            actorOf(caller),
            'scim.user_deleted',
            { type: 'user', id: row.userId },
            {
              details: { scimId: id, sessionsRevoked: revoked },
            },
          ),
        );
      });
    },
  };
}

export type ScimService = ReturnType<typeof createScimService>;
