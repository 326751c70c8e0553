import { readFileSync } from 'node:fs';
import { compileGrid, decodeState, loadGrid, replayEvents, scoreAt, type ReplayResult } from '@leadscore/engine';
import { IdentityReader, isSealedState, KeyLayout } from '@leadscore/redis-layout';
import { toNdjsonLines } from './event-mix.js';
import { STARTER_GRID } from './scorer-harness.js';
import type { RawEvent } from './streams.js';
import { getValues, testRedis } from './test-context.js';

const scoresText = (scores: readonly { readonly id: string; readonly score: number }[]): string =>
  scores.map((s) => `${s.id}=${s.score}`).join(',');

/** A contact whose stored state does not score what replay says. */
export interface ScoreMismatch {
  readonly contactId: string;
  /** The score (a grid with several scores: every score, `id=value` joined by commas). */
  readonly replay: number | string;
  readonly stream: number | string;
  /** For merged-away contacts: the root replay and the stream's identity forest name. */
  readonly replayMergedInto?: string | undefined;
  readonly streamMergedInto?: string | undefined;
}

/**
 * Replays `events` (with `gridFile`, the scorers' grid, in file order, at one "now") and reads
 * every contact's stored state under `keyPrefix`: the stream is right when `mismatches` is
 * empty. The replay is returned for the tests' checks of outputs and crossings.
 */
export async function storedScoresAgainstReplay(
  events: readonly RawEvent[],
  keyPrefix: string,
  cleanup: (() => Promise<unknown>)[],
  gridFile = STARTER_GRID,
): Promise<{ replay: ReplayResult; mismatches: ScoreMismatch[] }> {
  const grid = compileGrid(loadGrid(readFileSync(gridFile, 'utf8')));
  const at = Date.now();
  const replay = await replayEvents(grid, toNdjsonLines(events), at);
  const redis = testRedis();
  cleanup.push(() => redis.quit());
  const keys = new KeyLayout(keyPrefix);
  const raws = await getValues(
    redis,
    replay.contacts.map((c) => keys.contactState(c.contactId)),
  );
  const identity = new IdentityReader(redis, keys);
  // what a contact scores as one comparable figure: its score, or with several scores every score
  // (none, as for a merged-away id: all 0)
  const zeros = grid.scores.map((s) => ({ id: s.id, score: 0 }));
  const figureOf = (scores: readonly { id: string; score: number }[] | undefined, score: number): number | string =>
    grid.multiScore ? scoresText(scores ?? zeros) : score;
  const mismatches: ScoreMismatch[] = [];
  for (const [i, c] of replay.contacts.entries()) {
    const raw = raws[i];
    // a merged-away contact has no score of its own: its seal and its root must agree with replay
    const sealed = raw !== null && raw !== undefined && isSealedState(raw);
    const streamRoot = await identity.rootOf(c.contactId);
    const streamMergedInto = streamRoot === c.contactId ? undefined : streamRoot;
    const scored = raw && !sealed ? scoreAt(grid, decodeState(raw), at) : null;
    const replayed = figureOf(c.scores, c.score);
    const stream = figureOf(scored?.scores, scored?.score ?? 0);
    if (replayed !== stream || c.mergedInto !== streamMergedInto || (c.mergedInto !== undefined && !sealed)) {
      mismatches.push({
        contactId: c.contactId,
        replay: replayed,
        stream,
        ...(c.mergedInto !== undefined || streamMergedInto !== undefined
          ? { replayMergedInto: c.mergedInto, streamMergedInto }
          : {}),
      });
    }
  }
  return { replay, mismatches };
}
