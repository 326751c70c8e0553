/**
 * Several scores per contact (docs/grid-authoring.md "Several scores"), on deploy/grids/b2b.yaml:
 * groups and bounds, one score-changed per score that moved (each with `scoreId`, one sequence
 * per contact), grade-changed and the matrix's `qualified` crossing, decay out of a
 * re-evaluation at a day boundary, merges, the state codec, replay, and the refusal of services
 * that score one score.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  decodeState,
  emptyState,
  encodeState,
  GridValidationError,
  mergeContacts,
  nextExpiryAt,
  reevaluate,
  replayEvents,
  requireSingleScore,
  scoreAt,
  type ContactState,
  type Evaluation,
  type LeadEvent,
} from '../src/index.js';
import { gridFromYaml, starterGrid } from './support/starter-grid.js';

const B2B_FILE = fileURLToPath(new URL('../../../deploy/grids/b2b.yaml', import.meta.url));
const B2B = gridFromYaml(readFileSync(B2B_FILE, 'utf8'));
const NOW = Date.parse('2026-03-10T15:00:00Z');
const DAY = 86_400_000;

let n = 0;
const ev = (type: string, properties: LeadEvent['properties'] = {}, occurredAt = NOW - 1000, contactId = 'c-1'): LeadEvent => ({
  eventId: `e-${(n += 1)}`,
  contactId,
  type,
  occurredAt,
  properties,
});

function fold(
  events: readonly LeadEvent[],
  now = NOW,
  start: ContactState = emptyState(),
): { state: ContactState; all: Evaluation[] } {
  const all: Evaluation[] = [];
  let state = start;
  for (const e of events) {
    const evaluation = applyEvent(B2B, state, e, now);
    all.push(evaluation);
    state = evaluation.state;
  }
  return { state, all };
}

const valuesOf = (state: ContactState, now = NOW) =>
  Object.fromEntries(scoreAt(B2B, state, now).scores.map((s) => [s.id, s.score]));

describe('several scores per contact', () => {
  it('a group is capped by its bounds, each score by its own', () => {
    const opens = Array.from({ length: 8 }, () => ev('email_opened')); // 40
    const clicks = Array.from({ length: 3 }, () => ev('email_clicked')); // 30: the email group caps 70 at 50
    const { state } = fold([...opens, ...clicks, ev('contact_updated', { persona: 'job_seeker' })]);
    const score = scoreAt(B2B, state, NOW);
    const engagement = score.scores.find((s) => s.id === 'engagement');
    expect(engagement).toMatchObject({ score: 50, groups: [{ id: 'email', label: 'Email', value: 50 }] });
    expect(valuesOf(state)).toEqual({ engagement: 50, fit: -100 });
    expect(score.grade).toEqual({ grade: 'C2', row: 'C', column: '2', qualified: false });
    // the first score is `score`, the grade's cell follows the last emitted values
    expect(score.score).toBe(50);
    expect([state.score, state.scores]).toEqual([
      0,
      new Map([
        ['engagement', 50],
        ['fit', -100],
      ]),
    ]);
  });

  it('one event moving two scores gives two score-changed, each with its scoreId, sequence, contributions and crossings', () => {
    const grid = gridFromYaml(
      readFileSync(B2B_FILE, 'utf8').replace(
        'rules: [phone-known, big-company, job-seeker]',
        'rules: [phone-known, big-company, job-seeker, demo]',
      ),
    );
    let state = emptyState();
    for (const e of [ev('page_viewed', { path: '/pricing' }), ev('page_viewed', { path: '/pricing/teams' })]) {
      state = applyEvent(grid, state, e, NOW).state; // engagement 20 then 40 (sequences 1, 2), grade C3 → C2 (3)
    }
    const demo = ev('demo_requested');
    const evaluation = applyEvent(grid, state, demo, NOW);
    expect(evaluation.outputs.map((o) => [o.scoreId, o.sequence, o.previousScore, o.score])).toEqual([
      ['engagement', 4, 40, 100],
      ['fit', 5, 0, 60],
    ]);
    const [engagement, fit] = evaluation.outputs;
    expect(engagement?.changedContributions).toEqual([
      { ruleId: 'demo', label: 'Demo requested', count: 1, points: 60, previousPoints: 0 },
    ]);
    expect(engagement?.thresholdCrossings).toMatchObject([
      { scoreId: 'engagement', threshold: 'MQL', at: 100, direction: 'up', score: 100 },
    ]);
    expect(fit?.thresholdCrossings).toEqual([]);
    expect(engagement?.id).not.toBe(fit?.id);
    // the grade moved from C2 to A1 (fit 60, engagement 100): grade-changed after both, and qualified up
    expect(evaluation.gradeChange).toMatchObject({
      sequence: 6,
      previousGrade: 'C2',
      grade: 'A1',
      rowScore: { id: 'fit', score: 60 },
      columnScore: { id: 'engagement', score: 100 },
      qualified: true,
      crossing: { scoreId: 'matrix', threshold: 'qualified', at: 1, direction: 'up', previousScore: 0, score: 1, sequence: 6 },
    });
    expect(evaluation.crossings).toEqual([
      { scoreId: 'engagement', threshold: 'MQL', at: 100, direction: 'up' },
      { scoreId: 'matrix', threshold: 'qualified', at: 1, direction: 'up' },
    ]);
    expect(evaluation.state.sequence).toBe(6);
    // the same inputs give the same ids (deterministic), a redelivery gives nothing
    expect(applyEvent(grid, state, demo, NOW).outputs.map((o) => o.id)).toEqual(evaluation.outputs.map((o) => o.id));
    const again = applyEvent(grid, evaluation.state, demo, NOW);
    expect([again.duplicate, again.outputs, again.gradeChange]).toEqual([true, [], null]);
  });

  it('a decaying rule lowers its score at the day boundary, through a re-evaluation without events', () => {
    const visited = NOW - 29 * DAY;
    const { state } = fold(
      [ev('page_viewed', { path: '/pricing' }, visited), ev('page_viewed', { path: '/pricing' }, visited)],
      NOW,
    );
    expect(valuesOf(state)).toEqual({ engagement: 40, fit: 0 });
    const boundary = nextExpiryAt(B2B, state, NOW) as number;
    expect(new Date(boundary).toISOString()).toBe('2026-03-11T00:00:00.000Z'); // 30 days after the visits' day
    const before = reevaluate(B2B, 'c-1', state, boundary - 1, { kind: 'decay' });
    expect(before.outputs).toEqual([]);
    const after = reevaluate(B2B, 'c-1', state, boundary, { kind: 'decay' });
    expect(after.outputs).toMatchObject([{ scoreId: 'engagement', previousScore: 40, score: 20, cause: { kind: 'decay' } }]);
    expect(after.gradeChange).toMatchObject({ previousGrade: 'C2', grade: 'C3', qualified: false, crossing: null });
  });

  it('a merge drops each score of the merged-away contact to 0, then its grade', () => {
    const source = fold([
      ev('demo_requested', {}, NOW - 1000, 'anon'),
      ev('contact_updated', { phone: '+33 1', companySize: 500 }, NOW - 1000, 'anon'),
    ]).state;
    expect(valuesOf(source)).toEqual({ engagement: 60, fit: 60 });
    const merge: LeadEvent = {
      eventId: 'm-1',
      contactId: 'known',
      type: 'contact_merged',
      occurredAt: NOW,
      properties: { mergedFrom: 'anon' },
    };
    const result = mergeContacts(B2B, {
      event: merge,
      source: { contactId: 'anon', state: source },
      target: { contactId: 'known', state: emptyState() },
      now: NOW,
    });
    expect(result.source.outputs.map((o) => [o.scoreId, o.previousScore, o.score, o.sequence])).toEqual([
      ['engagement', 60, 0, source.sequence + 1],
      ['fit', 60, 0, source.sequence + 2],
    ]);
    expect(result.source.gradeChange).toMatchObject({
      previousGrade: 'A2',
      grade: 'C3',
      sequence: source.sequence + 3,
      crossing: { direction: 'down' },
    });
    expect(result.target.outputs.map((o) => [o.scoreId, o.score])).toEqual([
      ['engagement', 60],
      ['fit', 60],
    ]);
    expect(result.target.gradeChange).toMatchObject({ grade: 'A2', qualified: true });
  });

  it('the state codec keeps the other scores in a ninth section; a state of one score keeps its eight', () => {
    const { state } = fold([ev('email_opened'), ev('contact_updated', { persona: 'job_seeker' })]);
    const text = encodeState(state);
    expect(text.split('|')).toHaveLength(9);
    expect(text.split('|')[8]).toBe(`engagement=5;fit=${(-100).toString(36)}`);
    expect(decodeState(text)).toEqual(state);
    const single = applyEvent(starterGrid(), emptyState(), ev('webinar_attended'), NOW).state;
    expect(encodeState(single).split('|')).toHaveLength(8);
  });

  it('a grid change forgets the scores the new grid does not have', () => {
    const { state } = fold([ev('email_opened')]);
    expect(state.scores).toEqual(new Map([['engagement', 5]]));
    const starter = starterGrid();
    const changed = reevaluate(starter, 'c-1', state, NOW, { kind: 'grid-change' }, { previousGrid: B2B });
    expect(changed.state.scores).toBeUndefined();
    expect(changed.outputs).toEqual([]); // its one score, 0, was never emitted otherwise
  });

  it("a grid change re-evaluates every score: each that moved emits, its contributions against the old grid's score", () => {
    const { state } = fold([ev('demo_requested'), ev('contact_updated', { phone: '+33 1' })]);
    expect(valuesOf(state)).toEqual({ engagement: 60, fit: 20 });
    // v2: the demo request is worth 80 and counts for fit too; phone-known is worth 30
    const v2 = gridFromYaml(
      readFileSync(B2B_FILE, 'utf8')
        .replace('version: 1', 'version: 2')
        .replace('points: 60, limit: 60', 'points: 80, limit: 80')
        .replace('exists: true, points: 20', 'exists: true, points: 30')
        .replace('rules: [phone-known, big-company, job-seeker]', 'rules: [phone-known, big-company, job-seeker, demo]'),
    );
    const changed = reevaluate(v2, 'c-1', state, NOW, { kind: 'grid-change' }, { previousGrid: B2B });
    expect(changed.outputs.map((o) => [o.scoreId, o.previousScore, o.score, o.gridVersion, o.cause.kind])).toEqual([
      ['engagement', 60, 80, 2, 'grid-change'],
      ['fit', 20, 100, 2, 'grid-change'], // 80 + 30, kept at fit's max
    ]);
    // each score's own contributions: demo gave fit nothing before v2
    expect(changed.outputs[0]?.changedContributions.map((c) => [c.ruleId, c.previousPoints, c.points])).toEqual([
      ['demo', 60, 80],
    ]);
    expect(changed.outputs[1]?.changedContributions.map((c) => [c.ruleId, c.previousPoints, c.points])).toEqual([
      ['demo', 0, 80],
      ['phone-known', 20, 30],
    ]);
    expect(changed.gradeChange).toMatchObject({
      previousGrade: 'B2',
      grade: 'A2',
      qualified: true,
      crossing: { direction: 'up' },
    });
    // the same grid again: nothing moves
    expect(reevaluate(v2, 'c-1', changed.state, NOW, { kind: 'grid-change' }).outputs).toEqual([]);
  });

  it('replay prints every score, the grade, and crossings by score', async () => {
    const lines = [
      { eventId: 'a', contactId: 'c-1', type: 'demo_requested', occurredAt: '2026-03-09T10:00:00Z', properties: {} },
      {
        eventId: 'b',
        contactId: 'c-1',
        type: 'page_viewed',
        occurredAt: '2026-03-09T10:01:00Z',
        properties: { path: '/pricing' },
      },
      {
        eventId: 'c',
        contactId: 'c-1',
        type: 'page_viewed',
        occurredAt: '2026-03-09T10:02:00Z',
        properties: { path: '/pricing' },
      },
      {
        eventId: 'd',
        contactId: 'c-1',
        type: 'contact_updated',
        occurredAt: '2026-03-09T10:03:00Z',
        properties: { phone: '+33 1' },
      },
    ].map((line) => JSON.stringify(line));
    const result = await replayEvents(B2B, lines, NOW);
    const [contact] = result.contacts;
    expect(contact?.score).toBe(100);
    expect(contact?.scores?.map((s) => [s.id, s.score])).toEqual([
      ['engagement', 100],
      ['fit', 20],
    ]);
    expect(contact?.grade).toEqual({ grade: 'B1', row: 'B', column: '1', qualified: true });
    // engagement 60 (1), grade C3 → C2 (2), 80 (3), 100 (4, MQL), grade C2 → C1 (5), fit 20 (6), grade C1 → B1 (7, qualified)
    expect(contact?.crossings.map((c) => [c.scoreId, c.threshold, c.direction, c.score, c.sequence])).toEqual([
      ['engagement', 'MQL', 'up', 100, 4],
      ['matrix', 'qualified', 'up', 1, 7],
    ]);
  });

  it('a grid without scores emits exactly as before: no scoreId, one output', () => {
    const evaluation = applyEvent(starterGrid(), emptyState(), ev('webinar_attended'), NOW);
    expect(evaluation.outputs).toEqual([evaluation.output]);
    expect(evaluation.output).not.toHaveProperty('scoreId');
    expect(evaluation.gradeChange).toBeNull();
  });

  it('a part that handles one score refuses a grid with scores, at its path', () => {
    expect(requireSingleScore(starterGrid(), 'the console').name).toBe('starter');
    expect(() => requireSingleScore(B2B, 'the console')).toThrow(GridValidationError);
    try {
      requireSingleScore(B2B, 'the console');
    } catch (error) {
      expect((error as GridValidationError).errors).toEqual([
        { path: 'scores', message: expect.stringMatching(/^the console handles one score per contact in this version/) },
      ]);
    }
  });
});
