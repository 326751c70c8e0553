import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { ContactMergedValue, ScoreChangedValue } from '@leadscore/contracts';
import { applyEvent, compileGrid, emptyState, encodeState, loadGrid, type LeadEvent } from '@leadscore/engine';
import { loadReadApiConfig, ReadApiService } from '@leadscore/read-api';
import { KeyLayout } from '@leadscore/redis-layout';
import { serviceEnv } from '../support/scorer-harness.js';
import { freshTopics, waitForGroupCaughtUp } from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

const TWO_SCORES = new URL('../support/grids/two-scores.yaml', import.meta.url).pathname;

/**
 * The read API on a grid with several scores (docs/doors.md): every score with its groups, its
 * own rules and thresholds, and the grade, computed from the scorer's state; a leaderboard per
 * score (the first by default), and recent changes of every score.
 */
describe('read API with several scores per contact', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('shows every score and the grade, and ranks each score on its own leaderboard', async () => {
    const { topics, codec, kafka } = await freshTopics('read-api-scores', 2);
    const keyPrefix = ctx.uniqueName('read-api-scores');
    const grid = compileGrid(loadGrid(readFileSync(TWO_SCORES, 'utf8')));
    const config = loadReadApiConfig({
      ...serviceEnv(topics, keyPrefix),
      READ_API_GROUP_ID: `${keyPrefix}-group`,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      PROVISION: 'false',
    });
    const service = new ReadApiService({ config, logger: pino({ level: 'silent' }) }, grid);
    cleanup.push(() => service.stop());
    await service.start();

    // the state the scorer would have stored for c-1: a demo request (both scores), opens, a phone
    const now = Date.now();
    const events: LeadEvent[] = [
      { eventId: 'e-1', contactId: 'c-1', type: 'demo_requested', occurredAt: now - 60_000, properties: {} },
      ...Array.from({ length: 7 }, (_, i) => ({
        eventId: `o-${i}`,
        contactId: 'c-1',
        type: 'email_opened',
        occurredAt: now - 50_000,
        properties: {},
      })),
      { eventId: 'e-2', contactId: 'c-1', type: 'contact_updated', occurredAt: now - 40_000, properties: { phone: '+1 555' } },
    ];
    const state = events.reduce((s, e) => applyEvent(grid, s, e, now).state, emptyState());
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    await redis.set(new KeyLayout(keyPrefix).contactState('c-1'), encodeState(state));

    const base = `http://127.0.0.1:${service.httpPort}`;
    const contact = (await (await fetch(`${base}/contacts/c-1`)).json()) as Record<string, unknown>;
    expect(contact['score']).toBe(500); // the first score: engagement 400 + email capped at 100
    expect(contact['scores']).toEqual([
      {
        id: 'engagement',
        label: 'engagement',
        score: 500,
        groups: [{ id: 'email', label: 'email', value: 100 }],
        breakdown: [
          { ruleId: 'demo', label: 'demo', count: 1, points: 400 },
          { ruleId: 'opens', label: 'opens', count: 7, points: 140 },
        ],
        thresholdsReached: [],
      },
      {
        id: 'fit',
        label: 'fit',
        score: 550,
        groups: [],
        breakdown: [
          { ruleId: 'demo', label: 'demo', count: 1, points: 400 },
          { ruleId: 'phone', label: 'phone', count: 1, points: 150 },
        ],
        thresholdsReached: [{ name: 'good-fit', at: 400 }],
      },
    ]);
    expect(contact['grade']).toEqual({ grade: 'A2', row: 'A', column: '2', qualified: true });

    // engagement then fit for c-1 (fit's sequence is later), and c-2
    const change = (contactId: string, sequence: number, scoreId: string, score: number): ScoreChangedValue => ({
      id: `${contactId}-${sequence}`,
      contactId,
      sequence,
      previousScore: 0,
      score,
      delta: score,
      gridName: 'two-scores',
      gridVersion: 1,
      cause: { kind: 'EVENT', eventId: `e-${sequence}` },
      changedContributions: [],
      evaluatedAt: now,
      scoreId,
    });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const send = async (values: ScoreChangedValue[]) =>
      producer.send({
        topic: topics.scoreChanged,
        acks: -1,
        messages: await Promise.all(
          values.map(async (v) => ({ key: v.contactId, value: await codec.encode('scoreChanged', v) })),
        ),
      });
    await send([
      change('c-1', 1, 'engagement', 500),
      change('c-1', 2, 'fit', 550),
      change('c-2', 1, 'engagement', 20),
      change('c-2', 2, 'fit', 900),
      change('c-3', 1, 'fit', 100),
      change('c-3', 2, 'retired', 70), // a score the running grid no longer has: not projected
    ]);
    // every change read and projected (the group committed past them)
    await waitForGroupCaughtUp(kafka, `${keyPrefix}-group`, [topics.scoreChanged], 60_000);
    type Board = { scoreId: string; total: number; contacts: { contactId: string; score: number }[] };
    const board = async (query: string) => (await (await fetch(`${base}/leaderboard?${query}`)).json()) as Board;
    const ranked = (b: Board) => b.contacts.map((c) => [c.contactId, c.score]);
    const engagement = await board('limit=5');
    expect(engagement.scoreId).toBe('engagement'); // the grid's first score by default
    expect(ranked(engagement)).toEqual([
      ['c-1', 500],
      ['c-2', 20],
    ]);
    expect(await board('limit=5&score=engagement')).toEqual(engagement);
    const fit = await board('limit=5&score=fit');
    expect(fit.scoreId).toBe('fit');
    expect(ranked(fit)).toEqual([
      ['c-2', 900],
      ['c-1', 550],
      ['c-3', 100],
    ]);
    expect(await board('top=34%25&score=fit')).toMatchObject({ top: '34%', scoreId: 'fit', total: 3, contacts: [{}, {}] });
    for (const query of ['score=retired', 'score=matrix', 'score=', 'score=fit&score=engagement']) {
      const bad = await fetch(`${base}/leaderboard?${query}`);
      expect(bad.status, query).toBe(400);
      const { error } = (await bad.json()) as { error: { code: string; details: { path: string }[] } };
      expect(error.code, query).toBe('INVALID_REQUEST');
      expect(error.details[0]!.path, query).toBe('query.score');
    }
    const recent = async () =>
      (
        (await (await fetch(`${base}/contacts/c-1`)).json()) as {
          recentChanges: { sequence: number; scoreId: string; score: number }[];
        }
      ).recentChanges;
    // every score's changes, newest first, each saying which score moved
    expect((await recent()).map((c) => [c.sequence, c.scoreId, c.score])).toEqual([
      [2, 'fit', 550],
      [1, 'engagement', 500],
    ]);

    // a merged-away contact leaves every score's board
    const merged: ContactMergedValue = {
      id: 'm-1:c-2',
      contactId: 'c-2',
      mergedInto: 'c-1',
      mergeEventId: 'm-1',
      occurredAt: now,
      emittedAt: now,
    };
    await producer.send({
      topic: topics.contactMerged,
      acks: -1,
      messages: [{ key: 'c-2', value: await codec.encode('contactMerged', merged) }],
    });
    await waitForGroupCaughtUp(kafka, `${keyPrefix}-group`, [topics.scoreChanged, topics.contactMerged], 60_000);
    expect(ranked(await board('limit=5'))).toEqual([['c-1', 500]]);
    expect(ranked(await board('limit=5&score=fit'))).toEqual([
      ['c-1', 550],
      ['c-3', 100],
    ]);
  });
});
