import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { type ScanView, TERMINAL } from './jobs.ts';
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
}

const requester = requesterOf;

export const scanRoutes: FastifyPluginAsyncZod<ScanRoutesOptions> = async (app, opts) => {
  const { guard, scans } = opts;
  const heartbeatMs = opts.sseHeartbeatMs ?? 15_000;
  const pollMs = opts.ssePollMs ?? 2_000;
  const streams = new Set<ServerResponse>();

  app.addHook('onReady', async () => {
    await scans.runner.recover();
  });
  app.addHook('onClose', async () => {
    for (const s of streams) s.end();
    await scans.runner.stop();
  });

  app.post(
    '/v1/orgs/:orgId/connections/:connId/scans',
    {
      preHandler: guard.orgPermission('scans:run'),
      config: { permission: 'scans:run', rateLimitClass: 'expensive' },
      schema: {
        tags: ['scans'],
        summary: 'Start a cost-waste scan of the connection’s regions (runs in the background)',
        params: connParams,
        body: startScanBody,
        response: { 202: scanView },
      },
    },
    async (request, reply) => {
      const actor = requireOrgActor(request);
      const view = await scans.service.start(requester(actor), request.params.connId);
      return reply.status(202).send(view);
    },
  );

  app.get(
    '/v1/orgs/:orgId/scans/:scanId',
    {
      preHandler: guard.orgPermission('scans:read'),
      config: { permission: 'scans:read' },
      schema: {
        tags: ['scans'],
        summary: 'A scan job’s status and progress',
        params: scanParams,
        response: { 200: scanView },
      },
    },
    async (request) => {
      const actor = requireOrgActor(request);
      return scans.service.get(actor.orgId, request.params.scanId, undefined, actor.keyScope);
    },
  );

  app.get(
    '/v1/orgs/:orgId/connections/:connId/scans/:scanId',
    {
      preHandler: guard.orgPermission('scans:read'),
      config: { permission: 'scans:read' },
      schema: {
        tags: ['scans'],
        summary: 'A scan job’s status and progress',
        params: connScanParams,
        response: { 200: scanView },
      },
    },
    async (request) => {
      const actor = requireOrgActor(request);
      return scans.service.get(actor.orgId, request.params.scanId, request.params.connId, actor.keyScope);
    },
  );

  app.post(
    '/v1/orgs/:orgId/scans/:scanId/cancel',
    {
      preHandler: guard.orgPermission('scans:run'),
      config: { permission: 'scans:run' },
      schema: {
        tags: ['scans'],
        summary: 'Cancel a queued or running scan',
        params: scanParams,
        body: z.strictObject({}).nullish(),
        response: { 200: scanView },
      },
    },
    async (request) => scans.service.cancel(requester(requireOrgActor(request)), request.params.scanId),
  );

  app.get(
    '/v1/orgs/:orgId/scans/:scanId/events',
    {
      preHandler: guard.orgPermission('scans:read'),
      config: { permission: 'scans:read' },
      schema: {
        tags: ['scans'],
        summary: 'Server-sent events: `progress` on every change, `end` when the job ends',
        params: scanParams,
      },
    },
    async (request, reply) => {
      const actor = requireOrgActor(request);
      const orgId = actor.orgId;
      const scanId = request.params.scanId;
      const first = await scans.service.get(orgId, scanId, undefined, actor.keyScope);
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
      const timers: NodeJS.Timeout[] = [];
      let unsubscribe = () => {};
      const close = () => {
        if (closed) return;
        closed = true;
        for (const t of timers) clearInterval(t);
        unsubscribe();
        streams.delete(raw);
        if (!raw.writableEnded) raw.end();
      };
      const send = (view: ScanView) => {
        if (closed) return;
        const data = JSON.stringify(view);
        if (data !== last) {
          last = data;
          raw.write(`event: progress\ndata: ${data}\n\n`);
        }
        if (TERMINAL.has(view.status)) {
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
          scans.service
            .get(orgId, scanId)
            .then(send)
            .catch((err: unknown) => {
              request.log.warn({ err, scanId }, 'scan event poll failed');
              close();
            });
        }, pollMs),
      );
      send(first);
    },
  );

  app.get(
    '/v1/orgs/:orgId/findings',
    {
      preHandler: guard.orgPermission('scans:read'),
      config: { permission: 'scans:read' },
      schema: {
        tags: ['scans'],
        summary: 'Findings with totals by type and region (estimated USD per month)',
        params: orgParams,
        querystring: findingsQuery,
        response: { 200: findingsList },
      },
    },
    async (request) => {
      const q = request.query;
      const actor = requireOrgActor(request);
      return scans.service.listFindings(
        actor.orgId,
        { connectionId: q.connectionId, type: q.type, region: q.region, status: q.status },
        q.cursor,
        q.limit,
        actor.keyScope,
      );
    },
  );

  app.post(
    '/v1/orgs/:orgId/findings/:findingId/dismiss',
    {
      preHandler: guard.orgPermission('findings:dismiss'),
      config: { permission: 'findings:dismiss' },
      schema: {
        tags: ['scans'],
        summary: 'Dismiss a finding (it stays dismissed across rescans)',
        params: findingParams,
        body: z.strictObject({}).nullish(),
        response: { 200: findingView },
      },
    },
    async (request) => scans.service.dismiss(requester(requireOrgActor(request)), request.params.findingId),
  );

  app.post(
    '/v1/orgs/:orgId/findings/:findingId/cleanup',
    {
      preHandler: guard.orgPermission('cleanup:execute'),
      config: { permission: 'cleanup:execute', rateLimitClass: 'expensive' },
      schema: {
        tags: ['scans'],
        summary:
          'Guarded clean-up: dry run first (returns a confirmToken), then the real action with confirm',
        params: findingParams,
        body: cleanupBody,
        response: { 200: cleanupResult },
      },
    },
    async (request) => scans.cleanup.run(requireOrgActor(request), request.params.findingId, request.body),
  );
};
