import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../clock.ts';
import type { KeyEntry } from '../config.ts';

/**
 * Short-lived access tokens. HS256 only (the algorithm allow-list has one entry), `kid` must name a
 * configured key, and typ/aud/iss are pinned so that no other JWT — and no refresh token, which is
 * opaque — is ever accepted as an access token.
 */
export const ACCESS_TOKEN_TYP = 'rolegate-access+jwt';
export const ISSUER = 'rolegate';
export const AUDIENCE = 'rolegate-api';
const ALGORITHM = 'HS256';

export interface AccessClaims {
  sub: string;
  /** Session id (the refresh-token family); lets revocation bite before `exp`. */
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface AccessTokenIssuer {
  issue(input: {
    userId: string;
    sessionId: string;
  }): Promise<{ token: string; expiresIn: number; claims: AccessClaims }>;
  /** Returns the claims of a valid token, or null for anything else (never throws for bad input). */
  verify(token: string): Promise<AccessClaims | null>;
  /**
   * New signing keys (a rotated ROLEGATE_JWT_KEYS secret): the first signs from now on; a key no
   * longer listed still verifies the tokens it signed until they expire (one token lifetime).
   */
  replaceKeys(entries: readonly KeyEntry[]): void;
}

export function createAccessTokens(deps: {
  keys: readonly KeyEntry[];
  ttlSeconds: number;
  clock: Clock;
}): AccessTokenIssuer {
  let keys = new Map(deps.keys.map((k) => [k.kid, new Uint8Array(k.key)]));
  let active = deps.keys[0]!;
  /** Keys dropped by replaceKeys, kept for verification until the tokens they signed expired (ms). */
  const retired = new Map<string, { key: Uint8Array; until: number }>();
  const keyFor = (kid: string): Uint8Array | undefined => {
    const current = keys.get(kid);
    if (current !== undefined) return current;
    const old = retired.get(kid);
    if (old === undefined) return undefined;
    if (old.until <= deps.clock.now().getTime()) {
      retired.delete(kid);
      return undefined;
    }
    return old.key;
  };
  return {
    replaceKeys(entries) {
      if (entries.length === 0) throw new Error('at least one signing key is required');
      const next = new Map(entries.map((k) => [k.kid, new Uint8Array(k.key)]));
      const until = deps.clock.now().getTime() + deps.ttlSeconds * 1000;
      for (const [kid, key] of keys) if (!next.has(kid)) retired.set(kid, { key, until });
      for (const kid of next.keys()) retired.delete(kid);
      keys = next;
      active = entries[0]!;
    },
    async issue({ userId, sessionId }) {
      const iat = Math.floor(deps.clock.now().getTime() / 1000);
      const exp = iat + deps.ttlSeconds;
      const jti = randomUUID();
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: ALGORITHM, kid: active.kid, typ: ACCESS_TOKEN_TYP })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setJti(jti)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(keys.get(active.kid)!);
      return { token, expiresIn: deps.ttlSeconds, claims: { sub: userId, sid: sessionId, jti, iat, exp } };
    },
    async verify(token) {
      if (token.length > 4096) return null;
      try {
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            const key = header.kid === undefined ? undefined : keyFor(header.kid);
            if (key === undefined) throw new joseErrors.JWKSNoMatchingKey();
            return key;
          },
          {
            algorithms: [ALGORITHM],
            issuer: ISSUER,
            audience: AUDIENCE,
            typ: ACCESS_TOKEN_TYP,
            currentDate: deps.clock.now(),
            requiredClaims: ['sub', 'jti', 'iat', 'exp', 'sid'],
          },
        );
        if (
          typeof payload.sub !== 'string' ||
          typeof payload.sid !== 'string' ||
          typeof payload.jti !== 'string'
        )
          return null;
        return { sub: payload.sub, sid: payload.sid, jti: payload.jti, iat: payload.iat!, exp: payload.exp! };
      } catch {
        return null;
      }
    },
  };
}
