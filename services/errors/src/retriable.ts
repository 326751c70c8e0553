import { catalogueEntry } from './error-catalogue.js';

/**
 * ioredis's names for a connection that failed or a command that timed out: its errors carry no
 * retriable flag.
 */
const REDIS_TRANSIENT = /MaxRetriesPerRequestError|ConnectionError|AbortError/;

/**
 * Redis replies (ioredis' ReplyError) that say the server cannot answer yet, not that the
 * command is wrong: still loading its data after a restart, busy in a script, a cluster slot
 * moving or without a primary, a replica not writable yet.
 */
const REDIS_TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS)\b/;

/**
 * Whether an error from any layer is worth retrying (infrastructure), not a bug or bad input.
 * The one place that decides: an error's own `retriable` flag (ours, and kafkajs', which marks
 * e.g. KafkaJSNonRetriableError, an exhausted retry or a protocol error such as
 * TOPIC_AUTHORIZATION_FAILED as not), else its code's catalogue entry, else the ioredis names
 * and, for a Redis reply error, whether its reply says "not yet" (LOADING, BUSY, ...).
 */
export function isRetriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retriable?: unknown; code?: unknown; name?: unknown; message?: unknown };
  if (typeof e.retriable === 'boolean') return e.retriable;
  const entry = catalogueEntry(e.code);
  if (entry !== undefined) return entry.retriable;
  if (e.name === 'ReplyError') return typeof e.message === 'string' && REDIS_TRANSIENT_REPLY.test(e.message);
  return typeof e.name === 'string' && REDIS_TRANSIENT.test(e.name);
}
