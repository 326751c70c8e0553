import { catalogueEntry, type ErrorCode } from './error-catalogue.js';

export interface LeadscoreErrorOptions {
  readonly cause?: unknown;
  /** Overrides the catalogue's default, for a code whose retriability depends on the cause. */
  readonly retriable?: boolean;
}

/**
 * The base error of every package: a stable `code` from the catalogue, whether trying again can
 * help (`retriable`, the catalogue's default unless the thrower knows better), and the wrapped
 * `cause`. Packages subclass it to name where an error came from (`ScorerError`, `CliError`).
 */
export class LeadscoreError<Code extends ErrorCode = ErrorCode> extends Error {
  readonly code: Code;
  readonly retriable: boolean;

  constructor(code: Code, message: string, options: LeadscoreErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? catalogueEntry(code)?.retriable ?? false;
  }
}
