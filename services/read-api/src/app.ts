import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCode, isRetriable, LeadscoreError } from '@leadscore/errors';
import { ApiKeyVerifier, createHttpApp, HttpError, type Readiness } from '@leadscore/service-kit';
import type { AccountReader } from './account-reader.js';
import type { ContactReader } from './contact-reader.js';
import type { ReadApiMetrics } from './metrics.js';
import { boardLimit, checkId, intParam, scoreParam, type Query } from './query-params.js';

export interface ReadApiAppOptions {
  readonly reader: ContactReader;
  /** Answers `/accounts/{id}` and the account leaderboard `/accounts`; without it neither route is mounted (404 NOT_FOUND). */
  readonly accounts?: AccountReader;
  readonly metrics: ReadApiMetrics;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Keys a request must present (READ_API_KEYS); none: the API answers anyone who reaches it. */
  readonly apiKeys?: readonly string[];
}

/** Routes an orchestrator and Prometheus call without credentials. */
const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The read API's HTTP app, built without listening (tests call `app.inject`).
 *
 *   GET /contacts/:contactId               score, breakdown, thresholds reached, stage, recent changes (404 unknown)
 *   GET /contacts/:contactId/score-changes ?limit=1..50 (default 20)
 *
 * A contact id merged into another answers for its root, with `mergedInto: <root>` (docs/identity.md).
 *   GET /leaderboard                       ?limit=1..1000 (default 20) or ?top=20%; ?score=<id> (default the first)
 *   GET /accounts                          ?limit=1..1000 (default 20) or ?top=20%: accounts by latest emitted score
 *   GET /accounts/:accountId               score, top members, account rule contributions, thresholds (404 unknown)
 *   GET /healthz /readyz /metrics          (never behind the API keys)
 *
 * With API keys configured, every other route needs `Authorization: Bearer <key>` or
 * `X-API-Key: <key>` (401 UNAUTHORIZED otherwise).
 */
export function createReadApiApp(options: ReadApiAppOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const { reader } = options;
  const keys = options.apiKeys && options.apiKeys.length > 0 ? new ApiKeyVerifier(options.apiKeys) : undefined;
  const app = createHttpApp({
    logger: options.logger,
    metrics: options.metrics,
    readiness: options.readiness,
    fastify: { routerOptions: { maxParamLength: 1024 } }, // longer ids get our 400, not the router's 404
    auth: keys && {
      verifier: keys,
      applies: (request) => !OPEN_ROUTES.has(request.routeOptions.url ?? ''),
      details: [{ path: 'headers.authorization', message: 'missing or not a known key' }],
    },
    logged: (route) => !OPEN_ROUTES.has(route),
    toHttpError,
  });

  app.get<{ Params: { contactId: string }; Querystring: Query }>('/contacts/:contactId', async (request) => {
    const contactId = checkContactId(request.params.contactId);
    const view = await reader.contact(contactId, now());
    if (view === null) throw notFound(contactId);
    return view;
  });

  app.get<{ Params: { contactId: string }; Querystring: Query }>('/contacts/:contactId/score-changes', async (request) => {
    const contactId = checkContactId(request.params.contactId);
    const limit = intParam(request.query, 'limit', 20, 1, 50);
    const answering = await reader.answering(contactId);
    if (answering === null) throw notFound(contactId);
    const merged = answering.mergedInto ? { mergedInto: answering.mergedInto } : {};
    return { contactId, ...merged, changes: await reader.recentChanges(answering.root, limit) };
  });

  app.get<{ Querystring: Query }>('/leaderboard', async (request) => {
    const scoreId = scoreParam(request.query, reader.scoreIds());
    const { limit, top } = await boardLimit(request.query, () => reader.leaderboardSize(scoreId));
    const board = await reader.leaderboard(limit, scoreId);
    return { ...(top ? { top } : {}), scoreId, total: board.total, contacts: board.contacts };
  });

  const { accounts } = options;
  if (accounts) {
    // the same paging and errors as /leaderboard; fed by the account projection (docs/doors.md)
    app.get<{ Querystring: Query }>('/accounts', async (request) => {
      const { limit, top } = await boardLimit(request.query, () => accounts.leaderboardSize());
      const board = await accounts.leaderboard(limit);
      return { ...(top ? { top } : {}), total: board.total, accounts: board.accounts };
    });

    app.get<{ Params: { accountId: string } }>('/accounts/:accountId', async (request) => {
      const accountId = checkId(request.params.accountId, 'accountId', 'account');
      const view = await accounts.account(accountId);
      if (view === null) {
        throw new HttpError(404, ErrorCode.AccountNotFound, `no account ${JSON.stringify(accountId)} has been stored`, [
          { path: 'params.accountId', message: 'unknown account' },
        ]);
      }
      return view;
    });
  }

  return app;
}

/** Any other error while answering: a dependency down is 503, a request Fastify refused 4xx. */
function toHttpError(error: Error & { statusCode?: number }): HttpError {
  // our own "retry shortly" (a merge being applied) says why
  if (error instanceof LeadscoreError && error.code === ErrorCode.Unavailable) {
    return new HttpError(503, ErrorCode.Unavailable, error.message);
  }
  if (isRetriable(error)) return new HttpError(503, ErrorCode.Unavailable, 'a dependency (Redis) is unavailable; retry shortly');
  if (typeof error.statusCode === 'number' && error.statusCode < 500) {
    return new HttpError(error.statusCode, ErrorCode.InvalidRequest, error.message);
  }
  return new HttpError(500, ErrorCode.Internal, 'internal error');
}

function checkContactId(contactId: string): string {
  return checkId(contactId, 'contactId', 'contact');
}

function notFound(contactId: string): HttpError {
  return new HttpError(404, ErrorCode.ContactNotFound, `no contact ${JSON.stringify(contactId)} has been scored`, [
    { path: 'params.contactId', message: 'unknown contact' },
  ]);
}
