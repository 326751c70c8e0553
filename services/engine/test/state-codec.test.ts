import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  StateDecodeError,
  applyEvent,
  decodeState,
  emptyState,
  encodeState,
  type ContactState,
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
  const uuid = (n: number): string => `3f2b8c1e-9a4d-4e7b-8c21-5d6e7f80${String(n).padStart(4, '0')}`;
  const e = (n: number, type: string, props: LeadEvent['properties'], day: string): LeadEvent =>
    event(type, props, { eventId: uuid(n), contactId: 'contact-0001', occurredAt: `2026-03-${day}T10:00:00Z` });
  return fold([
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
  ]);
}

describe('state codec', () => {
  it('a typical contact under the starter grid encodes in at most 200 bytes', () => {
    const text = encodeState(typicalContact());
    const bytes = Buffer.byteLength(text, 'utf8');
    console.info(`typical contact state: ${bytes} bytes: ${text}`);
    expect(bytes).toBeLessThanOrEqual(200);
  });

  it('round-trips a typical contact exactly', () => {
    const state = typicalContact();
    expect(decodeState(encodeState(state))).toEqual(state);
  });

  it('encodes the empty state', () => {
    expect(encodeState(emptyState())).toBe('1|0|0|||');
    expect(decodeState('1|0|0|||')).toEqual(emptyState());
  });

  it('round-trips any state (property)', () => {
    const id = fc.stringMatching(/^[0-9A-Za-z_-]{1,9}$/);
    const text = fc.string({ unit: 'binary', maxLength: 20 });
    const counter = fc.oneof(
      fc
        .record({ kind: fc.constant('total' as const), seen: fc.uniqueArray(id, { maxLength: 4 }), extra: fc.nat(5) })
        .map(({ seen, extra }) => ({ kind: 'total' as const, count: seen.length + extra, seen: [...seen].sort() })),
      fc
        .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.uniqueArray(id, { minLength: 1, maxLength: 3 })), {
          minLength: 1,
          maxLength: 3,
          selector: ([day]) => day,
        })
        .map((days) => ({
          kind: 'daily' as const,
          days: new Map([...days].sort(([a], [b]) => a - b).map(([d, ids]) => [d, [...ids].sort()] as const)),
        })),
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
      counters: fc
        .uniqueArray(fc.tuple(fc.stringMatching(/^[0-9A-Za-z_-]{6}$/), counter), { selector: ([k]) => k, maxLength: 4 })
        .map((e) => new Map(e)),
      properties: fc
        .uniqueArray(fc.tuple(text, fc.record({ value, at: fc.nat({ max: 4e12 }), eventId: text })), {
          selector: ([k]) => k,
          maxLength: 3,
        })
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
    ['2|0|0|||', /unsupported state format version "2"/],
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
