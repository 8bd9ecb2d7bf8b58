import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import {
  createdWebhookView,
  createWebhookBody,
  deliveryList,
  deliveryListQuery,
  deliveryParams,
  deliveryView,
  webhookList,
  webhookOrgParams,
  webhookParams,
} from './schemas.ts';
import type { WebhookService } from './service.ts';
import type { DeliveryRow, EndpointRow } from './store.ts';

export interface WebhookRoutesOptions {
  guard: AuthGuard;
  service: WebhookService;
}

const tags = ['webhooks'];

const endpointView = (e: EndpointRow) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  createdBy: e.createdBy,
  createdAt: e.createdAt.toISOString(),
});

const deliveryOut = (d: DeliveryRow) => ({
  id: d.id,
  webhookId: d.endpointId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  lastStatus: d.lastStatus,
  lastError: d.lastError,
  createdAt: d.createdAt.toISOString(),
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  payload: d.payload,
});

export const webhookRoutes: FastifyPluginAsyncZod<WebhookRoutesOptions> = async (app, { guard, service }) => {
  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/webhooks',
    auth: { org: 'webhooks:read' },
    tags,
    summary: "The organisation's webhook endpoints (never with their secret)",
    schema: {
      params: webhookOrgParams,
      response: { 200: webhookList },
    },
    handler: async (request) => {
      const items = await service.list(requireOrgActor(request));
      return { items: items.map(endpointView), nextCursor: null };
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/webhooks',
    auth: { org: 'webhooks:manage' },
    tags,
    summary: 'Add a webhook endpoint; its Standard Webhooks signing secret is shown once',
    schema: {
      params: webhookOrgParams,
      body: createWebhookBody,
      response: { 201: createdWebhookView },
    },
    handler: async (request, reply) => {
      const created = await service.create(requireOrgActor(request), request.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...endpointView(created), secret: created.secret });
    },
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/orgs/:orgId/webhooks/:webhookId',
    auth: { org: 'webhooks:manage' },
    tags,
    summary: 'Delete a webhook endpoint (its queued messages are dropped)',
    schema: {
      params: webhookParams,
      response: { 204: z.null().describe('No content') },
    },
    handler: async (request, reply) => {
      await service.remove(requireOrgActor(request), request.params.webhookId);
      return reply.code(204).send(null);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/webhooks/:webhookId/test',
    auth: { org: 'webhooks:manage' },
    rateLimit: 'expensive',
    tags,
    summary: 'Queue a signed webhook.test message to this endpoint',
    schema: {
      params: webhookParams,
      response: { 202: z.object({ queued: z.number().int() }) },
    },
    handler: async (request, reply) => {
      const result = await service.sendTest(requireOrgActor(request), request.params.webhookId);
      return reply.code(202).send(result);
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/webhooks/deliveries',
    auth: { org: 'webhooks:read' },
    tags,
    summary: "Messages to the organisation's endpoints, newest first, with their delivery state",
    schema: {
      params: webhookOrgParams,
      querystring: deliveryListQuery,
      response: { 200: deliveryList },
    },
    handler: async (request) => {
      const page = await service.deliveries(requireOrgActor(request), request.query);
      return { items: page.items.map(deliveryOut), nextCursor: page.nextCursor };
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/webhooks/deliveries/:deliveryId/redeliver',
    auth: { org: 'webhooks:manage' },
    tags,
    summary: 'Send a delivered or failed message again (same webhook-id, so receivers can dedupe)',
    schema: {
      params: deliveryParams,
      response: { 202: deliveryView },
    },
    handler: async (request, reply) => {
      const row = await service.redeliver(requireOrgActor(request), request.params.deliveryId);
      return reply.code(202).send(deliveryOut(row));
    },
  });
};
