/**
 * The in-place path (working-state.ts) against the immutable reference `applyEvent`: on random
 * event sequences with duplicates, re-sends after the recent ids forgot them, reorders,
 * out-of-window and future events, every event gives the same duplicate flag, state change,
 * score, sequence and crossings, and the same encoded state (docs/scoring-contract.md §3).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  emptyState,
  encodeState,
  scoreAt,
  type CompiledGrid,
  type ContactState,
  type LeadEvent,
} from '../src/index.js';
import { WorkingState, applyInPlace, recentKeyNumber, workingScore } from '../src/working-state.js';
import { recentKey, toBase64Digits } from '../src/hash.js';
import { STARTER_GRID_FILE, gridFromYaml } from './support/starter-grid.js';

const NOW = Date.parse('2026-03-10T15:00:00Z');
const DAY = 86_400_000;
const STARTER = readFileSync(STARTER_GRID_FILE, 'utf8');

/** The starter grid with a given `dedupe.recent`, and a grid whose empty state scores (a baseline to emit), with a decaying rule. */
function grids(recent: number): CompiledGrid[] {
  const starter = gridFromYaml(`${STARTER}\ndedupe: { recent: ${recent} }\n`);
  const baseline = gridFromYaml(`
name: baseline
version: 1
dedupe: { recent: ${recent} }
thresholds: [{ name: T, at: 40 }]
rules:
  - { id: opened, on: email_opened, within: 3d, points: 30 }
  - { id: downloads, on: asset_downloaded, points: 40, limit: 100, decay: { every: 2d, by: 50% } }
  - { id: viewed, on: page_viewed, where: { path: /pricing }, tiers: [{ atLeast: 1, points: 20 }, { atLeast: 3, points: 60 }] }
  - { id: sent, on: email_sent, points: 0 }
  - { id: quiet, when: { all: [{ rule: sent, gte: 2 }, { rule: opened, eq: 0 }] }, points: -15 }
  - { id: no-phone, property: phone, exists: false, points: 10 }
  - { id: buyer, property: persona, equals: buyer, points: 25 }
`);
  // Two scores (a group with bounds, a rule in both, a rule in none, a decaying rule) and a matrix.
  const scored = gridFromYaml(`
name: scored
version: 1
dedupe: { recent: ${recent} }
rules:
  - { id: opened, on: email_opened, within: 3d, points: 30 }
  - { id: downloads, on: asset_downloaded, points: 40, limit: 100, decay: { every: 2d, by: 50% } }
  - { id: viewed, on: page_viewed, where: { path: /pricing }, tiers: [{ atLeast: 1, points: 20 }, { atLeast: 3, points: 60 }] }
  - { id: sent, on: email_sent, points: 0 }
  - { id: quiet, when: { all: [{ rule: sent, gte: 2 }, { rule: opened, eq: 0 }] }, points: -15 }
  - { id: no-phone, property: phone, exists: false, points: 10 }
  - { id: buyer, property: persona, equals: buyer, points: 25 }
  - { id: demo, on: demo_requested, points: 50 }
scores:
  - id: engagement
    rules: [viewed, demo, quiet]
    groups: [{ id: content, rules: [opened, downloads], bounds: { max: 80 } }]
    bounds: { min: 0, max: 150 }
    thresholds: [{ name: MQL, at: 60 }, { name: hot, at: 120 }]
  - id: fit
    rules: [no-phone, buyer, demo]
    bounds: { min: -20, max: 40 }
    thresholds: [{ name: good, at: 30 }]
matrix:
  rows: { score: fit, bands: [{ name: A, at: 30 }, { name: B, at: 10 }, { name: C }] }
  columns: { score: engagement, bands: [{ name: "1", at: 60 }, { name: "2", at: 20 }, { name: "3" }] }
  qualified: [A1, A2, B1]
`);
  return [starter, baseline, scored];
}

const TYPES = [
  'page_viewed',
  'email_sent',
  'email_opened',
  'asset_downloaded',
  'webinar_attended',
  'demo_requested',
  'contact_updated',
  'unknown_type',
];

const eventSpec = fc.record({
  id: fc.integer({ min: 0, max: 12 }), // a small pool: duplicates and re-sends after eviction
  type: fc.constantFrom(...TYPES),
  ageMs: fc.integer({ min: -DAY, max: 8 * DAY }),
  path: fc.constantFrom('/pricing', '/solutions', '/blog'),
  velocity: fc.constantFrom('low', 'high'),
  phone: fc.constantFrom('+33 1', null, undefined),
  persona: fc.constantFrom('buyer', 'job_seeker', undefined),
});

type EventSpec = typeof eventSpec extends fc.Arbitrary<infer T> ? T : never;

function toEvent(spec: EventSpec): LeadEvent {
  const properties: Record<string, string | null> = {};
  if (spec.type === 'contact_updated') {
    if (spec.phone !== undefined) properties['phone'] = spec.phone;
    if (spec.persona !== undefined) properties['persona'] = spec.persona;
  } else {
    properties['path'] = spec.path;
    properties['velocity'] = spec.velocity;
  }
  return {
    eventId: `e-${spec.id}`,
    contactId: 'c-1',
    type: spec.type,
    occurredAt: NOW - spec.ageMs - spec.id * 1000,
    properties,
  };
}

/** The same id always names the same event, as a redelivery does (in another order than first sent). */
function sameEventForId(specs: EventSpec[]): LeadEvent[] {
  const first = new Map<number, LeadEvent>();
  return specs.map((spec) => {
    const e = first.get(spec.id) ?? toEvent(spec);
    first.set(spec.id, e);
    return e;
  });
}

describe('working state (in place) against applyEvent', () => {
  it('recentKeyNumber is the number recentKey writes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (id) => {
        expect(toBase64Digits(recentKeyNumber(id), 6)).toBe(recentKey(id));
      }),
    );
  });

  it('gives the same results and states event by event, also when loaded mid-stream', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 32, 40),
        fc.array(eventSpec, { maxLength: 40 }),
        fc.nat(40),
        fc.boolean(),
        (recent, specs, loadAt, outputs) => {
          for (const compiled of grids(recent)) {
            const events = sameEventForId(specs);
            let reference: ContactState = emptyState();
            let working = outputs ? new WorkingState(compiled, NOW, undefined, true) : new WorkingState(compiled, NOW, reference);
            events.forEach((event, i) => {
              if (i === loadAt) working = new WorkingState(compiled, NOW, reference, outputs); // as from a decoded state
              const expected = applyEvent(compiled, reference, event, NOW);
              const got = applyInPlace(working, event);
              expect(got.duplicate).toBe(expected.duplicate);
              expect(got.stateChanged).toBe(expected.stateChanged);
              expect(got.previousScore).toBe(expected.previousScore);
              expect(got.score).toBe(expected.score);
              expect(got.sequence).toBe(expected.state.sequence);
              expect(got.crossings).toEqual(expected.crossings);
              expect(got.output).toEqual(outputs ? expected.output : null);
              expect(got.outputs).toEqual(outputs ? expected.outputs : []);
              expect(got.gradeChange).toEqual(outputs ? expected.gradeChange : null);
              expect(got.emitted).toEqual(expected.emitted);
              reference = expected.state;
              expect(encodeState(working.toContactState())).toBe(encodeState(reference));
              expect(workingScore(working)).toEqual(scoreAt(compiled, reference, NOW));
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a score change after a decay compares with the loaded state as it was last evaluated', () => {
    const [, compiled] = grids(32) as [CompiledGrid, CompiledGrid];
    const then = NOW - 5 * DAY;
    let state = emptyState();
    for (const [id, type] of [
      ['o1', 'email_opened'],
      ['o2', 'email_opened'],
    ] as const) {
      state = applyEvent(compiled, state, { eventId: id, contactId: 'c-1', type, occurredAt: then, properties: {} }, then).state;
    }
    const event: LeadEvent = {
      eventId: 'v1',
      contactId: 'c-1',
      type: 'page_viewed',
      occurredAt: NOW,
      properties: { path: '/pricing' },
    };
    const expected = applyEvent(compiled, state, event, NOW);
    const working = new WorkingState(compiled, NOW, state, true);
    const got = applyInPlace(working, event);
    expect(expected.output?.changedContributions).toContainEqual(
      expect.objectContaining({ ruleId: 'opened', previousPoints: 60, points: 0 }),
    );
    expect(got.output).toEqual(expected.output);
  });

  it('loaded from a state of an earlier now or another grid, gives the same results and the same state as applyEvent', () => {
    // The prefix runs days earlier under a grid that keeps 32 recent ids (some days then fall
    // out of a window, the ring is longer than the new grid's, a property or counter may be one
    // the new grid does not read): applyEvent keeps such a state's counts as they are while only
    // its recent ids change, and normalises them at its first evaluation; so must the working state.
    const earlierGrid = gridFromYaml(`${STARTER}\ndedupe: { recent: 32 }\n`);
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 32, 40),
        fc.array(eventSpec, { maxLength: 30 }),
        fc.array(eventSpec, { maxLength: 30 }),
        fc.integer({ min: 0, max: 6 }),
        (recent, before, after, daysEarlier) => {
          for (const compiled of grids(recent)) {
            const earlier = NOW - daysEarlier * DAY;
            let reference: ContactState = emptyState();
            for (const event of sameEventForId(before)) reference = applyEvent(earlierGrid, reference, event, earlier).state;
            const working = new WorkingState(compiled, NOW, reference, true);
            for (const event of sameEventForId([...before, ...after]).slice(before.length)) {
              const expected = applyEvent(compiled, reference, event, NOW);
              const got = applyInPlace(working, event);
              expect([got.duplicate, got.stateChanged, got.score, got.sequence]).toEqual([
                expected.duplicate,
                expected.stateChanged,
                expected.score,
                expected.state.sequence,
              ]);
              expect(got.crossings).toEqual(expected.crossings);
              // changed contributions compare with the loaded state scored at its own evaluatedAt
              expect(got.output).toEqual(expected.output);
              expect(got.outputs).toEqual(expected.outputs);
              expect(got.gradeChange).toEqual(expected.gradeChange);
              reference = expected.state;
              expect(encodeState(working.toContactState())).toBe(encodeState(reference));
              expect(workingScore(working)).toEqual(scoreAt(compiled, reference, NOW));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
