/**
 * The base error of the services: a stable `code`, whether trying again can help
 * (`retriable`), and the wrapped `cause`. Each service keeps its own catalogue of codes.
 */
export class ServiceError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServiceError';
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

/**
 * What may be logged of an error: its class (`type`), message and code, never the objects it
 * carries. Not under pino's `err` key with a `name` field: the logs redact every `*.name` (a
 * guard against contact names), which hid the class of every logged error.
 */
export function errorFields(error: unknown): { error: { type: string; message: string; code?: string } } {
  const e = error as { name?: string; message?: string; code?: unknown };
  return {
    error: {
      type: String(e?.name ?? 'Error'),
      message: String(e?.message ?? error),
      ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    },
  };
}
