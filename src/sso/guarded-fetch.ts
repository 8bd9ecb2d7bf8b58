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

export interface GuardedFetchOptions {
  policy: UrlPolicy;
  timeoutMs: number;
}

export class IdpRequestError extends Error {
  override readonly name = 'IdpRequestError';
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
    if (!shape.ok) return Promise.reject(new IdpRequestError(`identity provider URL ${shape.reason}`));
    const target = shape.url;
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (!options.policy.allowPrivateAddresses && isIP(literal) !== 0 && !isPublicAddress(literal)) {
      return Promise.reject(new IdpRequestError('identity provider URL points to a forbidden address'));
    }
    let body: Buffer | null = null;
    if (typeof init.body === 'string') body = Buffer.from(init.body, 'utf8');
    else if (init.body instanceof URLSearchParams) body = Buffer.from(init.body.toString(), 'utf8');
    else if (init.body instanceof Uint8Array) body = Buffer.from(init.body);
    else if (init.body !== undefined && init.body !== null) {
      return Promise.reject(new IdpRequestError('unsupported request body'));
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
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(new IdpRequestError('identity provider answer too large'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            const status = res.statusCode ?? 502;
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(payload, { status, headers: headersOf(res.headers) }));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new IdpRequestError('identity provider did not answer in time')));
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  };
}
