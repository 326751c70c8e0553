import { LeadscoreError, type ErrorCode } from '@leadscore/errors';

/** The error of the services' shared layer (connections, configuration); codes from the catalogue. */
export class ServiceError<Code extends ErrorCode = ErrorCode> extends LeadscoreError<Code> {}

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
