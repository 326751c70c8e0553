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

/** `{integer, string}` (or `{integer, nil}` when `nullable`). */
export function statusAndTextReply(reply: unknown, nullable: true): [number, string | null];
export function statusAndTextReply(reply: unknown, nullable?: false): [number, string];
export function statusAndTextReply(reply: unknown, nullable = false): [number, string | null] {
  if (Array.isArray(reply) && typeof reply[0] === 'number') {
    const text: unknown = reply[1] ?? null;
    if (typeof text === 'string' || (nullable && text === null)) return [reply[0], text];
  }
  throw unexpected(`{integer, string${nullable ? ' or nil' : ''}}`, reply);
}

/** The error of a reply that is not of the `expected` shape (names the shape, never the value). */
export function unexpected(expected: string, reply: unknown): ServiceError {
  const shape = Array.isArray(reply) ? `a list of ${reply.length}` : typeof reply;
  return new ServiceError(ErrorCode.RedisReplyUnexpected, `a Redis script replied ${shape}, expected ${expected}`);
}
