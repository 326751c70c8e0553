import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadGrid } from '@leadscore/engine';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MISCALIBRATED_GRID_YAML,
  backtest,
  contactRows,
  learnGrid,
  parseOutcomes,
  readEventHistory,
  renderHtmlReport,
  syntheticEventsNdjson,
  syntheticHistory,
  syntheticOutcomesCsv,
} from '../src/index.js';

/**
 * The HTML report in a real browser: Debian's `chromium` package (apt-get install -y chromium),
 * driven by playwright-core (no browser download). Without it the test is skipped locally and
 * fails in CI (CI=true), so a CI machine without chromium cannot pass silently.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

describe.skipIf(!available && !inCi)('HTML report in headless Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-report-'));

  beforeAll(async () => {
    if (!available)
      throw new Error(`chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 30_000);
  afterAll(async () => browser?.close());

  async function reports() {
    const end = Date.parse('2026-03-01T00:00:00Z');
    const history = syntheticHistory({ seed: 21, contacts: 600, end });
    const events = await readEventHistory(syntheticEventsNdjson(history.events).split('\n'), end, 'e');
    const { outcomes } = parseOutcomes(syntheticOutcomesCsv(history.outcomes), 'o');
    const grid = loadGrid(MISCALIBRATED_GRID_YAML, 'g');
    const rows = contactRows(grid, events, outcomes, end, 'o').rows;
    const report = backtest(grid, rows, end);
    const learned = learnGrid(grid, 'grid', rows, { seed: 1 });
    const proposed = backtest(learned.proposedGrid, contactRows(learned.proposedGrid, events, outcomes, end, 'o').rows, end);
    return {
      backtest: renderHtmlReport({ title: 'Backtest <of> "miscalibrated"', backtest: report }),
      learn: renderHtmlReport({
        title: 'Learned grid',
        backtest: proposed,
        compare: [{ name: 'current', roc: report.roc }],
        learn: learned,
      }),
    };
  }

  it('renders the histogram, lift chart and ROC curve offline, without console errors', async () => {
    for (const [name, html] of Object.entries(await reports())) {
      const file = join(dir, `${name}.html`);
      writeFileSync(file, html);
      const page = await browser.newPage();
      const problems: string[] = [];
      const external: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) external.push(r.url());
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(await page.title()).toBe(name === 'backtest' ? 'Backtest <of> "miscalibrated"' : 'Learned grid');
      const charts = await page.$$eval('svg[data-chart]', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return {
            kind: svg.getAttribute('data-chart'),
            width: box.width,
            height: box.height,
            bars: [...svg.querySelectorAll('rect.bar')].filter((r) => r.getBoundingClientRect().height > 0).length,
            curves: [...svg.querySelectorAll('path.curve')].map((p) =>
              (p as unknown as { getTotalLength(): number }).getTotalLength(),
            ),
          };
        }),
      );
      expect(
        charts.map((c) => c.kind),
        name,
      ).toEqual(['histogram', 'lift', 'roc']);
      for (const chart of charts) {
        expect(chart.width, `${name} ${chart.kind}`).toBeGreaterThan(200);
        expect(chart.height, `${name} ${chart.kind}`).toBeGreaterThan(100);
      }
      expect(charts[0]!.bars).toBeGreaterThan(2);
      expect(charts[1]!.bars).toBe(10);
      expect(charts[2]!.curves.length).toBe(name === 'backtest' ? 1 : 2);
      for (const length of charts[2]!.curves) expect(length).toBeGreaterThan(100);
      expect(await page.locator('table').count()).toBeGreaterThan(2);
      expect(problems, name).toEqual([]);
      expect(external, name).toEqual([]);
      await page.close();
    }
  }, 45_000);
});
