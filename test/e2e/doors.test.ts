import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { compileGrid, loadGrid, replayEvents } from '@leadscore/engine';
import { startDoorsStack } from '../support/doors-stack.js';
import { STARTER_GRID } from '../support/scorer-harness.js';
import { freshTopics } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const API_KEY = 'e2e-key-0123456789abcdef';

// Response bodies are checked field by field below; their shapes are the services' business.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const json = (res: Response): Promise<Json> => res.json() as Promise<Json>;

/**
 * The doors end to end, through public interfaces only: events in over HTTP (our format and
 * Segment, one batch retried), the scorer and the lifecycle service working on Kafka, and the
 * read API showing the stage, the score and the breakdown `leadscore replay` predicts.
 */
describe('the doors, end to end', () => {
  const ctx = testContext();
  const processes: { stop(): Promise<unknown> }[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop().catch(() => undefined)));
  });

  it('HTTP events in → marketing-qualified, and the read API agrees with replay', async () => {
    const { topics } = await freshTopics('doors', 3);
    const keyPrefix = ctx.uniqueName('doors');
    const stack = await startDoorsStack(topics, keyPrefix, API_KEY);
    processes.push(stack);
    const { ingest, lifecycle, readApi, logs } = stack;

    const contactId = `c-${keyPrefix}`;
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const ours = [
      { eventId: `${contactId}-1`, contactId, type: 'page_viewed', occurredAt: t(30), properties: { path: '/pricing' } },
      { eventId: `${contactId}-2`, contactId, type: 'page_viewed', occurredAt: t(29), properties: { path: '/pricing' } },
      { eventId: `${contactId}-3`, contactId, type: 'webinar_registered', occurredAt: t(28), properties: {} },
    ];
    const segment = [
      {
        type: 'track',
        messageId: `${contactId}-s1`,
        userId: contactId,
        event: 'Webinar Attended',
        timestamp: t(20),
        properties: { webinar: 'w-1' },
      },
      {
        type: 'identify',
        messageId: `${contactId}-s2`,
        userId: contactId,
        timestamp: t(19),
        traits: { phone: '+33 1 23 45 67 89', jobTitle: 'CTO' },
      },
      { type: 'page', messageId: `${contactId}-s3`, userId: contactId, timestamp: t(18), properties: { path: '/solutions' } },
    ];
    const post = async (path: string, body: unknown) =>
      fetch(await ingest.url(path), {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const first = await post('/v1/events', { events: ours });
    expect(first.status).toBe(202);
    expect((await json(first)).eventIds).toEqual(ours.map((e) => e.eventId));
    // the client did not see the answer and retries: same eventIds, counted once
    expect((await post('/v1/events', { events: ours })).status).toBe(202);
    expect((await post('/v1/segment', { batch: segment })).status).toBe(202);

    // what `leadscore replay` predicts for the same events (Segment calls in our format)
    const asOurs = [
      ...ours,
      ...ours,
      {
        eventId: `${contactId}-s1`,
        contactId,
        type: 'webinar_attended',
        occurredAt: segment[0]!.timestamp,
        properties: { webinar: 'w-1' },
      },
      {
        eventId: `${contactId}-s2`,
        contactId,
        type: 'contact_updated',
        occurredAt: segment[1]!.timestamp,
        properties: { phone: '+33 1 23 45 67 89', jobTitle: 'CTO' },
      },
      {
        eventId: `${contactId}-s3`,
        contactId,
        type: 'page_viewed',
        occurredAt: segment[2]!.timestamp,
        properties: { path: '/solutions' },
      },
    ];
    const grid = compileGrid(loadGrid(await readFile(STARTER_GRID, 'utf8'), STARTER_GRID));
    const replay = await replayEvents(
      grid,
      asOurs.map((e) => JSON.stringify(e)),
      Date.now(),
    );
    const expected = replay.contacts[0]!;
    expect(expected.score).toBe(2050);
    expect(expected.crossings.map((c) => `${c.threshold}:${c.direction}`)).toEqual(['MQL:up']);

    // poll the read API until the workflow moved the contact (bounded)
    const contactUrl = await readApi.url(`/contacts/${encodeURIComponent(contactId)}`);
    let view: Json = {};
    const deadline = Date.now() + 45_000;
    for (;;) {
      const res = await fetch(contactUrl);
      if (res.status === 200) {
        view = await json(res);
        if (
          view.lifecycle?.stage?.stage === 'MARKETING_QUALIFIED' &&
          view.score === expected.score &&
          view.recentChanges.length >= 5
        )
          break;
      }
      if (Date.now() > deadline)
        throw new Error(`contact not marketing-qualified in time; last view ${JSON.stringify(view)}; logs in ${logs}`);
      await new Promise((r) => setTimeout(r, 250)); // poll interval
    }

    expect(view.score).toBe(expected.score);
    expect(view.breakdown).toEqual(expected.contributions);
    expect(view.thresholdsReached).toEqual([{ name: 'MQL', at: 1000 }]);
    expect(view.lifecycle.stage).toMatchObject({ stage: 'MARKETING_QUALIFIED', reason: 'threshold MQL crossed up' });
    expect(view.lifecycle.history).toHaveLength(1);
    expect(view.lifecycle.history[0]).toMatchObject({ direction: 'UP', outcome: 'moved', from: null, to: 'MARKETING_QUALIFIED' });
    // why is this lead hot: each change with its cause, newest first; the retried batch added none.
    // Everything about a contact goes through one partition of the behavioural topic, so the
    // identify is scored between the webinar and the page of its Segment batch, as it arrived.
    const causes = (view.recentChanges as { cause: { eventId: string } }[]).map((c) => c.cause.eventId).reverse();
    expect(causes).toEqual([`${contactId}-1`, `${contactId}-2`, `${contactId}-3`, `${contactId}-s1`, `${contactId}-s2`]);

    const board = await json(await fetch(await readApi.url('/leaderboard?limit=5')));
    expect(board.contacts[0]).toEqual({ rank: 1, contactId, score: expected.score });
    const changes = await json(
      await fetch(await readApi.url(`/contacts/${encodeURIComponent(contactId)}/score-changes?limit=2`)),
    );
    // ?limit=2: the two newest, newest first, i.e. the first two of the full list of causes above
    expect(changes.changes.map((c: { cause: { eventId: string } }) => c.cause.eventId)).toEqual(causes.slice(-2).reverse());

    // the read API's 4xx, through the real process
    const unknown = await fetch(await readApi.url('/contacts/nobody-at-all'));
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error).toMatchObject({ code: 'CONTACT_NOT_FOUND', details: [{ path: 'params.contactId' }] });
    for (const [query, path] of [
      ['limit=0', 'query.limit'],
      ['limit=abc', 'query.limit'],
      ['top=0%', 'query.top'],
      ['top=150%', 'query.top'],
      ['limit=3&top=20%', 'query.top'],
    ] as const) {
      const bad = await fetch(await readApi.url(`/leaderboard?${query}`));
      expect(bad.status, query).toBe(400);
      expect((await json(bad)).error.details[0].path, query).toBe(path);
    }
    const top = await json(await fetch(await readApi.url('/leaderboard?top=20%25')));
    expect(top).toMatchObject({ top: '20%', total: 1, contacts: [{ contactId }] });
    const badLimit = await fetch(await readApi.url(`/contacts/${encodeURIComponent(contactId)}/score-changes?limit=51`));
    expect(badLimit.status).toBe(400);
    const longId = await fetch(await readApi.url(`/contacts/${'x'.repeat(129)}`));
    expect(longId.status).toBe(400);
    expect((await json(longId)).error.details[0].path).toBe('params.contactId');

    // graceful shutdown of the doors
    expect(await Promise.all([ingest.stop(), lifecycle.stop(), readApi.stop()])).toEqual([0, 0, 0]);
  });
});
