import { Redis } from 'ioredis';
import type { Readiness } from './readiness.js';
import { ServiceError } from './service-error.js';

/**
 * Connects to Redis with bounded per-command retries (a failing command surfaces quickly so the
 * caller can pause and back off) and reports the connection in `readiness` under `redis`.
 * @throws ServiceError REDIS_UNAVAILABLE (retriable) when the first connection fails
 */
export async function connectRedis(url: string, readiness: Readiness): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  readiness.set('redis', 'connecting');
  redis.on('ready', () => readiness.set('redis', null));
  redis.on('end', () => readiness.set('redis', 'disconnected'));
  redis.on('reconnecting', () => readiness.set('redis', 'reconnecting'));
  redis.on('error', () => undefined); // surfaced through readiness and failing commands
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new ServiceError('REDIS_UNAVAILABLE', `cannot connect to Redis: ${(error as Error).message}`, true, { cause: error });
  }
  return redis;
}

export async function quitRedis(redis: Redis | undefined): Promise<void> {
  await redis?.quit().catch(() => redis.disconnect());
}
