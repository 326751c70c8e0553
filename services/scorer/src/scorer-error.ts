import { ServiceError } from '@leadscore/service-kit';

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

export class ScorerError extends ServiceError<ScorerErrorCode> {
  constructor(code: ScorerErrorCode, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(code, message, retriable, options);
    this.name = 'ScorerError';
  }
}
