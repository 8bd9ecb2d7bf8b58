import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  type CorrelationIds,
  type CorrelationRegistry,
  createCorrelationRegistry,
} from '../core/correlation.ts';

/**
 * Request ids are Rolegate's own: every request gets a fresh `req_<32 hex>`, whatever the client
 * sends. The id names the request in RoleSessionName (the customer's CloudTrail), the audit
 * record's `requestId`, logs and error bodies, so a client must not be able to choose it (or to
 * reuse another request's). A client's own id travels separately as its correlation id.
 */
export function genRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '')}`;
}

/** A correlation id is accepted only when it is short and boring: safe in logs, headers and details. */
export const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** `x-correlation-id`, else an incoming `x-request-id`; null when absent or not well formed (dropped, never echoed). */
export function correlationIdOf(headers: Record<string, string | string[] | undefined>): string | null {
  for (const name of ['x-correlation-id', 'x-request-id']) {
    const value = headers[name];
    if (value === undefined) continue;
    return typeof value === 'string' && CORRELATION_ID.test(value) ? value : null;
  }
  return null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The client's validated correlation id (see correlationIdOf); null when it sent none or a bad one. */
    correlationId: string | null;
  }
}

/**
 * Echoes Rolegate's request id (and the client's correlation id, when valid) on every response and
 * remembers the correlation id while the request is in flight (in the core's registry,
 * src/core/correlation.ts), so audit records written for the request carry it in
 * `details.correlationId`.
 */
export function registerRequestIds(
  app: FastifyInstance,
  inFlight: CorrelationRegistry = createCorrelationRegistry(),
): CorrelationIds {
  app.decorateRequest('correlationId', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const correlationId = correlationIdOf(request.headers);
    if (correlationId === null) return;
    request.correlationId = correlationId;
    inFlight.set(request.id, correlationId);
    reply.header('x-correlation-id', correlationId);
    // 'close' also fires for hijacked (streamed) responses and aborted requests, unlike onResponse.
    reply.raw.once('close', () => inFlight.delete(request.id));
  });
  return { of: (requestId) => inFlight.of(requestId) };
}
