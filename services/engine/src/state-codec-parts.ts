import type { PropertyEntry } from './contact-state.js';
import { StateDecodeError } from './errors.js';
import type { PropertyValue } from './value-predicate.js';

/**
 * The pieces every version of the state format shares (see state-codec.ts): base-36 integers,
 * escaped text, and property groups
 *
 *   <occurredAt>~<eventId>~<name>=<value>[~<name>=<value>...]
 *   value     s<text> | n<number> | t | f | z (null, a removal)
 *
 * Keys and ids use [0-9A-Za-z_-]; names, texts and event ids escape % | ; ~ = as %XX.
 * Grouping by event matters: one update usually sets several properties, and its full
 * eventId (kept for the spec's tie-break) is the largest part of a typical state.
 */
export const int = (n: number): string => n.toString(36);

export const KEY = /^[0-9A-Za-z_-]+$/;
const INT = /^-?[0-9a-z]+$/;

export function parseInt36(text: string, what: string): number {
  const n = INT.test(text) ? Number.parseInt(text, 36) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new StateDecodeError(`bad ${what}: ${JSON.stringify(text)}`);
  return n;
}

export function checkKey(key: string, what: string): string {
  if (!KEY.test(key)) throw new StateDecodeError(`bad ${what}: ${JSON.stringify(key)}`);
  return key;
}

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

export const byKey = <T>(map: ReadonlyMap<string, T>): [string, T][] =>
  [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function encodeProperties(properties: ReadonlyMap<string, PropertyEntry>): string {
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

export function decodeProperties(text: string): Map<string, PropertyEntry> {
  return new Map(text === '' ? [] : text.split(';').flatMap(decodePropertyGroup));
}
