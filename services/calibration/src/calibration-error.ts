/** The calibration catalogue: input a user can fix (bad files, nothing to learn from). */
export const CalibrationErrorCode = {
  /** The outcomes file cannot be used at all (missing header or columns). */
  BadOutcomesFile: 'CALIBRATION_BAD_OUTCOMES_FILE',
  /** Too little or one-sided data: no converters, no non-converters, no contacts. */
  NotEnoughData: 'CALIBRATION_NOT_ENOUGH_DATA',
  BadOption: 'CALIBRATION_BAD_OPTION',
} as const;
export type CalibrationErrorCode = (typeof CalibrationErrorCode)[keyof typeof CalibrationErrorCode];

export class CalibrationError extends Error {
  readonly code: CalibrationErrorCode;
  readonly retriable = false;

  constructor(code: CalibrationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CalibrationError';
    this.code = code;
  }
}

/** One bad line of an input file, skipped; the rest is still used. */
export interface LineError {
  /** The file's name as the user gave it (for messages). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly message: string;
}

export function formatLineError(error: LineError): string {
  return `${error.file} line ${error.line}: ${error.message}`;
}
