import { describe, expect, it } from 'vitest';
import type { LeadEvent } from '@leadscore/engine';
import { idsToResolve, planRounds, type Arrival, type Round } from '../src/merge-rounds.js';
import { leadEvent } from './support/test-grid.js';

const event = (eventId: string, contactId: string): Arrival => ({
  event: leadEvent(eventId, contactId, 'page_viewed'),
  source: 'behavioural-events:0',
  offset: 0,
});
const merge = (eventId: string, into: string, from: string): Arrival => ({
  merge: { ...leadEvent(eventId, into, 'contact_merged'), properties: { mergedFrom: from } } as LeadEvent,
});

/** Each round as `events | merges`, events by id in arrival order. */
function shape(rounds: readonly Round[]): string[] {
  return rounds.map((round) => {
    const events = [...round.eventsByContact.values()].flat().map((e) => e.event.eventId);
    return `${events.join(',')} | ${round.merges.map((m) => m.eventId).join(',')}`;
  });
}

describe('planRounds', () => {
  it('keeps a component in arrival order around each of its merges, and every other contact in round 0', () => {
    const arrivals = [
      event('e1', 'a'),
      merge('M1', 't', 'a'),
      event('p1', 'plain'),
      event('e2', 't'),
      merge('M2', 't', 'b'), // the same component again: a round later
      event('e3', 'a'), // sealed by M1, so applied to its root: after M2
      event('p2', 'plain'),
      merge('N1', 'u', 'v'), // another component: its first merge joins round 0's merges
      event('f1', 'u'),
    ];
    expect(idsToResolve(arrivals).sort()).toEqual(['a', 'b', 'plain', 't', 'u', 'v']);
    const roots = new Map(idsToResolve(arrivals).map((id) => [id, id]));
    expect(shape(planRounds(arrivals, roots))).toEqual(['e1,p1,p2 | M1,N1', 'e2,f1 | M2', 'e3 | ']);
  });

  it('puts a contact whose root a merge links in that merge’s component, not in round 0', () => {
    // m was merged into r before the chunk; the chunk merges r into t
    const arrivals = [merge('M', 't', 'r'), event('e1', 'm'), event('e2', 'other-member')];
    const roots = new Map([
      ['t', 't'],
      ['r', 'r'],
      ['m', 'r'],
      ['other-member', 'elsewhere'], // in a tree no merge of the chunk links
    ]);
    expect(shape(planRounds(arrivals, roots))).toEqual(['e2 | M', 'e1 | ']);
  });

  it('is one round without merges', () => {
    expect(shape(planRounds([event('e1', 'a'), event('e2', 'b'), event('e3', 'a')], new Map()))).toEqual(['e1,e3,e2 | ']);
  });
});
