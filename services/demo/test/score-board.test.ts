import { describe, expect, it } from 'vitest';
import type { ScoreChangedValue, ThresholdCrossedValue } from '@leadscore/contracts';
import { describeChange, ScoreBoard } from '../src/score-board.js';

function change(
  contactId: string,
  sequence: number,
  previousScore: number,
  score: number,
  rules: [string, number, number][] = [],
): ScoreChangedValue {
  return {
    id: `${contactId}-${sequence}`,
    contactId,
    sequence,
    previousScore,
    score,
    delta: score - previousScore,
    gridName: 'starter',
    gridVersion: 1,
    cause: { kind: 'EVENT', eventId: `e-${sequence}` },
    changedContributions: rules.map(([ruleId, previousPoints, points]) => ({
      ruleId,
      label: null,
      count: 1,
      points,
      previousPoints,
    })),
    evaluatedAt: 1_000,
  };
}

function crossing(contactId: string, sequence: number, direction: 'UP' | 'DOWN', score: number): ThresholdCrossedValue {
  return {
    id: `x-${contactId}-${sequence}`,
    contactId,
    threshold: 'MQL',
    at: 1000,
    direction,
    score,
    previousScore: 0,
    gridName: 'starter',
    gridVersion: 1,
    cause: { kind: 'EVENT', eventId: `e-${sequence}` },
    sequence,
    evaluatedAt: 2_000,
  };
}

describe('ScoreBoard', () => {
  it('counts changes and crossings, keeps the latest score per contact and ranks the top', () => {
    const board = new ScoreBoard();
    board.applyScoreChanged(change('c-1', 1, 0, 500, [['key-pages', 0, 500]]));
    board.applyScoreChanged(change('c-2', 1, 0, 1000, [['high-velocity-asset', 0, 1000]]));
    board.applyScoreChanged(
      change('c-1', 2, 500, 1500, [
        ['key-pages', 500, 1000],
        ['opt-out', 0, 0],
      ]),
    );
    board.applyScoreChanged(change('c-1', 1, 0, 500)); // a stale redelivery
    board.applyThresholdCrossed(crossing('c-1', 2, 'UP', 1500));
    board.applyThresholdCrossed(crossing('c-3', 4, 'DOWN', 900));
    expect([board.scoreChanges, board.upCrossings, board.downCrossings, board.contactsScored]).toEqual([4, 1, 1, 2]);
    expect(board.top(10).map((c) => [c.contactId, c.score])).toEqual([
      ['c-1', 1500],
      ['c-2', 1000],
    ]);
    expect(board.latestCrossings().map((c) => [c.contactId, c.direction, c.cause])).toEqual([
      ['c-3', 'DOWN', 'event'],
      ['c-1', 'UP', '+500 key-pages, ±0 opt-out'],
    ]);
  });

  it('keeps only the last few crossings, newest first', () => {
    const board = new ScoreBoard(3);
    for (let i = 1; i <= 5; i += 1) board.applyThresholdCrossed(crossing(`c-${i}`, 1, 'UP', 1000));
    expect(board.latestCrossings().map((c) => c.contactId)).toEqual(['c-5', 'c-4', 'c-3']);
    expect(board.upCrossings).toBe(5);
  });

  it('names the rules of a crossing whose score change arrives after it', () => {
    const board = new ScoreBoard();
    board.applyThresholdCrossed(crossing('c-1', 1, 'UP', 1000));
    expect(board.latestCrossings()[0]!.cause).toBe('event');
    board.applyScoreChanged(change('c-1', 1, 0, 1000, [['high-velocity-asset', 0, 1000]]));
    expect(board.latestCrossings()[0]!.cause).toBe('+1000 high-velocity-asset');
  });

  it('names time decay', () => {
    const decay = { ...change('c-1', 3, 30, 20, [['emails-opened', 30, 20]]), cause: { kind: 'DECAY' as const, eventId: null } };
    expect(describeChange(decay)).toBe('time decay, −10 emails-opened');
  });

  it('names an identity merge', () => {
    const merge = {
      ...change('c-1', 2, 500, 1000, [['key-pages', 500, 1000]]),
      cause: { kind: 'MERGE' as const, eventId: 'm-1' },
    };
    expect(describeChange(merge)).toBe('identity merge, +500 key-pages');
  });
});

describe('ScoreBoard merges', () => {
  it('counts the up crossings an identity merge made', () => {
    const board = new ScoreBoard();
    board.applyThresholdCrossed(crossing('c-1', 1, 'UP', 1000));
    board.applyThresholdCrossed({ ...crossing('c-2', 2, 'UP', 1500), cause: { kind: 'MERGE', eventId: 'm-1' } });
    board.applyThresholdCrossed({ ...crossing('anon-1', 2, 'DOWN', 0), cause: { kind: 'MERGE', eventId: 'm-1' } });
    expect([board.upCrossings, board.downCrossings, board.mergeUpCrossings]).toEqual([2, 1, 1]);
  });
});
