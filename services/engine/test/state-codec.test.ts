import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  StateDecodeError,
  applyEvent,
  decodeState,
  emptyState,
  encodeState,
  scoreAt,
  type ContactState,
  type CounterState,
  type LeadEvent,
} from '../src/index.js';
import { at, event, starterGrid } from './support/starter-grid.js';

const grid = starterGrid();
const NOW = at('2026-03-10T12:00:00Z');

function fold(events: readonly LeadEvent[], now = NOW): ContactState {
  return events.reduce((state, e) => applyEvent(grid, state, e, now).state, emptyState());
}

/** A typical contact under the starter grid: ~10 events over a few rules, and a phone. */
function typicalContact(): ContactState {
  return fold(typicalEvents());
}

function typicalEvents(): LeadEvent[] {
  const uuid = (n: number): string => `3f2b8c1e-9a4d-4e7b-8c21-5d6e7f80${String(n).padStart(4, '0')}`;
  const e = (n: number, type: string, props: LeadEvent['properties'], day: string): LeadEvent =>
    event(type, props, { eventId: uuid(n), contactId: 'contact-0001', occurredAt: `2026-03-${day}T10:00:00Z` });
  return [
    e(1, 'page_viewed', { path: '/pricing' }, '01'),
    e(2, 'page_viewed', { path: '/solutions' }, '02'),
    e(3, 'page_viewed', { path: '/pricing' }, '03'),
    e(4, 'asset_downloaded', { velocity: 'low', assetId: 'guide' }, '03'),
    e(5, 'email_sent', {}, '04'),
    e(6, 'email_sent', {}, '05'),
    e(7, 'email_opened', {}, '05'),
    e(8, 'email_sent', {}, '06'),
    e(9, 'email_opened', {}, '07'),
    e(10, 'webinar_registered', {}, '08'),
    e(11, 'contact_updated', { phone: '+33 1 23 45 67 89', jobTitle: 'CMO', persona: 'buyer' }, '08'),
  ];
}

/** The typical contact as format v1 stored it (written by the engine before the bounded memory). */
const TYPICAL_V1 =
  '1|7|1d6|mmkk5mo0|30srQm@ftx:Nw696fEcC/ftz:DCWz_BByL;Q3euCS=2;Y5vLV4=3;lwinve=1;uBVW63:3Cr6z87-G|' +
  'mmhkzls0~3f2b8c1e-9a4d-4e7b-8c21-5d6e7f800011~persona=sbuyer~phone=s+33 1 23 45 67 89';

describe('state codec', () => {
  it('a typical contact under the starter grid encodes in at most 208 bytes', () => {
    // 205 bytes today: 66 of them are its 11 recent ids (6 each), 75 its one contact_updated.
    const text = encodeState(typicalContact());
    const bytes = Buffer.byteLength(text, 'utf8');
    console.info(`typical contact state: ${bytes} bytes: ${text}`);
    expect(bytes).toBeLessThanOrEqual(208);
  });

  it('writes a lowercase UUID event id in 24 characters, any other id escaped', () => {
    const uuid = '3f2b8c1e-9a4d-4e7b-8c21-5d6e7f800011';
    const state = (eventId: string): ContactState => ({
      ...emptyState(),
      properties: new Map([['phone', { value: 'x', at: 0, eventId }]]),
    });
    expect(encodeState(state(uuid))).toBe('2|0|0|||0~%uFokC7ffDJdkC8Lrk1_W00H~phone=sx||');
    for (const id of [uuid, uuid.toUpperCase(), `${uuid}0`, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'a%u;b'])
      expect(decodeState(encodeState(state(id))).properties.get('phone')?.eventId).toBe(id);
    expect(encodeState(state(uuid.toUpperCase()))).toContain(uuid.toUpperCase());
  });

  it('round-trips a typical contact exactly', () => {
    const state = typicalContact();
    expect(decodeState(encodeState(state))).toEqual(state);
  });

  it('encodes the empty state', () => {
    expect(encodeState(emptyState())).toBe('2|0|0|||||');
    expect(decodeState('2|0|0|||||')).toEqual(emptyState());
    expect(decodeState('1|0|0|||')).toEqual(emptyState());
  });

  it('reads a v1 state: same counts, properties and score; its ids become recent ids, so its events stay duplicates', () => {
    const v2 = typicalContact();
    const v1 = decodeState(TYPICAL_V1);
    expect(v1.counters).toEqual(v2.counters);
    expect(v1.properties).toEqual(v2.properties);
    expect(scoreAt(grid, v1, NOW)).toEqual(scoreAt(grid, v2, NOW));
    // v1 kept the ids of unsaturated counters only: 3 of the 11 events (2 opens, 1 registration).
    expect(v1.recent).toHaveLength(3);
    for (const key of v1.recent) expect(v2.recent).toContain(key);
    for (const e of typicalEvents()) expect(applyEvent(grid, v1, e, NOW).output).toBeNull();
    // Written back as v2.
    expect(encodeState(v1).startsWith('2|')).toBe(true);
  });

  it('keeps v1 ids in day order, all-time ids first, each once', () => {
    const state = decodeState('1|0|0||aaaaaa:000xxxxxx;bbbbbb@2:000zzzzzz/1:000yyyyyy,000xxxxxx|');
    expect(state.recent).toEqual(['yyyyyy', 'xxxxxx', 'zzzzzz']);
    expect(state.counters).toEqual(
      new Map<string, CounterState>([
        ['aaaaaa', { kind: 'total', count: 1 }],
        [
          'bbbbbb',
          {
            kind: 'daily',
            days: new Map([
              [2, 1],
              [1, 2],
            ]),
          },
        ],
      ]),
    );
  });

  it('round-trips any state (property)', () => {
    const key = fc.stringMatching(/^[0-9A-Za-z_-]{6}$/);
    const text = fc.string({ unit: 'binary', maxLength: 20 });
    const counter = fc.oneof(
      fc.nat(50).map((count): CounterState => ({ kind: 'total', count })),
      fc
        .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 1, max: 40 })), {
          minLength: 1,
          maxLength: 3,
          selector: ([day]) => day,
        })
        .map((days): CounterState => ({ kind: 'daily', days: new Map([...days].sort(([a], [b]) => a - b)) })),
    );
    const value = fc.oneof(
      text,
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
      fc.boolean(),
      fc.constant(null),
    );
    const state = fc.record({
      sequence: fc.nat(),
      score: fc.integer({ min: -1e9, max: 1e9 }),
      evaluatedAt: fc.option(fc.nat({ max: 4e12 }), { nil: null }),
      counters: fc.uniqueArray(fc.tuple(key, counter), { selector: ([k]) => k, maxLength: 4 }).map((e) => new Map(e)),
      properties: fc
        .uniqueArray(fc.tuple(text, fc.record({ value, at: fc.nat({ max: 4e12 }), eventId: fc.oneof(text, fc.uuid()) })), {
          selector: ([k]) => k,
          maxLength: 3,
        })
        .map((e) => new Map(e)),
      recent: fc.array(key, { maxLength: 40 }),
      inputPositions: fc
        .uniqueArray(fc.tuple(fc.stringMatching(/^[0-9A-Za-z_-]{1,8}$/), fc.nat()), { selector: ([k]) => k, maxLength: 3 })
        .map((e) => new Map(e)),
    });
    fc.assert(
      fc.property(state, (s: ContactState) => {
        expect(decodeState(encodeState(s))).toEqual(s);
      }),
    );
  });

  it.each([
    ['', /unsupported state format version ""/],
    ['3|0|0|||||', /unsupported state format version "3"/],
    ['2|0|0|||', /expected 8 or 9 sections/],
    ['2|x!|0|||||', /bad sequence/],
    ['2|0|0||abc$|||', /bad counter/],
    ['2|0|0||abcdef@zz=!|||', /bad count/],
    ['2|0|0||||abcde|', /bad recent ids/],
    ['2|0|0||||abcde!|', /bad recent ids/],
    ['2|0|0|||||b0', /bad input position/],
    ['2|0|0|||0~%uABC~phone=t||', /bad event id/],
    ['2|0|0|||0~%u________________-_____~phone=t||', /bad event id/],
    ['2|0|0|||||b0=!', /bad input position/],
    ['1|0|0||', /expected 6 sections/],
    ['1|x!|0|||', /bad sequence/],
    ['1|0|0||abc$|', /bad counter/],
    ['1|0|0||abcdef@zz|', /bad day/],
    ['1|0|0|||0~e~phone=q', /bad property value/],
    ['1|0|0|||0~e~phone', /bad property/],
    ['1|0|0|||0~e', /bad property group/],
  ])('rejects %j with StateDecodeError', (text, message) => {
    expect(() => decodeState(text)).toThrow(StateDecodeError);
    expect(() => decodeState(text)).toThrow(message);
  });
});
