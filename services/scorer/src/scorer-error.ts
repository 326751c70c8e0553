import { LeadscoreError, type ErrorCode } from '@leadscore/errors';

/** The scorer's errors; codes (and their retriability) from the catalogue. */
export class ScorerError extends LeadscoreError<ErrorCode> {}
