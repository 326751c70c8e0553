/**
 * The root's memory of its members (member-positions.ts): a member is absorbed once, whether
 * the absorb is repeated or the member came with another member's state; its input positions
 * move under its own key and keep the higher offset; its events applied by the root are
 * recognised by those positions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, emptyState, scoreAt, type ContactState, type LeadEvent } from '@leadscore/engine';
import { applyInputs } from '../src/apply-inputs.js';
import { absorbedMarkers, absorbMembers, asMemberInput, memberKey } from '../src/member-positions.js';
import { withPositions, type PositionedEvent } from '../src/input-positions.js';
import { NOW, TEST_GRID } from './support/test-grid.js';

function event(id: string, contactId: string, type = 'page_viewed', path = '/pricing'): LeadEvent {
  return { eventId: id, contactId, type, occurredAt: NOW - 3_600_000, properties: type === 'page_viewed' ? { path } : {} };
}

/** A contact's state after its events, each recorded at its offset on `source`. */
function stateOf(contactId: string, events: LeadEvent[], source: string, firstOffset = 0): ContactState {
  let state = emptyState();
  for (const e of events) state = applyEvent(TEST_GRID, state, e, NOW).state;
  return withPositions(
    state,
    events.map((e, i) => ({ event: e, source, offset: firstOffset + i })),
  );
}

const pending = (...ids: string[]) => ids.map((id) => ({ id, cause: `merge-${id}` }));

describe('absorbMembers', () => {
  it('absorbs a member once: a repeated absorb over the result changes nothing', () => {
    const anon = stateOf('anon', [event('p1', 'anon'), event('d1', 'anon', 'demo_requested')], 'b1');
    const known = stateOf('c', [event('e1', 'c', 'email_opened')], 'b4');
    const first = absorbMembers(TEST_GRID, 'c', known, pending('anon'), new Map([['anon', anon]]), NOW);
    expect(first.absorbed).toEqual(['anon']);
    expect(first.changes.map((c) => [c.contactId, c.cause])).toEqual([
      ['c', { kind: 'merge', eventId: 'merge-anon' }],
      ['anon', { kind: 'merge', eventId: 'merge-anon' }],
    ]);
    expect(first.state!.inputPositions.get(memberKey('anon'))).toBe(1);
    expect(first.state!.inputPositions.get(`${memberKey('anon')}b1`)).toBe(1);
    expect(first.state!.inputPositions.get('b1')).toBeUndefined(); // the root's own b1 events keep their own entry
    expect(first.state!.inputPositions.get('b4')).toBe(0);
    const again = absorbMembers(TEST_GRID, 'c', first.state!, pending('anon'), new Map([['anon', anon]]), NOW);
    expect(again).toEqual({ state: null, changes: [], absorbed: [] });
  });

  it('skips a member that came with another member’s state (a chain absorbed at once)', () => {
    const a = stateOf('a', [event('p1', 'a')], 'b1');
    const b0 = stateOf('b', [event('p2', 'b', 'page_viewed', '/solutions')], 'b2');
    const b = absorbMembers(TEST_GRID, 'b', b0, pending('a'), new Map([['a', a]]), NOW).state!;
    const c0 = stateOf('c', [event('e1', 'c', 'email_opened')], 'b3');
    // a was pending at b when b was merged into c: both are pending at c, and b's seal holds a
    const result = absorbMembers(
      TEST_GRID,
      'c',
      c0,
      pending('a', 'b'),
      new Map([
        ['a', a],
        ['b', b],
      ]),
      NOW,
    );
    expect(result.absorbed).toEqual(['b']);
    expect([...absorbedMarkers(result.state!)].sort()).toEqual([memberKey('a'), memberKey('b')].sort());
    const direct = stateOf(
      'c',
      [event('e1', 'c', 'email_opened'), event('p1', 'c'), event('p2', 'c', 'page_viewed', '/solutions')],
      'x',
    );
    expect(scoreAt(TEST_GRID, result.state!, NOW).score).toBe(scoreAt(TEST_GRID, direct, NOW).score);
  });

  it('a member’s events applied by its root before and after the absorb count once, whatever the order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.boolean(), (before, after, redeliver) => {
        // the member's events on partition 1: `before` applied by itself, then sealed, `after` applied by the root
        const all = Array.from({ length: before + after }, (_, i) =>
          event(`m${i}`, 'anon', i % 2 ? 'email_opened' : 'page_viewed'),
        );
        const own = stateOf('anon', all.slice(0, before), 'b1');
        const inputs: PositionedEvent[] = all.slice(before).map((e, i) => ({ event: e, source: 'b1', offset: before + i }));
        const root = stateOf('c', [event('c1', 'c', 'demo_requested')], 'b2');
        const redirectedFirst = applyInputs(
          TEST_GRID,
          { raw: 'x', outbox: '', state: root },
          inputs.map((i) => asMemberInput('c', 'anon', i)),
          NOW,
        );
        const afterRedirect = redirectedFirst.state ?? root;
        const absorbed = absorbMembers(TEST_GRID, 'c', afterRedirect, pending('anon'), new Map([['anon', own]]), NOW).state!;
        // a redelivery of the whole partition's events, after the absorb, applies nothing again
        const redelivered = redeliver
          ? (applyInputs(
              TEST_GRID,
              { raw: 'x', outbox: '', state: absorbed },
              all.map((e, i) => asMemberInput('c', 'anon', { event: e, source: 'b1', offset: i })),
              NOW,
            ).state ?? absorbed)
          : absorbed;
        const direct = stateOf('c', [event('c1', 'c', 'demo_requested'), ...all.map((e) => ({ ...e, contactId: 'c' }))], 'x');
        expect(scoreAt(TEST_GRID, redelivered, NOW).score).toBe(scoreAt(TEST_GRID, direct, NOW).score);
      }),
      { numRuns: 200 },
    );
  });
});
