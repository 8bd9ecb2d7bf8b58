import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import {
  AppError,
  ErrorCode as Codes,
  defaultMessage,
  type ErrorCode,
  STATUS_BY_CODE,
} from '../core/errors.ts';
import { isDatabaseUnavailable, isTransactionConflict } from '../db/unavailable.ts';

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
}

/** Fastify's own client errors, mapped to our codes; anything else is a 500. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: Codes.PAYLOAD_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: Codes.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: Codes.BAD_REQUEST,
  FST_ERR_CTP_EMPTY_JSON_BODY: Codes.BAD_REQUEST,
  FST_ERR_CTP_INVALID_JSON_BODY: Codes.BAD_REQUEST,
  FST_ERR_CTP_MISSING_CONTENT_TYPE: Codes.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_VALIDATION: Codes.VALIDATION_FAILED,
  FST_ERR_BAD_URL: Codes.BAD_REQUEST,
  FST_ERR_ASYNC_CONSTRAINT: Codes.BAD_REQUEST,
};

export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
  retryAfter?: number,
): FastifyReply {
  const body: ErrorBody = { error: { code, message, requestId: request.id } };
  if (details !== undefined) body.error.details = details;
  if (retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  return reply.status(STATUS_BY_CODE[code]).type('application/json; charset=utf-8').send(body);
}

export function mapError(error: unknown): {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  retryAfter?: number;
  internal: boolean;
} {
  if (error instanceof AppError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
      ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
      internal: error.status >= 500 && error.code === Codes.INTERNAL,
    };
  }
  if (typeof error === 'object' && error !== null) {
    const fe = error as FastifyError;
    if (hasZodFastifySchemaValidationErrors(fe)) {
      const fields = fe.validation.map((v) => ({
        location: fe.validationContext ?? 'request',
        path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'),
        message: v.message ?? 'invalid',
      }));
      return {
        code: Codes.VALIDATION_FAILED,
        message: defaultMessage(Codes.VALIDATION_FAILED),
        details: { fields },
        internal: false,
      };
    }
    if (isResponseSerializationError(fe)) {
      return { code: Codes.INTERNAL, message: defaultMessage(Codes.INTERNAL), internal: true };
    }
    const mapped = fe.code === undefined ? undefined : FASTIFY_CODES[fe.code];
    if (mapped !== undefined) return { code: mapped, message: defaultMessage(mapped), internal: false };
    // Client errors raised by plugins (e.g. 4xx from @fastify/* with a statusCode) keep their status class.
    if (typeof fe.statusCode === 'number' && fe.statusCode === 429) {
      return { code: Codes.RATE_LIMITED, message: defaultMessage(Codes.RATE_LIMITED), internal: false };
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode === 503) {
      return {
        code: Codes.SERVICE_UNAVAILABLE,
        message: defaultMessage(Codes.SERVICE_UNAVAILABLE),
        internal: false,
      };
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return { code: Codes.BAD_REQUEST, message: defaultMessage(Codes.BAD_REQUEST), internal: false };
    }
  }
  if (isDatabaseUnavailable(error)) {
    // Invariant 6: an unreachable database fails closed with a 503 the client can retry, not a 500.
    return {
      code: Codes.SERVICE_UNAVAILABLE,
      message: 'The database is not reachable; retry shortly.',
      retryAfter: 5,
      internal: false,
    };
  }
  if (isTransactionConflict(error)) {
    // A deadlock or serialization failure: PostgreSQL rolled the whole transaction back.
    return {
      code: Codes.SERVICE_UNAVAILABLE,
      message: 'The request collided with a concurrent one and was not applied; retry it.',
      retryAfter: 1,
      internal: false,
    };
  }
  return { code: Codes.INTERNAL, message: defaultMessage(Codes.INTERNAL), internal: true };
}

export function registerErrorHandling(
  app: FastifyInstance,
  options: {
    notFoundFallback?: (request: FastifyRequest, reply: FastifyReply) => boolean;
    /** The methods registered for a concrete URL (for 405 + Allow when the path exists). */
    allowedMethods?: (url: string) => string[];
  } = {},
): void {
  app.setErrorHandler((error, request, reply) => {
    const mapped = mapError(error);
    const status = STATUS_BY_CODE[mapped.code];
    if (status >= 500) {
      // Internals (stack, SQL, AWS messages) go to the log only.
      request.log.error({ err: error, code: mapped.code }, 'request failed');
    } else {
      request.log.info({ code: mapped.code, status }, 'request rejected');
    }
    return sendError(reply, request, mapped.code, mapped.message, mapped.details, mapped.retryAfter);
  });
  app.setNotFoundHandler((request, reply) => {
    if (options.notFoundFallback?.(request, reply) === true) return reply;
    const allowed = options.allowedMethods?.(request.url) ?? [];
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header('allow', allowed.join(', '));
      return sendError(
        reply,
        request,
        Codes.METHOD_NOT_ALLOWED,
        `${request.method} is not allowed here; this path answers ${allowed.join(', ')}.`,
      );
    }
    return sendError(reply, request, Codes.NOT_FOUND, 'Route not found.');
  });
}
