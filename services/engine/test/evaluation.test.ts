import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  applyEvent,
  emptyState,
  nextExpiryAt,
  reevaluate,
  scoreAt,
  type CompiledGrid,
  type ContactState,
  type LeadEvent,
} from '../src/index.js';
import { at, event, gridFromYaml, starterGrid } from './support/starter-grid.js';

const grid = starterGrid();
const NOW = at('2026-03-10T12:00:00Z');

function fold(compiled: CompiledGrid, events: readonly LeadEvent[], now = NOW, start: ContactState = emptyState()) {
  let state = start;
  const evaluations = events.map((e) => {
    const evaluation = applyEvent(compiled, state, e, now);
    state = evaluation.state;
    return evaluation;
  });
  return { state, evaluations };
}

describe('applyEvent outputs (docs/scoring-contract.md §4)', () => {
  it('breakdowns of evaluations without output are computed on read, and are the same as scoreAt', () => {
    const clamped = gridFromYaml(`
name: c
version: 1
bounds: { max: 100 }
rules:
  - { id: views, on: page_viewed, points: 60 }
`);
    const { state, evaluations } = fold(clamped, [event('page_viewed'), event('page_viewed'), event('page_viewed')]);
    // The third view changes the rule's points (120 → 180) but not the clamped score.
    const third = evaluations[2]!;
    expect(third.output).toBeNull();
    expect(third.contributions).toEqual(scoreAt(clamped, state, NOW).contributions);
    expect(third.changedContributions).toEqual([{ ruleId: 'views', label: 'views', count: 3, points: 180, previousPoints: 120 }]);
    const nothing = applyEvent(clamped, state, event('email_clicked'), NOW);
    expect(nothing.contributions).toEqual(scoreAt(clamped, state, NOW).contributions);
    expect(nothing.changedContributions).toEqual([]);
  });

  it('a duplicate eventId changes nothing and emits nothing', () => {
    const first = event('page_viewed', { path: '/pricing' }, { eventId: 'dup' });
    const { state } = fold(grid, [first]);
    const again = applyEvent(grid, state, first, NOW);
    expect(again).toMatchObject({ duplicate: true, stateChanged: false, output: null, delta: 0 });
    expect(again.state).toBe(state);
  });

  it('an event beyond a rule limit emits nothing', () => {
    const { state } = fold(grid, [event('webinar_registered')]);
    const second = applyEvent(grid, state, event('webinar_registered'), NOW);
    expect(second.output).toBeNull();
    // Nothing counted, but the event is matching: its id joins the recent ids (docs/scoring-contract.md §3).
    expect(second.state.counters).toEqual(state.counters);
    expect(second.state.recent).toHaveLength(2);
  });

  it('an event that counts nothing emits nothing, even when a window expired since the last emission', () => {
    const g = gridFromYaml(`
name: t
version: 1
rules:
  - { id: opens, on: email_opened, within: 2d, points: 10 }
  - { id: demo, on: demo_requested, points: 100, limit: 100 }
`);
    const start = fold(g, [event('email_opened', {}, { occurredAt: NOW }), event('demo_requested')]).state;
    expect(start.score).toBe(110);
    // Three days later the open no longer counts, but that fall is the sweeper's to emit (cause
    // decay): a saturated demo request carries no change, it only joins the recent ids.
    const later = applyEvent(g, start, event('demo_requested', {}, { eventId: 'late' }), NOW + 3 * DAY_MS);
    expect(later.output).toBeNull();
    expect(later.stateChanged).toBe(true);
    expect(later.state.recent).toHaveLength(3);
    expect(later.state.score).toBe(110);
    expect(reevaluate(g, 'c-1', later.state, NOW + 3 * DAY_MS, { kind: 'decay' }).output).toMatchObject({ score: 100 });
  });

  it("a contact's first event emits the baseline of an empty state (exists: false rules)", () => {
    const g = gridFromYaml(`
name: t
version: 1
rules:
  - { id: no-title, property: jobTitle, exists: false, points: -10 }
`);
    const first = applyEvent(g, emptyState(), event('email_clicked'), NOW);
    expect(first.output).toMatchObject({ previousScore: 0, score: -10, sequence: 1 });
    expect(applyEvent(g, first.state, event('email_clicked'), NOW)).toMatchObject({ stateChanged: false, output: null });
  });

  it('an event no rule reads changes nothing', () => {
    const result = applyEvent(grid, emptyState(), event('email_clicked'), NOW);
    expect(result).toMatchObject({ duplicate: false, stateChanged: false, output: null });
  });

  it('carries contact, grid, cause, sequence, changed contributions; ids are deterministic', () => {
    const e = event('webinar_registered', {}, { eventId: 'w-1', contactId: 'c-42' });
    const a = applyEvent(grid, emptyState(), e, NOW).output;
    const b = applyEvent(grid, emptyState(), e, NOW + 1000).output;
    expect(a).toMatchObject({
      contactId: 'c-42',
      sequence: 1,
      previousScore: 0,
      score: 200,
      delta: 200,
      gridName: 'starter',
      gridVersion: 1,
      cause: { kind: 'event', eventId: 'w-1' },
      changedContributions: [
        { ruleId: 'webinar-registration', label: 'Webinar registration', count: 1, points: 200, previousPoints: 0 },
      ],
      thresholdCrossings: [],
    });
    expect(a?.id).toMatch(/^[0-9A-Za-z_-]{18}$/);
    expect(b?.id).toBe(a?.id);
    const other = applyEvent(grid, emptyState(), { ...e, eventId: 'w-2' }, NOW).output;
    expect(other?.id).not.toBe(a?.id);
  });

  it('sequence increases strictly; crossings go up then down with their own deterministic ids', () => {
    const { evaluations } = fold(grid, [
      event('demo_requested'), // 1000: MQL up
      event('email_unsubscribed'), // 500: MQL down
      event('page_viewed', { path: '/pricing' }), // 1000: MQL up again
    ]);
    const outputs = evaluations.map((e) => e.output);
    expect(outputs.map((o) => o?.sequence)).toEqual([1, 2, 3]);
    const crossings = outputs.flatMap((o) => o?.thresholdCrossings ?? []);
    expect(crossings.map((x) => [x.threshold, x.at, x.direction, x.score, x.previousScore, x.sequence])).toEqual([
      ['MQL', 1000, 'up', 1000, 0, 1],
      ['MQL', 1000, 'down', 500, 1000, 2],
      ['MQL', 1000, 'up', 1000, 500, 3],
    ]);
    expect(new Set(crossings.map((x) => x.id)).size).toBe(3);
    expect(evaluations[1]?.crossings).toEqual([{ threshold: 'MQL', at: 1000, direction: 'down' }]);
  });

  it('several thresholds crossed at once come in the order they are passed', () => {
    const g = gridFromYaml(`
name: t
version: 1
thresholds: [{ name: A, at: 100 }, { name: B, at: 200 }, { name: C, at: 300 }]
rules:
  - { id: big, on: big, points: 1000, limit: 1000 }
  - { id: drop, on: drop, points: -1000, limit: 1000 }
`);
    const { evaluations } = fold(g, [event('big'), event('drop')]);
    expect(evaluations[0]?.crossings.map((c) => `${c.threshold}${c.direction}`)).toEqual(['Aup', 'Bup', 'Cup']);
    expect(evaluations[1]?.crossings.map((c) => `${c.threshold}${c.direction}`)).toEqual(['Cdown', 'Bdown', 'Adown']);
  });

  it('contact_updated is idempotent through (occurredAt, eventId); ties go to the larger eventId', () => {
    const a = event('contact_updated', { persona: 'job_seeker' }, { eventId: 'a', occurredAt: '2026-03-01T00:00:00Z' });
    const b = event('contact_updated', { persona: 'buyer' }, { eventId: 'b', occurredAt: '2026-03-01T00:00:00Z' });
    expect(scoreAt(grid, fold(grid, [a, b]).state, NOW).score).toBe(0);
    expect(scoreAt(grid, fold(grid, [b, a]).state, NOW).score).toBe(0);
    const { state } = fold(grid, [b]);
    expect(applyEvent(grid, state, b, NOW)).toMatchObject({ duplicate: true, stateChanged: false, output: null });
  });
});

describe('time: windows and decay', () => {
  const opened = event('email_opened', {}, { occurredAt: '2026-03-10T08:00:00Z' });
  const expiry = at('2026-03-10T00:00:00Z') + 180 * DAY_MS;

  it('nextExpiryAt is the UTC midnight at which the open leaves the 180-day window', () => {
    const { state } = fold(grid, [opened]);
    expect(nextExpiryAt(grid, state, NOW)).toBe(expiry);
    expect(new Date(expiry).toISOString()).toBe('2026-09-06T00:00:00.000Z');
    expect(nextExpiryAt(grid, emptyState(), NOW)).toBeNull();
    expect(nextExpiryAt(grid, state, expiry)).toBeNull();
  });

  it('reevaluate(decay) emits the drop at the boundary, not a millisecond before', () => {
    const { state } = fold(grid, [opened]);
    const before = reevaluate(grid, 'c-1', state, expiry - 1, { kind: 'decay' });
    expect(before.output).toBeNull();
    const after = reevaluate(grid, 'c-1', state, expiry, { kind: 'decay' });
    expect(after.output).toMatchObject({
      previousScore: 10,
      score: 0,
      delta: -10,
      sequence: 2,
      cause: { kind: 'decay' },
      changedContributions: [{ ruleId: 'emails-opened', count: 0, points: 0, previousPoints: 10 }],
    });
    expect(after.state.counters.size).toBe(0); // the expired day is pruned
    // Running the sweeper twice for the same state gives the same output id.
    expect(reevaluate(grid, 'c-1', state, expiry + 5, { kind: 'decay' }).output?.id).toBe(after.output?.id);
    // And once applied, nothing more to emit.
    expect(reevaluate(grid, 'c-1', after.state, expiry + 5, { kind: 'decay' }).output).toBeNull();
  });

  it('a decayed condition re-applies: 3 sent, one open; when the open expires, unengaged gives -20', () => {
    const { state } = fold(grid, [event('email_sent'), event('email_sent'), event('email_sent'), opened]);
    expect(scoreAt(grid, state, NOW).score).toBe(10);
    const decayed = reevaluate(grid, 'c-1', state, expiry, { kind: 'decay' });
    expect(decayed.output?.score).toBe(-20);
    expect(decayed.output?.changedContributions.map((c) => [c.ruleId, c.previousPoints, c.points])).toEqual([
      ['emails-opened', 10, 0],
      ['unengaged', 0, -20],
    ]);
  });

  it('an event older than its window is ignored at apply time', () => {
    const old = event('email_opened', {}, { occurredAt: '2025-01-01T00:00:00Z' });
    const applied = applyEvent(grid, emptyState(), old, NOW);
    expect(applied.output).toBeNull();
    // Not counted; remembered as a matching event all the same (docs/scoring-contract.md §3: whatever its window).
    expect(applied.state.counters.size).toBe(0);
    expect(applied.state.recent).toHaveLength(1);
  });
});

describe('grid changes', () => {
  const v1 = `
name: g
version: 1
thresholds: [{ name: MQL, at: 100 }]
rules:
  - { id: pages, on: page_viewed, where: { path: /pricing }, points: 10 }
  - { id: opens, on: email_opened, within: 30d, points: 5 }
`;
  const events = [
    event('page_viewed', { path: '/pricing' }),
    event('page_viewed', { path: '/pricing' }),
    event('email_opened', {}, { occurredAt: '2026-03-05T00:00:00Z' }),
  ];

  it('changing points or limits re-evaluates from existing state', () => {
    const g1 = gridFromYaml(v1);
    const { state } = fold(g1, events);
    expect(state.score).toBe(25);
    const g2 = gridFromYaml(v1.replace('version: 1', 'version: 2').replace('points: 10 }', 'points: 60, limit: 100 }'));
    const changed = reevaluate(g2, 'c-1', state, NOW, { kind: 'grid-change' }, { previousGrid: g1 });
    expect(changed.output).toMatchObject({
      previousScore: 25,
      score: 105,
      gridVersion: 2,
      cause: { kind: 'grid-change' },
      changedContributions: [{ ruleId: 'pages', count: 2, points: 100, previousPoints: 20 }],
      thresholdCrossings: [{ threshold: 'MQL', direction: 'up' }],
    });
  });

  it('a rule whose where changed, and a new rule, start empty; a removed rule drops its counts', () => {
    const g1 = gridFromYaml(v1);
    const { state } = fold(g1, events);
    const g2 = gridFromYaml(
      v1
        .replace('path: /pricing', 'path: /solutions')
        .replace('points: 5 }', 'points: 5 }\n  - { id: opens-again, on: email_opened, within: 30d, points: 1 }'),
    );
    const changed = reevaluate(g2, 'c-1', state, NOW, { kind: 'grid-change' }, { previousGrid: g1 });
    expect(changed.score).toBe(5); // pages empty, the new rule empty (even with the same definition as opens), opens kept
    expect(changed.state.counters.size).toBe(1);
  });

  it('a within change keeps the day counts (windowed either way); dropping within starts empty', () => {
    const g1 = gridFromYaml(v1);
    const { state } = fold(g1, events);
    const shorter = gridFromYaml(v1.replace('within: 30d', 'within: 2d'));
    expect(reevaluate(shorter, 'c-1', state, NOW, { kind: 'grid-change' }).score).toBe(20); // opened 5 days ago
    const longer = gridFromYaml(v1.replace('within: 30d', 'within: 90d'));
    expect(reevaluate(longer, 'c-1', state, NOW, { kind: 'grid-change' }).score).toBe(25);
    const unwindowed = gridFromYaml(v1.replace('within: 30d, ', ''));
    expect(reevaluate(unwindowed, 'c-1', state, NOW, { kind: 'grid-change' }).score).toBe(20);
  });

  it('lowering a limit caps the stored count; raising it again counts only new events', () => {
    const g1 = gridFromYaml(v1);
    const { state } = fold(g1, events);
    const capped = gridFromYaml(v1.replace('points: 10 }', 'points: 10, limit: 10 }'));
    const low = reevaluate(capped, 'c-1', state, NOW, { kind: 'grid-change' });
    expect(low.score).toBe(15);
    const back = reevaluate(g1, 'c-1', low.state, NOW, { kind: 'grid-change' });
    expect(back.score).toBe(15); // the second visit was forgotten at the cap (documented trade-off)
  });
});
