import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type Provider from 'oidc-provider';
import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import { connections } from '../connections/tables.ts';
import type { Actor, MembershipLookup, Principal } from '../core/actor.ts';
import { auditEventFor } from '../core/audit-event.ts';
import { AppError, ErrorCode } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { newId } from '../db/ids.ts';
import {
  type ApiKeyScope,
  type ApiKeyScopeInput,
  apiKeyScopeView,
  normaliseScope,
} from '../identity/api-keys/scope.ts';
import { MCP_SCOPE, type OAuthUrls } from './provider.ts';
import { agentGrants } from './tables.ts';

/** What the consent page shows before the user approves. */
export interface InteractionView {
  uid: string;
  client: { id: string; name: string; redirectUri: string };
  resource: string;
}

export interface ApproveInput {
  orgId: string;
  connectionIds?: string[] | undefined;
  capabilities?: ApiKeyScopeInput['capabilities'];
  /** Read-only unless the user turns it off. */
  readOnly: boolean;
}

export interface AgentGrantView {
  id: string;
  orgId: string;
  clientId: string;
  clientName: string;
  redirectUri: string;
  scope: ApiKeyScope | null;
  createdAt: Date;
}

export interface OAuthService {
  urls: OAuthUrls;
  /** The principal of an access token bound to /mcp, or null (unknown, expired, revoked, wrong audience). */
  verifyAccessToken(token: string): Promise<Principal | null>;
  interaction(actor: Actor, uid: string): Promise<InteractionView>;
  approve(actor: Actor, uid: string, input: ApproveInput): Promise<{ redirectTo: string }>;
  deny(actor: Actor, uid: string): Promise<{ redirectTo: string }>;
  listGrants(actor: Actor): Promise<AgentGrantView[]>;
  revokeGrant(actor: Actor, grantId: string): Promise<void>;
}

const MAX_GRANTS_LISTED = 200;

function userIdOf(actor: Actor): string {
  // Consent and grant management are a person's acts: API keys and agents cannot grant or revoke.
  if (actor.type !== 'user' || actor.userId === null) throw new AppError(ErrorCode.FORBIDDEN);
  return actor.userId;
}

function clientNameOf(metadata: Record<string, unknown>, clientId: string): string {
  const name = metadata.client_name;
  return typeof name === 'string' && name.trim() !== '' ? name.slice(0, 200) : clientId;
}

export function createOAuthService(deps: {
  provider: Provider;
  urls: OAuthUrls;
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  memberships: MembershipLookup;
}): OAuthService {
  const { provider, urls, db, clock } = deps;

  async function pendingInteraction(uid: string) {
    const interaction = uid.length <= 64 ? await provider.Interaction.find(uid) : undefined;
    if (interaction === undefined || interaction.result !== undefined) {
      throw new AppError(
        ErrorCode.NOT_FOUND,
        'This authorization request has expired or was already answered.',
      );
    }
    const clientId = interaction.params.client_id;
    const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
    if (client === undefined) throw new AppError(ErrorCode.NOT_FOUND);
    const redirectUri = interaction.params.redirect_uri;
    return {
      interaction,
      client,
      clientName: clientNameOf(client.metadata() as Record<string, unknown>, client.clientId),
      redirectUri: typeof redirectUri === 'string' ? redirectUri : '',
    };
  }

  async function finish(
    interaction: Awaited<ReturnType<typeof pendingInteraction>>['interaction'],
    result: Record<string, unknown>,
  ): Promise<{ redirectTo: string }> {
    interaction.result = result;
    const ttl = Math.max(1, interaction.exp - Math.floor(Date.now() / 1000));
    await interaction.save(ttl);
    // The browser that started the flow resumes it there (its interaction cookie binds it).
    return { redirectTo: interaction.returnTo };
  }

  return {
    urls,

    async verifyAccessToken(token) {
      if (!/^[A-Za-z0-9_-]{20,128}$/.test(token)) return null;
      const accessToken = await provider.AccessToken.find(token);
      if (accessToken === undefined || accessToken.isExpired) return null;
      const aud = accessToken.aud;
      const audiences = aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
      if (audiences.length !== 1 || audiences[0] !== urls.resource) return null;
      if (!accessToken.scopes.has(MCP_SCOPE)) return null;
      const rows = await db
        .select()
        .from(agentGrants)
        .where(and(eq(agentGrants.providerGrantId, accessToken.grantId), isNull(agentGrants.revokedAt)))
        .limit(1);
      const grant = rows[0];
      if (
        grant === undefined ||
        grant.userId !== accessToken.accountId ||
        grant.clientId !== accessToken.clientId
      ) {
        return null;
      }
      // The user's role now, not at consent: a demoted user's grant shrinks with them, a removed one ends.
      const role = await deps.memberships.roleOf(grant.orgId, grant.userId);
      if (role === null) return null;
      const scope = grant.scope === null ? null : apiKeyScopeView.parse(grant.scope);
      return {
        type: 'oauth',
        grantId: grant.id,
        clientId: grant.clientId,
        clientName: grant.clientName,
        userId: grant.userId,
        orgId: grant.orgId,
        role,
        scope,
      };
    },

    async interaction(actor, uid) {
      userIdOf(actor);
      const { client, clientName, redirectUri } = await pendingInteraction(uid);
      return { uid, client: { id: client.clientId, name: clientName, redirectUri }, resource: urls.resource };
    },

    async approve(actor, uid, input) {
      const userId = userIdOf(actor);
      const { interaction, client, clientName, redirectUri } = await pendingInteraction(uid);
      const role = await deps.memberships.roleOf(input.orgId, userId);
      if (role === null) throw new AppError(ErrorCode.NOT_FOUND);
      const scope = normaliseScope({
        ...(input.connectionIds === undefined ? {} : { connectionIds: input.connectionIds }),
        ...(input.capabilities === undefined ? {} : { capabilities: input.capabilities }),
        readOnly: input.readOnly,
      });
      const orgActor = { ...actor, orgId: input.orgId, role };
      const id = newId('agr');
      const grant = new provider.Grant({ accountId: userId, clientId: client.clientId });
      grant.addResourceScope(urls.resource, MCP_SCOPE);
      grant.addOIDCScope(`${MCP_SCOPE} offline_access`);
      const providerGrantId = await grant.save();
      try {
        await db.transaction(async (tx) => {
          if (scope?.connectionIds) {
            const known = await tx
              .select({ id: connections.id })
              .from(connections)
              .where(and(eq(connections.orgId, input.orgId), inArray(connections.id, scope.connectionIds)));
            const unknown = scope.connectionIds.filter((c) => !known.some((k) => k.id === c));
            // Another organisation's connection answers exactly like one that does not exist.
            if (unknown.length > 0) {
              throw new AppError(ErrorCode.NOT_FOUND, `Connection ${unknown[0]} not found.`, {
                details: { connectionIds: unknown },
              });
            }
          }
          await tx.insert(agentGrants).values({
            id,
            providerGrantId,
            orgId: input.orgId,
            userId,
            clientId: client.clientId,
            clientName,
            redirectUri,
            scope,
            createdAt: clock.now(),
          });
          await deps.audit.record(
            tx,
            auditEventFor(
              orgActor,
              'oauth.grant_created',
              { type: 'agent_grant', id },
              { details: { clientId: client.clientId, clientName, redirectUri, scope } },
            ),
          );
        });
      } catch (err) {
        await grant.destroy();
        throw err;
      }
      return finish(interaction, { login: { accountId: userId }, consent: { grantId: providerGrantId } });
    },

    async deny(actor, uid) {
      userIdOf(actor);
      const { interaction } = await pendingInteraction(uid);
      return finish(interaction, {
        error: 'access_denied',
        error_description: 'The user declined the authorization request.',
      });
    },

    async listGrants(actor) {
      const userId = userIdOf(actor);
      const rows = await db
        .select()
        .from(agentGrants)
        .where(and(eq(agentGrants.userId, userId), isNull(agentGrants.revokedAt)))
        .orderBy(desc(agentGrants.createdAt))
        .limit(MAX_GRANTS_LISTED);
      return rows.map((r) => ({
        id: r.id,
        orgId: r.orgId,
        clientId: r.clientId,
        clientName: r.clientName,
        redirectUri: r.redirectUri,
        scope: r.scope === null ? null : apiKeyScopeView.parse(r.scope),
        createdAt: r.createdAt,
      }));
    },

    async revokeGrant(actor, grantId) {
      const userId = userIdOf(actor);
      const now = clock.now();
      const revoked = await db.transaction(async (tx) => {
        const rows = await tx
          .update(agentGrants)
          .set({ revokedAt: now })
          .where(
            and(eq(agentGrants.id, grantId), eq(agentGrants.userId, userId), isNull(agentGrants.revokedAt)),
          )
          .returning();
        const row = rows[0];
        // Another user's grant answers exactly like a missing one.
        if (row === undefined) throw new AppError(ErrorCode.NOT_FOUND);
        await deps.audit.record(
          tx,
          auditEventFor(
            { ...actor, orgId: row.orgId },
            'oauth.grant_revoked',
            { type: 'agent_grant', id: row.id },
            { details: { clientId: row.clientId, clientName: row.clientName } },
          ),
        );
        return row;
      });
      // The grant row already refuses its tokens; this removes them (and the provider's grant) too.
      await provider.Grant.adapter.revokeByGrantId(revoked.providerGrantId);
      const grant = await provider.Grant.find(revoked.providerGrantId);
      await grant?.destroy();
    },
  };
}
