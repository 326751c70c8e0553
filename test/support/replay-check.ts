import { readFileSync } from 'node:fs';
import { compileGrid, decodeState, loadGrid, replayEvents, scoreAt, type ReplayResult } from '@leadscore/engine';
import { KeyLayout } from '@leadscore/redis-layout';
import { toNdjsonLines } from './event-mix.js';
import { STARTER_GRID } from './scorer-harness.js';
import type { RawEvent } from './streams.js';
import { getValues, testRedis } from './test-context.js';

/** A contact whose stored state does not score what replay says. */
export interface ScoreMismatch {
  readonly contactId: string;
  readonly replay: number;
  readonly stream: number;
}

/**
 * Replays `events` (the starter grid, in file order, at one "now") and reads every contact's
 * stored state under `keyPrefix`: the stream is right when `mismatches` is empty. The replay
 * is returned for the tests' checks of outputs and crossings.
 */
export async function storedScoresAgainstReplay(
  events: readonly RawEvent[],
  keyPrefix: string,
  cleanup: (() => Promise<unknown>)[],
): Promise<{ replay: ReplayResult; mismatches: ScoreMismatch[] }> {
  const grid = compileGrid(loadGrid(readFileSync(STARTER_GRID, 'utf8')));
  const at = Date.now();
  const replay = await replayEvents(grid, toNdjsonLines(events), at);
  const redis = testRedis();
  cleanup.push(() => redis.quit());
  const keys = new KeyLayout(keyPrefix);
  const raws = await getValues(
    redis,
    replay.contacts.map((c) => keys.contactState(c.contactId)),
  );
  const mismatches = replay.contacts
    .map((c, i) => ({
      contactId: c.contactId,
      replay: c.score,
      stream: raws[i] ? scoreAt(grid, decodeState(raws[i]!), at).score : 0,
    }))
    .filter((m) => m.replay !== m.stream);
  return { replay, mismatches };
}
