import { ErrorCode, LeadscoreError } from '@leadscore/errors';

/** The CLI's codes (from the catalogue): failures a user can fix, reported as one line and exit code 1. */
export const CliErrorCode = {
  FileUnreadable: ErrorCode.CliFileUnreadable,
  BadOption: ErrorCode.CliBadOption,
  BadEnvironment: ErrorCode.CliBadEnvironment,
  /** Contact states under the key prefix changed while the command wrote them (another writer). */
  WriteConflict: ErrorCode.CliWriteConflict,
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export class CliError extends LeadscoreError<CliErrorCode> {}
