import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, KeyEntry, ReadyConfig } from './config.ts';

interface StoredDevKeys {
  master: { kid: string; key: string };
  jwt: { kid: string; key: string };
}

interface Warn {
  warn: (msg: string) => void;
}

/**
 * Outside production a newcomer may start with no keys at all. Keys are then generated once and kept
 * in the data directory (mode 0600) so that data encrypted yesterday still decrypts today; with an
 * in-memory data directory they live as long as the process. Production never reaches this path:
 * loadConfig refuses to start without real keys.
 */
export function resolveDevelopmentKeys(given: Config, log: Warn): ReadyConfig {
  // With KMS the data keys come from KMS; ROLEGATE_MASTER_KEYS is then only for older values.
  const config: Config =
    given.kms !== null && given.masterKeys === null ? { ...given, masterKeys: [] } : given;
  if (config.masterKeys !== null && config.jwtKeys !== null) return config as ReadyConfig;
  if (config.env === 'production') throw new Error('production configuration without keys');
  const fresh = (): StoredDevKeys => ({
    master: { kid: 'dev1', key: randomBytes(32).toString('base64') },
    jwt: { kid: 'dev1', key: randomBytes(32).toString('base64') },
  });
  let stored: StoredDevKeys;
  if (config.db.dataDir.startsWith('memory://')) {
    stored = fresh();
  } else {
    const file = join(config.db.dataDir, 'dev-keys.json');
    if (existsSync(file)) {
      stored = JSON.parse(readFileSync(file, 'utf8')) as StoredDevKeys;
    } else {
      mkdirSync(config.db.dataDir, { recursive: true });
      stored = fresh();
      writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
      chmodSync(file, 0o600);
    }
  }
  log.warn(
    'DEVELOPMENT KEYS IN USE: ROLEGATE_MASTER_KEYS and/or ROLEGATE_JWT_KEYS are not set, so generated keys ' +
      'are used. Never run like this with real customer data; production refuses to start without keys.',
  );
  const entry = (k: { kid: string; key: string }): KeyEntry[] => [
    { kid: k.kid, key: Buffer.from(k.key, 'base64') },
  ];
  return {
    ...config,
    masterKeys: config.masterKeys ?? entry(stored.master),
    jwtKeys: config.jwtKeys ?? entry(stored.jwt),
  };
}
