import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * One way to open Redis for every feature that shares state across nodes. Short timeouts and a
 * single retry: when Redis is down the caller learns it within about a second and applies its
 * documented degradation (fail closed for authentication, per-node memory limits elsewhere).
 */
export function createRedis(url: string, onError?: (err: Error) => void): Redis {
  const redis = new Redis(url, {
    connectTimeout: 500,
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  redis.on('error', (err: Error) => onError?.(err));
  return redis;
}

const CONNECTION_LOG_INTERVAL_MS = 30_000;

/**
 * The app's one Redis connection (rate limits and the login lockout share it). A down Redis is
 * retried every 2 s at most; its connection errors are logged at most once per 30 s.
 */
export function createSharedRedis(url: string, logger: Pick<Logger, 'warn'>): Redis {
  let lastLog = 0;
  return createRedis(url, (err) => {
    const now = Date.now();
    if (now - lastLog < CONNECTION_LOG_INTERVAL_MS) return;
    lastLog = now;
    logger.warn({ err: { message: err.message } }, 'Redis connection error');
  });
}
