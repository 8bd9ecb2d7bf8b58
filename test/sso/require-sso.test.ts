import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/audit/tables.ts';
import { bindingFor } from '../../src/crypto/encrypted-columns.ts';
import { createKeyring, encryptField } from '../../src/crypto/field-encryption.ts';
import { users } from '../../src/db/core-tables.ts';
import { generateTotpSecret, totpCodeAt } from '../../src/identity/totp.ts';
import { ssoConfigs } from '../../src/sso/tables.ts';
import { webhookDeliveries } from '../../src/webhooks/tables.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../helpers/identity.ts';

// "Require SSO": password sign-in is refused for the organisation's members, except its break-glass
// owner (password + MFA), whose every sign-in is audited and alerted. API keys are unaffected.

let t: TestApp;
let owner: TestUser;
let member: TestUser;
let totpSecret: string;

beforeAll(async () => {
  t = await createTestApp({
    env: { ROLEGATE_PUBLIC_URL: 'http://rolegate.test', ROLEGATE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' },
  });
  owner = await createTestUser(t, { role: 'owner', password: TEST_PASSWORD });
  member = await createTestUser(t, { orgId: owner.orgId, role: 'member', password: TEST_PASSWORD });
  totpSecret = generateTotpSecret();
  const keyring = createKeyring(t.config.masterKeys);
  await t.database.db
    .update(users)
    .set({
      totpSecret: encryptField(
        keyring,
        totpSecret,
        bindingFor('users', 'totp_secret', owner.userId, owner.userId),
      ),
      totpEnabledAt: new Date(),
    })
    .where(eq(users.id, owner.userId));
});
afterAll(async () => {
  await t?.close();
});

const json = (headers: Record<string, string>) => ({ ...headers, 'content-type': 'application/json' });
const emailOf = (u: TestUser) => `${u.userId}@example.test`;

function login(user: TestUser, totp?: string) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    payload: { email: emailOf(user), password: TEST_PASSWORD, ...(totp === undefined ? {} : { totp }) },
  });
}

function configure(extra: Record<string, unknown>) {
  return t.app.inject({
    method: 'PUT',
    url: `/v1/orgs/${owner.orgId}/sso`,
    headers: json(owner.headers),
    payload: {
      issuer: 'http://127.0.0.1:9/idp',
      clientId: 'client',
      clientSecret: 'secret',
      allowedDomains: ['example.test'],
      roleMapping: { claim: 'groups', rules: [], defaultRole: 'viewer' },
      ...extra,
    },
  });
}

describe('require SSO', () => {
  it('needs a break-glass owner with MFA on', async () => {
    expect((await configure({ requireSso: true })).statusCode).toBe(400);
    const notOwner = await configure({ requireSso: true, breakGlassUserId: member.userId });
    expect(notOwner.statusCode).toBe(400);
    expect(notOwner.json().error.details).toEqual({ field: 'breakGlassUserId' });
    const noMfa = await createTestUser(t, { orgId: owner.orgId, role: 'owner' });
    expect((await configure({ requireSso: true, breakGlassUserId: noMfa.userId })).statusCode).toBe(400);
  });

  it('lets members sign in with a password until it is on', async () => {
    expect((await configure({ requireSso: false, breakGlassUserId: null })).statusCode).toBe(200);
    expect((await login(member)).statusCode).toBe(200);
  });

  it('then refuses members’ passwords with a clear error pointing to SSO, after the password was checked', async () => {
    const webhook = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/webhooks`,
      headers: json(owner.headers),
      payload: { url: 'http://127.0.0.1:9/hook' },
    });
    expect(webhook.statusCode, webhook.body).toBe(201);
    const on = await configure({ requireSso: true, breakGlassUserId: owner.userId });
    expect(on.statusCode, on.body).toBe(200);

    const refused = await login(member);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({
      code: 'sso_required',
      details: { orgId: owner.orgId, ssoStart: `/v1/auth/sso/start?org=${owner.orgId}` },
    });
    // A wrong password still says only "invalid credentials": SSO membership is not disclosed.
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: { email: emailOf(member), password: 'not the password at all' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
  });

  it('lets the break-glass owner in with password + MFA only, audited and alerted every time', async () => {
    const withoutCode = await login(owner);
    expect(withoutCode.statusCode).toBe(401);
    expect(withoutCode.json().error.code).toBe('mfa_required');
    const ok = await login(owner, totpCodeAt(totpSecret, Date.now()));
    expect(ok.statusCode, ok.body).toBe(200);
    const audited = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, owner.orgId), eq(auditEvents.action, 'auth.break_glass')));
    expect(audited).toHaveLength(1);
    expect(audited[0]!.actorId).toBe(owner.userId);
    const alerts = await t.database.db
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.orgId, owner.orgId),
          eq(webhookDeliveries.eventType, 'sso.break_glass_login'),
        ),
      );
    expect(alerts).toHaveLength(1);
  });

  it('leaves API keys working', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: `/v1/orgs/${owner.orgId}/api-keys`,
      headers: json(owner.headers),
      payload: { name: 'ci', role: 'viewer' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/connections`,
      headers: { authorization: `Bearer ${created.json().key}` },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('SSO review P6: break-glass ends with ownership', () => {
  it('demoting the break-glass owner clears it, and a stale break-glass entry is not honoured', async () => {
    const second = await createTestUser(t, { orgId: owner.orgId, role: 'owner', password: TEST_PASSWORD });
    const secret = generateTotpSecret();
    await t.database.db
      .update(users)
      .set({
        totpSecret: encryptField(
          createKeyring(t.config.masterKeys),
          secret,
          bindingFor('users', 'totp_secret', second.userId, second.userId),
        ),
        totpEnabledAt: new Date(),
      })
      .where(eq(users.id, second.userId));
    expect((await configure({ requireSso: true, breakGlassUserId: second.userId })).statusCode).toBe(200);
    const demoted = await t.app.inject({
      method: 'PATCH',
      url: `/v1/orgs/${owner.orgId}/members/${second.userId}`,
      // The break-glass owner steps down themselves: the other owner's password session is no
      // longer accepted while SSO is required and they are not break-glass.
      headers: json(second.headers),
      payload: { role: 'admin' },
    });
    expect(demoted.statusCode, demoted.body).toBe(200);
    const [config] = await t.database.db.select().from(ssoConfigs).where(eq(ssoConfigs.orgId, owner.orgId));
    expect(config!.breakGlassUserId).toBeNull();

    // Even if the entry were left behind, the current role decides: an admin is not break-glass.
    await t.database.db
      .update(ssoConfigs)
      .set({ breakGlassUserId: second.userId })
      .where(eq(ssoConfigs.orgId, owner.orgId));
    const refused = await login(second, totpCodeAt(secret, Date.now()));
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().error.code).toBe('sso_required');
    const session = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${owner.orgId}/connections`,
      headers: second.headers,
    });
    expect(session.statusCode).toBe(403);

    // Removal clears it too (SSO requirement paused so the other owner's password session may act).
    await t.database.db
      .update(ssoConfigs)
      .set({ requireSso: false })
      .where(eq(ssoConfigs.orgId, owner.orgId));
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/v1/orgs/${owner.orgId}/members/${second.userId}`,
      headers: owner.headers,
    });
    expect(removed.statusCode, removed.body).toBe(204);
    const [after] = await t.database.db.select().from(ssoConfigs).where(eq(ssoConfigs.orgId, owner.orgId));
    expect(after!.breakGlassUserId).toBeNull();
    await t.database.db
      .update(ssoConfigs)
      .set({ breakGlassUserId: owner.userId, requireSso: true })
      .where(eq(ssoConfigs.orgId, owner.orgId));
  });
});
