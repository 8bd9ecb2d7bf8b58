import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuthGuard, requireActor, requireOrgActor } from '../../http/auth.ts';
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

const security = [{ bearer: [] }];
const noContent = { 204: z.null().describe('No content') };

function orgOut(org: { id: string; name: string; role: Role; createdAt: Date }) {
  return { id: org.id, name: org.name, role: org.role, createdAt: org.createdAt.toISOString() };
}

export const orgRoutes: FastifyPluginAsyncZod<OrgRoutesOptions> = async (app, { guard, service }) => {
  const tags = ['organizations'];

  app.get(
    '/v1/orgs',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags,
        security,
        summary: 'Organisations I belong to, with my role',
        response: { 200: orgList },
      },
    },
    async (request) => {
      const orgs = await service.listMine(requireActor(request));
      return { items: orgs.map(orgOut), nextCursor: null };
    },
  );

  app.post(
    '/v1/orgs',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags,
        security,
        summary: 'Create an organisation; the creator becomes its owner',
        body: createOrgBody,
        response: { 201: orgView },
      },
    },
    async (request, reply) => {
      const org = await service.create(requireActor(request), request.body.name);
      return reply.code(201).send(orgOut(org));
    },
  );

  app.get(
    '/v1/orgs/:orgId',
    {
      preHandler: guard.orgPermission('org:read'),
      config: { permission: 'org:read' },
      schema: { tags, security, summary: 'One organisation', params: orgParams, response: { 200: orgView } },
    },
    async (request) => orgOut(await service.get(requireOrgActor(request))),
  );

  app.patch(
    '/v1/orgs/:orgId',
    {
      preHandler: guard.orgPermission('org:update'),
      config: { permission: 'org:update' },
      schema: {
        tags,
        security,
        summary: 'Rename an organisation (admin)',
        params: orgParams,
        body: updateOrgBody,
        response: { 200: orgView },
      },
    },
    async (request) => orgOut(await service.rename(requireOrgActor(request), request.body.name)),
  );

  app.delete(
    '/v1/orgs/:orgId',
    {
      preHandler: guard.orgPermission('org:delete'),
      config: { permission: 'org:delete' },
      schema: {
        tags,
        security,
        summary: 'Delete an organisation and everything in it (owner)',
        params: orgParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      await service.remove(requireOrgActor(request));
      return reply.code(204).send(null);
    },
  );

  const memberTags = ['members'];

  app.get(
    '/v1/orgs/:orgId/members',
    {
      preHandler: guard.orgPermission('members:read'),
      config: { permission: 'members:read' },
      schema: {
        tags: memberTags,
        security,
        summary: 'Members of the organisation',
        params: orgParams,
        querystring: memberListQuery,
        response: { 200: memberList },
      },
    },
    async (request) => {
      const page = await service.listMembers(requireOrgActor(request), {
        cursor: request.query.cursor ?? null,
        limit: request.query.limit,
      });
      return {
        items: page.items.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.patch(
    '/v1/orgs/:orgId/members/:userId',
    {
      preHandler: guard.orgPermission('members:manage'),
      config: { permission: 'members:manage' },
      schema: {
        tags: memberTags,
        security,
        summary: "Change a member's role (admin; owner roles only by owners)",
        params: memberParams,
        body: changeRoleBody,
        response: { 200: roleChanged },
      },
    },
    async (request) => {
      const role = await service.changeRole(
        requireOrgActor(request),
        request.params.userId,
        request.body.role,
      );
      return { userId: request.params.userId, role };
    },
  );

  app.delete(
    '/v1/orgs/:orgId/members/:userId',
    {
      // Anyone may leave; removing someone else needs members:manage (checked by the service).
      preHandler: guard.orgPermission('members:leave'),
      config: { permission: 'members:leave' },
      schema: {
        tags: memberTags,
        security,
        summary: 'Remove a member, or leave the organisation (your own user id)',
        params: memberParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      await service.removeMember(requireOrgActor(request), request.params.userId);
      return reply.code(204).send(null);
    },
  );

  const invitationTags = ['invitations'];

  app.post(
    '/v1/orgs/:orgId/invitations',
    {
      preHandler: guard.orgPermission('invitations:manage'),
      config: { permission: 'invitations:manage' },
      schema: {
        tags: invitationTags,
        security,
        summary: 'Invite someone by email; the token is shown once and expires in 7 days',
        params: orgParams,
        body: createInvitationBody,
        response: { 201: createdInvitationView },
      },
    },
    async (request, reply) => {
      const created = await service.invite(requireOrgActor(request), request.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({
        id: created.id,
        email: request.body.email.trim().toLowerCase(),
        role: request.body.role,
        token: created.token,
        expiresAt: created.expiresAt.toISOString(),
      });
    },
  );

  app.get(
    '/v1/orgs/:orgId/invitations',
    {
      preHandler: guard.orgPermission('invitations:manage'),
      config: { permission: 'invitations:manage' },
      schema: {
        tags: invitationTags,
        security,
        summary: 'Pending invitations (never with tokens)',
        params: orgParams,
        querystring: invitationListQuery,
        response: { 200: invitationList },
      },
    },
    async (request) => {
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
  );

  app.delete(
    '/v1/orgs/:orgId/invitations/:invitationId',
    {
      preHandler: guard.orgPermission('invitations:manage'),
      config: { permission: 'invitations:manage' },
      schema: {
        tags: invitationTags,
        security,
        summary: 'Revoke a pending invitation',
        params: invitationParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      await service.revokeInvitation(requireOrgActor(request), request.params.invitationId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/invitations/accept',
    {
      preHandler: guard.authenticated(),
      schema: {
        tags: invitationTags,
        security,
        summary: 'Accept an invitation addressed to your email (single use)',
        body: acceptInvitationBody,
        response: { 200: acceptedInvitationView },
      },
    },
    async (request) => service.accept(requireActor(request), request.body.token),
  );
};
