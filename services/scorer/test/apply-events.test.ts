/**
 * The scorer's pure apply step on the engine's in-place path (`applyEvents`: one WorkingState
 * per contact and chunk) against the fold it replaced, `applyEvent` event by event: on stored
 * states scored days earlier (windows since expired, so outputs show the decay), with
 * duplicates, re-sends and crossings both ways, the same outputs, duplicates and state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, emptyState, encodeState, type ContactState, type LeadEvent, type ScoreChange } from '@leadscore/engine';
import { applyEvents } from '../src/batch-scorer.js';
import { NOW, TEST_GRID } from './support/test-grid.js';

const DAY = 86_400_000;

/** What applyEvents was: applyEvent per event, the last changed state kept. */
function foldApplyEvent(state: ContactState, events: readonly LeadEvent[], now: number) {
  let current = state;
  let changed = false;
  let duplicates = 0;
  const changes: ScoreChange[] = [];
  for (const event of events) {
    const evaluation = applyEvent(TEST_GRID, current, event, now);
    if (evaluation.duplicate) duplicates += 1;
    if (evaluation.stateChanged) {
      current = evaluation.state;
      changed = true;
    }
    if (evaluation.output) changes.push(evaluation.output);
  }
  return { state: changed ? current : null, changes, duplicates };
}

const eventSpec = fc.record({
  id: fc.integer({ min: 0, max: 15 }),
  type: fc.constantFrom('page_viewed', 'demo_requested', 'email_unsubscribed', 'email_opened', 'form_submitted'),
  hoursAgo: fc.integer({ min: 0, max: 6 * 24 }),
});

type Spec = typeof eventSpec extends fc.Arbitrary<infer T> ? T : never;

function toEvents(specs: readonly Spec[], at: number): LeadEvent[] {
  return specs.map((spec) => ({
    eventId: `e-${spec.id}`,
    contactId: 'c-1',
    type: spec.type,
    occurredAt: at - spec.hoursAgo * 3_600_000,
    properties: {},
  }));
}

describe('applyEvents (in place) against applyEvent event by event', () => {
  it('gives the same outputs, duplicates and state', () => {
    fc.assert(
      fc.property(
        fc.array(eventSpec, { maxLength: 20 }),
        fc.array(eventSpec, { maxLength: 20 }),
        fc.integer({ min: 0, max: 5 }),
        (before, chunk, daysEarlier) => {
          const earlier = NOW - daysEarlier * DAY;
          const stored = foldApplyEvent(emptyState(), toEvents(before, earlier), earlier).state ?? emptyState();
          const events = toEvents(chunk, NOW);
          const expected = foldApplyEvent(stored, events, NOW);
          const got = applyEvents(TEST_GRID, { state: stored, raw: encodeState(stored), outbox: '' }, events, NOW);
          expect(got.changes).toEqual(expected.changes);
          expect(got.duplicates).toBe(expected.duplicates);
          expect(got.state === null).toBe(expected.state === null);
          if (got.state !== null && expected.state !== null) expect(encodeState(got.state)).toBe(encodeState(expected.state));
        },
      ),
      { numRuns: 500 },
    );
  });
});
