/** The scorer's error catalogue. Codes are stable; `retriable` says whether trying again can help. */
export const ScorerErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  GridUnreadable: 'GRID_UNREADABLE',
  RedisUnavailable: 'REDIS_UNAVAILABLE',
  RedisPolicyUnsafe: 'REDIS_POLICY_UNSAFE',
  StateConflict: 'STATE_CONFLICT',
  PublishFailed: 'PUBLISH_FAILED',
} as const;
export type ScorerErrorCode = (typeof ScorerErrorCode)[keyof typeof ScorerErrorCode];

export class ScorerError extends Error {
  constructor(
    readonly code: ScorerErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ScorerError';
  }
}

/** Whether an error from any layer is worth retrying (infrastructure), not a bug or bad input. */
export function isRetriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retriable?: unknown; name?: unknown };
  if (e.retriable === true) return true;
  // kafkajs marks its own errors; ioredis connection/timeouts surface as these names
  return typeof e.name === 'string' && /^KafkaJS|MaxRetriesPerRequestError|ConnectionError|AbortError/.test(e.name);
}
