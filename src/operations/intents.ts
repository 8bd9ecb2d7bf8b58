import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MembershipLookup } from '../core/actor.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireActor } from '../http/auth.ts';
import { route } from '../http/route.ts';
import { abortOnDisconnect } from '../http/transport-limits.ts';
import type { OrgActor } from './service.ts';
import type { Toolbox } from './tools.ts';

export interface IntentsRoutesOptions {
  guard: AuthGuard;
  memberships: MembershipLookup;
  toolbox: Toolbox;
}

const intentBody = z.strictObject({
  intent: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_.]+$/, 'must be an intent name from GET /v1/intents'),
  connectionId: z.string().regex(idPattern('con')).optional(),
  orgId: z.string().regex(idPattern('org')).optional(),
  params: z.record(z.string().max(64), z.unknown()).default({}),
});

const toolView = z.object({
  name: z.string(),
  description: z.string(),
  permission: z.string(),
  capability: z.string().nullable(),
  requiresConnection: z.boolean(),
  input: z.record(z.string(), z.unknown()),
  output: z.record(z.string(), z.unknown()),
});

/**
 * JSON intents for LLM tool-calling: `POST /v1/intents {intent, connectionId, orgId?, params}`.
 * The intent must be one of the catalogue's names (a whitelist); params are validated by the same
 * strict schema as the REST route, and the call takes the same path (role, capability, scopes,
 * audit, broker). API keys act in their own organisation; users name the organisation.
 */
export const intentsRoutes: FastifyPluginAsyncZod<IntentsRoutesOptions> = async (
  app,
  { guard, memberships, toolbox },
) => {
  const tags = ['intents'];

  route(app, guard, {
    method: 'GET',
    url: '/v1/intents',
    auth: 'operations',
    tags,
    summary: 'The intent catalogue (tool definitions for LLMs)',
    schema: {
      response: { 200: z.object({ items: z.array(toolView) }) },
    },
    handler: async () => ({
      items: toolbox.tools.map((t) => ({
        name: t.name,
        description: t.description,
        permission: t.permission,
        capability: t.capability,
        requiresConnection: t.requiresConnection,
        input: t.requiresConnection
          ? {
              type: 'object',
              properties: { connectionId: { type: 'string' }, params: t.inputSchema },
              required: ['connectionId', 'params'],
            }
          : { type: 'object', properties: { params: t.inputSchema }, required: ['params'] },
        output: t.outputSchema,
      })),
    }),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/intents',
    auth: 'operations',
    tags,
    summary: 'Run one intent (JSON in, JSON out)',
    schema: {
      body: intentBody,
      response: {
        200: z.object({ intent: z.string(), connectionId: z.string().nullable(), result: z.unknown() }),
      },
    },
    handler: async (request, reply) => {
      const body = request.body;
      const tool = toolbox.get(body.intent);
      if (tool === undefined) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, `Unknown intent ${body.intent}.`, {
          details: { validIntents: toolbox.names() },
        });
      }
      const actor = await orgActorFor(requireActor(request), body.orgId, memberships);
      await guard.assertSsoAllows(actor, actor.orgId, actor.membershipRole ?? actor.role);
      if (tool.expensive) await app.chargeExpensive(request);
      const result = await tool.call(actor, body.connectionId, body.params, {
        signal: abortOnDisconnect(reply.raw),
      });
      return { intent: tool.name, connectionId: body.connectionId ?? null, result };
    },
  });
};

/** The organisation an intent runs in: the API key's own, or the one a user names and belongs to. */
export async function orgActorFor(
  actor: ReturnType<typeof requireActor>,
  orgId: string | undefined,
  memberships: MembershipLookup,
): Promise<OrgActor> {
  if (actor.type === 'apiKey') {
    if (actor.orgId === null || actor.role === null) throw new AppError(ErrorCode.UNAUTHENTICATED);
    if (orgId !== undefined && orgId !== actor.orgId) throw new AppError(ErrorCode.NOT_FOUND);
    return { ...actor, orgId: actor.orgId, role: actor.role };
  }
  if (orgId === undefined) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'orgId is required when calling with a user token.', {
      details: { fields: [{ location: 'body', path: 'orgId', message: 'is required' }] },
    });
  }
  const userId = actor.userId ?? actor.id;
  const roles = await memberships.rolesOf(orgId, userId);
  if (roles === null) throw new AppError(ErrorCode.NOT_FOUND);
  return { ...actor, orgId, role: roles.effective, membershipRole: roles.membership };
}
