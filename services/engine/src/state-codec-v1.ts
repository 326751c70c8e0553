import type { ContactState, CounterState } from './contact-state.js';
import { StateDecodeError } from './errors.js';
import { RECENT_KEY_CHARS } from './hash.js';
import { checkKey, decodeProperties, parseInt36 } from './state-codec-parts.js';

/** The most recent ids a converted v1 state keeps: the largest `dedupe.recent` a grid may set. */
const MAX_RECENT = 1024;

/**
 * Reads the format v1 (until the bounded memory of docs/scoring-decisions.md):
 *
 *   1|<sequence>|<score>|<evaluatedAt>|<counters>|<properties>
 *   counters:   entries joined by ';'
 *     all-time  <key>[=<count>][:<id>,<id>...]      (count omitted when it equals the id count)
 *     windowed  <key>@<day>:<id>,<id>[/<day>:<id>...]
 *
 * where each id was a 9-character dedupe key kept per counter. The conversion keeps every
 * count (so the same score) and turns the ids into the recent ids: v1 did not keep arrival
 * order, so all-time ids come first, then windowed ids by day, oldest first; an id counted by
 * several counters is kept once, at its latest place; of more than 1024, the last 1024 stay
 * (the grid's `dedupe.recent` trims further at the contact's next event). Each id's last 6
 * characters are its recent key (both are the low bits of the same hash).
 */
export function decodeStateV1(sections: readonly string[]): ContactState {
  if (sections.length !== 6) throw new StateDecodeError(`expected 6 sections, got ${sections.length}`);
  const [, sequence = '', score = '', evaluatedAt = '', counters = '', properties = ''] = sections;
  const decoded = counters === '' ? [] : counters.split(';').map(decodeCounterV1);
  const totalIds = decoded.flatMap(([, , ids]) => ids.map((id) => ({ day: -Infinity, id })));
  const dailyIds = decoded.flatMap(([, , , byDay]) => byDay).sort((a, b) => a.day - b.day);
  const recent = new Map<string, number>();
  [...totalIds, ...dailyIds].forEach(({ id }, order) => {
    const key = id.slice(-RECENT_KEY_CHARS);
    recent.delete(key);
    recent.set(key, order);
  });
  return {
    sequence: parseInt36(sequence, 'sequence'),
    score: parseInt36(score, 'score'),
    evaluatedAt: evaluatedAt === '' ? null : parseInt36(evaluatedAt, 'evaluatedAt'),
    counters: new Map(decoded.map(([key, state]) => [key, state])),
    properties: decodeProperties(properties),
    recent: [...recent.keys()].slice(-MAX_RECENT),
    inputPositions: new Map(),
  };
}

type DatedId = { readonly day: number; readonly id: string };

/** [key, counter, all-time ids, windowed ids with their day] */
function decodeCounterV1(text: string): [string, CounterState, string[], DatedId[]] {
  const at = text.indexOf('@');
  if (at >= 0) {
    const key = checkKey(text.slice(0, at), 'counter key');
    const days = new Map<number, number>();
    const ids: DatedId[] = [];
    for (const part of text.slice(at + 1).split('/')) {
      const colon = part.indexOf(':');
      if (colon < 0) throw new StateDecodeError(`bad day in counter ${key}: ${JSON.stringify(part)}`);
      const day = parseInt36(part.slice(0, colon), 'day');
      const dayIds = parseIds(part.slice(colon + 1), `counter ${key}`);
      days.set(day, dayIds.length);
      for (const id of dayIds) ids.push({ day, id });
    }
    return [key, { kind: 'daily', days }, [], ids];
  }
  const match = /^([0-9A-Za-z_-]+)(?:=(-?[0-9a-z]+))?(?::(.*))?$/.exec(text);
  if (match === null) throw new StateDecodeError(`bad counter: ${JSON.stringify(text)}`);
  const [, key = '', count, idText] = match;
  const ids = idText === undefined ? [] : parseIds(idText, `counter ${key}`);
  return [key, { kind: 'total', count: count === undefined ? ids.length : parseInt36(count, 'count') }, ids, []];
}

function parseIds(text: string, what: string): string[] {
  const ids = text.split(',');
  for (const id of ids) checkKey(id, `id in ${what}`);
  return ids;
}
