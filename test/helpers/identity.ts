import { hash } from '@node-rs/argon2';
import { systemClock } from '../../src/clock.ts';
import { memberships, organizations, users } from '../../src/db/core-tables.ts';
import { newId } from '../../src/db/ids.ts';
import { createAccessTokens } from '../../src/identity/access-tokens.ts';
import { ARGON2_OPTIONS } from '../../src/identity/passwords.ts';
import type { Role } from '../../src/identity/rbac.ts';
import { sessions } from '../../src/identity/tables.ts';
import type { TestApp } from './app.ts';

export interface TestUser {
  userId: string;
  orgId: string;
  sessionId: string;
  accessToken: string;
  /** `{ authorization: 'Bearer …' }` for app.inject. */
  headers: { authorization: string };
}

/**
 * A user with a live session and an access token, created straight in the database so that tests
 * of other features do not depend on the sign-up flow. Pass `orgId` to add the user to an existing
 * organisation with `role`; otherwise a fresh organisation is created.
 */
/** The password of users created with `{ password: TEST_PASSWORD }` (for flows that re-authenticate). */
export const TEST_PASSWORD = 'a perfectly fine test passphrase';

export async function createTestUser(
  t: TestApp,
  options: { role?: Role; orgId?: string; password?: string } = {},
): Promise<TestUser> {
  const db = t.database.db;
  const userId = newId('usr');
  const orgId = options.orgId ?? newId('org');
  await db.insert(users).values({
    id: userId,
    email: `${userId}@example.test`,
    passwordHash: options.password === undefined ? '!unusable' : await hash(options.password, ARGON2_OPTIONS),
  });
  if (options.orgId === undefined) await db.insert(organizations).values({ id: orgId, name: `Org ${orgId}` });
  await db.insert(memberships).values({ id: newId('mem'), orgId, userId, role: options.role ?? 'owner' });
  const sessionId = newId('ses');
  await db.insert(sessions).values({ id: sessionId, userId, expiresAt: new Date(Date.now() + 3600_000) });
  const tokens = createAccessTokens({
    keys: t.config.jwtKeys,
    ttlSeconds: t.config.auth.accessTokenTtl,
    clock: systemClock,
  });
  const { token } = await tokens.issue({ userId, sessionId });
  return { userId, orgId, sessionId, accessToken: token, headers: { authorization: `Bearer ${token}` } };
}
