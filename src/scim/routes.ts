import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCode, STATUS_BY_CODE } from '../core/errors.ts';
import { idPattern } from '../db/ids.ts';
import { type AuthGuard, requireOrgActor } from '../http/auth.ts';
import { mapError } from '../http/error-handler.ts';
import { jsonDepthExceeds } from '../http/json-body.ts';
import { route } from '../http/route.ts';
import { orgIdSchema } from '../identity/orgs/schemas.ts';
import { type ScimCaller, type ScimPatch, type ScimService, scimError } from './service.ts';

export interface ScimRoutesOptions {
  guard: AuthGuard;
  service: ScimService;
  jsonMaxDepth: number;
}

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SCIM_TYPE = 'application/scim+json';

const scimIdParams = z.strictObject({
  id: z.string().regex(idPattern('scu'), 'must be a SCIM user id (scu_…)'),
});
// Identity providers send many User attributes Rolegate does not keep (name, title, locale…); RFC
// 7643 lets a service provider ignore them, so the known ones are typed and bounded and the body as
// a whole is bounded by the route's body limit.
const createUserBody = z.object({
  schemas: z.array(z.string().max(200)).max(10).optional(),
  userName: z.string().min(3).max(320),
  externalId: z.string().max(256).optional(),
  displayName: z.string().max(200).optional(),
  active: z.boolean().optional(),
});
const patchBody = z.object({
  schemas: z.array(z.string().max(200)).max(10),
  Operations: z
    .array(
      z.object({
        op: z.string().max(16),
        path: z.string().max(200).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1)
    .max(20),
});
const listQuery = z.object({
  filter: z.string().max(512).optional(),
  startIndex: z.coerce.number().int().min(1).max(1_000_000).default(1),
  count: z.coerce.number().int().min(0).max(100).default(100),
  attributes: z.string().max(512).optional(),
  excludedAttributes: z.string().max(512).optional(),
});

const tokenParams = z.strictObject({
  orgId: orgIdSchema,
  tokenId: z.string().regex(idPattern('sct'), 'must be a SCIM token id (sct_…)'),
});
const tokenBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}\p{Cf}]+$/u),
});
const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

/** `userName eq "value"`, the one filter identity providers use to look a person up (RFC 7644 §3.4.2.2). */
const USERNAME_EQ = /^\s*userName\s+eq\s+"([^"\\]{1,320})"\s*$/i;

function bool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  // Microsoft Entra sends "True"/"False" strings.
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return null;
}

function str(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length <= max ? value : null;
}

/** PatchOp → the fields Rolegate keeps; other attributes are accepted and ignored. */
export function parsePatch(body: z.infer<typeof patchBody>): ScimPatch {
  if (!body.schemas.includes(PATCH_OP)) {
    throw scimError(ErrorCode.VALIDATION_FAILED, `schemas must include ${PATCH_OP}.`, 'invalidSyntax');
  }
  const out: ScimPatch = {};
  const apply = (path: string, value: unknown) => {
    const key = path.toLowerCase();
    if (key === 'active') {
      const b = bool(value);
      if (b === null)
        throw scimError(ErrorCode.VALIDATION_FAILED, 'active must be a boolean.', 'invalidValue');
      out.active = b;
    } else if (key === 'displayname') {
      out.displayName = str(value, 200);
    } else if (key === 'externalid') {
      out.externalId = str(value, 256);
    }
  };
  for (const op of body.Operations) {
    const kind = op.op.toLowerCase();
    if (kind !== 'replace' && kind !== 'add' && kind !== 'remove') {
      throw scimError(ErrorCode.VALIDATION_FAILED, `Unsupported op ${op.op}.`, 'invalidSyntax');
    }
    if (kind === 'remove') {
      if (op.path?.toLowerCase() === 'active') {
        throw scimError(ErrorCode.VALIDATION_FAILED, 'active cannot be removed.', 'mutability');
      }
      continue;
    }
    if (op.path !== undefined) {
      apply(op.path, op.value);
    } else if (typeof op.value === 'object' && op.value !== null && !Array.isArray(op.value)) {
      for (const [k, v] of Object.entries(op.value)) apply(k, v);
    } else {
      throw scimError(
        ErrorCode.VALIDATION_FAILED,
        'An operation without path needs an object value.',
        'invalidValue',
      );
    }
  }
  return out;
}

function scimStatus(error: unknown): { status: number; detail: string; scimType?: string } {
  const mapped = mapError(error);
  const status = STATUS_BY_CODE[mapped.code];
  const details = error instanceof AppError ? error.details : mapped.details;
  const scimType = typeof details?.scimType === 'string' ? details.scimType : undefined;
  const fromValidation = mapped.code === ErrorCode.VALIDATION_FAILED && scimType === undefined;
  return {
    status,
    detail: mapped.message,
    ...(scimType !== undefined ? { scimType } : fromValidation ? { scimType: 'invalidValue' } : {}),
  };
}

function sendScim(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(SCIM_TYPE).send(body);
}

/**
 * SCIM 2.0 at /scim/v2 (RFC 7644): the organisation's bearer token authenticates the identity
 * provider, errors use the SCIM error schema, bodies are application/scim+json (plain JSON is
 * accepted too). Token management is under /v1/orgs/:orgId/scim-tokens (owners).
 */
export const scimRoutes: FastifyPluginAsyncZod<ScimRoutesOptions> = async (
  app,
  { guard, service, jsonMaxDepth },
) => {
  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/scim-tokens',
    auth: { org: 'sso:read' },
    tags: ['sso'],
    summary: 'SCIM bearer tokens of the organisation (never the token itself)',
    schema: {
      params: z.strictObject({ orgId: orgIdSchema }),
      response: { 200: z.object({ items: z.array(tokenView) }) },
    },
    handler: async (request) => ({
      items: (await service.listTokens(requireOrgActor(request))).map((t) => ({
        id: t.id,
        name: t.name,
        createdAt: t.createdAt,
        lastUsedAt: t.lastUsedAt,
        revokedAt: t.revokedAt,
      })),
    }),
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/scim-tokens',
    auth: { org: 'sso:manage' },
    tags: ['sso'],
    summary: 'Create a SCIM bearer token (shown once)',
    schema: {
      params: z.strictObject({ orgId: orgIdSchema }),
      body: tokenBody,
      response: { 201: z.object({ id: z.string(), token: z.string(), name: z.string() }) },
    },
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(await service.createToken(requireOrgActor(request), request.body.name));
    },
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/orgs/:orgId/scim-tokens/:tokenId',
    auth: { org: 'sso:manage' },
    tags: ['sso'],
    summary: 'Revoke a SCIM bearer token',
    schema: { params: tokenParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await service.revokeToken(requireOrgActor(request), request.params.tokenId);
      return reply.code(204).send(null);
    },
  });

  await app.register(async (plain) => {
    const scim = plain.withTypeProvider<ZodTypeProvider>();
    const parse = scim.getDefaultJsonParser('error', 'error');
    scim.addContentTypeParser(SCIM_TYPE, { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (jsonDepthExceeds(text, jsonMaxDepth)) {
        done(
          scimError(ErrorCode.BAD_REQUEST, 'The JSON body is nested too deeply.', 'invalidSyntax'),
          undefined,
        );
        return;
      }
      parse(request, text, done);
    });
    scim.setErrorHandler((error, request, reply) => {
      const { status, detail, scimType } = scimStatus(error);
      if (status >= 500) request.log.error({ err: error }, 'SCIM request failed');
      return sendScim(reply, status, {
        schemas: [SCIM_ERROR],
        status: String(status),
        ...(scimType === undefined ? {} : { scimType }),
        detail,
      });
    });

    const callers = new WeakMap<FastifyRequest, ScimCaller>();
    const authenticate = async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{16,200})$/.exec(header) : null;
      const found = match === null ? null : await service.authenticate(match[1]!);
      if (found === null)
        throw scimError(ErrorCode.UNAUTHENTICATED, 'A valid SCIM bearer token is required.');
      const ua = request.headers['user-agent'];
      callers.set(request, {
        ...found,
        ip: request.ip,
        userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null,
        requestId: request.id,
      });
    };
    const callerOf = (request: FastifyRequest): ScimCaller => {
      const caller = callers.get(request);
      if (caller === undefined)
        throw scimError(ErrorCode.UNAUTHENTICATED, 'A valid SCIM bearer token is required.');
      return caller;
    };
    const common = { onRequest: authenticate, schema: { tags: ['scim'], security: [{ scim: [] }] } } as const;

    scim.route({
      ...common,
      method: 'POST',
      url: '/scim/v2/Users',
      schema: { ...common.schema, summary: 'SCIM: provision a user', body: createUserBody },
      handler: async (request, reply) =>
        sendScim(reply, 201, await service.create(callerOf(request), request.body)),
    });

    scim.route({
      ...common,
      method: 'GET',
      url: '/scim/v2/Users',
      schema: {
        ...common.schema,
        summary: 'SCIM: list users (filter=userName eq "…")',
        querystring: listQuery,
      },
      handler: async (request, reply) => {
        let userName: string | undefined;
        if (request.query.filter !== undefined) {
          const m = USERNAME_EQ.exec(request.query.filter);
          if (m === null) {
            throw scimError(
              ErrorCode.VALIDATION_FAILED,
              'Only filter=userName eq "…" is supported.',
              'invalidFilter',
            );
          }
          userName = m[1]!;
        }
        const { total, items } = await service.list(callerOf(request), {
          userName,
          startIndex: request.query.startIndex,
          count: request.query.count,
        });
        return sendScim(reply, 200, {
          schemas: [LIST_RESPONSE],
          totalResults: total,
          startIndex: request.query.startIndex,
          itemsPerPage: items.length,
          Resources: items,
        });
      },
    });

    scim.route({
      ...common,
      method: 'GET',
      url: '/scim/v2/Users/:id',
      schema: { ...common.schema, summary: 'SCIM: one user', params: scimIdParams },
      handler: async (request, reply) =>
        sendScim(reply, 200, await service.get(callerOf(request), request.params.id)),
    });

    scim.route({
      ...common,
      method: 'PATCH',
      url: '/scim/v2/Users/:id',
      schema: {
        ...common.schema,
        summary: 'SCIM: update a user (active, displayName, externalId)',
        params: scimIdParams,
        body: patchBody,
      },
      handler: async (request, reply) =>
        sendScim(
          reply,
          200,
          await service.patch(callerOf(request), request.params.id, parsePatch(request.body)),
        ),
    });

    // Okta updates with PUT by default: a replace of the attributes Rolegate keeps.
    scim.route({
      ...common,
      method: 'PUT',
      url: '/scim/v2/Users/:id',
      schema: {
        ...common.schema,
        summary: 'SCIM: replace a user (active, displayName, externalId; userName cannot change)',
        params: scimIdParams,
        body: createUserBody,
      },
      handler: async (request, reply) => {
        const caller = callerOf(request);
        const current = await service.get(caller, request.params.id);
        if (current.userName !== request.body.userName.trim().toLowerCase()) {
          throw scimError(ErrorCode.VALIDATION_FAILED, 'userName cannot be changed.', 'mutability');
        }
        const change: ScimPatch = {
          active: request.body.active ?? true,
          displayName: request.body.displayName ?? null,
          externalId: request.body.externalId ?? null,
        };
        return sendScim(reply, 200, await service.patch(caller, request.params.id, change));
      },
    });

    scim.route({
      ...common,
      method: 'DELETE',
      url: '/scim/v2/Users/:id',
      schema: { ...common.schema, summary: 'SCIM: deprovision a user', params: scimIdParams },
      handler: async (request, reply) => {
        await service.remove(callerOf(request), request.params.id);
        return reply.code(204).send();
      },
    });
  });
};
