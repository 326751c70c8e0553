/** The HTTP error catalogue of the ingest gateway: stable codes, one status each. */
export const IngestErrorCode = {
  Unauthorized: 'UNAUTHORIZED',
  InvalidEvents: 'INVALID_EVENTS',
  InvalidJson: 'INVALID_JSON',
  InvalidRequest: 'INVALID_REQUEST',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  NotFound: 'NOT_FOUND',
  PublishFailed: 'PUBLISH_FAILED',
  Internal: 'INTERNAL',
} as const;
export type IngestErrorCode = (typeof IngestErrorCode)[keyof typeof IngestErrorCode];

export interface ErrorDetail {
  /** Position of the event in the request (0 for a single event). */
  readonly index: number;
  /** The failing field of that event, in the caller's format (`occurredAt`, `traits.phone`). */
  readonly path: string;
  readonly message: string;
}

/** An error answered to the caller as `{error: {code, message, details}}` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: IngestErrorCode | string,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): { error: { code: string; message: string; details: readonly ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
