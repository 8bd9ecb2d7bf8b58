import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { AppError, ErrorCode } from '../core/errors.ts';

/**
 * Load shedding: when the sampled event-loop delay, heap or RSS exceed their thresholds
 * (`ROLEGATE_PRESSURE_*`; 0 disables a check), new requests are answered at once with 503
 * `service_unavailable` and `Retry-After`, in the standard error shape, instead of queueing until
 * the process falls over. `/healthz` (liveness) is exempt so an orchestrator does not kill a busy
 * but healthy process; `/readyz` is shed like everything else, so load balancers drain the node.
 *
 * Register it before the rate limiter: an overloaded node should not spend a Redis round trip on a
 * request it is going to refuse.
 */
export const LOAD_SHEDDING_EXEMPT = new Set(['/healthz']);

export async function registerLoadShedding(
  app: FastifyInstance,
  pressure: Config['pressure'],
): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: pressure.maxEventLoopDelayMs,
    maxHeapUsedBytes: pressure.maxHeapUsedBytes,
    maxRssBytes: pressure.maxRssBytes,
    sampleInterval: pressure.sampleIntervalMs,
    retryAfter: pressure.retryAfterSeconds,
    pressureHandler: (request: FastifyRequest) => {
      if (LOAD_SHEDDING_EXEMPT.has(request.routeOptions.url ?? '')) return undefined;
      return Promise.reject(
        new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The server is overloaded; retry later.', {
          retryAfter: pressure.retryAfterSeconds,
        }),
      );
    },
  });
}
