import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Database } from '../db/client.ts';
import type { SecretWatcher } from '../secrets/references.ts';

const PING_TIMEOUT_MS = 2_000;

/**
 * Secrets given by reference: `kept` means the last re-read failed or found another shape and the
 * node runs on the last good value; `restartPending`, a changed value that applies at the next
 * restart. Names and states only, never values or error details (this route is public).
 */
const secretState = z.object({
  variable: z.string(),
  state: z.enum(['current', 'kept']),
  restartPending: z.boolean(),
});

export const healthRoutes: FastifyPluginAsyncZod<{
  database: Pick<Database, 'ping'>;
  secrets?: Pick<SecretWatcher, 'status'>;
}> = async (app, { database, secrets }) => {
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
        response: {
          200: z.object({ status: z.literal('ready'), secrets: z.array(secretState).optional() }),
        },
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
      if (secrets === undefined) return { status: 'ready' as const };
      // Still ready: a kept secret is the last good one, which the node was started with.
      return {
        status: 'ready' as const,
        secrets: secrets
          .status()
          .map((s) => ({ variable: s.variable, state: s.state, restartPending: s.restartPending })),
      };
    },
  );
};
