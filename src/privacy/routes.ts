import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Actor } from '../core/actor.ts';
import { type AuthGuard, requireActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { accountDeletedSchema, personalDataExportSchema } from './schemas.ts';
import type { PrivacyService } from './service.ts';

export interface PrivacyRoutesOptions {
  guard: AuthGuard;
  service: PrivacyService;
  /** Re-checks password (and MFA) before the account is deleted; throws AppError when they do not match. */
  reauthenticate: (actor: Actor, input: { password: string; totp?: string | undefined }) => Promise<void>;
}

const deleteAccountBody = z.strictObject({
  password: z.string().min(1).max(1024),
  totp: z.string().min(6).max(32).optional(),
});

export const privacyRoutes: FastifyPluginAsyncZod<PrivacyRoutesOptions> = async (
  app,
  { guard, service, reauthenticate },
) => {
  route(app, guard, {
    method: 'GET',
    url: '/v1/me/export',
    auth: 'authenticated',
    tags: ['privacy'],
    summary: 'Export all data held about you (JSON, no secrets)',
    schema: {
      response: { 200: personalDataExportSchema },
    },
    handler: async (request, reply) => {
      const data = await service.exportData(requireActor(request));
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', 'attachment; filename="rolegate-personal-data.json"')
        .send(data);
    },
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/me',
    auth: 'authenticated',
    tags: ['privacy'],
    summary:
      'Delete your account (refused while you are the last owner of an organisation with other members)',
    schema: {
      body: deleteAccountBody,
      response: { 200: accountDeletedSchema },
    },
    handler: async (request) => {
      const actor = requireActor(request);
      await reauthenticate(actor, request.body);
      const result = await service.deleteAccount(actor);
      return { deleted: true as const, ...result };
    },
  });
};
