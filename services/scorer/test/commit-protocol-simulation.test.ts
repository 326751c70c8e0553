import { describe, expect, it } from 'vitest';
import { simulateRun, stateReadsSoFar, type RunReport } from './support/simulation/simulated-run.js';

// SIM_SEED=<n> replays one run; SIM_RUNS / SIM_FIRST_SEED explore further seeds.
const only = process.env['SIM_SEED'];
const runs = only ? 1 : Number(process.env['SIM_RUNS'] ?? 2000);
const firstSeed = only ? Number(only) : Number(process.env['SIM_FIRST_SEED'] ?? 1);

describe('commit protocol, deterministic simulation', () => {
  it(
    `${runs} seeded schedules of two scorers with rebalances, zombies, crashes and identity merges end as replay says`,
    { timeout: 120_000 },
    async () => {
      const failed: RunReport[] = [];
      const totals = { crashes: {} as Record<string, number>, kills: 0, rebalances: 0, zombieChunks: 0, merges: 0 };
      for (let seed = firstSeed; seed < firstSeed + runs; seed += 1) {
        const report = await simulateRun(seed);
        if (report.violations.length > 0) failed.push(report);
        for (const [point, n] of Object.entries(report.stats.crashes)) totals.crashes[point] = (totals.crashes[point] ?? 0) + n;
        totals.kills += report.stats.kills;
        totals.rebalances += report.stats.rebalances;
        totals.zombieChunks += report.stats.zombieChunks;
        totals.merges += report.stats.merges;
      }
      const summary = failed
        .slice(0, 5)
        .map(
          (r) =>
            `seed ${r.seed} (replay: SIM_SEED=${r.seed} npx vitest run --project unit services/scorer/test/commit-protocol-simulation.test.ts):\n  ` +
            r.violations.slice(0, 10).join('\n  '),
        );
      expect(summary, `${failed.length} of ${runs} runs broke the protocol`).toEqual([]);
      if (only) return;
      // the faults were really there: every crash point, kills, hand-overs, zombie chunks
      for (const point of ['after-state-commit', 'after-produce', 'before-offset-resolve']) {
        expect(totals.crashes[point], point).toBeGreaterThan(runs / 20);
      }
      // merges, and crashes inside them (after the link, after the seals)
      expect(totals.merges).toBeGreaterThan(runs / 2);
      for (const point of ['after-identity-link', 'after-seal']) expect(totals.crashes[point], point).toBeGreaterThan(runs / 100);
      expect(totals.kills).toBeGreaterThan(runs / 20);
      expect(totals.rebalances).toBeGreaterThan(runs);
      expect(totals.zombieChunks).toBeGreaterThan(runs / 20);
      // the in-memory states were used, and were often stale (their commits lost and re-read)
      const reads = await stateReadsSoFar();
      expect(reads.memory).toBeGreaterThan(runs * 5);
      expect(reads.redis).toBeGreaterThan(runs * 5);
    },
  );
});
