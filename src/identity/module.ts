import type { Redis } from 'ioredis';
import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { ReadyConfig } from '../config.ts';
import type { Keyring } from '../crypto/field-encryption.ts';
import type { Db } from '../db/client.ts';
import type { AccessTokenIssuer } from './access-tokens.ts';
import { createMemoryLockoutStore, createRedisLockoutStore, type LockoutStore } from './lockout.ts';
import { createPasswordHasher } from './passwords.ts';
import { createIdentityService, type IdentityService, type IdentityServiceDeps } from './service.ts';
import { createIdentityStore } from './store.ts';

/**
 * Builds the identity service for app.ts. The lockout store is shared through Redis when
 * `REDIS_URL` is set (several nodes; `redis` is the app's shared connection, which the app
 * closes), otherwise kept in memory; with Redis down, sign-in fails closed (503) rather than
 * skipping brute-force protection.
 */
export function createIdentityModule(deps: {
  config: Pick<ReadyConfig, 'auth'>;
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  keyring: Keyring;
  accessTokens: Pick<AccessTokenIssuer, 'issue'>;
  redis: Redis | null;
  lockout?: LockoutStore;
  onLogin?: (userId: string, ip: string) => void;
  invitations?: IdentityServiceDeps['invitations'];
  passwordGate?: IdentityServiceDeps['passwordGate'];
}): { service: IdentityService } {
  const lockout =
    deps.lockout ?? (deps.redis === null ? createMemoryLockoutStore() : createRedisLockoutStore(deps.redis));
  const service = createIdentityService({
    store: createIdentityStore(deps.db),
    audit: deps.audit,
    clock: deps.clock,
    hasher: createPasswordHasher(),
    lockout,
    accessTokens: deps.accessTokens,
    keyring: deps.keyring,
    auth: deps.config.auth,
    ...(deps.onLogin === undefined ? {} : { onLogin: deps.onLogin }),
    ...(deps.invitations === undefined ? {} : { invitations: deps.invitations }),
    ...(deps.passwordGate === undefined ? {} : { passwordGate: deps.passwordGate }),
  });
  return { service };
}
