import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Actor } from '../core/actor.ts';
import { type AuthGuard, requireActor } from '../http/auth.ts';
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
  app.get(
    '/v1/me/export',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags: ['privacy'],
        summary: 'Export all data held about you (JSON, no secrets)',
        security: [{ bearer: [] }],
        response: { 200: personalDataExportSchema },
      },
    },
    async (request, reply) => {
      const data = await service.exportData(requireActor(request));
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', 'attachment; filename="rolegate-personal-data.json"')
        .send(data);
    },
  );

  app.delete(
    '/v1/me',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags: ['privacy'],
        summary:
          'Delete your account (refused while you are the last owner of an organisation with other members)',
        security: [{ bearer: [] }],
        body: deleteAccountBody,
        response: { 200: accountDeletedSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      await reauthenticate(actor, request.body);
      const result = await service.deleteAccount(actor);
      return { deleted: true as const, ...result };
    },
  );
};
