import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { createAuditWriter } from '../../src/audit/writer.ts';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import type { BrokeredCall, TrustProbeRequest, TrustProbeVerdict } from '../../src/broker/types.ts';
import type { Clock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createConnectionsModule } from '../../src/connections/module.ts';
import { connections } from '../../src/connections/tables.ts';
import type { Actor } from '../../src/core/actor.ts';
import { AppError, ErrorCode } from '../../src/core/errors.ts';
import { createKeyring } from '../../src/crypto/field-encryption.ts';
import { createJobRegistry } from '../../src/jobs/registry.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser } from '../helpers/identity.ts';

/**
 * Issue 14 item 10: after a rotation the previous external ID is accepted for a bounded grace period
 * (ROLEGATE_EXTERNAL_ID_GRACE, default 7 days), the deadline is shown, and after it the previous ID is
 * never sent again (operations, verification, templates) and is cleared from the row.
 */

const CREDS = { accessKeyId: 'ASIAFAKE', secretAccessKey: 'fake-secret', sessionToken: 'fake-session' };
const accepted: TrustProbeVerdict = { outcome: 'accepted' };
const denied: TrustProbeVerdict = { outcome: 'denied', code: 'AccessDenied' };
const DAY = 86_400_000;

const now = { t: Date.now() };
const clock: Clock = { now: () => new Date(now.t) };
/** The customer's role, which still trusts only the old external ID. */
let trusted = '';
const sent: Array<string | null> = [];
/** A broker whose every AssumeRole succeeds only with the trusted ID (no AWS, no audit: the service's rules are under test). */
const broker = {
  async probeTrust(input: TrustProbeRequest): Promise<TrustProbeVerdict> {
    sent.push(input.externalId);
    return input.externalId === trusted ? accepted : denied;
  },
  async call<T>(request: BrokeredCall, fn: (credentials: typeof CREDS) => Promise<T>): Promise<T> {
    sent.push(request.connection.externalId);
    if (request.connection.externalId !== trusted) throw new AppError(ErrorCode.AWS_ACCESS_DENIED);
    return fn(CREDS);
  },
};

const ddb = mockClient(DynamoDBClient);
let t: TestApp;
let mod: ReturnType<typeof createConnectionsModule>;
const grace = loadConfig({}).aws.externalIdGrace;

beforeAll(async () => {
  t = await createTestApp({ isolatedDatabase: true });
  ddb.on(ListTablesCommand).resolves({ TableNames: [] });
  mod = createConnectionsModule({
    db: t.database.db,
    clock,
    audit: createAuditWriter({ clock }),
    keyring: createKeyring(t.config.masterKeys),
    broker: {
      probeTrust: broker.probeTrust,
      call: broker.call,
      resolvePrincipalArn: async () => 'arn:aws:iam::111111111111:role/rolegate-service',
    },
    awsClients: createAwsClientFactory({ region: 'us-east-1' }),
    config: { aws: { region: 'us-east-1', verifyInterval: 3600, externalIdGrace: grace } },
    logger: { info: () => {}, error: () => {} },
    scans: createJobRegistry(),
  });
});
afterAll(async () => {
  await t.close();
  ddb.restore();
});

async function verifiedConnection() {
  const user = await createTestUser(t);
  const actor: Actor & { orgId: string } = {
    type: 'user',
    id: user.userId,
    userId: user.userId,
    orgId: user.orgId,
    role: 'owner',
    sessionId: null,
    ip: '203.0.113.9',
    userAgent: 'vitest',
    requestId: `req-${Math.random().toString(36).slice(2)}`,
  };
  const created = await mod.service.create(actor, {
    name: 'prod',
    roleArn: 'arn:aws:iam::123456789012:role/RolegateAccess',
    capabilities: ['dynamodb-read'],
    sourceIdentity: true,
  });
  trusted = created.externalId;
  expect((await mod.service.verify(actor, created.id)).status).toBe('verified');
  return { actor, id: created.id, oldId: created.externalId };
}

describe('external-ID rotation grace (issue 14 item 10)', () => {
  it('defaults to 7 days and is configurable in seconds', () => {
    expect(grace).toBe(7 * 24 * 3600);
    expect(loadConfig({ ROLEGATE_EXTERNAL_ID_GRACE: '3600' }).aws.externalIdGrace).toBe(3600);
    expect(() => loadConfig({ ROLEGATE_EXTERNAL_ID_GRACE: 'forever' })).toThrow(/ROLEGATE_EXTERNAL_ID_GRACE/);
  });

  it('shows the deadline; after it the previous ID is never sent and is cleared', async () => {
    now.t = Date.now();
    const { actor, id, oldId } = await verifiedConnection();
    const rotatedAt = now.t;
    const rotated = await mod.service.rotateExternalId(actor, id);
    const deadline = new Date(rotatedAt + grace * 1000).toISOString();
    expect(rotated.previousExternalIdExpiresAt).toBe(deadline);
    expect((await mod.service.get(actor.orgId, id)).previousExternalIdExpiresAt).toBe(deadline);

    // Rotating again inside the grace period does not extend it.
    now.t += 6 * DAY;
    const again = await mod.service.rotateExternalId(actor, id);
    expect(again.previousExternalIdExpiresAt).toBe(deadline);
    expect((await mod.resolver.resolveUsable(actor.orgId, id, 'dynamodb-read')).externalId).toBe(oldId);

    // Past the deadline: operations get the current ID, never the previous one.
    now.t = rotatedAt + grace * 1000 + 1;
    const usable = await mod.resolver.resolveUsable(actor.orgId, id, 'dynamodb-read');
    expect(usable.externalId).not.toBe(oldId);
    const tpl = await mod.service.templates(actor, id);
    expect(tpl.trustPolicy.Statement[0]?.Condition?.StringEquals?.['sts:ExternalId']).toBe(tpl.externalId);
    expect(usable.externalId).toBe(tpl.externalId);

    // Verification no longer tries the previous ID; the role (still on the old ID) fails.
    sent.length = 0;
    const result = await mod.service.verify(actor, id);
    expect(sent).not.toContain(oldId);
    expect(result.status).toBe('failed');

    const [row] = await t.database.db.select().from(connections).where(eq(connections.id, id));
    expect(row?.previousExternalId).toBeNull();
    const view = await mod.service.get(actor.orgId, id);
    expect(view.rotationPending).toBe(false);
    expect(view.previousExternalIdExpiresAt).toBeNull();
    const audit = await t.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, actor.orgId), eq(auditEvents.connectionId, id)));
    expect(audit.map((a) => a.action)).toContain('connection.external_id_grace_expired');
  });

  it('the scheduler sweep clears expired previous IDs without any request', async () => {
    now.t = Date.now();
    const { actor, id } = await verifiedConnection();
    await mod.service.rotateExternalId(actor, id);
    now.t += grace * 1000 + 1;
    trusted = 'nobody';
    await mod.scheduler.runOnce();
    const [row] = await t.database.db.select().from(connections).where(eq(connections.id, id));
    expect(row?.previousExternalId).toBeNull();
    expect(row?.previousExternalIdExpiresAt).toBeNull();
  });
});
