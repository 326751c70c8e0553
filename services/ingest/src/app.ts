import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { errorFields, readinessBody, type Readiness } from '@leadscore/service-kit';
import { ApiKeyVerifier, presentedKey } from '@leadscore/service-kit';
import { batchItems, validateItems, type EventFormat } from './event-batch.js';
import type { EventPublisher } from './event-publisher.js';
import { HttpError, IngestErrorCode } from './ingest-error.js';
import type { IngestMetrics } from './metrics.js';

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

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The ingest gateway's HTTP app, built without listening (tests call `app.inject`).
 *
 *   POST /v1/events    one event in our format, or {"events": [...]}        (API key)
 *   POST /v1/segment   one Segment track/page/identify call, or {"batch": [...]} (API key)
 *   GET  /healthz /readyz /metrics
 *
 * 202 only after Kafka acknowledged every accepted event. `?partial=true` accepts the valid
 * events of a batch and lists the others; without it one bad event refuses the whole request.
 */
export function createIngestApp(options: IngestAppOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const keys = new ApiKeyVerifier(options.apiKeys);
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.maxBodyBytes,
    // our own access log (onResponse below): route pattern and status, no IP, no query, no body
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });

  app.removeContentTypeParser('text/plain'); // JSON only: anything else is 415

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.url.startsWith('/v1/') && !keys.verify(presentedKey(request.headers))) {
      throw new HttpError(
        401,
        IngestErrorCode.Unauthorized,
        'a valid API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
      );
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    options.metrics.requests.inc({ route, status: String(reply.statusCode) });
    options.metrics.requestDuration.observe({ route }, seconds);
    if (route.startsWith('/v1/')) {
      request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    const http = toHttpError(error, options.maxBodyBytes);
    if (http.status >= 500) request.log.error(errorFields(error), 'request failed');
    return reply.status(http.status).send(http.body());
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(new HttpError(404, IngestErrorCode.NotFound, `no route ${request.method} ${request.url.split('?')[0]}`).body()),
  );

  const ingest =
    (format: EventFormat) =>
    async (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply: FastifyReply) => {
      const partial = parsePartial(request.query['partial']);
      const items = batchItems(request.body, format);
      if (items === undefined) {
        const expected =
          format === 'segment' ? 'a Segment call object or {"batch": [...]}' : 'an event object or {"events": [...]}';
        throw new HttpError(400, IngestErrorCode.InvalidRequest, `the body must be ${expected}`, [
          { index: 0, path: '', message: `expected ${expected}` },
        ]);
      }
      if (items.length === 0) {
        throw new HttpError(400, IngestErrorCode.InvalidRequest, 'the batch is empty', [
          { index: 0, path: format === 'segment' ? 'batch' : 'events', message: 'must hold at least one event' },
        ]);
      }
      if (items.length > options.maxBatchEvents) {
        throw new HttpError(
          413,
          IngestErrorCode.PayloadTooLarge,
          `a batch holds at most ${options.maxBatchEvents} events, got ${items.length}; split it`,
        );
      }
      const batch = validateItems(items, format, options.segmentEventMap, now());
      const badItems = new Set(batch.invalid.map((d) => d.index)).size;
      if (badItems > 0) options.metrics.eventsRejected.inc({ format }, badItems);
      if (badItems > 0 && (!partial || batch.valid.length === 0)) {
        const what = items.length === 1 ? 'the event is invalid' : `${badItems} of ${items.length} events are invalid`;
        const hint =
          items.length > 1 && !partial
            ? '; none was accepted (add ?partial=true to accept the valid ones)'
            : '; nothing was accepted';
        throw new HttpError(400, IngestErrorCode.InvalidEvents, `${what}${hint}`, batch.invalid);
      }
      const events = batch.valid.map((v) => v.event);
      const stopTimer = options.metrics.publishDuration.startTimer();
      try {
        await options.publisher.publish(events, format === 'segment' ? 'segment' : 'ingest');
      } catch (error) {
        options.metrics.publishFailures.inc();
        request.log.warn(errorFields(error), 'Kafka did not acknowledge; answered 503');
        throw new HttpError(
          503,
          IngestErrorCode.PublishFailed,
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

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    reply.status(options.readiness.ready ? 200 : 503).send(readinessBody(options.readiness)),
  );
  app.get('/metrics', async (_request, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );
  return app;
}

/** `?partial`, `?partial=true|1` → true; absent, `false|0` → false. */
function parsePartial(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === '' || value === 'true' || value === '1') return true;
  throw new HttpError(
    400,
    IngestErrorCode.InvalidRequest,
    `query parameter partial must be true or false, got ${JSON.stringify(value)}`,
    [{ index: 0, path: 'query.partial', message: 'must be true or false' }],
  );
}

/** Maps any error thrown while answering to our error body. */
function toHttpError(error: Error & { code?: string; statusCode?: number }, maxBodyBytes: number): HttpError {
  if (error instanceof HttpError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(
        413,
        IngestErrorCode.PayloadTooLarge,
        `the request body is larger than ${maxBodyBytes} bytes; send smaller batches`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, IngestErrorCode.UnsupportedMediaType, 'the body must be JSON (Content-Type: application/json)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, IngestErrorCode.InvalidJson, 'the request body is empty; expected JSON');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, IngestErrorCode.InvalidJson, 'the request body is not valid JSON');
  }
  if (error.code === 'FST_ERR_VALIDATION') return new HttpError(400, IngestErrorCode.InvalidRequest, error.message);
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new HttpError(error.statusCode, IngestErrorCode.InvalidRequest, error.message);
  }
  return new HttpError(500, IngestErrorCode.Internal, 'internal error; the events were not accepted');
}
