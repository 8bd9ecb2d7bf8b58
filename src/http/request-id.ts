import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** An incoming request id is accepted only when it is short and boring, so it is safe in logs and headers. */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export function genRequestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && WELL_FORMED.test(incoming)) return incoming;
  return `req_${randomUUID().replaceAll('-', '')}`;
}
