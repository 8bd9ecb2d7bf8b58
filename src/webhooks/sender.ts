import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { guardedLookup, isPublicAddress, type UrlPolicy } from './url-safety.ts';

/**
 * One HTTP attempt of one webhook message, signed by the Standard Webhooks scheme
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), so receivers
 * verify it with any off-the-shelf Standard Webhooks library. No redirect is followed, the
 * connection is refused for non-public addresses (see url-safety.ts), and the whole attempt is
 * bounded by `timeoutMs`. The response body is discarded unread beyond its first bytes.
 */

export interface SendInput {
  url: string;
  /** `whsec_<base64>` secrets are Standard Webhooks keys; any other string is used raw. */
  secret: string;
  messageId: string;
  timestamp: Date;
  body: string;
  timeoutMs: number;
  policy: UrlPolicy;
}

export type SendResult =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string; retryable: boolean };

export function signerFor(secret: string): Webhook {
  return secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
}

export function signedHeaders(secret: string, messageId: string, timestamp: Date, body: string) {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signerFor(secret).sign(messageId, timestamp, body),
  };
}

function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

export function sendWebhook(input: SendInput): Promise<SendResult> {
  const url = new URL(input.url);
  // Node skips `lookup` for an IP-literal host, so the address rule is applied here as well: a URL
  // stored before the rules were tightened is held to today's rules at every delivery.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!input.policy.allowPrivateAddresses && isIP(literal) !== 0 && !isPublicAddress(literal)) {
    return Promise.resolve({ ok: false, status: null, error: 'forbidden address', retryable: false });
  }
  if (input.policy.requireHttps && url.protocol !== 'https:') {
    return Promise.resolve({ ok: false, status: null, error: 'https required', retryable: false });
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(input.body),
          'user-agent': 'Rolegate-Webhooks/1',
          ...signedHeaders(input.secret, input.messageId, input.timestamp, input.body),
        },
        lookup: guardedLookup(input.policy),
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        if (status >= 200 && status < 300) finish({ ok: true, status });
        else if (status >= 300 && status < 400) {
          finish({ ok: false, status, error: 'redirect not followed', retryable: false });
        } else finish({ ok: false, status, error: `status ${status}`, retryable: retryableStatus(status) });
        res.destroy();
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, status: null, error: 'timed out', retryable: true });
    }, input.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const forbidden = err.name === 'ForbiddenAddressError';
      finish({
        ok: false,
        status: null,
        error: forbidden ? 'forbidden address' : (err.code ?? err.name),
        // A forbidden address may be a transient DNS answer; retrying is harmless, it is refused again.
        retryable: true,
      });
    });
    req.end(input.body);
  });
}
