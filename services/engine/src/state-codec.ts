import type { ContactState, CounterState } from './contact-state.js';
import { StateDecodeError } from './errors.js';
import { RECENT_KEY_CHARS } from './hash.js';
import { byKey, checkKey, decodeProperties, encodeProperties, int, parseInt36 } from './state-codec-parts.js';
import { decodeStateV1 } from './state-codec-v1.js';

/**
 * Compact text form of a ContactState, one Redis value per contact, versioned by its first
 * section (docs/streaming.md). Canonical: equal states encode to equal text (maps sorted by
 * key; the recent ids keep their arrival order, which is part of the state).
 *
 *   2|<sequence>|<score>|<evaluatedAt>|<counters>|<properties>|<recent>|<positions>   (integers in base 36)
 *   counters:   entries joined by ';', a count omitted when it is 1
 *     all-time  <key>[=<count>]
 *     windowed  <key>@<day>[=<count>][/<day>[=<count>]...]          (days ascending)
 *   properties: property groups (state-codec-parts.ts)
 *   recent:     the recent ids' 6-character keys, oldest first, not separated
 *   positions:  <source>=<position> joined by ';' (sources [0-9A-Za-z_-]+)
 *   scores:     a ninth section, only for a grid with `scores` whose other scores were
 *               emitted: <scoreId>=<last emitted value> joined by ';' (ids ascending)
 *
 * `decodeState` also reads format v1 (state-codec-v1.ts), so states written before the
 * bounded memory keep their scores; they are written back as v2 at their next change.
 */
export const STATE_FORMAT_VERSION = '2';

function encodeCount(count: number): string {
  return count === 1 ? '' : `=${int(count)}`;
}

function encodeCounter(key: string, counter: CounterState): string {
  if (counter.kind === 'total') return `${key}${encodeCount(counter.count)}`;
  const days = [...counter.days.entries()].sort(([a], [b]) => a - b).map(([day, n]) => `${int(day)}${encodeCount(n)}`);
  return `${key}@${days.join('/')}`;
}

export function encodeState(state: ContactState): string {
  const sections = [
    STATE_FORMAT_VERSION,
    int(state.sequence),
    int(state.score),
    state.evaluatedAt === null ? '' : int(state.evaluatedAt),
    byKey(state.counters)
      .map(([key, c]) => encodeCounter(key, c))
      .join(';'),
    encodeProperties(state.properties),
    state.recent.join(''),
    byKey(state.inputPositions)
      .map(([source, position]) => `${source}=${int(position)}`)
      .join(';'),
  ];
  // Only a grid with `scores` has other scores: a state of one score keeps its 8 sections.
  if (state.scores !== undefined && state.scores.size > 0) {
    sections.push(
      byKey(state.scores)
        .map(([id, value]) => `${id}=${int(value)}`)
        .join(';'),
    );
  }
  return sections.join('|');
}

/** `<n>` or `<n>=<count>`. */
function decodeCounted(text: string, what: string): [number, number] {
  const eq = text.indexOf('=');
  if (eq < 0) return [parseInt36(text, what), 1];
  return [parseInt36(text.slice(0, eq), what), parseInt36(text.slice(eq + 1), 'count')];
}

function decodeCounter(text: string): [string, CounterState] {
  const at = text.indexOf('@');
  if (at < 0) {
    const eq = text.indexOf('=');
    const key = checkKey(eq < 0 ? text : text.slice(0, eq), 'counter');
    return [key, { kind: 'total', count: eq < 0 ? 1 : parseInt36(text.slice(eq + 1), 'count') }];
  }
  const key = checkKey(text.slice(0, at), 'counter key');
  return [
    key,
    {
      kind: 'daily',
      days: new Map(
        text
          .slice(at + 1)
          .split('/')
          .map((day) => decodeCounted(day, 'day')),
      ),
    },
  ];
}

function decodeRecent(text: string): string[] {
  if (text.length % RECENT_KEY_CHARS !== 0) throw new StateDecodeError(`bad recent ids: ${JSON.stringify(text)}`);
  const keys: string[] = [];
  for (let i = 0; i < text.length; i += RECENT_KEY_CHARS) keys.push(text.slice(i, i + RECENT_KEY_CHARS));
  if (text !== '') checkKey(text, 'recent ids');
  return keys;
}

function decodePositions(text: string): Map<string, number> {
  if (text === '') return new Map();
  return new Map(
    text.split(';').map((entry) => {
      const eq = entry.indexOf('=');
      if (eq < 0) throw new StateDecodeError(`bad input position: ${JSON.stringify(entry)}`);
      return [checkKey(entry.slice(0, eq), 'input source'), parseInt36(entry.slice(eq + 1), 'input position')];
    }),
  );
}

function decodeScores(text: string): Map<string, number> {
  return new Map(
    text.split(';').map((entry) => {
      const eq = entry.indexOf('=');
      if (eq < 0) throw new StateDecodeError(`bad score: ${JSON.stringify(entry)}`);
      return [checkKey(entry.slice(0, eq), 'score id'), parseInt36(entry.slice(eq + 1), 'score')];
    }),
  );
}

/** @throws StateDecodeError on text that is not a state of a supported format version (2 or 1). */
export function decodeState(text: string): ContactState {
  const sections = text.split('|');
  if (sections[0] === '1') return decodeStateV1(sections);
  if (sections[0] !== STATE_FORMAT_VERSION) {
    throw new StateDecodeError(
      `unsupported state format version ${JSON.stringify(sections[0])}; expected "${STATE_FORMAT_VERSION}" or "1"`,
    );
  }
  if (sections.length !== 8 && sections.length !== 9)
    throw new StateDecodeError(`expected 8 or 9 sections, got ${sections.length}`);
  const [, sequence = '', score = '', evaluatedAt = '', counters = '', properties = '', recent = '', positions = '', scores] =
    sections;
  return {
    ...(scores !== undefined && { scores: decodeScores(scores) }),
    sequence: parseInt36(sequence, 'sequence'),
    score: parseInt36(score, 'score'),
    evaluatedAt: evaluatedAt === '' ? null : parseInt36(evaluatedAt, 'evaluatedAt'),
    counters: new Map(counters === '' ? [] : counters.split(';').map(decodeCounter)),
    properties: decodeProperties(properties),
    recent: decodeRecent(recent),
    inputPositions: decodePositions(positions),
  };
}
