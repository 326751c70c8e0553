import { ErrorCode } from '@leadscore/errors';
import { ServiceError } from '@leadscore/service-kit';

/**
 * Turn what a script returned into a typed value, checking its shape: a reply of another shape
 * means the script and its caller disagree, a bug no retry fixes.
 * @throws ServiceError REDIS_REPLY_UNEXPECTED
 */
export function integerReply(reply: unknown): number {
  if (typeof reply === 'number' && Number.isInteger(reply)) return reply;
  throw unexpected('an integer', reply);
}

export function stringListReply(reply: unknown): string[] {
  if (Array.isArray(reply) && reply.every((item) => typeof item === 'string')) return reply;
  throw unexpected('a list of strings', reply);
}

/** `{integer, string}`. */
export function statusAndTextReply(reply: unknown): [number, string] {
  if (Array.isArray(reply) && typeof reply[0] === 'number' && typeof reply[1] === 'string') return [reply[0], reply[1]];
  throw unexpected('{integer, string}', reply);
}

/** The error of a reply that is not of the `expected` shape (names the shape, never the value). */
export function unexpected(expected: string, reply: unknown): ServiceError {
  const shape = Array.isArray(reply) ? `a list of ${reply.length}` : typeof reply;
  return new ServiceError(ErrorCode.RedisReplyUnexpected, `a Redis script replied ${shape}, expected ${expected}`);
}
