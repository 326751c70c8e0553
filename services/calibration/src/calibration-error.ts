import { ErrorCode, LeadscoreError } from '@leadscore/errors';

/** The calibration codes (from the catalogue): input a user can fix (bad files, nothing to learn from). */
export const CalibrationErrorCode = {
  /** The outcomes file cannot be used at all (missing header or columns). */
  BadOutcomesFile: ErrorCode.CalibrationBadOutcomesFile,
  /** Too little or one-sided data: no converters, no non-converters, no contacts. */
  NotEnoughData: ErrorCode.CalibrationNotEnoughData,
  BadOption: ErrorCode.CalibrationBadOption,
} as const;
export type CalibrationErrorCode = (typeof CalibrationErrorCode)[keyof typeof CalibrationErrorCode];

export class CalibrationError extends LeadscoreError<CalibrationErrorCode> {}

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
