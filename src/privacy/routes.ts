import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type AuthGuard, requireActor } from '../http/auth.ts';
import { accountDeletedSchema, personalDataExportSchema } from './schemas.ts';
import type { PrivacyService } from './service.ts';

export interface PrivacyRoutesOptions {
  guard: AuthGuard;
  service: PrivacyService;
}

export const privacyRoutes: FastifyPluginAsyncZod<PrivacyRoutesOptions> = async (app, { guard, service }) => {
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
        response: { 200: accountDeletedSchema },
      },
    },
    async (request) => {
      const result = await service.deleteAccount(requireActor(request));
      return { deleted: true as const, ...result };
    },
  );
};
