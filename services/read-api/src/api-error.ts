/** One problem of a request: the parameter path (`query.limit`, `params.contactId`) and what is wrong. */
export interface ApiErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** The read API's error catalogue; answered as `{error: {code, message, details}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'INVALID_REQUEST' | 'UNAUTHORIZED' | 'CONTACT_NOT_FOUND' | 'NOT_FOUND' | 'UNAVAILABLE' | 'INTERNAL',
    message: string,
    readonly details: readonly ApiErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): { error: { code: string; message: string; details: readonly ApiErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
