import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { parseCookies, refreshCookie } from '../identity/browser-session.ts';
import {
  addDomainBody,
  domainList,
  domainParams,
  domainView,
  ssoCallbackQuery,
  ssoConfigBody,
  ssoConfigView,
  ssoOrgParams,
  ssoStartQuery,
  testConnectionView,
} from './schemas.ts';
import { SSO_LOGIN_TTL_MS, type SsoService } from './service.ts';

export interface SsoRoutesOptions {
  guard: AuthGuard;
  service: SsoService;
  redirectUri: string | null;
  cookieSecure: boolean;
  /** Lifetime of the refresh cookie, seconds (as for a password sign-in). */
  refreshMaxAge: number;
  /** Where the browser lands after a successful sign-in (the console restores the session there). */
  consolePath?: string;
}

/** Binds a sign-in to the browser that started it (login CSRF): sent back only to the callback. */
export const SSO_STATE_COOKIE = 'rolegate_sso_state';
const SSO_COOKIE_PATH = '/v1/auth/sso';

function stateCookie(value: string, secure: boolean, maxAge: number): string {
  // Lax, not Strict: the callback is a top-level navigation coming from the identity provider.
  const parts = [
    `${SSO_STATE_COOKIE}=${value}`,
    `Path=${SSO_COOKIE_PATH}`,
    `Max-Age=${maxAge}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

const noContent = { 204: z.null() };

/**
 * A browser navigating (start, or back from the provider) gets the console with the error code
 * instead of a JSON page; API clients get the usual JSON error. Only a code from the fixed set of
 * AppError codes goes into the URL, never a message.
 */
function browserError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply | null {
  const accept = request.headers.accept;
  if (!(err instanceof AppError) || typeof accept !== 'string' || !accept.includes('text/html')) return null;
  request.log.info({ code: err.code, status: err.status }, 'single sign-on refused');
  return reply.redirect(`/?sso_error=${encodeURIComponent(err.code)}`, 302);
}

export const ssoRoutes: FastifyPluginAsyncZod<SsoRoutesOptions> = async (app, options) => {
  const { guard, service } = options;
  const tags = ['sso'];

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/sso',
    auth: { org: 'sso:read' },
    tags,
    summary: 'The organisation’s single sign-on settings (the client secret is never returned)',
    schema: { params: ssoOrgParams, response: { 200: ssoConfigView } },
    handler: async (request) => service.getConfig(requireOrgActor(request)),
  });

  route(app, guard, {
    method: 'PUT',
    url: '/v1/orgs/:orgId/sso',
    auth: { org: 'sso:manage' },
    tags,
    summary: 'Configure the organisation’s OpenID Connect provider (owners)',
    schema: { params: ssoOrgParams, body: ssoConfigBody, response: { 200: ssoConfigView } },
    handler: async (request) => service.putConfig(requireOrgActor(request), request.body),
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/orgs/:orgId/sso',
    auth: { org: 'sso:manage' },
    tags,
    summary: 'Remove single sign-on (owners)',
    schema: { params: ssoOrgParams, response: noContent },
    handler: async (request, reply) => {
      await service.deleteConfig(requireOrgActor(request));
      return reply.code(204).send(null);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/sso/test',
    auth: { org: 'sso:manage' },
    rateLimit: 'expensive',
    tags,
    summary: 'Fetch the provider’s discovery document with the stored settings',
    schema: { params: ssoOrgParams, response: { 200: testConnectionView } },
    handler: async (request) => service.testConnection(requireOrgActor(request)),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/sso/domains',
    auth: { org: 'sso:read' },
    tags,
    summary: 'Email domains the organisation claims, with their DNS verification records',
    schema: { params: ssoOrgParams, response: { 200: domainList } },
    handler: async (request) => ({ items: await service.listDomains(requireOrgActor(request)) }),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/sso/domains',
    auth: { org: 'sso:manage' },
    tags,
    summary: 'Claim an email domain; returns the TXT record that proves it',
    schema: { params: ssoOrgParams, body: addDomainBody, response: { 201: domainView } },
    handler: async (request, reply) => {
      const created = await service.addDomain(requireOrgActor(request), request.body.domain);
      return reply.code(201).send(created);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/sso/domains/:domainId/verify',
    auth: { org: 'sso:manage' },
    rateLimit: 'expensive',
    tags,
    summary: 'Look up the domain’s TXT record now',
    schema: { params: domainParams, response: { 200: domainView } },
    handler: async (request) => service.verifyDomain(requireOrgActor(request), request.params.domainId),
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/orgs/:orgId/sso/domains/:domainId',
    auth: { org: 'sso:manage' },
    tags,
    summary: 'Release a domain',
    schema: { params: domainParams, response: noContent },
    handler: async (request, reply) => {
      await service.removeDomain(requireOrgActor(request), request.params.domainId);
      return reply.code(204).send(null);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/auth/sso/start',
    auth: 'public',
    tags: ['auth'],
    summary: 'Start a single sign-on: redirect to the organisation’s identity provider',
    schema: {
      querystring: ssoStartQuery,
      response: { 200: z.object({ redirectUrl: z.string() }), 302: z.null() },
    },
    handler: async (request, reply) => {
      let started: { redirectUrl: string; state: string };
      try {
        started = await service.start({ email: request.query.email, orgId: request.query.org });
      } catch (err) {
        const redirected = browserError(request, reply, err);
        if (redirected !== null) return redirected;
        throw err;
      }
      const { redirectUrl, state } = started;
      reply.header('cache-control', 'no-store');
      reply.header(
        'set-cookie',
        stateCookie(state, options.cookieSecure, Math.floor(SSO_LOGIN_TTL_MS / 1000)),
      );
      if (request.query.mode === 'json') return { redirectUrl };
      return reply.redirect(redirectUrl, 302);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/auth/sso/callback',
    auth: 'public',
    tags: ['auth'],
    summary:
      'The identity provider’s redirect back: opens a session (refresh cookie) and goes to the console',
    // The provider adds parameters of its own (iss, session_state, scope…); openid-client reads the
    // full URL, so unknown ones are tolerated here, each bounded.
    schema: { querystring: ssoCallbackQuery, response: { 302: z.null() } },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      // Without a public URL the service refuses before this URL is used.
      const callbackUrl = new URL(options.redirectUri ?? 'http://unset.invalid/');
      const raw = request.raw.url ?? '';
      const q = raw.indexOf('?');
      callbackUrl.search = q === -1 ? '' : raw.slice(q);
      const presented = parseCookies(request.headers.cookie).get(SSO_STATE_COOKIE) ?? null;
      const clearState = stateCookie('', options.cookieSecure, 0);
      try {
        const ua = request.headers['user-agent'];
        const pair = await service.callback(
          { callbackUrl, stateCookie: presented },
          {
            ip: request.ip,
            userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null,
            requestId: request.id,
          },
        );
        reply.header('set-cookie', [
          clearState,
          refreshCookie(pair.refreshToken, { secure: options.cookieSecure, maxAge: options.refreshMaxAge }),
        ]);
        return reply.redirect(options.consolePath ?? '/', 302);
      } catch (err) {
        reply.header('set-cookie', clearState);
        const redirected = browserError(request, reply, err);
        if (redirected !== null) return redirected;
        throw err;
      }
    },
  });
};
