import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../core/errors.ts';

/**
 * Browser sessions (see docs/security-model.md, "Browser sessions"). The console keeps the access
 * token in memory only; the refresh token travels in an httpOnly, SameSite=Strict cookie scoped to
 * /v1/auth, set when a login or refresh request says `x-rolegate-client: browser`. Refreshing from
 * the cookie needs that custom header (a cross-site form cannot send it) and a same-origin
 * Origin/Referer, so a foreign page can neither read nor ride the session.
 */

export const BROWSER_CLIENT_HEADER = 'x-rolegate-client';
export const BROWSER_CLIENT_VALUE = 'browser';
export const REFRESH_COOKIE = 'rolegate_refresh';
export const REFRESH_COOKIE_PATH = '/v1/auth';

const MAX_COOKIE_HEADER = 8192;
const COOKIE_VALUE = /^[A-Za-z0-9._~+/=-]{16,128}$/;

/** Parses a Cookie header into name → value; first occurrence wins, malformed pairs are skipped. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (header === undefined || header.length === 0 || header.length > MAX_COOKIE_HEADER) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name.length === 0 || out.has(name)) continue;
    out.set(name, value);
  }
  return out;
}

export interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 expires the cookie at once. */
  maxAge: number;
}

/** Set-Cookie value of the refresh cookie (httpOnly, SameSite=Strict, Path=/v1/auth). */
export function refreshCookie(value: string, options: CookieOptions): string {
  const parts = [
    `${REFRESH_COOKIE}=${value}`,
    `Path=${REFRESH_COOKIE_PATH}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

export function isBrowserClient(request: FastifyRequest): boolean {
  return request.headers[BROWSER_CLIENT_HEADER] === BROWSER_CLIENT_VALUE;
}

function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/**
 * CSRF gate for cookie-authenticated requests: the custom header, and an Origin (or, failing that, a
 * Referer) whose host is the request's own host or one of the configured CORS origins.
 */
export function assertSameOriginBrowser(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  if (!isBrowserClient(request)) {
    throw new AppError(
      ErrorCode.FORBIDDEN,
      `Cookie sessions need the ${BROWSER_CLIENT_HEADER}: ${BROWSER_CLIENT_VALUE} header.`,
    );
  }
  const originHeader = request.headers.origin;
  const refererHeader = request.headers.referer;
  const origin =
    typeof originHeader === 'string' && originHeader !== 'null'
      ? originOf(originHeader)
      : typeof refererHeader === 'string'
        ? originOf(refererHeader)
        : null;
  if (origin === null) {
    throw new AppError(ErrorCode.FORBIDDEN, 'Cookie sessions need a same-origin Origin or Referer header.');
  }
  const own = typeof request.host === 'string' ? originOf(`${request.protocol}://${request.host}`) : null;
  const sameHost = own !== null && new URL(origin).host === new URL(own).host;
  if (!sameHost && !allowedOrigins.includes(origin)) {
    throw new AppError(ErrorCode.FORBIDDEN, 'This origin may not use the browser session.');
  }
}

export interface BrowserSessionOptions {
  cookieSecure: boolean;
  corsOrigins: readonly string[];
  /** Lifetime of the refresh-token family, in seconds (the cookie's Max-Age). */
  refreshMaxAge: number;
}

export interface TokenPairLike {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface BrowserSession {
  /** For browser clients: sets the cookie and strips the refresh token from the body. */
  deliver(
    request: FastifyRequest,
    reply: FastifyReply,
    pair: TokenPairLike,
  ): { accessToken: string; refreshToken?: string; expiresIn: number };
  /**
   * The refresh token to rotate: the body's when given, else the cookie's (after the CSRF gate).
   * Returns `fromCookie` so a failed rotation can clear the cookie; null for a browser client that
   * has no cookie at all (a signed-out page load: nothing to resume, not an authentication failure).
   */
  presented(
    request: FastifyRequest,
    bodyToken: string | undefined,
  ): { token: string; fromCookie: boolean } | null;
  clear(reply: FastifyReply): void;
}

export function createBrowserSession(options: BrowserSessionOptions): BrowserSession {
  const clear = (reply: FastifyReply) => {
    reply.header('set-cookie', refreshCookie('', { secure: options.cookieSecure, maxAge: 0 }));
  };
  return {
    deliver(request, reply, pair) {
      if (!isBrowserClient(request)) return pair;
      reply.header(
        'set-cookie',
        refreshCookie(pair.refreshToken, { secure: options.cookieSecure, maxAge: options.refreshMaxAge }),
      );
      return { accessToken: pair.accessToken, expiresIn: pair.expiresIn };
    },
    presented(request, bodyToken) {
      if (bodyToken !== undefined) return { token: bodyToken, fromCookie: false };
      const cookie = parseCookies(request.headers.cookie).get(REFRESH_COOKIE);
      if (cookie === undefined || cookie.length === 0) {
        if (isBrowserClient(request)) return null;
        throw new AppError(ErrorCode.UNAUTHENTICATED, 'No refresh token: sign in again.');
      }
      assertSameOriginBrowser(request, options.corsOrigins);
      if (!COOKIE_VALUE.test(cookie)) throw new AppError(ErrorCode.TOKEN_INVALID);
      return { token: cookie, fromCookie: true };
    },
    clear,
  };
}
