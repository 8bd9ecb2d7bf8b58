import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type ReadyConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core/create-core.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { resolveDevelopmentKeys } from '../../src/dev-keys.ts';
import { createLogger } from '../../src/logging.ts';
import { withCore } from '../../src/main.ts';
import { testEnv } from '../helpers/app.ts';
import { rewriteUrl, startTcpProxy, type TcpProxy, targetOf } from '../helpers/tcp-proxy.ts';

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/15';
const logger = createLogger('silent');

function readyConfig(extra: Record<string, string> = {}): ReadyConfig {
  return resolveDevelopmentKeys(loadConfig(testEnv(extra)), { warn: () => {} });
}

/** Every service and module the core exposes, i.e. what a process (server or CLI) is made of. */
function graphOf(core: Core): string[] {
  return Object.entries(core)
    .filter(([, v]) => typeof v !== 'function')
    .map(([k]) => k)
    .sort();
}

describe('createCore', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ url: process.env.DATABASE_URL, dataDir: 'memory://' });
    await runMigrations(database);
  });
  afterAll(async () => {
    await database.close();
  });

  it('builds the module graph once: the app registers its routes on the core it is given', async () => {
    const config = readyConfig();
    const core = createCore(config, { database, logger });
    const start = vi.spyOn(core, 'start');
    const stop = vi.spyOn(core, 'stop');
    const app = await buildApp(config, { database, logger, core });
    await app.ready();
    expect(start).toHaveBeenCalledTimes(1);
    expect(app.routeTable.length).toBeGreaterThan(20);
    await app.close();
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('the CLI (withCore) builds the same module graph as the server, and stops it afterwards', async () => {
    const config = readyConfig();
    const server = createCore(config, { database, logger });
    let cli: Core | null = null;
    await withCore(testEnv(), { command: 'scan', logTo: 'stderr' }, async (core) => {
      cli = core;
      expect(core.scans.service).toBeDefined();
      expect(core.broker).toBeDefined();
    });
    expect(cli).not.toBeNull();
    expect(graphOf(cli!)).toEqual(graphOf(server));
    // withCore stopped it: it cannot be started again by mistake.
    await expect(cli!.start()).rejects.toThrow(/stopped/);
    await server.stop();
  });

  it('start and stop are idempotent; stop stops, in reverse order, only what start started', async () => {
    const core = createCore(readyConfig(), { database, logger });
    const order: string[] = [];
    const track = (name: string, target: { start: () => unknown; stop: () => Promise<void> }) => {
      const start = vi.spyOn(target, 'start').mockImplementation(() => {
        order.push(`start ${name}`);
        return undefined as never;
      });
      const stop = vi.spyOn(target, 'stop').mockImplementation(async () => {
        order.push(`stop ${name}`);
      });
      return { start, stop };
    };
    const connections = track('connections', core.connections);
    const outbox = track('outbox', core.outbox);
    const sweep = track('sweep', core.threatSweep);

    await Promise.all([core.start(), core.start()]);
    await core.start();
    await Promise.all([core.stop(), core.stop()]);
    await core.stop();
    for (const job of [connections, outbox, sweep]) {
      expect(job.start).toHaveBeenCalledTimes(1);
      expect(job.stop).toHaveBeenCalledTimes(1);
    }
    expect(order).toEqual([
      'start connections',
      'start outbox',
      'start sweep',
      'stop sweep',
      'stop outbox',
      'stop connections',
    ]);

    // A core never started stops none of the background jobs.
    const idle = createCore(readyConfig(), { database, logger });
    const idleOutbox = vi.spyOn(idle.outbox, 'stop');
    await idle.stop();
    expect(idleOutbox).not.toHaveBeenCalled();
  });

  it('a job that fails to stop does not keep the others running', async () => {
    const core = createCore(readyConfig(), { database, logger });
    await core.start();
    vi.spyOn(core.threatSweep, 'stop').mockRejectedValue(new Error('stuck'));
    const outboxStop = vi.spyOn(core.outbox, 'stop');
    const connectionsStop = vi.spyOn(core.connections, 'stop');
    await core.stop();
    expect(outboxStop).toHaveBeenCalledTimes(1);
    expect(connectionsStop).toHaveBeenCalledTimes(1);
  });

  describe('Redis', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startTcpProxy(targetOf(REDIS_URL, 6379));
    });
    afterEach(() => vi.restoreAllMocks());
    afterAll(async () => {
      await proxy.close();
    });

    it('one Redis client per process: the core opens it once, the app and identity share it, stop closes it', async () => {
      const before = proxy.accepted;
      const config = readyConfig({ REDIS_URL: rewriteUrl(REDIS_URL, proxy) });
      const core = createCore(config, { database, logger });
      const app = await buildApp(config, { database, logger, core });
      await app.ready();
      // Rate limits (every request) and the login lockout (a failed login) both use Redis.
      await app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'nobody@example.com', password: 'not the password at all' },
      });
      await app.inject({ method: 'GET', url: '/healthz' });
      await vi.waitFor(() => expect(proxy.accepted - before).toBeGreaterThanOrEqual(1));
      expect(proxy.accepted - before).toBe(1);
      await app.close();
      await vi.waitFor(() => expect(proxy.open).toBe(0));
    });

    it('a Redis client given by the caller is used and left open for the caller to close', async () => {
      const { createSharedRedis } = await import('../../src/redis.ts');
      const before = proxy.accepted;
      const redis = createSharedRedis(rewriteUrl(REDIS_URL, proxy), logger);
      await vi.waitFor(() => expect(redis.status).toBe('ready'));
      const config = readyConfig({ REDIS_URL: rewriteUrl(REDIS_URL, proxy) });
      const core = createCore(config, { database, logger, redis });
      expect(core.redis).toBe(redis);
      await core.start();
      await core.stop();
      expect(redis.status).toBe('ready');
      await expect(redis.ping()).resolves.toBe('PONG');
      expect(proxy.accepted - before).toBe(1);
      redis.disconnect();
    });
  });
});
