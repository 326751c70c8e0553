import type { ContactState, CounterState, PropertyEntry } from './contact-state.js';
import { StateDecodeError } from './errors.js';
import type { PropertyValue } from './value-predicate.js';

/**
 * Compact text form of a ContactState, one Redis value per contact. Canonical: equal states
 * encode to equal text (maps sorted by key, id lists sorted).
 *
 *   1|<sequence>|<score>|<evaluatedAt>|<counters>|<properties>        (integers in base 36)
 *   counters:   entries joined by ';'
 *     all-time  <key>[=<count>][:<id>,<id>...]      (count omitted when it equals the id count)
 *     windowed  <key>@<day>:<id>,<id>[/<day>:<id>...]
 *   properties: groups joined by ';', one per contact_updated event still holding a value:
 *     <occurredAt>~<eventId>~<name>=<value>[~<name>=<value>...]
 *     value     s<text> | n<number> | t | f | z (null, a removal)
 *
 * Keys and ids use [0-9A-Za-z_-]; names, texts and event ids escape % | ; ~ = as %XX.
 * Grouping by event matters: one update usually sets several properties, and its full
 * eventId (kept for the spec's tie-break) is the largest part of a typical state.
 */
export const STATE_FORMAT_VERSION = '1';

const int = (n: number): string => n.toString(36);

function escapeText(text: string): string {
  return text.replace(/[%|;~=]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function unescapeText(text: string): string {
  return text.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function encodeValue(value: PropertyValue): string {
  if (value === null) return 'z';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return `n${String(value)}`;
  return `s${escapeText(value)}`;
}

const byKey = <T>(map: ReadonlyMap<string, T>): [string, T][] =>
  [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function encodeCounter(key: string, counter: CounterState): string {
  if (counter.kind === 'total') {
    const count = counter.count === counter.seen.length ? '' : `=${int(counter.count)}`;
    const ids = counter.seen.length === 0 ? '' : `:${[...counter.seen].sort().join(',')}`;
    return `${key}${count}${ids}`;
  }
  const days = [...counter.days.entries()]
    .sort(([a], [b]) => a - b)
    .map(([day, ids]) => `${int(day)}:${[...ids].sort().join(',')}`);
  return `${key}@${days.join('/')}`;
}

function encodeProperties(properties: ReadonlyMap<string, PropertyEntry>): string {
  const groups = new Map<string, string[]>();
  for (const [name, entry] of byKey(properties)) {
    const stamp = `${int(entry.at)}~${escapeText(entry.eventId)}`;
    const group = groups.get(stamp) ?? [];
    group.push(`${escapeText(name)}=${encodeValue(entry.value)}`);
    groups.set(stamp, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stamp, fields]) => `${stamp}~${fields.join('~')}`)
    .join(';');
}

export function encodeState(state: ContactState): string {
  return [
    STATE_FORMAT_VERSION,
    int(state.sequence),
    int(state.score),
    state.evaluatedAt === null ? '' : int(state.evaluatedAt),
    byKey(state.counters)
      .map(([key, c]) => encodeCounter(key, c))
      .join(';'),
    encodeProperties(state.properties),
  ].join('|');
}

const KEY = /^[0-9A-Za-z_-]+$/;
const INT = /^-?[0-9a-z]+$/;

function parseInt36(text: string, what: string): number {
  const n = INT.test(text) ? Number.parseInt(text, 36) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new StateDecodeError(`bad ${what}: ${JSON.stringify(text)}`);
  return n;
}

function parseIds(text: string, what: string): string[] {
  const ids = text.split(',');
  for (const id of ids) if (!KEY.test(id)) throw new StateDecodeError(`bad id in ${what}: ${JSON.stringify(id)}`);
  return ids;
}

function decodeCounter(text: string): [string, CounterState] {
  const at = text.indexOf('@');
  if (at >= 0) {
    const key = text.slice(0, at);
    if (!KEY.test(key)) throw new StateDecodeError(`bad counter key: ${JSON.stringify(key)}`);
    const days = new Map<number, readonly string[]>();
    for (const part of text.slice(at + 1).split('/')) {
      const colon = part.indexOf(':');
      if (colon < 0) throw new StateDecodeError(`bad day in counter ${key}: ${JSON.stringify(part)}`);
      days.set(parseInt36(part.slice(0, colon), 'day'), parseIds(part.slice(colon + 1), `counter ${key}`));
    }
    return [key, { kind: 'daily', days }];
  }
  const match = /^([0-9A-Za-z_-]+)(?:=(-?[0-9a-z]+))?(?::(.*))?$/.exec(text);
  if (match === null) throw new StateDecodeError(`bad counter: ${JSON.stringify(text)}`);
  const [, key = '', count, ids] = match;
  const seen = ids === undefined ? [] : parseIds(ids, `counter ${key}`);
  return [key, { kind: 'total', count: count === undefined ? seen.length : parseInt36(count, 'count'), seen }];
}

function decodeValue(text: string): PropertyValue {
  const tag = text[0];
  const rest = text.slice(1);
  if (tag === 'z' && rest === '') return null;
  if (tag === 't' && rest === '') return true;
  if (tag === 'f' && rest === '') return false;
  if (tag === 's') return unescapeText(rest);
  if (tag === 'n') {
    const n = Number(rest);
    if (rest !== '' && Number.isFinite(n)) return n;
  }
  throw new StateDecodeError(`bad property value: ${JSON.stringify(text)}`);
}

function decodePropertyGroup(text: string): [string, PropertyEntry][] {
  const [at = '', eventId = '', ...fields] = text.split('~');
  if (fields.length === 0) throw new StateDecodeError(`bad property group: ${JSON.stringify(text)}`);
  const stamp = { at: parseInt36(at, 'property time'), eventId: unescapeText(eventId) };
  return fields.map((field) => {
    const eq = field.indexOf('=');
    if (eq < 0) throw new StateDecodeError(`bad property: ${JSON.stringify(field)}`);
    return [unescapeText(field.slice(0, eq)), { value: decodeValue(field.slice(eq + 1)), ...stamp }];
  });
}

/** @throws StateDecodeError on text that is not a state of a supported format version. */
export function decodeState(text: string): ContactState {
  const sections = text.split('|');
  if (sections[0] !== STATE_FORMAT_VERSION) {
    throw new StateDecodeError(
      `unsupported state format version ${JSON.stringify(sections[0])}; expected "${STATE_FORMAT_VERSION}"`,
    );
  }
  if (sections.length !== 6) throw new StateDecodeError(`expected 6 sections, got ${sections.length}`);
  const [, sequence = '', score = '', evaluatedAt = '', counters = '', properties = ''] = sections;
  return {
    sequence: parseInt36(sequence, 'sequence'),
    score: parseInt36(score, 'score'),
    evaluatedAt: evaluatedAt === '' ? null : parseInt36(evaluatedAt, 'evaluatedAt'),
    counters: new Map(counters === '' ? [] : counters.split(';').map(decodeCounter)),
    properties: new Map(properties === '' ? [] : properties.split(';').flatMap(decodePropertyGroup)),
  };
}
