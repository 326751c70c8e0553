import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Logger } from 'pino';
import type { Counter, Histogram, Registry } from 'prom-client';
import { ErrorCode } from '@leadscore/errors';
import { presentedKey, type ApiKeyVerifier } from './api-keys.js';
import { HttpError, type HttpErrorDetail } from './http-error.js';
import { readinessBody } from './ops-server.js';
import type { Readiness } from './readiness.js';
import { errorFields } from './service-error.js';

/** The HTTP metrics both apps export, under their own names. */
export interface HttpAppMetrics {
  readonly requests: Counter<'route' | 'status'>;
  readonly requestDuration: Histogram<'route'>;
  readonly registry: Registry;
}

export interface HttpAppOptions {
  readonly logger: Logger;
  readonly metrics: HttpAppMetrics;
  readonly readiness: Readiness;
  /** Fastify settings of this app (body limit, router). */
  readonly fastify?: Pick<FastifyServerOptions, 'bodyLimit' | 'routerOptions'>;
  /** Requests for which `applies` holds need a key the verifier knows, or get 401 UNAUTHORIZED. */
  readonly auth?: {
    readonly verifier: ApiKeyVerifier;
    readonly applies: (request: FastifyRequest) => boolean;
    readonly details?: readonly HttpErrorDetail[];
  };
  /** Route patterns the access log names (never the URL: contact ids stay out of the logs). */
  readonly logged: (route: string) => boolean;
  /** Any error thrown while answering that is not an HttpError, as one. */
  readonly toHttpError: (error: Error & { code?: string; statusCode?: number }) => HttpError;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * What the ingest gateway and the read API share, built without listening (tests call
 * `app.inject`): the request id (a caller's `x-request-id` if sane), API keys, an access log of
 * route patterns and status codes with the request metrics, the one error body for every failure
 * and for unknown routes, and the ops routes `/healthz` (never depends on Kafka or Redis),
 * `/readyz` and `/metrics`. The app adds its own routes.
 */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    ...options.fastify,
    loggerInstance: options.logger as FastifyBaseLogger,
    // our own access log (onResponse below): route pattern and status, no IP, no query, no body
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });

  const { auth, metrics } = options;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (auth && auth.applies(request) && !auth.verifier.verify(presentedKey(request.headers))) {
      throw new HttpError(
        401,
        ErrorCode.Unauthorized,
        'a valid API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
        auth.details,
      );
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.requestDuration.observe({ route }, reply.elapsedTime / 1000);
    if (options.logged(route)) {
      request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    const http = error instanceof HttpError ? error : options.toHttpError(error);
    if (http.status >= 500) request.log.error(errorFields(error), 'request failed');
    return reply.status(http.status).send(http.body());
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(new HttpError(404, ErrorCode.NotFound, `no route ${request.method} ${request.url.split('?')[0]}`).body()),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    reply.status(options.readiness.ready ? 200 : 503).send(readinessBody(options.readiness)),
  );
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  return app;
}
