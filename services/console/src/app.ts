import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { CalibrationError, type BacktestReport } from '@leadscore/calibration';
import { loadGrid, type Grid } from '@leadscore/engine';
import { ErrorCode, isRetriable } from '@leadscore/errors';
import { createHttpApp, HttpError, type Readiness } from '@leadscore/service-kit';
import type { ConsoleKeys, SignedIn } from './console-keys.js';
import type { ConsoleMetrics } from './console-metrics.js';
import { compareDrafts } from './draft-backtest.js';
import { applyGridEdit, gridTable, withVersion, type GridEdit } from './grid-table.js';
import type { ContactReader } from '@leadscore/read-api';
import type { HistorySource } from './history-source.js';
import type { LiveFeed } from './live-feed.js';
import { CONSOLE_PAGE_HTML } from './page-html.js';
import type { GridRolloutReader, PublishedGrid, PublishedGridStore } from '@leadscore/redis-layout';
import { rolloutStatus } from './grid-rollout.js';
import { contactTimeline } from './contact-timeline.js';

/** The live grid of a published record. */
export function publishedLive(published: PublishedGrid): LiveGrid {
  return {
    yaml: published.yaml,
    grid: loadGrid(published.yaml, 'the published grid'),
    publishedBy: published.publishedBy,
    publishedAt: published.publishedAt,
  };
}

/** The grid the console shows as live: the last one published, else GRID_FILE's. */
export interface LiveGrid {
  readonly yaml: string;
  readonly grid: Grid;
  readonly publishedBy: string | null;
  readonly publishedAt: number | null;
}

export interface ConsoleAppOptions {
  readonly keys: ConsoleKeys;
  readonly store: PublishedGridStore;
  /** What the scorers recorded of the grid they run, for /api/rollout. */
  readonly rollout: GridRolloutReader;
  readonly live: LiveGrid;
  /** What drafts are tested on (CONSOLE_HISTORY_SOURCE); none: /api/backtest answers 409. */
  readonly history: HistorySource | undefined;
  readonly script: string;
  /** The output topics as a feed (/api/feed); none without Kafka settings. */
  readonly feed?: LiveFeed;
  /** The read API's reader (scores with the grid the scorers run: their record, else GRID_FILE). */
  readonly reader: ContactReader;
  readonly metrics: ConsoleMetrics;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly now?: () => number;
}

const OPEN_ROUTES = new Set(['/', '/app.js', '/healthz', '/readyz', '/metrics']);
const DIFF_SHOWN = 50;
/** The read API's leaderboard cap. */
const LEADERBOARD_MAX = 1000;

/**
 * The console's HTTP app, built without listening (tests call `app.inject`).
 *
 *   GET  /, /app.js                 the page and its bundled script (open: the page asks for a key)
 *   GET  /api/me                    who the key is (name, role)
 *   GET  /api/live                  the live grid: YAML, sheet, who published it
 *   POST /api/draft/table  {yaml}   a draft's sheet and its validation issues
 *   POST /api/draft/edit   {yaml, edit}  editor: one sheet edit applied, the new YAML and sheet
 *   POST /api/backtest     {yaml, refresh?}  the draft beside the live grid on the history (file or
 *                                   input topics; refresh: read the topics again)
 *   POST /api/publish      {yaml}   editor: the draft becomes live, version + 1, audited
 *   GET  /api/audit                 publishes, newest first
 *   GET  /api/rollout               the live grid's roll-out to the scorers (grid-rollout.ts)
 *   GET  /api/leaderboard           the top 20 % by latest score, as the read API's ?top=20% (at most 1000)
 *   GET  /api/contacts/:contactId   score, per-rule breakdown, recent changes, lifecycle stage, timeline (404 unknown)
 *   GET  /api/feed                  Server-Sent Events: threshold crossings and score changes as they happen
 *
 * Every /api route needs a key of CONSOLE_EDITOR_KEYS or CONSOLE_VIEWER_KEYS (401), the editor
 * routes an editor's (403 FORBIDDEN for a viewer).
 */
export function createConsoleApp(options: ConsoleAppOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  let live = options.live;
  const app = createHttpApp({
    logger: options.logger,
    metrics: options.metrics,
    readiness: options.readiness,
    fastify: { bodyLimit: 2 * 1024 * 1024 },
    logged: (route) => !OPEN_ROUTES.has(route),
    toHttpError,
  });
  const signedIn = new WeakMap<FastifyRequest, SignedIn>();
  app.addHook('preHandler', async (request) => {
    if (!(request.routeOptions.url ?? '').startsWith('/api/')) return;
    const who = options.keys.identify(request.headers);
    if (!who) {
      throw new HttpError(401, ErrorCode.Unauthorized, 'a console key is required: send "X-API-Key: <key>"', [
        { path: 'headers.x-api-key', message: 'missing or not a known key' },
      ]);
    }
    signedIn.set(request, who);
  });
  const editor = (request: FastifyRequest): SignedIn => {
    const who = signedIn.get(request)!;
    if (who.role !== 'editor') {
      throw new HttpError(403, ErrorCode.Forbidden, `${who.name} is a viewer: only editors may edit or publish`);
    }
    return who;
  };

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(CONSOLE_PAGE_HTML));
  app.get('/app.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(options.script));

  app.get('/api/me', async (request) => signedIn.get(request));
  app.get('/api/live', async () => {
    // another console (or a restart) may have published since: the store is the truth
    const latest = await options.store.current();
    if (latest && latest.yaml !== live.yaml) live = publishedLive(latest);
    return liveBody();
  });
  const liveBody = () => ({
    yaml: live.yaml,
    version: live.grid.version,
    publishedBy: live.publishedBy,
    publishedAt: live.publishedAt,
    table: gridTable(live.yaml),
  });
  app.post<{ Body: { yaml?: unknown } }>('/api/draft/table', async (request) => ({ table: gridTable(yamlOf(request.body)) }));
  app.post<{ Body: { yaml?: unknown; edit?: GridEdit } }>('/api/draft/edit', async (request) => {
    editor(request);
    const source = yamlOf(request.body);
    const edit = request.body?.edit;
    if (typeof edit !== 'object' || edit === null) throw invalid('body.edit', 'must be an edit of the sheet');
    let yaml: string;
    try {
      yaml = applyGridEdit(source, edit);
    } catch (error) {
      if (error instanceof RangeError) throw invalid('body.edit', error.message);
      throw error;
    }
    return { yaml, table: gridTable(yaml) };
  });
  app.post<{ Body: { yaml?: unknown; refresh?: unknown } }>('/api/backtest', async (request) => {
    if (!options.history) {
      throw new HttpError(
        409,
        ErrorCode.InvalidRequest,
        'no history to test on: set CONSOLE_HISTORY_FILE, or CONSOLE_HISTORY_SOURCE=topics',
      );
    }
    const draft = validDraft(yamlOf(request.body));
    const refresh = request.body.refresh ?? false;
    if (typeof refresh !== 'boolean') throw invalid('body.refresh', 'must be true or false');
    const history = await options.history.load(refresh);
    const comparison = compareDrafts(live.grid, draft, history, now());
    const cap = <T>(list: readonly T[]) => list.slice(0, DIFF_SHOWN);
    return {
      at: comparison.at,
      history: history.info,
      withOutcomes: comparison.withOutcomes,
      live: summary(comparison.live, comparison.withOutcomes),
      draft: summary(comparison.draft, comparison.withOutcomes),
      mqlDiff: {
        ...comparison.mqlDiff,
        gainedTotal: comparison.mqlDiff.gained.length,
        lostTotal: comparison.mqlDiff.lost.length,
        gained: cap(comparison.mqlDiff.gained),
        lost: cap(comparison.mqlDiff.lost),
      },
    };
  });
  app.post<{ Body: { yaml?: unknown } }>('/api/publish', async (request) => {
    const who = editor(request);
    const oldVersion = live.grid.version;
    const yaml = withVersion(yamlOf(request.body), oldVersion + 1);
    const grid = validDraft(yaml);
    const at = now();
    const published = await options.store.publish(
      { version: grid.version, yaml, publishedAt: at, publishedBy: who.name },
      { by: who.name, at, oldVersion, newVersion: grid.version, gridName: grid.name },
      live.publishedBy === null ? null : oldVersion,
    );
    if (!published) {
      const latest = await options.store.current();
      if (latest) live = publishedLive(latest);
      throw new HttpError(
        409,
        ErrorCode.GridPublishConflict,
        `version ${latest?.version ?? '?'} was published by ${latest?.publishedBy ?? 'another editor'} meanwhile: reload the live grid and apply the edit to it`,
      );
    }
    live = { yaml, grid, publishedBy: who.name, publishedAt: at };
    options.metrics.publishes.inc();
    request.log.info({ by: who.name, oldVersion, newVersion: grid.version }, 'grid published');
    return { version: grid.version, yaml, publishedBy: who.name, publishedAt: at };
  });
  app.get('/api/audit', async () => ({ entries: await options.store.audit(50) }));
  app.get('/api/rollout', async () => rolloutStatus(live.grid, await options.rollout.rollout(now())));
  app.get('/api/leaderboard', async () => {
    const size = await options.reader.leaderboardSize();
    const board = await options.reader.leaderboard(Math.min(LEADERBOARD_MAX, Math.ceil(0.2 * size)));
    return { top: '20%', total: board.total, contacts: board.contacts };
  });
  app.get<{ Params: { contactId: string } }>('/api/contacts/:contactId', async (request) => {
    const { contactId } = request.params;
    if (contactId.length < 1 || contactId.length > 128) throw invalid('params.contactId', 'must be 1-128 characters');
    const view = await options.reader.contact(contactId, now());
    if (view === null) {
      throw new HttpError(404, ErrorCode.ContactNotFound, `no contact ${JSON.stringify(contactId)} has been scored`, [
        { path: 'params.contactId', message: 'unknown contact' },
      ]);
    }
    const history = await options.history?.loaded();
    return { ...view, timeline: contactTimeline(view, history?.events.byContact.get(contactId)) };
  });
  app.get('/api/feed', async (request, reply) => {
    const { feed } = options;
    if (!feed) throw new HttpError(409, ErrorCode.InvalidRequest, 'no live feed: set KAFKA_BROKERS and SCHEMA_REGISTRY_URL');
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': request.id,
    });
    reply.raw.write(': connected\n\n');
    const unsubscribe = feed.subscribe((item) => reply.raw.write(`event: ${item.kind}\ndata: ${JSON.stringify(item)}\n\n`));
    // a comment line now and then keeps proxies from closing an idle stream
    const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
    request.raw.once('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });
  return app;
}

/**
 * One grid's backtest as the page shows it. Lift and ROC AUC are null (the page's "n/a") without
 * outcomes or without a converter: every contact then counts as not converted, and a lift of 0
 * would read as a grid that finds no one.
 */
function summary(report: BacktestReport, withOutcomes: boolean) {
  const measured = withOutcomes && report.converters > 0;
  return {
    grid: report.grid,
    contacts: report.contacts,
    converters: report.converters,
    histogram: report.histogram,
    deciles: report.deciles.map((d) => ({ ...d, lift: measured ? d.lift : null })),
    auc: measured ? report.roc.auc : null,
    thresholds: report.gridThresholds.map((t) => ({ name: t.name, selected: t.selected })),
  };
}

function invalid(path: string, message: string): HttpError {
  return new HttpError(400, ErrorCode.InvalidRequest, `${path} ${message}`, [{ path, message }]);
}

function yamlOf(body: { yaml?: unknown } | undefined): string {
  if (typeof body?.yaml !== 'string') throw invalid('body.yaml', 'must be the grid as YAML text');
  return body.yaml;
}

/** The draft as a grid, or 400 GRID_INVALID with every issue (the page shows them on their cells). */
function validDraft(yaml: string): Grid {
  const { grid, issues } = gridTable(yaml);
  if (grid) return loadGrid(yaml);
  throw new HttpError(
    400,
    ErrorCode.GridInvalid,
    `the draft has ${issues.length} validation issue(s)`,
    issues.map((i) => ({ path: i.path, message: i.message })),
  );
}

function toHttpError(error: Error & { statusCode?: number }): HttpError {
  // a history and outcomes that cannot be backtested (no labelled contact with events): the user's to fix
  if (error instanceof CalibrationError) return new HttpError(422, error.code, error.message);
  if (isRetriable(error)) {
    return new HttpError(503, ErrorCode.Unavailable, 'a dependency (Redis, Kafka or the registry) is unavailable; retry shortly');
  }
  if (typeof error.statusCode === 'number' && error.statusCode < 500) {
    return new HttpError(error.statusCode, ErrorCode.InvalidRequest, error.message);
  }
  return new HttpError(500, ErrorCode.Internal, 'internal error');
}
