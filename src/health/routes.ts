import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Database } from '../db/client.ts';

const PING_TIMEOUT_MS = 2_000;

export const healthRoutes: FastifyPluginAsyncZod<{ database: Pick<Database, 'ping'> }> = async (
  app,
  { database },
) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Ready to serve: the database answers',
        response: { 200: z.object({ status: z.literal('ready') }) },
      },
    },
    async (request) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          database.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('database ping timed out')), PING_TIMEOUT_MS);
          }),
        ]);
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        throw new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The database is not reachable.', {
          retryAfter: 5,
        });
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ready' as const };
    },
  );
};
