import { Redis } from 'ioredis';

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
