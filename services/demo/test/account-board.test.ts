import { describe, expect, it } from 'vitest';
import type { AccountScoreChangedValue, AccountThresholdCrossedValue } from '@leadscore/contracts';
import { AccountBoard } from '../src/account-board.js';

function change(accountId: string, sequence: number, score: number, members = 2): AccountScoreChangedValue {
  return {
    id: `a-${accountId}-${sequence}`,
    accountId,
    sequence,
    previousScore: 0,
    score,
    delta: score,
    aggregate: score,
    members,
    gridName: 'demo',
    gridVersion: 1,
    cause: { kind: 'MEMBER_SCORE', contactId: 'c-1', scoreChangeId: `s-${sequence}`, eventId: null },
    changedMember: null,
    changedContributions: [],
    evaluatedAt: 1_000 * sequence,
  };
}

function crossing(
  accountId: string,
  sequence: number,
  direction: 'UP' | 'DOWN',
  threshold = 'MQA',
): AccountThresholdCrossedValue {
  return {
    id: `ax-${accountId}-${sequence}`,
    accountId,
    threshold,
    at: 6000,
    direction,
    score: direction === 'UP' ? 6100 : 5900,
    previousScore: 0,
    gridName: 'demo',
    gridVersion: 1,
    cause: { kind: 'MEMBER_SCORE', contactId: 'c-1', scoreChangeId: `s-${sequence}`, eventId: null },
    sequence,
    evaluatedAt: 1_000 * sequence,
  };
}

describe('AccountBoard', () => {
  it('lists the known companies from the start, then ranks them by their latest score', () => {
    const board = new AccountBoard('MQA', ['acme.example', 'globex.example', 'initech.example']);
    expect(board.standings().map((a) => [a.accountId, a.score])).toEqual([
      ['acme.example', 0],
      ['globex.example', 0],
      ['initech.example', 0],
    ]);
    board.applyScoreChanged(change('globex.example', 1, 5000));
    board.applyScoreChanged(change('acme.example', 1, 3000));
    board.applyScoreChanged(change('acme.example', 2, 6100, 3));
    board.applyScoreChanged(change('acme.example', 1, 3000)); // a stale redelivery
    expect(board.standings().map((a) => [a.accountId, a.score, a.members])).toEqual([
      ['acme.example', 6100, 3],
      ['globex.example', 5000, 2],
      ['initech.example', 0, 0],
    ]);
  });

  it('knows which companies are qualified: the last crossing of the threshold was up', () => {
    const board = new AccountBoard('MQA');
    // the crossing may arrive before its score change (two topics)
    board.applyThresholdCrossed(crossing('acme.example', 2, 'UP'));
    board.applyScoreChanged(change('acme.example', 2, 6100));
    board.applyScoreChanged(change('acme.example', 3, 6400));
    expect(board.standings()[0]).toMatchObject({ accountId: 'acme.example', score: 6400, qualified: { at: 2000, score: 6100 } });

    board.applyThresholdCrossed(crossing('globex.example', 4, 'UP'));
    board.applyThresholdCrossed(crossing('globex.example', 4, 'UP')); // redelivered: counted once
    board.applyThresholdCrossed(crossing('globex.example', 6, 'DOWN'));
    board.applyThresholdCrossed(crossing('initech.example', 1, 'UP', 'HOT')); // another threshold
    expect([board.upCrossings, board.downCrossings]).toEqual([2, 1]);
    expect(
      board
        .standings()
        .filter((a) => a.qualified)
        .map((a) => a.accountId),
    ).toEqual(['acme.example']);
  });
});
