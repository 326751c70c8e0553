import { ErrorCode, LeadscoreError } from '@leadscore/errors';

/**
 * The engine's codes (from the catalogue). Callers (CLI, scorer, API) switch on `code`, never on
 * message text. Engine errors are never retriable: the same input fails the same way.
 */
export const EngineErrorCode = {
  /** A grid file failed parsing, schema or semantic validation (`GridValidationError`). */
  GridInvalid: ErrorCode.GridInvalid,
  /** An event failed validation where a throwing API was used (`EventValidationError`). */
  EventInvalid: ErrorCode.EventInvalid,
  /** A serialized contact state could not be decoded (`StateDecodeError`). */
  StateInvalid: ErrorCode.StateInvalid,
} as const;
export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

/** One problem in an input, located by a path such as `rules[3].tiers[1].atLeast`. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

export class EngineError extends LeadscoreError<EngineErrorCode> {
  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, retriable: false });
  }
}

/** Thrown by `loadGrid` (and `compileGrid` on an invalid grid); carries every issue found. */
export class GridValidationError extends EngineError {
  readonly errors: readonly ValidationIssue[];
  readonly source: string | undefined;

  constructor(errors: readonly ValidationIssue[], source?: string) {
    const where = source === undefined ? 'grid' : source;
    super(
      EngineErrorCode.GridInvalid,
      `${where}: ${errors.length} error(s)\n` + errors.map((e) => `  ${formatIssue(e)}`).join('\n'),
    );
    this.errors = errors;
    this.source = source;
  }
}

/** Thrown by `toLeadEvent` when `parseEvent` rejects its input. */
export class EventValidationError extends EngineError {
  readonly errors: readonly ValidationIssue[];

  constructor(errors: readonly ValidationIssue[]) {
    super(EngineErrorCode.EventInvalid, errors.map(formatIssue).join('; '));
    this.errors = errors;
  }
}

/** Thrown by `decodeState` on text that is not a state this engine version wrote. */
export class StateDecodeError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(EngineErrorCode.StateInvalid, message, options);
  }
}

/** `path: message`, or just the message for issues about the whole input. */
export function formatIssue(issue: ValidationIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}
