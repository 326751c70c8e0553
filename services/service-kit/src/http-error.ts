import type { ErrorCode } from '@leadscore/errors';

/** One problem of a request: where (`query.limit`, `events[3]`'s `occurredAt`) and what is wrong. */
export interface HttpErrorDetail {
  /** The failing field, in the caller's format (`query.limit`, `params.contactId`, `traits.phone`). */
  readonly path: string;
  readonly message: string;
  /** Position of the event in a batch request (0 for a single event); absent for other requests. */
  readonly index?: number;
}

/**
 * An error answered to the caller as `{error: {code, message, details}}` with `status`: the one
 * error body of the ingest gateway and the read API (docs/doors.md).
 */
export class HttpError<Detail extends HttpErrorDetail = HttpErrorDetail> extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: readonly Detail[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): { error: { code: string; message: string; details: readonly Detail[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
