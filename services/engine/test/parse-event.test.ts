import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventValidationError, parseEvent, parseIsoInstant, toLeadEvent } from '../src/index.js';
import { parseIsoPattern, parseJsonEvent } from '../src/lead-event.js';

const NOW = Date.parse('2026-03-10T00:00:00Z');
const valid = {
  eventId: 'e-1',
  contactId: 'c-1',
  type: 'page_viewed',
  occurredAt: '2026-03-01T10:00:00Z',
  properties: { path: '/pricing', velocity: null, n: 3, ok: true },
};

function errorsOf(raw: unknown) {
  const result = parseEvent(raw, NOW);
  if (result.ok) throw new Error('expected invalid');
  return result.errors;
}

describe('parseEvent (docs/scoring-contract.md §1)', () => {
  it('accepts a valid event and converts occurredAt to epoch ms', () => {
    expect(parseEvent(valid, NOW)).toEqual({ ok: true, event: { ...valid, occurredAt: Date.parse('2026-03-01T10:00:00Z') } });
  });

  it('accepts epoch milliseconds and missing properties', () => {
    const { properties: _, ...rest } = valid;
    expect(parseEvent({ ...rest, occurredAt: 1_772_359_200_000 }, NOW)).toEqual({
      ok: true,
      event: { ...rest, occurredAt: 1_772_359_200_000, properties: {} },
    });
  });

  it('ignores unknown top-level fields', () => {
    const result = parseEvent({ ...valid, source: 'segment' }, NOW);
    expect(result.ok && 'source' in result.event).toBe(false);
  });

  it('reports every bad field with its path', () => {
    expect(
      errorsOf({ eventId: '', type: 'Page Viewed', occurredAt: 'yesterday', properties: { velocity: { v: 1 }, list: [1] } }),
    ).toEqual([
      { path: 'eventId', message: 'must be a string of 1-128 characters, got ""' },
      { path: 'contactId', message: 'is required but missing' },
      {
        path: 'type',
        message: `"Page Viewed" is not a valid event type; expected a lowercase letter, then up to 63 lowercase letters, digits or '_', like "page_viewed"`,
      },
      {
        path: 'occurredAt',
        message:
          '"yesterday" is not a timestamp; expected ISO-8601 with a zone, like "2026-03-01T10:00:00Z", or epoch milliseconds',
      },
      { path: 'properties.velocity', message: 'must be a string, number, boolean or null, got an object' },
      { path: 'properties.list', message: 'must be a string, number, boolean or null, got a list' },
    ]);
  });

  it('rejects ids longer than 128 characters', () => {
    expect(errorsOf({ ...valid, contactId: 'x'.repeat(129) })[0]?.path).toBe('contactId');
    expect(parseEvent({ ...valid, contactId: 'x'.repeat(128) }, NOW).ok).toBe(true);
  });

  it('rejects occurredAt more than 24 h after now, accepts exactly 24 h', () => {
    expect(parseEvent({ ...valid, occurredAt: NOW + 86_400_000 }, NOW).ok).toBe(true);
    expect(errorsOf({ ...valid, occurredAt: NOW + 86_400_001 })).toEqual([
      {
        path: 'occurredAt',
        message:
          '2026-03-11T00:00:00.001Z is more than 24 h after now (2026-03-10T00:00:00.000Z); expected an event that already happened',
      },
    ]);
  });

  it('rejects non-objects and undecodable shapes', () => {
    expect(errorsOf('hello')).toEqual([{ path: '', message: 'an event must be a JSON object, got "hello"' }]);
    expect(errorsOf({ ...valid, properties: [1] })[0]?.path).toBe('properties');
    expect(errorsOf({ ...valid, occurredAt: -5 })[0]?.path).toBe('occurredAt');
    expect(errorsOf({ ...valid, occurredAt: 1.5 })[0]?.path).toBe('occurredAt');
  });

  it('keeps a "__proto__" property as an ordinary property', () => {
    const result = parseEvent(
      JSON.parse('{"eventId":"e","contactId":"c","type":"t","occurredAt":0,"properties":{"__proto__":"x"}}'),
      NOW,
    );
    expect(result.ok && Object.hasOwn(result.event.properties, '__proto__')).toBe(true);
  });

  it('toLeadEvent throws EventValidationError', () => {
    expect(() => toLeadEvent({}, NOW)).toThrow(EventValidationError);
  });
});

describe('parseIsoInstant', () => {
  it.each([
    ['2026-03-01T10:00:00Z', Date.UTC(2026, 2, 1, 10)],
    ['2026-03-01T10:00Z', Date.UTC(2026, 2, 1, 10)],
    ['2026-03-01T10:00:00.123456Z', Date.UTC(2026, 2, 1, 10, 0, 0, 123)],
    ['2026-03-01T12:00:00+02:00', Date.UTC(2026, 2, 1, 10)],
    ['2026-03-01T05:00:00-0500', Date.UTC(2026, 2, 1, 10)],
  ])('%s', (text, expected) => {
    expect(parseIsoInstant(text)).toBe(expected);
  });

  it.each(['2026-03-01', '2026-03-01T10:00:00', '2026-02-30T10:00:00Z', '2026-13-01T00:00:00Z', '2026-03-01T24:00:00Z', 'x'])(
    'rejects %s',
    (text) => {
      expect(parseIsoInstant(text)).toBeUndefined();
    },
  );
});

/** parseIsoInstant before its fast path for `…Z` instants: the pattern, Date.parse and the calendar check alone. */
const patternOnly = parseIsoPattern;

describe('parseIsoInstant: its fast path for UTC instants against the pattern alone', () => {
  const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
  const instant = fc
    .tuple(
      fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 4, 99, 100, 1900, 2000, 2024, 2100)),
      two(13),
      two(32),
      two(25),
      two(61),
      two(61),
      fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{0,10}$/), fc.constantFrom('.', '.1', '.12345678901')),
      fc.constantFrom('Z', 'z', '+01:00', '-0530', ''),
    )
    .map(([y, mo, d, h, mi, s, frac, zone]) => `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}${frac}${zone}`);
  const mangled = fc.tuple(instant, fc.nat(30), fc.constantFrom('x', '-', ':', 'T', '٣', ' ', '')).map(([text, at, ch]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + ch + text.slice(i + 1);
  });

  it('gives the same value, or undefined, for the same texts', () => {
    fc.assert(
      fc.property(fc.oneof(instant, mangled), (text) => {
        expect(parseIsoInstant(text)).toBe(patternOnly(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    '0000-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2024-02-29T23:59:59.999999999Z',
    '0999-12-31T23:59:59Z',
  ])('%s', (text) => {
    expect(parseIsoInstant(text)).toBe(patternOnly(text));
  });
});

describe('parseJsonEvent (replay: the JSON.parse result handed over)', () => {
  const lines = [
    JSON.stringify(valid),
    '{"eventId":"e","contactId":"c","type":"t","occurredAt":0,"properties":{"__proto__":"x","a":1}}',
    '{"eventId":"e","contactId":"c","type":"t","occurredAt":0,"properties":{"a":[1],"b":{"c":1}}}',
    '{"eventId":"e","contactId":"c","type":"t","occurredAt":0,"properties":[1]}',
    '{"eventId":"","type":"T","occurredAt":"yesterday"}',
  ];

  it('gives what parseEvent gives, errors included', () => {
    for (const line of lines) {
      const got = parseJsonEvent(JSON.parse(line), NOW);
      expect(got).toEqual(parseEvent(JSON.parse(line), NOW));
      if (got.ok) expect(Object.keys(got.event.properties)).toEqual(Object.keys(JSON.parse(line).properties ?? {}));
    }
  });

  it('keeps the parsed properties object instead of copying it', () => {
    const raw = JSON.parse(lines[0] as string);
    const got = parseJsonEvent(raw, NOW);
    expect(got.ok && got.event.properties).toBe(raw.properties);
    const copied = parseEvent(raw, NOW);
    expect(copied.ok && copied.event.properties).not.toBe(raw.properties);
  });
});
