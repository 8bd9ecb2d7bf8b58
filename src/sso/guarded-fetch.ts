import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import {
  checkWebhookUrlShape,
  guardedLookup,
  isPublicAddress,
  type UrlPolicy,
} from '../webhooks/url-safety.ts';

/**
 * The fetch openid-client uses to talk to an organisation's identity provider. The issuer URL is
 * chosen by a tenant, and discovery then names more URLs (token, JWKS, userinfo), so every request
 * is held to the webhook URL policy (SSRF): http(s) only (https in production), no private,
 * loopback or link-local address, checked inside the socket's DNS lookup so that a name which
 * re-resolves to an internal address at connect time is refused. No redirects are followed,
 * answers are capped in size and time.
 */

const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Statuses the Fetch API requires a null body for (Response throws otherwise). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

export interface GuardedFetchOptions {
  policy: UrlPolicy;
  timeoutMs: number;
}

/** Fixed, tenant-safe reasons a request to an identity provider failed (never the raw cause). */
export type IdpFailureReason =
  | 'forbidden_url'
  | 'unreachable'
  | 'timeout'
  | 'answer_too_large'
  | 'invalid_http_status'
  | 'unreadable_answer'
  | 'unsupported_request';

export class IdpRequestError extends Error {
  override readonly name = 'IdpRequestError';
  readonly reason: IdpFailureReason;
  constructor(message: string, reason: IdpFailureReason, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

function headersOf(raw: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}

export function createGuardedFetch(options: GuardedFetchOptions) {
  return (
    url: string,
    init: { body?: unknown; headers: Record<string, string>; method: string; signal?: AbortSignal },
  ): Promise<Response> => {
    const shape = checkWebhookUrlShape(url, options.policy);
    if (!shape.ok)
      return Promise.reject(new IdpRequestError(`identity provider URL ${shape.reason}`, 'forbidden_url'));
    const target = shape.url;
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (!options.policy.allowPrivateAddresses && isIP(literal) !== 0 && !isPublicAddress(literal)) {
      return Promise.reject(
        new IdpRequestError('identity provider URL points to a forbidden address', 'forbidden_url'),
      );
    }
    let body: Buffer | null = null;
    if (typeof init.body === 'string') body = Buffer.from(init.body, 'utf8');
    else if (init.body instanceof URLSearchParams) body = Buffer.from(init.body.toString(), 'utf8');
    else if (init.body instanceof Uint8Array) body = Buffer.from(init.body);
    else if (init.body !== undefined && init.body !== null) {
      return Promise.reject(new IdpRequestError('unsupported request body', 'unsupported_request'));
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        target,
        {
          method: init.method,
          headers: {
            ...init.headers,
            ...(body === null ? {} : { 'content-length': String(body.length) }),
          },
          lookup: guardedLookup(options.policy),
          agent: false,
          timeout: options.timeoutMs,
          ...(init.signal === undefined ? {} : { signal: init.signal }),
        },
        (res) => {
          // Every listener body is guarded: a throw inside a stream callback escapes the promise
          // and becomes an uncaught exception (process exit), and the status and headers here are
          // chosen by a tenant's server.
          const fail = (err: unknown) => {
            reject(
              err instanceof IdpRequestError
                ? err
                : new IdpRequestError('identity provider answer unreadable', 'unreadable_answer', {
                    cause: err,
                  }),
            );
            res.destroy();
          };
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            try {
              size += chunk.length;
              if (size > MAX_RESPONSE_BYTES) {
                req.destroy(new IdpRequestError('identity provider answer too large', 'answer_too_large'));
                return;
              }
              chunks.push(chunk);
            } catch (err) {
              fail(err);
            }
          });
          res.on('end', () => {
            try {
              const status = res.statusCode;
              // A status the Fetch API cannot represent (1xx, 6xx+, garbage) is a broken transport.
              if (status === undefined || !Number.isInteger(status) || status < 200 || status > 599) {
                throw new IdpRequestError(
                  'identity provider answered with an invalid HTTP status',
                  'invalid_http_status',
                );
              }
              const payload = NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks);
              resolve(new Response(payload, { status, headers: headersOf(res.headers) }));
            } catch (err) {
              fail(err);
            }
          });
          res.on('error', fail);
        },
      );
      req.on('timeout', () =>
        req.destroy(new IdpRequestError('identity provider did not answer in time', 'timeout')),
      );
      req.on('error', (err) =>
        reject(
          err instanceof IdpRequestError
            ? err
            : new IdpRequestError('identity provider unreachable', 'unreachable', { cause: err }),
        ),
      );
      req.end(body ?? undefined);
    });
  };
}
