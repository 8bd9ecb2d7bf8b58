import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthGuard, requireActor } from '../http/auth.ts';
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
  const security = [{ bearer: [] }];

  app.post(
    '/v1/auth/signup',
    {
      schema: {
        tags,
        summary: 'Create an account and its first organisation',
        body: signupBody,
        response: { 201: signupResponse },
      },
    },
    async (request, reply) => {
      const result = await service.signup(request.body, contextOf(request));
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags,
        summary: 'Exchange credentials for tokens',
        body: loginBody,
        response: { 200: tokenPairResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const pair = await service.login(request.body, contextOf(request));
      return browser.deliver(request, reply, pair);
    },
  );

  app.post(
    '/v1/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Rotate a refresh token',
        body: refreshBody,
        response: { 200: tokenPairResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { token, fromCookie } = browser.presented(request, request.body.refreshToken);
      try {
        const pair = await service.refresh(token, contextOf(request));
        return browser.deliver(request, reply, pair);
      } catch (err) {
        if (fromCookie) browser.clear(reply);
        throw err;
      }
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      preHandler: guard.authenticated(),
      schema: { tags, security, summary: 'Revoke the current session', response: noContent },
    },
    async (request, reply) => {
      await service.logout(requireActor(request));
      browser.clear(reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/logout-all',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags,
        security,
        summary: 'Revoke every session of the user',
        response: { 200: logoutAllResponse },
      },
    },
    async (request) => service.logoutAll(requireActor(request)),
  );

  app.post(
    '/v1/auth/password',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags,
        security,
        summary: 'Change the password; other sessions are revoked',
        body: passwordChangeBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      await service.changePassword(requireActor(request), request.body);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/mfa/setup',
    {
      preHandler: guard.authenticated(),
      schema: { tags, security, summary: 'Start TOTP enrolment', response: { 200: mfaSetupResponse } },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.mfaSetup(requireActor(request));
    },
  );

  app.post(
    '/v1/auth/mfa/enable',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags,
        security,
        summary: 'Confirm TOTP with a current code; returns backup codes once',
        body: mfaCodeBody,
        response: { 200: mfaEnableResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.mfaEnable(requireActor(request), request.body.code);
    },
  );

  app.post(
    '/v1/auth/mfa/disable',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags,
        security,
        summary: 'Turn TOTP off (needs a current code or a backup code)',
        body: mfaCodeBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      await service.mfaDisable(requireActor(request), request.body.code);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags: ['me'],
        security,
        summary: 'The current user and their organisations',
        response: { 200: meResponse },
      },
    },
    async (request) => service.me(requireActor(request)),
  );
};
