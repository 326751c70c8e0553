import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseOutcomes, readEventHistory } from '@leadscore/calibration';
import { loadGrid } from '@leadscore/engine';
import type { ContactReader } from '@leadscore/read-api';
import { Readiness, STARTER_GRID_FILE } from '@leadscore/service-kit';
import { createConsoleApp } from '../src/app.js';
import { ConsoleKeys } from '../src/console-keys.js';
import { ConsoleMetrics } from '../src/console-metrics.js';
import { FileHistorySource } from '../src/history-source.js';
import type { GridRolloutReader, PublishedGridStore } from '@leadscore/redis-layout';

const starter = readFileSync(STARTER_GRID_FILE, 'utf8');
const at = Date.parse('2026-03-01T00:00:00Z');
const KEY = 'backtest-editor-key-0123456789';

const lines = Array.from({ length: 20 }, (_, i) =>
  JSON.stringify({
    eventId: `e-${i}`,
    contactId: `c-${i}`,
    type: 'page_viewed',
    occurredAt: new Date(at - 60_000).toISOString(),
    // half the contacts read the pricing page (500 points under the starter grid)
    properties: { path: i % 2 === 0 ? '/pricing' : '/blog' },
  }),
);

async function build(withOutcomes: boolean, outcomesOf: (i: number) => string = (i) => `c-${i}`) {
  const events = await readEventHistory([...lines, 'not json'], at, 'history.ndjson');
  const csv = ['contactId,converted', ...lines.map((_, i) => `${outcomesOf(i)},${i % 4 === 0 ? 1 : 0}`)].join('\n');
  const outcomes = withOutcomes ? parseOutcomes(csv, 'outcomes.csv').outcomes : undefined;
  return createConsoleApp({
    keys: new ConsoleKeys([{ name: 'ana', key: KEY }], []),
    // the backtest reads neither the store nor the reader: nothing of Redis is needed here
    store: {} as PublishedGridStore,
    rollout: {} as GridRolloutReader,
    reader: {} as ContactReader,
    live: { yaml: starter, grid: loadGrid(starter), publishedBy: null, publishedAt: null },
    history: new FileHistorySource({ events, outcomes }, at),
    script: '',
    metrics: new ConsoleMetrics(),
    readiness: new Readiness(),
    logger: pino({ level: 'silent' }),
    now: () => at,
  });
}

const backtest = async (app: Awaited<ReturnType<typeof build>>, body: unknown) =>
  app.inject({ method: 'POST', url: '/api/backtest', headers: { 'x-api-key': KEY }, payload: body as object });

describe('POST /api/backtest', () => {
  it('answers lift and ROC AUC as null (the page shows n/a) when no outcomes are given, never 0', async () => {
    const app = await build(false);
    const response = await backtest(app, { yaml: starter });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.withOutcomes).toBe(false);
    expect(body.draft.contacts).toBe(20);
    for (const side of [body.live, body.draft]) {
      expect(side.auc).toBeNull();
      expect(side.deciles.length).toBeGreaterThan(0);
      expect(side.deciles.map((d: { lift: unknown }) => d.lift)).toEqual(side.deciles.map(() => null));
    }
    expect(body.history).toEqual({
      source: 'file',
      events: 20,
      contacts: 20,
      readAt: at,
      skipped: { BAD_LINE: 1 },
      truncated: false,
    });
    await app.close();
  });

  it('answers numbers for lift and ROC AUC with outcomes', async () => {
    const app = await build(true);
    const response = await backtest(app, { yaml: starter });
    const body = response.json();
    expect(response.statusCode, response.body).toBe(200);
    expect(body.withOutcomes).toBe(true);
    expect(typeof body.draft.auc).toBe('number');
    expect(body.draft.deciles.every((d: { lift: unknown }) => typeof d.lift === 'number')).toBe(true);
    await app.close();
  });

  it('answers 422 with the calibration code when the outcomes name no contact of the history', async () => {
    const app = await build(true, (i) => `someone-else-${i}`);
    const response = await backtest(app, { yaml: starter });
    expect(response.statusCode, response.body).toBe(422);
    expect(response.json().error.code).toBe('CALIBRATION_NOT_ENOUGH_DATA');
    await app.close();
  });

  it('refuses a refresh that is not a boolean, naming the field', async () => {
    const app = await build(false);
    const response = await backtest(app, { yaml: starter, refresh: 'yes' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details).toEqual([{ path: 'body.refresh', message: 'must be true or false' }]);
    await app.close();
  });
});
