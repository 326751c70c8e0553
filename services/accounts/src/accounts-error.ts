import { LeadscoreError, type ErrorCode } from '@leadscore/errors';

/** The account service's errors; codes (and their retriability) from the catalogue. */
export class AccountsError extends LeadscoreError<ErrorCode> {}
