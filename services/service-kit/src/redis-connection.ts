import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ErrorCode } from '@leadscore/errors';
import { tlsOptions, type RedisSecurity } from './connection-security.js';
import { errorChain, refusedOurCertificate, TLS_CODES, TLS_FAILURE } from './connection-errors.js';
import type { Readiness } from './readiness.js';
import { ServiceError } from './service-error.js';

/** A standalone Redis or a Redis Cluster; the services' code is the same for both. */
export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  /** `url` is a seed node of a Redis Cluster (REDIS_CLUSTER=true) */
  readonly cluster?: boolean;
  /** ACL user, password and TLS; they take precedence over the user:password of `url`. */
  readonly security?: RedisSecurity;
}

/**
 * Connects to Redis (or a Redis Cluster, from one seed URL) and reports the connection in
 * `readiness` under `redis`. Commands fail fast while disconnected (no offline queue, one retry),
 * so callers pause and back off instead of piling work up in memory. Auto-pipelining sends the
 * commands issued in one tick as one pipeline per node: issue a batch's commands together and
 * await them with `redisAll` — that is one round trip, and unlike an explicit pipeline it works
 * across cluster slots.
 * @throws ServiceError REDIS_AUTH_FAILED or REDIS_TLS_FAILED (not retriable) when Redis refuses
 *   the credentials or the certificate is not trusted, REDIS_UNAVAILABLE (retriable) when the
 *   first connection fails otherwise
 */
export async function connectRedis(
  url: string,
  readiness: Readiness,
  options: RedisConnectionOptions = {},
): Promise<RedisClient> {
  const security = options.security ?? {};
  const base: RedisOptions = {
    ...(security.username ? { username: security.username } : {}),
    ...(security.password ? { password: security.password } : {}),
    ...(security.tls ? { tls: tlsOptions(security.tls) } : {}),
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
        ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
        ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
        ...(seed.protocol === 'rediss:' ? { tls: {} } : {}),
        ...nodeOptions,
      },
    });
  } else {
    redis = new Redis(url, base);
  }
  readiness.set('redis', 'connecting');
  redis.on('ready', () => readiness.set('redis', null));
  redis.on('end', () => readiness.set('redis', 'disconnected'));
  redis.on('reconnecting', () => readiness.set('redis', 'reconnecting'));
  // The reason a first connection fails (refused password, untrusted certificate) arrives as an
  // error event; connect() itself only rejects with "Connection is closed".
  let lastError: unknown;
  const remember = (error: unknown) => (lastError = error);
  redis.on('error', remember);
  redis.on('node error', remember);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw redisConnectError(lastError ?? error, url, security);
  } finally {
    redis.off('error', remember);
    redis.off('node error', remember);
  }
  redis.on('error', () => undefined); // surfaced through readiness and failing commands
  return redis;
}

/** Turns the reason a first Redis connection failed into an error that says what to check. */
export function redisConnectError(error: unknown, url: string, security: RedisSecurity): ServiceError {
  const where = `Redis at ${redisAddress(url)}${security.username ? ` (user "${security.username}")` : ''}`;
  const chain = errorChain(error);
  const reason = chain.map((e) => e.message).find(Boolean) ?? String(error);
  if (chain.some((e) => /^(WRONGPASS|NOAUTH)\b/.test(e.message))) {
    return new ServiceError(
      ErrorCode.RedisAuthFailed,
      `${where} refused the login: ${reason} Check REDIS_USERNAME and REDIS_PASSWORD (or the user:password of REDIS_URL).`,
      { cause: error },
    );
  }
  if (chain.some((e) => /^NOPERM\b/.test(e.message))) {
    return new ServiceError(ErrorCode.RedisAuthFailed, `${where} denied a command at start-up: ${reason} Check the user's ACL.`, {
      cause: error,
    });
  }
  const tlsFailure = chain.find((e) => TLS_CODES.has(e.code ?? '') || TLS_FAILURE.test(e.message));
  if (tlsFailure) {
    const check = refusedOurCertificate(tlsFailure)
      ? "Redis refused this client's certificate: check REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE (a certificate signed by an authority the server trusts)."
      : "Check REDIS_TLS_CA_FILE (the authority that signed the server's certificate) and that REDIS_URL is rediss:// only for a TLS port.";
    return new ServiceError(ErrorCode.RedisTlsFailed, `TLS with ${where} failed: ${tlsFailure.message.trim()}. ${check}`, {
      cause: error,
    });
  }
  // Redis drops a TLS client without a certificate it accepts by closing the connection
  const hint =
    security.tls && chain.some((e) => e.code === 'ECONNRESET')
      ? ' Redis closed the TLS connection at once: does it require a client certificate (REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE)?'
      : '';
  return new ServiceError(ErrorCode.RedisUnavailable, `cannot connect to ${where}: ${reason}${hint}`, { cause: error });
}

/** host:port of a Redis URL, without the credentials it may carry. */
function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}`;
  } catch {
    return '(invalid REDIS_URL)';
  }
}

/**
 * Any failing Redis call is the server being (temporarily) unavailable: REDIS_UNAVAILABLE,
 * retried, never dead-lettered, whatever the client's error (a reply error such as LOADING
 * after a restart too). The one place every service turns a Redis failure into that error.
 */
export function redisUnavailable(operation: string, error: unknown): ServiceError {
  return new ServiceError(ErrorCode.RedisUnavailable, `Redis ${operation} failed: ${(error as Error).message}`, { cause: error });
}

/** Awaits commands issued together; any failure is `redisUnavailable(operation)`. */
export async function redisAll<T = unknown>(replies: readonly Promise<T>[], operation = 'call'): Promise<T[]> {
  try {
    return await Promise.all(replies);
  } catch (error) {
    throw redisUnavailable(operation, error);
  }
}

/** One Redis reply, failing as `redisAll` does. */
export async function redisOne<T>(reply: Promise<T>, operation = 'call'): Promise<T> {
  const [value] = await redisAll([reply], operation);
  return value as T;
}

export async function quitRedis(redis: RedisClient | undefined): Promise<void> {
  await redis?.quit().catch(() => redis.disconnect());
}
