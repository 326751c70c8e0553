/** The CLI's error catalogue: failures a user can fix, reported as one line and exit code 1. */
export const CliErrorCode = {
  FileUnreadable: 'CLI_FILE_UNREADABLE',
  BadOption: 'CLI_BAD_OPTION',
  BadEnvironment: 'CLI_BAD_ENVIRONMENT',
  /** Contact states under the key prefix changed while the command wrote them (another writer). */
  WriteConflict: 'CLI_WRITE_CONFLICT',
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly retriable = false;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
}
