import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { ReadyConfig } from '../config.ts';
import type { Keyring } from '../crypto/field-encryption.ts';
import type { Db } from '../db/client.ts';
import type { SsoRequirementLookup } from '../http/auth.ts';
import { systemTxtResolver, type TxtResolver } from './domain-verifier.ts';
import { createRelyingParty } from './relying-party.ts';
import { createSsoService, type SsoService, type SsoSessions } from './service.ts';
import { createSsoStore } from './store.ts';

export const SSO_CALLBACK_PATH = '/v1/auth/sso/callback';
const IDP_TIMEOUT_MS = 10_000;

/**
 * Builds single sign-on for the core. Signing in needs ROLEGATE_PUBLIC_URL (the redirect URI
 * registered at each identity provider is `<public URL>/v1/auth/sso/callback`); without it the
 * settings can be kept but no sign-in starts.
 */
export function createSsoModule(deps: {
  config: Pick<ReadyConfig, 'http' | 'webhook'>;
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  keyring: Keyring;
  sessions: SsoSessions;
  resolver?: TxtResolver | undefined;
}): { service: SsoService; redirectUri: string | null; requirements: SsoRequirementLookup } {
  const publicUrl = deps.config.http.publicUrl;
  const redirectUri = publicUrl === null ? null : `${publicUrl}${SSO_CALLBACK_PATH}`;
  // Issuers are tenant-chosen URLs: the same SSRF policy as tenants' webhook endpoints.
  const urlPolicy = {
    requireHttps: deps.config.webhook.requireHttps,
    allowPrivateAddresses: deps.config.webhook.allowPrivateAddresses,
  };
  const store = createSsoStore(deps.db);
  const requirements: SsoRequirementLookup = {
    async requirementOf(orgId) {
      const row = await store.findConfig(store.db, orgId);
      return row === null ? null : { requireSso: row.requireSso, breakGlassUserId: row.breakGlassUserId };
    },
  };
  const service = createSsoService({
    store,
    audit: deps.audit,
    clock: deps.clock,
    keyring: deps.keyring,
    relyingParty: createRelyingParty({ clock: deps.clock, policy: urlPolicy, timeoutMs: IDP_TIMEOUT_MS }),
    resolver: deps.resolver ?? systemTxtResolver,
    sessions: deps.sessions,
    redirectUri,
    urlPolicy,
  });
  return { service, redirectUri, requirements };
}
