import { createPrivateKey, hkdfSync } from 'node:crypto';
import Provider, { type Configuration, errors, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { KeyEntry } from '../config.ts';
import type { Db } from '../db/client.ts';
import { createAdapterFactory } from './adapter.ts';

/** Where the authorization server is mounted (its issuer is `<public URL>/oauth`). */
export const OAUTH_MOUNT = '/oauth';
/** The only scope a token carries: the MCP endpoint; what it may do there is the agent grant's scope. */
export const MCP_SCOPE = 'mcp';
/** Short-lived access tokens (RFC 9700 §2.2); clients refresh with a rotating refresh token. */
export const ACCESS_TOKEN_TTL_SECONDS = 600;
const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export interface OAuthUrls {
  issuer: string;
  /** The /mcp resource identifier (RFC 8707): the audience every access token is bound to. */
  resource: string;
  /** RFC 9728 document of the /mcp resource. */
  resourceMetadata: string;
}

export function oauthUrls(publicUrl: string): OAuthUrls {
  return {
    issuer: `${publicUrl}${OAUTH_MOUNT}`,
    resource: `${publicUrl}/mcp`,
    resourceMetadata: `${publicUrl}/.well-known/oauth-protected-resource/mcp`,
  };
}

/** HKDF from the active JWT key: every node derives the same keys, and none is the JWT key itself. */
function derive(jwtKey: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', jwtKey, Buffer.alloc(0), info, 32));
}

/**
 * The provider's signing key (Ed25519, from a derived seed). Access tokens are opaque, so it signs
 * only what OpenID Connect would (ID tokens for a client that asks for `openid`); without a key of
 * our own oidc-provider would fall back to its public development keys.
 */
function signingJwk(jwtKey: Buffer): JWK {
  const seed = derive(jwtKey, 'rolegate-oauth-signing-v1');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
  return { ...jwk, use: 'sig', alg: 'EdDSA' } as JWK;
}

export interface ProviderDeps {
  publicUrl: string;
  db: Db;
  clock: Clock;
  jwtKeys: readonly KeyEntry[];
  /** Whether X-Forwarded-* may be believed (same setting as the HTTP server's). */
  trustProxy: boolean;
  /** Secure flag of the provider's cookies (false only on plain-http development and tests). */
  cookieSecure: boolean;
  /** The account for a user id, or undefined for a deleted user. */
  userExists(userId: string): Promise<boolean>;
}

export function createOAuthProvider(deps: ProviderDeps): Provider {
  const urls = oauthUrls(deps.publicUrl);
  const cookieKeys = deps.jwtKeys.map((k) =>
    derive(k.key, 'rolegate-oauth-cookies-v1').toString('base64url'),
  );
  const configuration: Configuration = {
    adapter: createAdapterFactory(deps.db, deps.clock),
    clients: [],
    jwks: { keys: [signingJwk(deps.jwtKeys[0]!.key)] },
    enabledJWA: { idTokenSigningAlgValues: ['EdDSA'] },
    cookies: {
      keys: cookieKeys,
      long: { signed: true, secure: deps.cookieSecure, sameSite: 'lax' },
      short: { signed: true, secure: deps.cookieSecure, sameSite: 'lax' },
    },
    async findAccount(_ctx, sub) {
      if (!(await deps.userExists(sub))) return undefined;
      return { accountId: sub, claims: () => ({ sub }) };
    },
    // Public clients (MCP clients run on the user's machine) with PKCE; no implicit or hybrid flows.
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'EdDSA',
    },
    // oidc-provider 9 supports S256 only (`plain` is refused); required for every client.
    pkce: { required: () => true },
    scopes: [MCP_SCOPE, 'offline_access'],
    claims: { openid: ['sub'] },
    features: {
      devInteractions: { enabled: false },
      // RFC 7591, open: MCP clients register themselves. A registration grants nothing on its own;
      // only a signed-in user's consent does.
      registration: { enabled: true, initialAccessToken: false },
      revocation: { enabled: true },
      introspection: { enabled: false },
      // RFC 8707: /mcp is the one resource; tokens are opaque, bound to it, short-lived.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => urls.resource,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, resource) {
          if (resource !== urls.resource) throw new errors.InvalidTarget();
          return {
            scope: MCP_SCOPE,
            audience: urls.resource,
            accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: 'opaque',
          };
        },
      },
    },
    // Every authorization goes through Rolegate's consent page: a remembered grant is never reused
    // silently, so the user always picks the organisation and scope for the client in front of them.
    // Only the grant the consent page just created (never one remembered in the provider's session).
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return typeof grantId === 'string' ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      RefreshToken: REFRESH_TOKEN_TTL_SECONDS,
      Grant: REFRESH_TOKEN_TTL_SECONDS,
      Interaction: 600,
      Session: 600,
    },
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction) =>
        `/oauth-consent?uid=${encodeURIComponent(interaction.uid)}`,
    },
    async renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
  const provider = new Provider(urls.issuer, configuration);
  provider.proxy = deps.trustProxy;
  return provider;
}
