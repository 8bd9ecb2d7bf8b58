import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import type { Clock } from '../clock.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { UrlPolicy } from '../webhooks/url-safety.ts';
import { createGuardedFetch, type IdpFailureReason, IdpRequestError } from './guarded-fetch.ts';

/**
 * Rolegate as an OpenID Connect relying party, on openid-client (a certified RP library): issuer
 * discovery, Authorization Code with PKCE (S256), state and nonce, and the ID token checks the
 * library performs (signature against the issuer's JWKS, iss, aud, azp, exp, iat, nonce). Nothing
 * here parses or verifies a token by hand.
 */

export interface ProviderSettings {
  /** Cache key: changes whenever the settings change (config id + update time). */
  version: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface RelyingPartyOptions {
  clock: Clock;
  policy: UrlPolicy;
  timeoutMs: number;
}

export interface VerifiedSignIn {
  subject: string;
  /** ID token claims merged with the userinfo answer (the ID token's win on conflict). */
  claims: Record<string, unknown>;
}

const DISCOVERY_TTL_MS = 5 * 60 * 1000;

function providerUnavailable(cause: unknown): AppError {
  return new AppError(ErrorCode.SSO_PROVIDER_UNAVAILABLE, undefined, { cause });
}

/** A transport failure (refused address, DNS, connection, timeout) somewhere in the cause chain. */
function isTransport(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof IdpRequestError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  }
  return false;
}

/**
 * A fixed reason for a failed provider request, safe to show the tenant: the raw cause can carry
 * text chosen by the provider's server (or internal details of the network path).
 */
export function providerFailureReason(err: unknown): IdpFailureReason | 'invalid_discovery_document' {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof IdpRequestError) return e.reason;
  }
  return isTransport(err) ? 'unreachable' : 'invalid_discovery_document';
}

/** The person's sign-in failed (bad state, code, token…) unless the provider could not be reached. */
function signInFailure(err: unknown): AppError {
  return isTransport(err)
    ? providerUnavailable(err)
    : new AppError(ErrorCode.SSO_FAILED, undefined, { cause: err });
}

export function createRelyingParty(options: RelyingPartyOptions) {
  const guardedFetch = createGuardedFetch({ policy: options.policy, timeoutMs: options.timeoutMs });
  const cache = new LRUCache<string, oidc.Configuration>({ max: 500, ttl: DISCOVERY_TTL_MS });

  async function discover(settings: ProviderSettings): Promise<oidc.Configuration> {
    // openid-client's time checks (exp, iat) follow Rolegate's clock, so tests can move it; the
    // offset is part of the cache key (always 0 on the system clock).
    const skew = Math.round((options.clock.now().getTime() - Date.now()) / 1000);
    const key = `${settings.version}\u0000${settings.issuer}\u0000${settings.clientId}\u0000${skew}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    let config: oidc.Configuration;
    try {
      config = await oidc.discovery(
        new URL(settings.issuer),
        settings.clientId,
        { [oidc.clockSkew]: skew },
        oidc.ClientSecretBasic(settings.clientSecret),
        {
          [oidc.customFetch]: guardedFetch,
          timeout: Math.ceil(options.timeoutMs / 1000),
          // The URL policy (https in production) is enforced by the guarded fetch itself.
          ...(options.policy.requireHttps ? {} : { execute: [oidc.allowInsecureRequests] }),
        },
      );
    } catch (err) {
      throw providerUnavailable(err);
    }
    cache.set(key, config);
    return config;
  }

  return {
    /** Fetches the discovery document (the console's "test connection"). */
    async test(settings: Omit<ProviderSettings, 'version'>): Promise<{
      issuer: string;
      authorizationEndpoint: string | null;
      tokenEndpoint: string | null;
      userinfoEndpoint: string | null;
    }> {
      const config = await discover({ ...settings, version: `test:${Date.now()}:${Math.random()}` });
      const meta = config.serverMetadata();
      return {
        issuer: meta.issuer,
        authorizationEndpoint: meta.authorization_endpoint ?? null,
        tokenEndpoint: meta.token_endpoint ?? null,
        userinfoEndpoint: meta.userinfo_endpoint ?? null,
      };
    },

    /** The URL to send the browser to, and the secrets the callback must present again. */
    async begin(
      settings: ProviderSettings,
      input: { redirectUri: string; scopes: string[]; loginHint: string | null },
    ): Promise<{ url: URL; state: string; nonce: string; codeVerifier: string }> {
      const config = await discover(settings);
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: input.redirectUri,
        scope: input.scopes.join(' '),
        response_type: 'code',
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        ...(input.loginHint === null ? {} : { login_hint: input.loginHint }),
      });
      return { url, state, nonce, codeVerifier };
    },

    /**
     * Validates the callback (state, code), redeems the code with the PKCE verifier, validates the ID
     * token (signature, iss, aud, exp, nonce) and reads userinfo for the claims the ID token lacks.
     * Any failure of the person's sign-in is `sso_failed`; an unreachable provider is
     * `sso_provider_unavailable`.
     */
    async complete(
      settings: ProviderSettings,
      input: { callbackUrl: URL; redirectUri: string; state: string; nonce: string; codeVerifier: string },
    ): Promise<VerifiedSignIn> {
      const config = await discover(settings);
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(
          config,
          input.callbackUrl,
          {
            expectedState: input.state,
            expectedNonce: input.nonce,
            pkceCodeVerifier: input.codeVerifier,
            idTokenExpected: true,
          },
          { redirect_uri: input.redirectUri },
        );
      } catch (err) {
        throw signInFailure(err);
      }
      const idClaims = tokens.claims();
      if (idClaims === undefined) throw new AppError(ErrorCode.SSO_FAILED);
      let userinfo: Record<string, unknown> = {};
      if (config.serverMetadata().userinfo_endpoint !== undefined) {
        try {
          userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        } catch (err) {
          throw signInFailure(err);
        }
      }
      return { subject: idClaims.sub, claims: { ...userinfo, ...idClaims } };
    },
  };
}

export type RelyingParty = ReturnType<typeof createRelyingParty>;
