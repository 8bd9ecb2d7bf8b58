import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthGuard, requireActor, requireOrgActor } from '../../http/auth.ts';
import { route } from '../../http/route.ts';
import type { Role } from '../rbac.ts';
import {
  acceptedInvitationView,
  acceptInvitationBody,
  changeRoleBody,
  createdInvitationView,
  createInvitationBody,
  createOrgBody,
  invitationList,
  invitationListQuery,
  invitationParams,
  memberList,
  memberListQuery,
  memberParams,
  orgList,
  orgParams,
  orgView,
  roleChanged,
  updateOrgBody,
} from './schemas.ts';
import type { OrgService } from './service.ts';

export interface OrgRoutesOptions {
  guard: AuthGuard;
  service: OrgService;
}

const noContent = { 204: z.null().describe('No content') };

function orgOut(org: { id: string; name: string; role: Role; createdAt: Date }) {
  return { id: org.id, name: org.name, role: org.role, createdAt: org.createdAt.toISOString() };
}

export const orgRoutes: FastifyPluginAsyncZod<OrgRoutesOptions> = async (app, { guard, service }) => {
  const tags = ['organizations'];

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs',
    auth: 'authenticated',
    tags,
    summary: 'Organisations I belong to, with my role',
    schema: {
      response: { 200: orgList },
    },
    handler: async (request) => {
      const orgs = await service.listMine(requireActor(request));
      return { items: orgs.map(orgOut), nextCursor: null };
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs',
    auth: 'authenticated',
    tags,
    summary: 'Create an organisation; the creator becomes its owner',
    schema: {
      body: createOrgBody,
      response: { 201: orgView },
    },
    handler: async (request, reply) => {
      const org = await service.create(requireActor(request), request.body.name);
      return reply.code(201).send(orgOut(org));
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId',
    auth: { org: 'org:read' },
    tags,
    summary: 'One organisation',
    schema: {
      params: orgParams,
      response: { 200: orgView },
    },
    handler: async (request) => orgOut(await service.get(requireOrgActor(request))),
  });

  route(app, guard, {
    method: 'PATCH',
    url: '/v1/orgs/:orgId',
    auth: { org: 'org:update' },
    tags,
    summary: 'Rename an organisation (admin)',
    schema: {
      params: orgParams,
      body: updateOrgBody,
      response: { 200: orgView },
    },
    handler: async (request) => orgOut(await service.rename(requireOrgActor(request), request.body.name)),
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/orgs/:orgId',
    auth: { org: 'org:delete' },
    tags,
    summary: 'Delete an organisation and everything in it (owner)',
    schema: {
      params: orgParams,
      response: noContent,
    },
    handler: async (request, reply) => {
      await service.remove(requireOrgActor(request));
      return reply.code(204).send(null);
    },
  });

  const memberTags = ['members'];

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/members',
    auth: { org: 'members:read' },
    tags: memberTags,
    summary: 'Members of the organisation',
    schema: {
      params: orgParams,
      querystring: memberListQuery,
      response: { 200: memberList },
    },
    handler: async (request) => {
      const page = await service.listMembers(requireOrgActor(request), {
        cursor: request.query.cursor ?? null,
        limit: request.query.limit,
      });
      return {
        items: page.items.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
        nextCursor: page.nextCursor,
      };
    },
  });

  route(app, guard, {
    method: 'PATCH',
    url: '/v1/orgs/:orgId/members/:userId',
    auth: { org: 'members:manage' },
    tags: memberTags,
    summary: "Change a member's role (admin; owner roles only by owners)",
    schema: {
      params: memberParams,
      body: changeRoleBody,
      response: { 200: roleChanged },
    },
    handler: async (request) => {
      const role = await service.changeRole(
        requireOrgActor(request),
        request.params.userId,
        request.body.role,
      );
      return { userId: request.params.userId, role };
    },
  });

  route(app, guard, {
    // Anyone may leave; removing someone else needs members:manage (checked by the service).
    method: 'DELETE',
    url: '/v1/orgs/:orgId/members/:userId',
    auth: { org: 'members:leave' },
    tags: memberTags,
    summary: 'Remove a member, or leave the organisation (your own user id)',
    schema: {
      params: memberParams,
      response: noContent,
    },
    handler: async (request, reply) => {
      await service.removeMember(requireOrgActor(request), request.params.userId);
      return reply.code(204).send(null);
    },
  });

  const invitationTags = ['invitations'];

  route(app, guard, {
    method: 'POST',
    url: '/v1/orgs/:orgId/invitations',
    auth: { org: 'invitations:manage' },
    tags: invitationTags,
    summary: 'Invite someone by email; the token is shown once and expires in 7 days',
    schema: {
      params: orgParams,
      body: createInvitationBody,
      response: { 201: createdInvitationView },
    },
    handler: async (request, reply) => {
      const created = await service.invite(requireOrgActor(request), request.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({
        id: created.id,
        email: request.body.email.trim().toLowerCase(),
        role: request.body.role,
        token: created.token,
        expiresAt: created.expiresAt.toISOString(),
        emailed: created.emailed,
      });
    },
  });

  route(app, guard, {
    method: 'GET',
    url: '/v1/orgs/:orgId/invitations',
    auth: { org: 'invitations:manage' },
    tags: invitationTags,
    summary: 'Pending invitations (never with tokens)',
    schema: {
      params: orgParams,
      querystring: invitationListQuery,
      response: { 200: invitationList },
    },
    handler: async (request) => {
      const page = await service.listInvitations(requireOrgActor(request), {
        cursor: request.query.cursor ?? null,
        limit: request.query.limit,
      });
      return {
        items: page.items.map((i) => ({
          id: i.id,
          email: i.email,
          role: i.role,
          createdAt: i.createdAt.toISOString(),
          expiresAt: i.expiresAt.toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
    },
  });

  route(app, guard, {
    method: 'DELETE',
    url: '/v1/orgs/:orgId/invitations/:invitationId',
    auth: { org: 'invitations:manage' },
    tags: invitationTags,
    summary: 'Revoke a pending invitation',
    schema: {
      params: invitationParams,
      response: noContent,
    },
    handler: async (request, reply) => {
      await service.revokeInvitation(requireOrgActor(request), request.params.invitationId);
      return reply.code(204).send(null);
    },
  });

  route(app, guard, {
    method: 'POST',
    url: '/v1/invitations/accept',
    auth: 'authenticated',
    tags: invitationTags,
    summary: 'Accept an invitation addressed to your email (single use)',
    schema: {
      body: acceptInvitationBody,
      response: { 200: acceptedInvitationView },
    },
    handler: async (request) => service.accept(requireActor(request), request.body.token),
  });
};
