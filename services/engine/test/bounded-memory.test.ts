/**
 * Spec §3 "Duplicates and bounded memory": a contact's state does not grow with its history.
 * Sizes are asserted, not times (the machine is shared).
 */
import { describe, expect, it } from 'vitest';
import { DAY_MS, applyEvent, decodeState, emptyState, encodeState, type LeadEvent } from '../src/index.js';
import { gridFromYaml } from './support/starter-grid.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const EVENTS = 200_000;

const grid = gridFromYaml(`
name: bounded
version: 1
rules:
  - { id: views, on: page_viewed, points: 1 }
  - { id: opens, on: email_opened, within: 30d, points: 2 }
  - { id: pricing, on: page_viewed, where: { path: /pricing }, tiers: [{ atLeast: 3, points: 100 }] }
`);

function eventAt(i: number): LeadEvent {
  return {
    eventId: `3f2b8c1e-9a4d-4e7b-8c21-${String(i).padStart(12, '0')}`,
    contactId: 'bot',
    type: i % 2 === 0 ? 'page_viewed' : 'email_opened',
    // spread over the last 40 days: some opens fall outside the 30-day window
    occurredAt: NOW - (i % 40) * DAY_MS,
    properties: { path: i % 3 === 0 ? '/pricing' : '/blog' },
  };
}

describe('bounded contact memory', () => {
  it(`${EVENTS} events on one contact (an unlimited and a windowed rule): the encoded state stays under 1 KB`, () => {
    let state = emptyState();
    let largest = 0;
    for (let i = 0; i < EVENTS; i += 1) {
      state = applyEvent(grid, state, eventAt(i), NOW).state;
      if (i % 10_000 === 9_999) largest = Math.max(largest, Buffer.byteLength(encodeState(state), 'utf8'));
    }
    const text = encodeState(state);
    console.info(`state after ${EVENTS} events: ${Buffer.byteLength(text, 'utf8')} bytes (largest seen ${largest})`);
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThan(1024);
    expect(largest).toBeLessThan(1024);
    expect(state.recent).toHaveLength(32);
    // every event counted once: 100 000 views (+100 tier), opens of the 30 days in the window
    const opensInWindow = Array.from({ length: EVENTS }, (_, i) => i).filter((i) => i % 2 === 1 && i % 40 < 30).length;
    expect(state.score).toBe(EVENTS / 2 + 100 + 2 * opensInWindow);
    expect(decodeState(text)).toEqual(state);
  });

  it('through the codec on every event (as the scorer and replay keep states), the size stays flat', () => {
    let text = encodeState(emptyState());
    const sizes: number[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const evaluation = applyEvent(grid, decodeState(text), eventAt(i), NOW);
      if (evaluation.stateChanged) text = encodeState(evaluation.state);
      if (i % 5_000 === 4_999) sizes.push(text.length);
    }
    expect(Math.max(...sizes)).toBeLessThan(1024);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(8); // the digits of the counts and score
  });
});
