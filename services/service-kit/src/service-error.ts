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

/** What may be logged of an error: its name and message, never the objects it carries. */
export function errorFields(error: unknown): { err: { name: string; message: string; code?: string } } {
  const e = error as { name?: string; message?: string; code?: unknown };
  return {
    err: {
      name: String(e?.name ?? 'Error'),
      message: String(e?.message ?? error),
      ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    },
  };
}
