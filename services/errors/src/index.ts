/** @leadscore/errors: the error-code catalogue, its base class and retriability. Pure: no I/O. */
export { EXIT_CODES, type ExitCodeValue } from './exit-codes.js';
export {
  ERROR_CATALOGUE,
  ErrorCode,
  catalogueEntry,
  exitCodeFor,
  type CatalogueEntry,
  type ErrorCodeName,
} from './error-catalogue.js';
export { LeadscoreError, type LeadscoreErrorOptions } from './leadscore-error.js';
export { isRetriable } from './retriable.js';
