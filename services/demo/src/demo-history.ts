import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { syntheticEvents, type SyntheticEventOptions } from './synthetic-events.js';

/**
 * Writes the demo's stream, the very events it is about to produce (same seed and options), as
 * NDJSON (docs/scoring-contract.md §1, `occurredAt` in epoch ms): the console's history
 * (CONSOLE_HISTORY_FILE), so its "Test before publishing" page has something to test drafts on
 * from the first second. Streamed, event by event: the file can be larger than memory.
 * Resolves with the number of events written.
 */
export async function writeDemoHistory(file: string, options: SyntheticEventOptions): Promise<number> {
  await mkdir(dirname(file), { recursive: true });
  const out = createWriteStream(file, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  let written = 0;
  const write = async (): Promise<void> => {
    for (const event of syntheticEvents(options)) {
      if (!out.write(`${JSON.stringify(event)}\n`)) await once(out, 'drain');
      written += 1;
    }
    out.end();
    await once(out, 'finish');
  };
  await Promise.race([write(), failed]);
  return written;
}
