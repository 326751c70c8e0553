import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ApiKeyVerifier, errorFields, isRetriable, presentedKey, readinessBody, type Readiness } from '@leadscore/service-kit';
import { ApiError } from './api-error.js';
import type { ContactReader } from './contact-reader.js';
import type { ReadApiMetrics } from './metrics.js';

export interface ReadApiAppOptions {
  readonly reader: ContactReader;
  readonly metrics: ReadApiMetrics;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Keys a request must present (READ_API_KEYS); none: the API answers anyone who reaches it. */
  readonly apiKeys?: readonly string[];
}

/** Routes an orchestrator and Prometheus call without credentials. */
const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_LEADERBOARD = 1000;

type Query = Record<string, string | string[] | undefined>;

/**
 * The read API's HTTP app, built without listening (tests call `app.inject`).
 *
 *   GET /contacts/:contactId               score, breakdown, thresholds reached, stage, recent changes (404 unknown)
 *   GET /contacts/:contactId/score-changes ?limit=1..50 (default 20)
 *   GET /leaderboard                       ?limit=1..1000 (default 20) or ?top=20%
 *   GET /healthz /readyz /metrics          (never behind the API keys)
 *
 * With API keys configured, every other route needs `Authorization: Bearer <key>` or
 * `X-API-Key: <key>` (401 UNAUTHORIZED otherwise).
 */
export function createReadApiApp(options: ReadApiAppOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const { reader } = options;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    routerOptions: { maxParamLength: 1024 }, // longer ids get our 400, not the router's 404
    // our own access log (onResponse below): route pattern and status, no IP, no query, no body
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });

  const keys = options.apiKeys && options.apiKeys.length > 0 ? new ApiKeyVerifier(options.apiKeys) : undefined;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (keys && !OPEN_ROUTES.has(request.routeOptions.url ?? '') && !keys.verify(presentedKey(request.headers))) {
      throw new ApiError(
        401,
        'UNAUTHORIZED',
        'a valid API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
        [{ path: 'headers.authorization', message: 'missing or not a known key' }],
      );
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.requests.inc({ route, status: String(reply.statusCode) });
    options.metrics.requestDuration.observe({ route }, reply.elapsedTime / 1000);
    if (!['/healthz', '/readyz', '/metrics'].includes(route)) {
      // the route pattern, never the URL: contact ids stay out of the logs
      request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    let api: ApiError;
    if (error instanceof ApiError) api = error;
    else if (isRetriable(error)) api = new ApiError(503, 'UNAVAILABLE', 'a dependency (Redis) is unavailable; retry shortly');
    else if (typeof error.statusCode === 'number' && error.statusCode < 500)
      api = new ApiError(error.statusCode, 'INVALID_REQUEST', error.message);
    else api = new ApiError(500, 'INTERNAL', 'internal error');
    if (api.status >= 500) request.log.error(errorFields(error), 'request failed');
    return reply.status(api.status).send(api.body());
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        new ApiError(
          404,
          'NOT_FOUND',
          `no route ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        ).body(),
      ),
  );

  app.get<{ Params: { contactId: string }; Querystring: Query }>('/contacts/:contactId', async (request) => {
    const contactId = checkContactId(request.params.contactId);
    const view = await reader.contact(contactId, now());
    if (view === null) throw notFound(contactId);
    return view;
  });

  app.get<{ Params: { contactId: string }; Querystring: Query }>('/contacts/:contactId/score-changes', async (request) => {
    const contactId = checkContactId(request.params.contactId);
    const limit = intParam(request.query, 'limit', 20, 1, 50);
    if (!(await reader.exists(contactId))) throw notFound(contactId);
    return { contactId, changes: await reader.recentChanges(contactId, limit) };
  });

  app.get<{ Querystring: Query }>('/leaderboard', async (request) => {
    const { query } = request;
    if (query['limit'] !== undefined && query['top'] !== undefined) {
      throw new ApiError(400, 'INVALID_REQUEST', 'use either limit or top, not both', [
        { path: 'query.top', message: 'cannot be combined with limit' },
      ]);
    }
    let limit: number;
    let top: string | undefined;
    if (query['top'] !== undefined) {
      const percent = percentParam(query, 'top');
      limit = Math.min(MAX_LEADERBOARD, Math.ceil((percent / 100) * (await reader.leaderboardSize())));
      top = `${percent}%`;
    } else limit = intParam(query, 'limit', 20, 1, MAX_LEADERBOARD);
    const board = await reader.leaderboard(limit);
    return { ...(top ? { top } : {}), total: board.total, contacts: board.contacts };
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    reply.status(options.readiness.ready ? 200 : 503).send(readinessBody(options.readiness)),
  );
  app.get('/metrics', async (_request, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );
  return app;
}

function checkContactId(contactId: string): string {
  if (contactId.length < 1 || contactId.length > 128) {
    throw new ApiError(400, 'INVALID_REQUEST', 'the contact id must be 1-128 characters', [
      { path: 'params.contactId', message: `must be 1-128 characters, got ${contactId.length}` },
    ]);
  }
  return contactId;
}

function notFound(contactId: string): ApiError {
  return new ApiError(404, 'CONTACT_NOT_FOUND', `no contact ${JSON.stringify(contactId)} has been scored`, [
    { path: 'params.contactId', message: 'unknown contact' },
  ]);
}

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value))
    throw new ApiError(400, 'INVALID_REQUEST', `query parameter ${name} is given more than once`, [
      { path: `query.${name}`, message: 'must be given once' },
    ]);
  return value;
}

function intParam(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = single(query, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      `query parameter ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      [{ path: `query.${name}`, message: `must be an integer from ${min} to ${max}` }],
    );
  }
  return value;
}

function percentParam(query: Query, name: string): number {
  const raw = single(query, name) ?? '';
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(raw.trim());
  const value = match ? Number(match[1]) : NaN;
  if (!(value > 0 && value <= 100)) {
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      `query parameter ${name} must be a percentage above 0 and at most 100, like 20%, got ${JSON.stringify(raw)}`,
      [{ path: `query.${name}`, message: 'must be a percentage above 0 and at most 100, like 20%' }],
    );
  }
  return value;
}
