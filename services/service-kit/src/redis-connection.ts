import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Readiness } from './readiness.js';
import { ServiceError } from './service-error.js';

/** A standalone Redis or a Redis Cluster; the services' code is the same for both. */
export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  /** `url` is a seed node of a Redis Cluster (REDIS_CLUSTER=true) */
  readonly cluster?: boolean;
}

/**
 * Connects to Redis (or a Redis Cluster, from one seed URL) and reports the connection in
 * `readiness` under `redis`. Commands fail fast while disconnected (no offline queue, one retry),
 * so callers pause and back off instead of piling work up in memory. Auto-pipelining sends the
 * commands issued in one tick as one pipeline per node: issue a batch's commands together and
 * await them with `redisAll` — that is one round trip, and unlike an explicit pipeline it works
 * across cluster slots.
 * @throws ServiceError REDIS_UNAVAILABLE (retriable) when the first connection fails
 */
export async function connectRedis(url: string, readiness: Readiness, options: RedisConnectionOptions = {}): Promise<RedisClient> {
  const base: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  let redis: RedisClient;
  if (options.cluster) {
    const seed = new URL(url);
    const { lazyConnect, enableOfflineQueue, enableAutoPipelining, retryStrategy: _retry, ...nodeOptions } = base;
    redis = new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
      lazyConnect,
      enableOfflineQueue,
      enableAutoPipelining,
      clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      redisOptions: {
        ...nodeOptions,
        ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
        ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
        ...(seed.protocol === 'rediss:' ? { tls: {} } : {}),
      },
    });
  } else {
    redis = new Redis(url, base);
  }
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

/** Awaits commands issued together; any failure is REDIS_UNAVAILABLE (retriable). */
export async function redisAll<T = unknown>(replies: readonly Promise<T>[]): Promise<T[]> {
  try {
    return await Promise.all(replies);
  } catch (error) {
    throw new ServiceError('REDIS_UNAVAILABLE', `Redis failed: ${(error as Error).message}`, true, { cause: error });
  }
}

export async function quitRedis(redis: RedisClient | undefined): Promise<void> {
  await redis?.quit().catch(() => redis.disconnect());
}
