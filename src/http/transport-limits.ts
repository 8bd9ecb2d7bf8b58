import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { defaultMessage, ErrorCode, STATUS_BY_CODE } from '../core/errors.ts';
import { sendError } from './error-handler.ts';

/**
 * Transport-level limits: how long a request may take to arrive, how many sockets may be open, how
 * long a streamed answer may sit unread. Each one bounds what an idle or slow client can hold
 * (sockets, file descriptors, buffers) without sending anything a route would refuse.
 * See docs/abuse-protection.md for the defaults and variables.
 */

type HttpLimits = Config['http'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `throughput`: the body may take as long as it needs while it keeps arriving at the upload
     * floor (streamed uploads); default: the whole request must arrive within requestTimeout.
     */
    bodyTimeout?: 'deadline' | 'throughput';
  }
}

/** The Fastify options the limits need (the rest is wired by registerTransportLimits). */
export function serverOptions(limits: HttpLimits) {
  return {
    // Node's own requestTimeout cannot exempt one route (uploads), so the request deadline is
    // enforced per request below; Node keeps the header deadline.
    requestTimeout: 0,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // How often Node checks the header deadline (its default, 30 s, would triple a 10 s limit).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
  };
}

function expectsBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return (length !== undefined && length !== '0') || raw.headers['transfer-encoding'] !== undefined;
}

/** Answers 408 (if nothing was sent yet) and closes the connection: the rest of the body is unwanted. */
function cutOff(request: FastifyRequest, res: ServerResponse, reason: string): void {
  request.log.info({ reason }, 'request cut off');
  const socket = request.raw.socket;
  if (res.headersSent) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({
    error: {
      code: ErrorCode.REQUEST_TIMEOUT,
      message: defaultMessage(ErrorCode.REQUEST_TIMEOUT),
      requestId: request.id,
    },
  });
  res.writeHead(STATUS_BY_CODE[ErrorCode.REQUEST_TIMEOUT], {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
    'x-request-id': request.id,
  });
  res.end(body, () => socket.destroy());
}

/** The request deadline (or the upload throughput floor) for one request with a body. */
function watchBody(request: FastifyRequest, reply: FastifyReply, limits: HttpLimits): void {
  const raw = request.raw;
  const res = reply.raw;
  const socket: Socket = raw.socket;
  let timer: NodeJS.Timeout;
  if (request.routeOptions.config.bodyTimeout === 'throughput') {
    if (limits.uploadMinBytesPerSecond === 0) return;
    const floor = (limits.uploadMinBytesPerSecond * limits.uploadThroughputWindowMs) / 1000;
    let seen = socket.bytesRead;
    timer = setInterval(() => {
      if (raw.complete) return clearInterval(timer);
      const now = socket.bytesRead;
      // Only a client that is being read from can be blamed: while the server is not reading yet
      // (authentication, AssumeRole) or S3 pushes back (the pipe is paused), the window restarts.
      if (raw.readableFlowing === true && now - seen < floor) {
        clearInterval(timer);
        cutOff(request, res, 'upload below the minimum throughput');
      }
      seen = now;
    }, limits.uploadThroughputWindowMs);
  } else {
    timer = setTimeout(() => {
      if (!raw.complete) cutOff(request, res, 'request body not received within the request timeout');
    }, limits.requestTimeoutMs);
  }
  timer.unref();
  // Not cleared when the answer is sent: a route that answers early (401, 404) leaves the body
  // unread, and Node reads it to the end to reuse the connection; a trickle must not hold that open.
  // A kept-alive socket carries many requests: its listener goes when this body ends, or the
  // socket would collect one per request.
  const stop = () => {
    clearTimeout(timer);
    raw.off('end', stop);
    socket.off('close', stop);
  };
  raw.once('end', stop);
  socket.once('close', stop);
}

/** Per-address and total socket caps, counted on the server's `connection` event. */
function capConnections(app: FastifyInstance, limits: HttpLimits): void {
  if (limits.maxConnections === 0 && limits.maxConnectionsPerAddress === 0) return;
  let total = 0;
  // Keyed by the TCP peer: the trusted client address (X-Forwarded-For) is not known before a
  // request is parsed, so behind a proxy every socket counts against the proxy's address.
  const perAddress = new Map<string, number>();
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const mine = perAddress.get(address) ?? 0;
    if (
      (limits.maxConnections > 0 && total >= limits.maxConnections) ||
      (limits.maxConnectionsPerAddress > 0 && mine >= limits.maxConnectionsPerAddress)
    ) {
      socket.destroy();
      return;
    }
    total++;
    perAddress.set(address, mine + 1);
    socket.once('close', () => {
      total--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
}

export function registerTransportLimits(app: FastifyInstance, limits: HttpLimits): void {
  capConnections(app, limits);
  app.addHook('onRequest', (request, reply, done) => {
    if (request.raw.complete || !expectsBody(request.raw) || request.is404) return done();
    // Injected requests (tests, light-my-request) have no socket to protect.
    if (request.raw.socket instanceof Socket) watchBody(request, reply, limits);
    done();
  });
}

/**
 * An unknown route has no use for a body: it is answered 404 at once and the connection closed
 * instead of reading the body. Registered after the request-id, security-header and CORS hooks,
 * so this answer carries their headers like every other one.
 */
export function refuseBodiesOfUnknownRoutes(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.is404 || request.raw.complete || !expectsBody(request.raw)) return done();
    reply.header('connection', 'close');
    sendError(reply, request, ErrorCode.NOT_FOUND, 'Route not found.');
  });
}

/**
 * Aborts a streamed answer the client stops reading: once the response has been waiting for a
 * drain for longer than `stallMs`, the source is destroyed (for a listing that ends its S3
 * pagination) and the socket closed, so an idle reader cannot hold pages and sockets.
 */
export function abortWhenStalled(res: ServerResponse, source: Readable, stallMs: number): void {
  let stalledSince: number | null = null;
  const check = setInterval(
    () => {
      if (!res.writableNeedDrain) {
        stalledSince = null;
        return;
      }
      const now = Date.now();
      stalledSince ??= now;
      if (now - stalledSince >= stallMs) {
        clearInterval(check);
        source.destroy();
        res.destroy();
      }
    },
    Math.max(50, Math.min(1_000, stallMs / 4)),
  );
  check.unref();
  res.once('close', () => clearInterval(check));
}

/** Aborted when the connection closes before the answer was fully sent (the client went away). */
export function abortOnDisconnect(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client disconnected'));
  });
  return controller.signal;
}
