import { catalogueEntry } from './error-catalogue.js';

/**
 * ioredis's names for a connection that failed or a command that timed out: its errors carry no
 * retriable flag.
 */
const REDIS_TRANSIENT = /MaxRetriesPerRequestError|ConnectionError|AbortError/;

/**
 * Whether an error from any layer is worth retrying (infrastructure), not a bug or bad input.
 * The one place that decides: an error's own `retriable` flag (ours, and kafkajs', which marks
 * e.g. KafkaJSNonRetriableError, an exhausted retry or a protocol error such as
 * TOPIC_AUTHORIZATION_FAILED as not), else its code's catalogue entry, else the ioredis names.
 */
export function isRetriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retriable?: unknown; code?: unknown; name?: unknown };
  if (typeof e.retriable === 'boolean') return e.retriable;
  const entry = catalogueEntry(e.code);
  if (entry !== undefined) return entry.retriable;
  return typeof e.name === 'string' && REDIS_TRANSIENT.test(e.name);
}
