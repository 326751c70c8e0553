import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCode } from '@leadscore/errors';
import { ApiKeyVerifier, createHttpApp, errorFields, HttpError, type Readiness } from '@leadscore/service-kit';
import { batchItems, validateItems, type EventFormat } from './event-batch.js';
import type { EventPublisher } from './event-publisher.js';
import type { IngestMetrics } from './metrics.js';
import { refusedItems } from './refused-item.js';

export interface IngestAppOptions {
  readonly apiKeys: readonly string[];
  readonly segmentEventMap: Readonly<Record<string, string>>;
  readonly publisher: EventPublisher;
  readonly metrics: IngestMetrics;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly maxBatchEvents: number;
  /** The clock (epoch ms) for the 24 h future check; tests may fix it. */
  readonly now?: () => number;
}

/**
 * The ingest gateway's HTTP app, built without listening (tests call `app.inject`).
 *
 *   POST /v1/events    one event in our format, or {"events": [...]}        (API key)
 *   POST /v1/segment   one Segment track/page/identify/alias call, or {"batch": [...]} (API key)
 *   GET  /healthz /readyz /metrics
 *
 * 202 only after Kafka acknowledged every accepted event. `/v1/events`: `?partial=true` accepts
 * the valid events of a batch and lists the others; without it one bad event refuses the whole
 * request. `/v1/segment` always accepts what it can: real Segment clients drop a batch answered
 * 4xx, so a call that cannot be used goes to the dead letters with its reason (produced and
 * acknowledged with the events) and is listed in `rejected`, with a 202.
 */
export function createIngestApp(options: IngestAppOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const keys = new ApiKeyVerifier(options.apiKeys);
  const app = createHttpApp({
    logger: options.logger,
    metrics: options.metrics,
    readiness: options.readiness,
    fastify: { bodyLimit: options.maxBodyBytes },
    auth: { verifier: keys, applies: (request) => request.url.startsWith('/v1/') },
    logged: (route) => route.startsWith('/v1/'),
    toHttpError: (error) => toHttpError(error, options.maxBodyBytes),
  });
  app.removeContentTypeParser('text/plain'); // JSON only: anything else is 415

  const ingest =
    (format: EventFormat) =>
    async (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply: FastifyReply) => {
      const partial = parsePartial(request.query['partial']);
      const items = batchItems(request.body, format);
      if (items === undefined) {
        const expected =
          format === 'segment' ? 'a Segment call object or {"batch": [...]}' : 'an event object or {"events": [...]}';
        throw new HttpError(400, ErrorCode.InvalidRequest, `the body must be ${expected}`, [
          { index: 0, path: '', message: `expected ${expected}` },
        ]);
      }
      if (items.length === 0) {
        throw new HttpError(400, ErrorCode.InvalidRequest, 'the batch is empty', [
          { index: 0, path: format === 'segment' ? 'batch' : 'events', message: 'must hold at least one event' },
        ]);
      }
      if (items.length > options.maxBatchEvents) {
        throw new HttpError(
          413,
          ErrorCode.PayloadTooLarge,
          `a batch holds at most ${options.maxBatchEvents} events, got ${items.length}; split it`,
        );
      }
      const batch = validateItems(items, format, options.segmentEventMap, now());
      const badItems = new Set(batch.invalid.map((d) => d.index)).size;
      if (badItems > 0) options.metrics.eventsRejected.inc({ format }, badItems);
      const deadLettered = format === 'segment';
      if (badItems > 0 && !deadLettered && (!partial || batch.valid.length === 0)) {
        const what = items.length === 1 ? 'the event is invalid' : `${badItems} of ${items.length} events are invalid`;
        const hint =
          items.length > 1 && !partial
            ? '; none was accepted (add ?partial=true to accept the valid ones)'
            : '; nothing was accepted';
        throw new HttpError(400, ErrorCode.InvalidEvents, `${what}${hint}`, batch.invalid);
      }
      const events = batch.valid.map((v) => v.event);
      const stopTimer = options.metrics.publishDuration.startTimer();
      try {
        if (deadLettered) {
          await options.publisher.publish(events, 'segment', {
            items: refusedItems(items, batch.invalid),
            origin: { route: '/v1/segment', requestId: String(request.id), now: now() },
          });
        } else await options.publisher.publish(events, 'ingest');
      } catch (error) {
        options.metrics.publishFailures.inc();
        request.log.warn(errorFields(error), 'Kafka did not acknowledge; answered 503');
        throw new HttpError(
          503,
          ErrorCode.PublishFailed,
          'Kafka did not acknowledge the events; retry the same request (events with the same eventIds are counted once)',
        );
      } finally {
        stopTimer();
      }
      options.metrics.eventsAccepted.inc({ format }, events.length);
      return reply.status(202).send({ accepted: events.length, eventIds: events.map((e) => e.eventId), rejected: batch.invalid });
    };

  const querystring = { type: 'object', properties: { partial: { type: 'string' } } };
  app.post('/v1/events', { schema: { querystring } }, ingest('leadscore'));
  app.post('/v1/segment', { schema: { querystring } }, ingest('segment'));

  return app;
}

/** `?partial`, `?partial=true|1` → true; absent, `false|0` → false. */
function parsePartial(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === '' || value === 'true' || value === '1') return true;
  throw new HttpError(
    400,
    ErrorCode.InvalidRequest,
    `query parameter partial must be true or false, got ${JSON.stringify(value)}`,
    [{ index: 0, path: 'query.partial', message: 'must be true or false' }],
  );
}

/** Maps any error thrown while answering to our error body. */
function toHttpError(error: Error & { code?: string; statusCode?: number }, maxBodyBytes: number): HttpError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(
        413,
        ErrorCode.PayloadTooLarge,
        `the request body is larger than ${maxBodyBytes} bytes; send smaller batches`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, ErrorCode.UnsupportedMediaType, 'the body must be JSON (Content-Type: application/json)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, ErrorCode.InvalidJson, 'the request body is empty; expected JSON');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, ErrorCode.InvalidJson, 'the request body is not valid JSON');
  }
  if (error.code === 'FST_ERR_VALIDATION') return new HttpError(400, ErrorCode.InvalidRequest, error.message);
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new HttpError(error.statusCode, ErrorCode.InvalidRequest, error.message);
  }
  return new HttpError(500, ErrorCode.Internal, 'internal error; the events were not accepted');
}
