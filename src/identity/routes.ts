import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthGuard, requireActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { type BrowserSession, createBrowserSession } from './browser-session.ts';
import {
  loginBody,
  logoutAllResponse,
  meResponse,
  mfaCodeBody,
  mfaEnableResponse,
  mfaSetupResponse,
  passwordChangeBody,
  refreshBody,
  revokedCountResponse,
  sessionList,
  sessionParams,
  signupBody,
  signupResponse,
  tokenPairResponse,
} from './schemas.ts';
import type { IdentityService, RequestContext } from './service.ts';

export interface IdentityRoutesOptions {
  service: IdentityService;
  guard: AuthGuard;
  /** Cookie delivery of refresh tokens to the console; without it, only the JSON body is used. */
  browserSession?: BrowserSession;
}

function contextOf(request: FastifyRequest): RequestContext {
  const ua = request.headers['user-agent'];
  return {
    ip: request.ip,
    userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null,
    requestId: request.id,
  };
}

const noContent = { 204: z.null() };

export const identityRoutes: FastifyPluginAsyncZod<IdentityRoutesOptions> = async (
  app,
  { service, guard, browserSession },
) => {
  const browser =
    browserSession ?? createBrowserSession({ cookieSecure: true, corsOrigins: [], refreshMaxAge: 0 });
  const tags = ['auth'];

  route(app, guard, {
    method: 'POST',
    url: '/v1/auth/signup',
    auth: 'public',
    tags,
    summary: 'Create an account and its first organisation',
    schema: {
      body: signupBody,
      response: { 201: signupResponse },
    },
    handler: async (request, reply) => {
      const result = await service.signup(request.body, contextOf(request));
      return reply.code(201).send(result);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/auth/login',
    auth: 'public',
    tags,
    summary: 'Exchange credentials for tokens',
    schema: {
      body: loginBody,
      response: { 200: tokenPairResponse },
    },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const pair = await service.login(request.body, contextOf(request));
      return browser.deliver(request, reply, pair);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/auth/refresh',
    auth: 'public',
    tags,
    summary: 'Rotate a refresh token (204: a browser client without a session cookie, nothing to resume)',
    schema: {
      body: refreshBody,
      response: { 200: tokenPairResponse, 204: z.null() },
    },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const presented = browser.presented(request, request.body.refreshToken);
      // The console probes for a session on every load; a signed-out load is not an error.
      if (presented === null) return reply.code(204).send(null);
      const { token, fromCookie } = presented;
      try {
        const pair = await service.refresh(token, contextOf(request));
        return browser.deliver(request, reply, pair);
      } catch (err) {
        if (fromCookie) browser.clear(reply);
        throw err;
      }
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/auth/logout',
    auth: 'authenticated',
    tags,
    summary: 'Revoke the current session',
    schema: {
      response: noContent,
    },
    handler: async (request, reply) => {
      await service.logout(requireActor(request));
      browser.clear(reply);
      return reply.code(204).send(null);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/auth/logout-all',
    auth: 'authenticated',
    tags,
    summary: 'Revoke every session of the user',
    schema: {
      response: { 200: logoutAllResponse },
    },
    handler: async (request) => service.logoutAll(requireActor(request)),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/auth/password',
    auth: 'authenticated',
    tags,
    summary: 'Change the password; other sessions are revoked',
    schema: {
      body: passwordChangeBody,
      response: noContent,
    },
    handler: async (request, reply) => {
      await service.changePassword(requireActor(request), request.body);
      return reply.code(204).send(null);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/auth/mfa/setup',
    auth: 'authenticated',
    tags,
    summary: 'Start TOTP enrolment',
    schema: {
      response: { 200: mfaSetupResponse },
    },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.mfaSetup(requireActor(request));
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/auth/mfa/enable',
    auth: 'authenticated',
    tags,
    summary: 'Confirm TOTP with a current code; returns backup codes once',
    schema: {
      body: mfaCodeBody,
      response: { 200: mfaEnableResponse },
    },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.mfaEnable(requireActor(request), request.body.code);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/auth/mfa/disable',
    auth: 'authenticated',
    tags,
    summary: 'Turn TOTP off (needs a current code or a backup code)',
    schema: {
      body: mfaCodeBody,
      response: noContent,
    },
    handler: async (request, reply) => {
      await service.mfaDisable(requireActor(request), request.body.code);
      return reply.code(204).send(null);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/me',
    auth: 'authenticated',
    tags: ['me'],
    summary: 'The current user and their organisations',
    schema: {
      response: { 200: meResponse },
    },
    handler: async (request) => service.me(requireActor(request)),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/me/sessions',
    auth: 'authenticated',
    tags: ['me'],
    summary: 'Sign-in history: the live sessions of the current user',
    schema: {
      response: { 200: sessionList },
    },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.listSessions(requireActor(request));
    },
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/me/sessions/:sessionId',
    auth: 'authenticated',
    tags: ['me'],
    summary: "Revoke one of the current user's sessions (its tokens stop working at once)",
    schema: {
      params: sessionParams,
      response: noContent,
    },
    handler: async (request, reply) => {
      await service.revokeSession(requireActor(request), request.params.sessionId);
      return reply.code(204).send(null);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/me/sessions/revoke-others',
    auth: 'authenticated',
    tags: ['me'],
    summary: 'Sign out everywhere else: revoke every session but the current one',
    schema: {
      response: { 200: revokedCountResponse },
    },
    handler: async (request) => service.revokeOtherSessions(requireActor(request)),
  });
};
