/**
 * Writes a ground-truth synthetic history for trying backtest and learn by hand:
 *   node --import tsx services/calibration/scripts/write-synthetic-history.ts <dir> [contacts] [seed]
 * → <dir>/events.ndjson, <dir>/outcomes.csv, <dir>/miscalibrated.yaml (history ends 2026-03-01).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MISCALIBRATED_GRID_YAML, syntheticEventsNdjson, syntheticHistory, syntheticOutcomesCsv } from '../src/index.js';

const [dir, contacts = '3000', seed = '7'] = process.argv.slice(2);
if (dir === undefined) {
  process.stderr.write('usage: write-synthetic-history.ts <dir> [contacts] [seed]\n');
  process.exit(1);
}
const history = syntheticHistory({ seed: Number(seed), contacts: Number(contacts), end: Date.parse('2026-03-01T00:00:00Z') });
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'events.ndjson'), syntheticEventsNdjson(history.events));
writeFileSync(join(dir, 'outcomes.csv'), syntheticOutcomesCsv(history.outcomes));
writeFileSync(join(dir, 'miscalibrated.yaml'), MISCALIBRATED_GRID_YAML);
process.stdout.write(
  `${history.events.length} events, ${history.outcomes.length} contacts (${history.outcomes.filter((o) => o.converted).length} converted) in ${dir}\n`,
);
