import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scorerEnv, serviceEnv, STARTER_GRID } from '../support/scorer-harness.js';
import { ScorerProcess } from '../support/scorer-process.js';
import { SERVICE_BINS, ServiceProcess } from '../support/service-process.js';
import { freshTopics } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

/**
 * The console in a real browser against real Redis: Debian's `chromium` (apt-get install -y
 * chromium) driven by playwright-core. Without it the test is skipped locally and fails in CI
 * (CI=true), as in the calibration report's browser test.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
const CONSOLE_BIN = fileURLToPath(new URL('../../services/console/bin/console.js', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url));
const EDITOR_KEY = 'console-editor-key-0123456789';
const VIEWER_KEY = 'console-viewer-key-0123456789';
const INGEST_KEY = 'console-ingest-key-0123456789';

describe.skipIf(!available && !inCi)('the console in headless Chromium', () => {
  const ctx = testContext();
  let browser: Browser;
  let consoleProcess: ServiceProcess;
  let ingest: ServiceProcess;
  let scorer: ScorerProcess;
  let readApi: ServiceProcess;
  let lifecycle: ServiceProcess;

  beforeAll(async () => {
    if (!available)
      throw new Error(`chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const dir = await mkdtemp(join(tmpdir(), 'leadscore-console-'));
    const now = Date.now();
    const event = (contactId: string, n: number, type: string, properties: Record<string, unknown> = {}) =>
      JSON.stringify({
        eventId: `${contactId}-${n}`,
        contactId,
        type,
        occurredAt: new Date(now - n * 60_000).toISOString(),
        properties,
      });
    const history = join(dir, 'history.ndjson');
    await writeFile(
      history,
      [
        event('one-visit', 1, 'page_viewed', { path: '/pricing' }),
        event('two-visits', 1, 'page_viewed', { path: '/pricing' }),
        event('two-visits', 2, 'page_viewed', { path: '/solutions' }),
        event('webinar-only', 1, 'webinar_registered'),
      ].join('\n'),
    );
    const { topics } = await freshTopics('console', 3);
    const keyPrefix = ctx.uniqueName('console');
    const common = { ...serviceEnv(topics, keyPrefix), LOG_LEVEL: 'info', PROVISION: 'true' };
    scorer = new ScorerProcess(scorerEnv(topics, keyPrefix), join(dir, 'scorer.log'));
    ingest = new ServiceProcess(
      'ingest',
      SERVICE_BINS.ingest,
      { ...common, INGEST_API_KEYS: INGEST_KEY },
      join(dir, 'ingest.log'),
    );
    readApi = new ServiceProcess(
      'read-api',
      SERVICE_BINS.readApi,
      { ...common, READ_API_GROUP_ID: `${keyPrefix}-read-api`, GRID_FILE: STARTER_GRID },
      join(dir, 'read-api.log'),
    );
    lifecycle = new ServiceProcess(
      'lifecycle',
      SERVICE_BINS.lifecycle,
      { ...common, LIFECYCLE_GROUP_ID: `${keyPrefix}-lifecycle` },
      join(dir, 'lifecycle.log'),
    );
    consoleProcess = new ServiceProcess(
      'console',
      CONSOLE_BIN,
      {
        ...common,
        GRID_FILE: STARTER_GRID,
        CONSOLE_HISTORY_FILE: history,
        CONSOLE_EDITOR_KEYS: `ana:${EDITOR_KEY}`,
        CONSOLE_VIEWER_KEYS: `ben:${VIEWER_KEY}`,
        LOG_LEVEL: 'info',
      },
      join(dir, 'console.log'),
    );
    const all = [scorer, ingest, readApi, lifecycle, consoleProcess];
    await Promise.all(all.map((p) => p.start()));
    await Promise.all(all.map((p) => p.waitReady()));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([consoleProcess, ingest, scorer, readApi, lifecycle].map((p) => p?.stop().catch(() => undefined)));
  });

  async function signIn(page: Page, key: string): Promise<void> {
    await page.goto(await consoleProcess.url('/'), { waitUntil: 'load' });
    await page.fill('#key', key);
    await page.click('#signin button');
    await page.waitForSelector('#rules');
  }

  const cell = (page: Page, ruleId: string, column: string) =>
    page.locator(`tr[data-rule-id="${ruleId}"] td[data-column="${column}"]`);

  it('edit a tier, see the error on its cell, fix it, backtest, read the MQL diff, publish', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const external: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('http://127.0.0.1:')) external.push(r.url());
    });
    await signIn(page, EDITOR_KEY);
    await expect.poll(() => page.textContent('#who')).toBe('ana (editor)');
    expect(await cell(page, 'key-pages', 'tier:1').locator('input').inputValue()).toBe('500');

    // an invalid tier: the engine's message on that very cell
    await cell(page, 'key-pages', 'tier:1').locator('input').fill('lots');
    await cell(page, 'key-pages', 'tier:1').locator('input').press('Enter');
    await expect.poll(() => cell(page, 'key-pages', 'tier:1').locator('.issue').textContent()).toContain('"lots"');
    expect(await cell(page, 'key-pages', 'tier:1').getAttribute('class')).toBe('invalid');
    await page.screenshot({ path: join(ARTIFACTS, 'grid-invalid.png'), fullPage: true });

    // fixed: one pricing visit is now worth an MQL
    await cell(page, 'key-pages', 'tier:1').locator('input').fill('1000');
    await cell(page, 'key-pages', 'tier:1').locator('input').press('Enter');
    await expect.poll(() => page.textContent('#status')).toBe('Draft is valid');
    expect(await cell(page, 'key-pages', 'tier:1').locator('.issue').count()).toBe(0);
    expect(await page.textContent('#yaml')).toContain('      - { atLeast: 1, points: 1000 }\n');
    // comments of the grid file are kept
    expect(await page.textContent('#yaml')).toContain('# Someone reading the pricing or solutions pages is weighing a purchase.');
    await page.screenshot({ path: join(ARTIFACTS, 'grid.png'), fullPage: true });

    await page.click('nav button[data-page="test"]');
    await page.waitForSelector('#mql-gained');
    const gained = await page.$$eval('#mql-gained tr[data-contact]', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(gained).toEqual([['one-visit', '500', '1000', 'key-pages ×1: 1000']]);
    expect(await page.locator('#mql-lost tr[data-contact]').count()).toBe(0);
    expect(await page.textContent('#backtest-summary')).toContain('At or above MQL12');
    // no outcomes file: lift and ROC AUC are n/a, not 0.00
    const summaryRows = await page.$$eval('#backtest-summary tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('th, td')].map((cell) => cell.textContent)),
    );
    expect(summaryRows.find((r) => r[0] === 'ROC AUC')).toEqual(['ROC AUC', 'n/a', 'n/a']);
    const lifts = summaryRows.filter((r) => /^Decile \d+ lift$/.test(r[0] ?? ''));
    expect(lifts.length).toBeGreaterThan(0);
    expect(lifts.map((r) => r.slice(1))).toEqual(lifts.map(() => ['n/a', 'n/a']));
    expect(await page.textContent('#history')).toMatch(/^History: 4 events of 3 contacts from the history file/);
    await page.screenshot({ path: join(ARTIFACTS, 'test.png'), fullPage: true });

    await page.click('nav button[data-page="publish"]');
    await page.waitForSelector('#publish');
    expect(await page.textContent('#live-version')).toBe('Live grid: version 1');
    await page.click('#publish');
    await expect.poll(() => page.textContent('#live-version')).toBe('Live grid: version 2, published by ana');
    await expect.poll(() => page.locator('#audit tr td:nth-child(2)').allTextContents()).toEqual(['ana']);
    expect(await page.locator('#audit tr td:nth-child(3)').allTextContents()).toEqual(['1 → 2']);
    // the running scorer picks the published grid up (it polls) and re-evaluates its contacts: the page follows
    await expect.poll(() => page.getAttribute('#rollout', 'data-stage'), { timeout: 30_000 }).toBe('done');
    expect(await page.textContent('#rollout')).toBe('Done: every scorer runs version 2 and every contact was re-evaluated');
    await page.screenshot({ path: join(ARTIFACTS, 'publish.png'), fullPage: true });

    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    await page.close();

    // the published grid is what the console serves as live, to everyone
    const live = (await (
      await fetch(await consoleProcess.url('/api/live'), { headers: { 'x-api-key': VIEWER_KEY } })
    ).json()) as {
      version: number;
      yaml: string;
    };
    expect(live.version).toBe(2);
    expect(live.yaml).toContain('version: 2\n');
  }, 90_000);

  it('viewers see the grid but cannot edit or publish (403); no key is 401', async () => {
    const page = await browser.newPage();
    await signIn(page, VIEWER_KEY);
    await expect.poll(() => page.textContent('#who')).toBe('ben (viewer)');
    expect(await cell(page, 'key-pages', 'tier:1').locator('input').isDisabled()).toBe(true);
    await page.close();
    const post = async (path: string, key?: string) =>
      (
        await fetch(await consoleProcess.url(path), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
          body: JSON.stringify({ yaml: 'name: x', edit: { kind: 'addRule', id: 'x' } }),
        })
      ).status;
    expect(await post('/api/publish', VIEWER_KEY)).toBe(403);
    expect(await post('/api/draft/edit', VIEWER_KEY)).toBe(403);
    expect(await post('/api/publish')).toBe(401);
  }, 60_000);

  it('an event ingested over HTTP is scored under the published grid and shows its MQL crossing in the live feed', async () => {
    const page = await browser.newPage();
    await signIn(page, VIEWER_KEY);
    await page.click('nav button[data-page="feed"]');
    await expect.poll(() => page.textContent('#feed-state')).toBe('connected');
    const contactId = `feed-${ctx.uniqueName('c')}`;
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    // one pricing visit: 1000 under the grid published above (500 under the starter grid the scorer started with)
    const events = [1].map((n) => ({
      eventId: `${contactId}-${n}`,
      contactId,
      type: 'page_viewed',
      occurredAt: t(10 - n),
      properties: { path: '/pricing' },
    }));
    const response = await fetch(await ingest.url('/v1/events'), {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(response.status).toBe(202);
    const crossing = page.locator(`#feed tr.feed-crossing[data-contact="${contactId}"]`);
    await crossing.waitFor({ timeout: 60_000 });
    expect(await crossing.locator('td').allTextContents()).toEqual([expect.any(String), contactId, 'MQL reached', '1000']);
    await expect.poll(() => page.locator(`#feed tr.feed-score[data-contact="${contactId}"]`).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'feed.png'), fullPage: true });

    // the contact page, through the read API's ContactReader: score, breakdown, changes, stage
    await expect
      .poll(
        async () => {
          await page.click('nav button[data-page="feed"]');
          await crossing.locator('a.contact-link').click();
          await page.waitForSelector('#contact-score, #page-contact .issue');
          return page.textContent('#page-contact');
        },
        { timeout: 30_000 },
      )
      .toContain('stage: MARKETING_QUALIFIED');
    expect(await page.textContent('#contact-score')).toBe('Score 1000; thresholds reached: MQL; stage: MARKETING_QUALIFIED');
    expect(await page.locator('#breakdown tr[data-rule-id="key-pages"] td').allTextContents()).toEqual([
      'Visits of the main pages',
      '1',
      '1000',
    ]);
    expect(await page.locator('#recent-changes tr td:nth-child(2)').allTextContents()).toContain('0 → 1000');
    // the timeline: the score change with its event and rule, the stage change with its threshold
    expect(await page.locator('#timeline tr[data-kind="score"] td').allTextContents()).toEqual([
      expect.any(String),
      'score',
      '0 → 1000',
      `EVENT ${contactId}-1; key-pages +1000`,
    ]);
    expect(await page.locator('#timeline tr[data-kind="stage"] td:nth-child(3)').allTextContents()).toEqual([
      expect.stringMatching(/→ MARKETING_QUALIFIED$/),
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'contact.png'), fullPage: true });

    // the leaderboard (top 20 %) holds it once the read API projected its score
    await expect
      .poll(
        async () => {
          await page.click('nav button[data-page="leaderboard"]');
          await page.waitForSelector('#leaderboard');
          return page.locator(`#leaderboard tr[data-contact="${contactId}"] td`).allTextContents();
        },
        { timeout: 30_000 },
      )
      .toEqual(['1', contactId, '1000']);
    await page.screenshot({ path: join(ARTIFACTS, 'leaderboard.png'), fullPage: true });
    await page.close();
  }, 90_000);
});
