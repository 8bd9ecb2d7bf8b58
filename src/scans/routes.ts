import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCode } from '../core/errors.ts';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { TERMINAL_JOB_STATUSES } from '../jobs/runner.ts';
import type { ScanView } from './jobs.ts';
import type { ScansModule } from './module.ts';
import {
  cleanupBody,
  cleanupResult,
  connParams,
  connScanParams,
  findingParams,
  findingsList,
  findingsQuery,
  findingView,
  orgParams,
  scanList,
  scanListQuery,
  scanParams,
  scanView,
  startScanBody,
} from './schemas.ts';
import { requesterOf } from './service.ts';

export interface ScanRoutesOptions {
  guard: AuthGuard;
  scans: ScansModule;
  /** Server-sent events: comment heartbeat and database poll intervals. */
  sseHeartbeatMs?: number;
  ssePollMs?: number;
  /** Progress streams open at once per user or API key, and per organisation (issue 25, item 7). */
  streamsPerPrincipal: number;
  streamsPerOrg: number;
  /** A stream is closed (with a final `close` event) after this long; the client may reconnect. */
  streamMaxSeconds: number;
}

/** Why the server ended a progress stream before the job did (the `close` event's `reason`). */
type CloseReason = 'lifetime' | 'unauthorized' | 'not_found' | 'unavailable';

/** Open streams per key; an entry lives only while its count is above zero (bounded by the caps). */
function createStreamCounter() {
  const open = new Map<string, number>();
  return {
    count: (key: string) => open.get(key) ?? 0,
    add(key: string) {
      open.set(key, (open.get(key) ?? 0) + 1);
    },
    remove(key: string) {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    },
  };
}

const STREAM_RETRY_AFTER_SECONDS = 5;

const requester = requesterOf;

export const scanRoutes: FastifyPluginAsyncZod<ScanRoutesOptions> = async (app, opts) => {
  const { guard, scans } = opts;
  const heartbeatMs = opts.sseHeartbeatMs ?? 15_000;
  const pollMs = opts.ssePollMs ?? 2_000;
  const streams = new Set<ServerResponse>();
  const openStreams = createStreamCounter();
  // The same check as the route's guard, run again on every poll: a revoked API key, a revoked
  // session, an expired access token or a removed membership ends the stream within one poll.
  const reauthorize = guard.orgPermission('scans:read');

  app.addHook('onReady', async () => {
    await scans.runner.recover();
  });
  app.addHook('onClose', async () => {
    for (const s of streams) s.end();
    await scans.runner.stop();
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/connections/:connId/scans',
    auth: { org: 'scans:run' },
    rateLimit: 'expensive',
    tags: ['scans'],
    summary: 'Start a cost-waste scan of the connection’s regions (runs in the background)',
    schema: {
      params: connParams,
      body: startScanBody,
      response: { 202: scanView },
    },
    handler: async (request, reply) => {
      const actor = requireOrgActor(request);
      const view = await scans.service.start(requester(actor), request.params.connId);
      return reply.status(202).send(view);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connections/:connId/scans',
    auth: { org: 'scans:read' },
    tags: ['scans'],
    summary: 'A connection’s scans, newest first, with the findings each was the latest to see',
    schema: {
      params: connParams,
      querystring: scanListQuery,
      response: { 200: scanList },
    },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return scans.service.listForConnection(
        actor.orgId,
        request.params.connId,
        { cursor: request.query.cursor, limit: request.query.limit },
        actor.keyScope,
      );
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/scans/:scanId',
    auth: { org: 'scans:read' },
    tags: ['scans'],
    summary: 'A scan job’s status and progress',
    schema: {
      params: scanParams,
      response: { 200: scanView },
    },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return scans.service.get(actor.orgId, request.params.scanId, undefined, actor.keyScope);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/connections/:connId/scans/:scanId',
    auth: { org: 'scans:read' },
    tags: ['scans'],
    summary: 'A scan job’s status and progress',
    schema: {
      params: connScanParams,
      response: { 200: scanView },
    },
    handler: async (request) => {
      const actor = requireOrgActor(request);
      return scans.service.get(actor.orgId, request.params.scanId, request.params.connId, actor.keyScope);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/scans/:scanId/cancel',
    auth: { org: 'scans:run' },
    tags: ['scans'],
    summary: 'Cancel a queued or running scan',
    schema: {
      params: scanParams,
      body: z.strictObject({}).nullish(),
      response: { 200: scanView },
    },
    handler: async (request) =>
      scans.service.cancel(requester(requireOrgActor(request)), request.params.scanId),
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/scans/:scanId/events',
    auth: { org: 'scans:read' },
    tags: ['scans'],
    summary: 'Server-sent events: `progress` on every change, `end` when the job ends',
    schema: {
      params: scanParams,
    },
    handler: async (request, reply) => {
      const actor = requireOrgActor(request);
      const orgId = actor.orgId;
      const scanId = request.params.scanId;
      const first = await scans.service.get(orgId, scanId, undefined, actor.keyScope);
      const principalKey = `principal:${actor.type}:${actor.id}`;
      const orgKey = `org:${orgId}`;
      if (
        openStreams.count(principalKey) >= opts.streamsPerPrincipal ||
        openStreams.count(orgKey) >= opts.streamsPerOrg
      ) {
        throw new AppError(ErrorCode.TOO_MANY_STREAMS, undefined, {
          retryAfter: STREAM_RETRY_AFTER_SECONDS,
          details: { perPrincipal: opts.streamsPerPrincipal, perOrganization: opts.streamsPerOrg },
        });
      }
      openStreams.add(principalKey);
      openStreams.add(orgKey);
      reply.hijack();
      const raw = reply.raw;
      // Headers set by earlier hooks (security headers, CORS, x-request-id) carry over to the raw response.
      const headers: Record<string, string | number | string[]> = {};
      for (const [name, value] of Object.entries(reply.getHeaders()))
        if (value !== undefined) headers[name] = value;
      raw.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      streams.add(raw);
      let last = '';
      let closed = false;
      let polling = false;
      const timers: NodeJS.Timeout[] = [];
      let unsubscribe = () => {};
      const close = () => {
        if (closed) return;
        closed = true;
        for (const t of timers) clearInterval(t);
        unsubscribe();
        streams.delete(raw);
        openStreams.remove(principalKey);
        openStreams.remove(orgKey);
        if (!raw.writableEnded) raw.end();
      };
      const closeWith = (reason: CloseReason) => {
        if (closed) return;
        raw.write(`event: close\ndata: ${JSON.stringify({ reason })}\n\n`);
        close();
      };
      const send = (view: ScanView) => {
        if (closed) return;
        const data = JSON.stringify(view);
        if (data !== last) {
          last = data;
          raw.write(`event: progress\ndata: ${data}\n\n`);
        }
        if (TERMINAL_JOB_STATUSES.has(view.status)) {
          raw.write(`event: end\ndata: ${JSON.stringify({ status: view.status })}\n\n`);
          close();
        }
      };
      unsubscribe = scans.runner.subscribe(scanId, send);
      request.raw.on('close', close);
      raw.on('close', close);
      timers.push(
        setInterval(() => {
          if (!closed) raw.write(': heartbeat\n\n');
        }, heartbeatMs),
        // Another process may run the job: the database is the source of truth.
        setInterval(() => {
          if (polling || closed) return;
          polling = true;
          reauthorize
            .call(app, request, reply)
            .then(
              () => scans.service.get(orgId, scanId).then(send),
              (err: unknown) => {
                const denied = err instanceof AppError && err.status < 500;
                if (!denied) request.log.warn({ err, scanId }, 'scan event re-authorisation failed');
                closeWith(denied ? 'unauthorized' : 'unavailable');
              },
            )
            .catch((err: unknown) => {
              // The scan row is gone when its connection or organisation was deleted (possibly
              // through another node, whose in-process end event never reaches this one).
              if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) {
                closeWith('not_found');
                return;
              }
              request.log.warn({ err, scanId }, 'scan event poll failed');
              closeWith('unavailable');
            })
            .finally(() => {
              polling = false;
            });
        }, pollMs),
      );
      // Bounded lifetime: long-lived streams would otherwise outlast every later check.
      const lifetime = setTimeout(() => closeWith('lifetime'), opts.streamMaxSeconds * 1000);
      lifetime.unref();
      timers.push(lifetime);
      send(first);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/findings',
    auth: { org: 'scans:read' },
    tags: ['scans'],
    summary: 'Findings with totals by type and region (estimated USD per month)',
    schema: {
      params: orgParams,
      querystring: findingsQuery,
      response: { 200: findingsList },
    },
    handler: async (request) => {
      const q = request.query;
      const actor = requireOrgActor(request);
      return scans.service.listFindings(
        actor.orgId,
        {
          connectionId: q.connectionId,
          groupId: q.groupId,
          type: q.type,
          region: q.region,
          status: q.status,
        },
        q.cursor,
        q.limit,
        actor.keyScope,
      );
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/findings/:findingId/dismiss',
    auth: { org: 'findings:dismiss' },
    tags: ['scans'],
    summary: 'Dismiss a finding (it stays dismissed across rescans)',
    schema: {
      params: findingParams,
      body: z.strictObject({}).nullish(),
      response: { 200: findingView },
    },
    handler: async (request) =>
      scans.service.dismiss(requester(requireOrgActor(request)), request.params.findingId),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/findings/:findingId/cleanup',
    auth: { org: 'cleanup:execute' },
    rateLimit: 'expensive',
    tags: ['scans'],
    summary: 'Guarded clean-up: dry run first (returns a confirmToken), then the real action with confirm',
    schema: {
      params: findingParams,
      body: cleanupBody,
      response: { 200: cleanupResult },
    },
    handler: async (request) =>
      scans.cleanup.run(requireOrgActor(request), request.params.findingId, request.body),
  });
};
