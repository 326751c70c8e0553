import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileGrid, loadGrid, replayEvents } from '@leadscore/engine';
import { SEVERAL_SCORES_GRID, severalScoresSummary } from '../src/several-scores-summary.js';
import { generateEvents, type SyntheticEventOptions } from '../src/synthetic-events.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GRID = compileGrid(loadGrid(readFileSync(`${ROOT}${SEVERAL_SCORES_GRID}`, 'utf8')));
const NOW = Date.UTC(2026, 11, 6, 12);
const STREAM: SyntheticEventOptions = { seed: 7, contacts: 60, now: NOW, days: 20, companyKey: 'companyDomain' };

describe('the demo summary on several scores', () => {
  it('replays the produced prefix of the stream under the b2b grid: grades counted, the best contacts with every score', async () => {
    const events = generateEvents(STREAM);
    const produced = Math.floor(events.length / 2);
    const lines = await severalScoresSummary(GRID, events, produced, NOW);
    // the same figures replay gives for that prefix
    const replay = await replayEvents(
      GRID,
      events.slice(0, produced).map((e) => JSON.stringify(e)),
      NOW,
    );
    const graded = replay.contacts.filter((c) => c.mergedInto === undefined);
    const qualified = graded.filter((c) => c.grade?.qualified).length;
    expect(lines[0]).toContain(
      `the same ${produced.toLocaleString('en-US')} events replayed under deploy/grids/b2b.yaml (engagement + fit, a grade matrix)`,
    );
    expect(lines[1]).toContain(`qualified (A1, A2, B1): ${qualified} contacts`);
    const counted = [...lines[1]!.matchAll(/([A-C][1-3]) (\d+)/g)].reduce((sum, m) => sum + Number(m[2]), 0);
    expect(counted).toBe(graded.length);
    const best = [...graded].sort((a, b) => b.score - a.score || (a.contactId < b.contactId ? -1 : 1))[0]!;
    expect(lines[2]).toContain(
      `top ${best.contactId} engagement ${best.scores![0]!.score}, fit ${best.scores![1]!.score}, ${best.grade!.grade}`,
    );
  });
});
