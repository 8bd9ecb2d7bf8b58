import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { Actor } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { bindingFor } from '../crypto/encrypted-columns.ts';
import { decryptField, encryptField, type Keyring } from '../crypto/field-encryption.ts';
import { constantTimeEqual, randomToken, sha256Hex } from '../crypto/tokens.ts';
import { newId } from '../db/ids.ts';
import type { Role } from '../identity/rbac.ts';
import { type RecordEvent, type RequestContext, recorder } from '../identity/request-context.ts';
import type { TokenPair } from '../identity/sessions.ts';
import { checkWebhookUrlShape, resolvePublic, type UrlPolicy } from '../webhooks/url-safety.ts';
import {
  hasVerificationRecord,
  type TxtResolver,
  verificationRecordName,
  verificationRecordValue,
} from './domain-verifier.ts';
import { type ProviderSettings, providerFailureReason, type RelyingParty } from './relying-party.ts';
import { roleFromClaims } from './role-mapping.ts';
import type { SsoConfigRow, SsoDomainRow, SsoStore } from './store.ts';
import type { RoleMapping } from './tables.ts';

/**
 * Single sign-on per organisation (docs/sso.md): the owner's OpenID Connect settings, verified
 * email domains, the sign-in flow (start → provider → callback → the same session as a password
 * sign-in) with just-in-time membership, and the "require SSO" rule password sign-in consults.
 */

export type OrgActor = Actor & { orgId: string; role: Role };

/** A sign-in must come back within this long. */
export const SSO_LOGIN_TTL_MS = 10 * 60 * 1000;
export const MAX_DOMAINS_PER_ORG = 20;
export const DEFAULT_SCOPES = ['openid', 'email', 'profile'];

export interface SsoConfigInput {
  issuer: string;
  clientId: string;
  /** Required when creating; absent on update keeps the stored secret. */
  clientSecret?: string | undefined;
  scopes?: string[] | undefined;
  allowedDomains: string[];
  roleMapping: RoleMapping;
  requireSso: boolean;
  trustUnverifiedEmail: boolean;
  breakGlassUserId: string | null;
}

export interface SsoConfigView {
  issuer: string;
  clientId: string;
  clientSecretSet: true;
  scopes: string[];
  allowedDomains: string[];
  roleMapping: RoleMapping;
  requireSso: boolean;
  trustUnverifiedEmail: boolean;
  breakGlassUserId: string | null;
  redirectUri: string | null;
  updatedAt: Date;
}

export interface DomainView {
  id: string;
  domain: string;
  verified: boolean;
  verifiedAt: Date | null;
  record: { type: 'TXT'; name: string; value: string };
}

export interface SsoSessions {
  /** Opens a session exactly as a password sign-in does (src/identity/sessions.ts). */
  openSsoSession(userId: string, orgId: string, ctx: RequestContext): Promise<TokenPair>;
}

export interface SsoServiceDeps {
  store: SsoStore;
  audit: Pick<AuditWriter, 'record'>;
  clock: Clock;
  keyring: Keyring;
  relyingParty: RelyingParty;
  resolver: TxtResolver;
  sessions: SsoSessions;
  /** Where the provider sends the browser back: `<public URL>/v1/auth/sso/callback`; null without a public URL. */
  redirectUri: string | null;
  /** Issuer URLs are held to the webhook URL policy (SSRF). */
  urlPolicy: UrlPolicy;
}

/** The AAD of the client secret: table, column, row id and organisation (see ENCRYPTED_COLUMNS). */
const secretBinding = (rowId: string, orgId: string) =>
  bindingFor('sso_configs', 'client_secret_enc', rowId, orgId);
const failed = (message?: string) => new AppError(ErrorCode.SSO_FAILED, message);

/** The password hash of a user created by SSO: a marker no password verifies (see store). */
const SSO_ONLY_PASSWORD = '!sso';
const LINK_REQUIRED = Symbol('link_required');

/**
 * Whether an email from a provider names exactly one account: no compatibility characters (NFKC
 * would change it), no non-ASCII letter that lower-cases into something else (the Kelvin sign
 * U+212A lower-cases to an ASCII k), and an ASCII domain (IDNs only as punycode).
 */
export function isCanonicalEmail(raw: string): boolean {
  if (raw.normalize('NFKC') !== raw) return false;
  const asciiLowered = raw.replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (raw.toLowerCase() !== asciiLowered) return false;
  const at = raw.lastIndexOf('@');
  if (at <= 0) return false;
  return /^[\x21-\x7e]+$/.test(raw.slice(at + 1));
}

function domainOf(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at <= 0 || at === email.length - 1 ? null : email.slice(at + 1);
}

function domainView(row: SsoDomainRow): DomainView {
  return {
    id: row.id,
    domain: row.domain,
    verified: row.verifiedAt !== null,
    verifiedAt: row.verifiedAt,
    record: {
      type: 'TXT',
      name: verificationRecordName(row.domain),
      value: verificationRecordValue(row.token),
    },
  };
}

export function createSsoService(deps: SsoServiceDeps) {
  const { store, clock, keyring } = deps;
  const record: RecordEvent = recorder(deps.audit);

  function view(row: SsoConfigRow): SsoConfigView {
    return {
      issuer: row.issuer,
      clientId: row.clientId,
      clientSecretSet: true,
      scopes: row.scopes,
      allowedDomains: row.allowedDomains,
      roleMapping: row.roleMapping,
      requireSso: row.requireSso,
      trustUnverifiedEmail: row.trustUnverifiedEmail,
      breakGlassUserId: row.breakGlassUserId,
      redirectUri: deps.redirectUri,
      updatedAt: row.updatedAt,
    };
  }

  function settingsOf(row: SsoConfigRow): ProviderSettings {
    return {
      version: `${row.id}:${row.updatedAt.getTime()}`,
      issuer: row.issuer,
      clientId: row.clientId,
      clientSecret: decryptField(keyring, row.clientSecretEnc, secretBinding(row.id, row.orgId)),
    };
  }

  async function assertIssuerAllowed(issuer: string): Promise<void> {
    const shape = checkWebhookUrlShape(issuer, deps.urlPolicy);
    const check = shape.ok ? await resolvePublic(shape.url, deps.urlPolicy) : shape;
    if (!check.ok) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, `The issuer URL ${check.reason}.`, {
        details: { field: 'issuer' },
      });
    }
  }

  function requireRedirectUri(): string {
    if (deps.redirectUri === null) {
      throw new AppError(
        ErrorCode.NOT_FOUND,
        'Single sign-on is not available on this server: ROLEGATE_PUBLIC_URL is not set.',
      );
    }
    return deps.redirectUri;
  }

  async function requireConfig(orgId: string): Promise<SsoConfigRow> {
    const row = await store.findConfig(store.db, orgId);
    if (row === null) throw new AppError(ErrorCode.NOT_FOUND, 'Single sign-on is not configured.');
    return row;
  }

  return {
    async getConfig(actor: OrgActor): Promise<SsoConfigView> {
      return view(await requireConfig(actor.orgId));
    },

    async putConfig(actor: OrgActor, input: SsoConfigInput): Promise<SsoConfigView> {
      await assertIssuerAllowed(input.issuer);
      const now = clock.now();
      const saved = await store.transaction(async (tx) => {
        if (!(await store.lockOrg(tx, actor.orgId))) throw new AppError(ErrorCode.NOT_FOUND);
        const existing = await store.findConfig(tx, actor.orgId);
        const id = existing?.id ?? newId('sso');
        const binding = secretBinding(id, actor.orgId);
        let clientSecretEnc: string;
        if (input.clientSecret !== undefined) {
          clientSecretEnc = encryptField(keyring, input.clientSecret, binding);
        } else if (existing !== null) {
          clientSecretEnc = existing.clientSecretEnc;
        } else {
          throw new AppError(ErrorCode.VALIDATION_FAILED, 'The client secret is required.', {
            details: { field: 'clientSecret' },
          });
        }
        if (input.breakGlassUserId !== null) {
          if ((await store.roleOf(tx, actor.orgId, input.breakGlassUserId)) !== 'owner') {
            throw new AppError(ErrorCode.VALIDATION_FAILED, 'The break-glass account must be an owner.', {
              details: { field: 'breakGlassUserId' },
            });
          }
          if (!(await store.userMfaEnabled(tx, input.breakGlassUserId))) {
            throw new AppError(
              ErrorCode.VALIDATION_FAILED,
              'The break-glass owner must have two-factor authentication turned on.',
              { details: { field: 'breakGlassUserId' } },
            );
          }
        }
        if (input.requireSso && input.breakGlassUserId === null) {
          throw new AppError(
            ErrorCode.VALIDATION_FAILED,
            'Requiring SSO needs a break-glass owner, so a broken identity provider cannot lock everyone out.',
            { details: { field: 'breakGlassUserId' } },
          );
        }
        const row = await store.upsertConfig(tx, {
          id,
          orgId: actor.orgId,
          issuer: input.issuer,
          clientId: input.clientId,
          clientSecretEnc,
          scopes: input.scopes ?? DEFAULT_SCOPES,
          allowedDomains: [...new Set(input.allowedDomains)],
          roleMapping: input.roleMapping,
          requireSso: input.requireSso,
          trustUnverifiedEmail: input.trustUnverifiedEmail,
          breakGlassUserId: input.breakGlassUserId,
          now,
        });
        // Subjects are unique per issuer only: a new provider starts with no links (people are
        // linked again at their next sign-in, under the account-linking rules).
        const droppedIdentities =
          existing !== null && existing.issuer !== input.issuer
            ? await store.deleteIdentitiesNotFrom(tx, actor.orgId, input.issuer)
            : 0;
        // Turning "require SSO" on ends the members' password sessions now, not at their expiry.
        const revokedSessions =
          input.requireSso && existing?.requireSso !== true
            ? await store.revokePasswordSessions(tx, {
                orgId: actor.orgId,
                breakGlassUserId: input.breakGlassUserId,
                now,
              })
            : 0;
        await deps.audit.record(
          tx,
          auditEventFor(
            actor,
            existing === null ? 'sso.configured' : 'sso.updated',
            { type: 'sso', id },
            {
              details: {
                issuer: input.issuer,
                requireSso: input.requireSso,
                trustUnverifiedEmail: input.trustUnverifiedEmail,
                revokedSessions,
                droppedIdentities,
                secretChanged: input.clientSecret !== undefined,
              },
            },
          ),
        );
        return row;
      });
      return view(saved);
    },

    async deleteConfig(actor: OrgActor): Promise<void> {
      await store.transaction(async (tx) => {
        if (!(await store.deleteConfig(tx, actor.orgId))) {
          throw new AppError(ErrorCode.NOT_FOUND, 'Single sign-on is not configured.');
        }
        await deps.audit.record(
          tx,
          auditEventFor(actor, 'sso.deleted', { type: 'organization', id: actor.orgId }),
        );
      });
    },

    /** Fetches the provider's discovery document with the stored settings ("test connection"). */
    async testConnection(actor: OrgActor) {
      const row = await requireConfig(actor.orgId);
      await assertIssuerAllowed(row.issuer);
      try {
        const meta = await deps.relyingParty.test(settingsOf(row));
        return { ok: true as const, ...meta, error: null };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        return {
          ok: false as const,
          issuer: row.issuer,
          authorizationEndpoint: null,
          tokenEndpoint: null,
          userinfoEndpoint: null,
          error: providerFailureReason(err.cause),
        };
      }
    },

    // Domains

    async listDomains(actor: OrgActor): Promise<DomainView[]> {
      return (await store.listDomains(store.db, actor.orgId)).map(domainView);
    },

    async addDomain(actor: OrgActor, domain: string): Promise<DomainView> {
      const now = clock.now();
      const row = await store.transaction(async (tx) => {
        if (!(await store.lockOrg(tx, actor.orgId))) throw new AppError(ErrorCode.NOT_FOUND);
        if ((await store.countDomains(tx, actor.orgId)) >= MAX_DOMAINS_PER_ORG) {
          throw new AppError(
            ErrorCode.CONFLICT,
            `An organisation can claim at most ${MAX_DOMAINS_PER_ORG} domains.`,
          );
        }
        const inserted = await store.insertDomain(tx, {
          id: newId('dom'),
          orgId: actor.orgId,
          domain,
          token: randomToken(24),
          now,
        });
        if (inserted === null) throw new AppError(ErrorCode.CONFLICT, 'This domain is already listed.');
        await deps.audit.record(
          tx,
          auditEventFor(
            actor,
            'sso.domain_added',
            { type: 'domain', id: inserted.id },
            { details: { domain } },
          ),
        );
        return inserted;
      });
      return domainView(row);
    },

    /** Looks up the TXT record now; a domain another organisation verified first cannot be verified. */
    async verifyDomain(actor: OrgActor, domainId: string): Promise<DomainView> {
      const row = await store.findDomain(store.db, actor.orgId, domainId);
      if (row === null) throw new AppError(ErrorCode.NOT_FOUND, 'Domain not found.');
      if (row.verifiedAt !== null) return domainView(row);
      if (!(await hasVerificationRecord(deps.resolver, row.domain, row.token))) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `The TXT record ${verificationRecordName(row.domain)} does not hold ${verificationRecordValue(row.token)} yet (DNS changes can take a while).`,
          { details: { reason: 'record_missing' } },
        );
      }
      const now = clock.now();
      await store.transaction(async (tx) => {
        const owner = await store.verifiedOwnerOf(tx, row.domain);
        if (owner !== null && owner !== actor.orgId) {
          throw new AppError(ErrorCode.CONFLICT, 'Another organisation has already verified this domain.', {
            details: { reason: 'claimed' },
          });
        }
        try {
          await store.markDomainVerified(tx, actor.orgId, row.id, now);
        } catch (err) {
          // The partial unique index: another organisation verified it between our check and now.
          throw new AppError(ErrorCode.CONFLICT, 'Another organisation has already verified this domain.', {
            cause: err,
            details: { reason: 'claimed' },
          });
        }
        await deps.audit.record(
          tx,
          auditEventFor(
            actor,
            'sso.domain_verified',
            { type: 'domain', id: row.id },
            {
              details: { domain: row.domain },
            },
          ),
        );
      });
      return domainView({ ...row, verifiedAt: now });
    },

    async removeDomain(actor: OrgActor, domainId: string): Promise<void> {
      await store.transaction(async (tx) => {
        const removed = await store.deleteDomain(tx, actor.orgId, domainId);
        if (removed === null) throw new AppError(ErrorCode.NOT_FOUND, 'Domain not found.');
        await deps.audit.record(
          tx,
          auditEventFor(
            actor,
            'sso.domain_removed',
            { type: 'domain', id: domainId },
            {
              details: { domain: removed.domain },
            },
          ),
        );
      });
    },

    // Sign-in

    /**
     * The organisation's provider URL for a sign-in by email (through the organisation that verified
     * the email's domain) or by organisation id; the returned `state` must come back in the
     * callback, and the route binds it to the browser in a short-lived cookie.
     */
    async start(input: { email?: string | undefined; orgId?: string | undefined }): Promise<{
      redirectUrl: string;
      state: string;
    }> {
      const redirectUri = requireRedirectUri();
      let orgId: string | null = input.orgId ?? null;
      const email = input.email?.trim().toLowerCase() ?? null;
      if (email !== null) {
        const domain = domainOf(email);
        orgId = domain === null ? null : await store.verifiedOwnerOf(store.db, domain);
      }
      const config = orgId === null ? null : await store.findConfig(store.db, orgId);
      if (config === null) {
        throw new AppError(ErrorCode.NOT_FOUND, 'No organisation signs in with SSO for this email address.');
      }
      const now = clock.now();
      const begun = await deps.relyingParty.begin(settingsOf(config), {
        redirectUri,
        scopes: config.scopes,
        loginHint: email,
      });
      await store.purgeLogins(store.db, now);
      await store.insertLogin(store.db, {
        stateHash: sha256Hex(begun.state),
        orgId: config.orgId,
        nonce: begun.nonce,
        codeVerifier: begun.codeVerifier,
        now,
        expiresAt: new Date(now.getTime() + SSO_LOGIN_TTL_MS),
      });
      return { redirectUrl: begun.url.href, state: begun.state };
    },

    /**
     * The provider's answer: the state must match the browser's cookie and a pending sign-in (used
     * once); openid-client redeems the code and validates the ID token; the email's domain must be
     * one the organisation allows and has verified; the role comes from the claims. Then the member
     * is provisioned or updated and a session opened exactly as for a password sign-in.
     */
    async callback(
      input: { callbackUrl: URL; stateCookie: string | null },
      ctx: RequestContext,
    ): Promise<TokenPair> {
      const redirectUri = requireRedirectUri();
      const state = input.callbackUrl.searchParams.get('state');
      if (state === null || input.stateCookie === null || !constantTimeEqual(state, input.stateCookie)) {
        throw failed('The sign-in did not start in this browser, or it has expired; start again.');
      }
      const now = clock.now();
      const pending = await store.consumeLogin(store.db, sha256Hex(state), now);
      if (pending === null) throw failed('This sign-in has expired or was already used; start again.');
      const config = await store.findConfig(store.db, pending.orgId);
      if (config === null) throw failed('Single sign-on is no longer configured for this organisation.');
      const orgId = config.orgId;
      const deny = async (reason: string, message: string, extra: Record<string, unknown> = {}) => {
        await record(store.db, ctx, {
          orgId,
          actorType: 'anonymous',
          actorId: null,
          action: 'sso.login',
          outcome: 'denied',
          targetType: 'organization',
          targetId: orgId,
          details: { reason, ...extra },
        });
        return failed(message);
      };
      let verified: Awaited<ReturnType<RelyingParty['complete']>>;
      try {
        verified = await deps.relyingParty.complete(settingsOf(config), {
          callbackUrl: input.callbackUrl,
          redirectUri,
          state,
          nonce: pending.nonce,
          codeVerifier: pending.codeVerifier,
        });
      } catch (err) {
        if (err instanceof AppError && err.code === ErrorCode.SSO_FAILED) {
          const code = (err.cause as { code?: unknown } | undefined)?.code;
          throw await deny('token_rejected', err.message, typeof code === 'string' ? { error: code } : {});
        }
        throw err;
      }
      const { claims, subject } = verified;
      const rawEmail = typeof claims.email === 'string' ? claims.email.trim() : null;
      if (rawEmail === null || rawEmail.length > 254) {
        throw await deny('no_email', 'The identity provider did not send an email address.');
      }
      if (!isCanonicalEmail(rawEmail)) {
        throw await deny(
          'email_not_canonical',
          'This email address uses characters that could impersonate another address.',
        );
      }
      const email = rawEmail.toLowerCase();
      // Absent counts as unverified unless the organisation opted in (Entra ID omits the claim).
      if (
        claims.email_verified === false ||
        (claims.email_verified !== true && !config.trustUnverifiedEmail)
      ) {
        throw await deny(
          'email_unverified',
          'The identity provider does not say this email address is verified.',
        );
      }
      const domain = domainOf(email);
      if (domain === null || !config.allowedDomains.includes(domain)) {
        throw await deny('domain_not_allowed', 'This email domain may not sign in to this organisation.', {
          domain,
        });
      }
      if ((await store.verifiedOwnerOf(store.db, domain)) !== orgId) {
        throw await deny(
          'domain_not_verified',
          'This email domain has not been verified by the organisation.',
          {
            domain,
          },
        );
      }
      const mappedRole = roleFromClaims(claims, config.roleMapping);
      if (mappedRole === null) {
        throw await deny(
          'no_role',
          'Your identity provider groups do not grant access to this organisation.',
        );
      }
      const name = typeof claims.name === 'string' ? claims.name.slice(0, 200) : null;
      const userId = await store.transaction(async (tx) => {
        if (!(await store.lockOrg(tx, orgId))) throw failed();
        const identity = await store.findIdentity(tx, orgId, config.issuer, subject);
        let userId: string;
        let provisioned = false;
        if (identity !== null) {
          userId = identity.userId;
          if (await store.isDeprovisioned(tx, orgId, userId)) return null;
          await store.touchIdentity(tx, identity.id, now);
        } else {
          const existing = await store.findUserByEmail(tx, email);
          if (existing !== null) {
            userId = existing.id;
            if (await store.isDeprovisioned(tx, orgId, userId)) return null;
            // An email match alone must not hand over an account that has its own credentials or
            // owns an organisation: the provider's claim would bypass the password and MFA.
            if (
              existing.passwordHash !== SSO_ONLY_PASSWORD ||
              existing.totpEnabledAt !== null ||
              (await store.ownsAnyOrg(tx, userId))
            ) {
              return LINK_REQUIRED;
            }
          } else {
            userId = newId('usr');
            if (!(await store.insertSsoUser(tx, { id: userId, email, name, now }))) throw failed();
            provisioned = true;
          }
          if (
            !(await store.insertIdentity(tx, {
              id: newId('sid'),
              orgId,
              issuer: config.issuer,
              subject,
              userId,
              now,
            }))
          ) {
            // The same person already linked under another subject: refuse rather than merge.
            throw failed('This account is already linked to another identity of this organisation.');
          }
        }
        const current = await store.roleOf(tx, orgId, userId);
        // Owners are managed in Rolegate, never demoted by a provider's groups.
        const role: Role = current === 'owner' ? 'owner' : mappedRole;
        if (current === null) {
          await store.addMember(tx, { id: newId('mem'), orgId, userId, role, now });
        } else if (current !== role) {
          await store.setRole(tx, orgId, userId, role);
          await record(tx, ctx, {
            orgId,
            actorType: 'system',
            actorId: 'system:sso',
            action: 'membership.role_changed',
            outcome: 'success',
            targetType: 'user',
            targetId: userId,
            details: { from: current, to: role, source: 'sso' },
          });
        }
        await record(tx, ctx, {
          orgId,
          actorType: 'user',
          actorId: userId,
          action: 'sso.login',
          outcome: 'success',
          targetType: 'user',
          targetId: userId,
          details: { role, provisioned, joined: current === null },
        });
        return userId;
      });
      if (userId === LINK_REQUIRED) {
        await record(store.db, ctx, {
          orgId,
          actorType: 'anonymous',
          actorId: null,
          action: 'sso.login',
          outcome: 'denied',
          targetType: 'organization',
          targetId: orgId,
          details: { reason: 'link_required' },
        });
        throw new AppError(ErrorCode.SSO_LINK_REQUIRED);
      }
      if (userId === null) {
        throw await deny(
          'deprovisioned',
          'Your access to this organisation was removed by its identity provider.',
        );
      }
      return deps.sessions.openSsoSession(userId, orgId, ctx);
    },
  };
}

export type SsoService = ReturnType<typeof createSsoService>;
