import type { Logger } from 'pino';
import type { AuditWriter } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { ReadyConfig } from '../config.ts';
import type { Keyring } from '../crypto/field-encryption.ts';
import type { Db } from '../db/client.ts';
import { createRedis } from '../redis.ts';
import type { AccessTokenIssuer } from './access-tokens.ts';
import { createMemoryLockoutStore, createRedisLockoutStore, type LockoutStore } from './lockout.ts';
import { createPasswordHasher } from './passwords.ts';
import { createIdentityService, type IdentityService } from './service.ts';
import { createIdentityStore } from './store.ts';

/**
 * Builds the identity service for app.ts. The lockout store is shared through Redis when
 * `REDIS_URL` is set (several nodes), otherwise kept in memory; with Redis down, sign-in fails
 * closed (503) rather than skipping brute-force protection.
 */
export function createIdentityModule(deps: {
  config: Pick<ReadyConfig, 'redisUrl' | 'auth'>;
  db: Db;
  clock: Clock;
  audit: Pick<AuditWriter, 'record'>;
  keyring: Keyring;
  accessTokens: Pick<AccessTokenIssuer, 'issue'>;
  logger: Pick<Logger, 'warn'>;
  lockout?: LockoutStore;
  onLogin?: (userId: string, ip: string) => void;
}): { service: IdentityService; close(): Promise<void> } {
  const redis =
    deps.lockout !== undefined || deps.config.redisUrl === undefined
      ? null
      : createRedis(deps.config.redisUrl, (err) => deps.logger.warn({ err }, 'lockout store: redis error'));
  const lockout =
    deps.lockout ?? (redis === null ? createMemoryLockoutStore() : createRedisLockoutStore(redis));
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
  });
  return {
    service,
    async close() {
      redis?.disconnect();
    },
  };
}
