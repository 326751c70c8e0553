import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { compileGrid, loadGrid, replayEvents } from '@leadscore/engine';
import { IngestService, loadIngestConfig } from '@leadscore/ingest';
import { eventMix, toNdjsonLines } from '../support/event-mix.js';
import { scorerEnv, serviceEnv, startScorerInProcess, STARTER_GRID } from '../support/scorer-harness.js';
import { collectOutputs, freshTopics, waitForCollectorAtEnd, waitForGroupCaughtUp } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const KEY = 'arrival-order-key-0123456789';
const CONTACTS = 150;
const EVENTS = 3_000;
const BATCH = 200;

/**
 * A history with property updates, sent through the ingest gateway in file order: every
 * threshold crossing the stream emits is the one replay computes from the same file. Crossings
 * depend on order (a phone known just before a page view, a job-seeker persona just after), so
 * this holds only if a contact's updates and behaviour reach the scorer in the order they
 * arrived — one partition of one topic for both.
 */
describe('arrival order through the ingest gateway', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('property updates and behaviour give the crossings replay gives', { timeout: 180_000 }, async () => {
    const { topics, codec, kafka } = await freshTopics('arrival', 3);
    const keyPrefix = ctx.uniqueName('arrival');
    const env = scorerEnv(topics, keyPrefix, { SCORER_CHUNK_SIZE: '25' });
    const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);
    const scorer = await startScorerInProcess(env);
    cleanup.push(() => scorer.stop());
    const ingest = new IngestService({
      config: loadIngestConfig({
        ...serviceEnv(topics, keyPrefix),
        INGEST_API_KEYS: KEY,
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        PROVISION: 'false',
      }),
      logger: pino({ level: 'silent' }),
    });
    cleanup.push(() => ingest.stop());
    await ingest.start();

    const now = Date.now();
    const events = eventMix({ seed: 4242, contacts: CONTACTS, events: EVENTS, now, days: 20 });
    expect(events.filter((e) => e.type === 'contact_updated').length).toBeGreaterThan(100);
    for (let i = 0; i < events.length; i += BATCH) {
      const res = await fetch(`http://127.0.0.1:${ingest.httpPort}/v1/events`, {
        method: 'POST',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ events: events.slice(i, i + BATCH).map((e) => ({ ...e, properties: e.properties ?? {} })) }),
      });
      expect(res.status, await res.text()).toBe(202);
    }

    await waitForGroupCaughtUp(kafka, env.SCORER_GROUP_ID!, [topics.behaviouralEvents, topics.contactUpdates]);
    await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged);
    await waitForCollectorAtEnd(kafka, crossings, topics.thresholdCrossed);

    const grid = compileGrid(loadGrid(readFileSync(STARTER_GRID, 'utf8')));
    const replay = await replayEvents(grid, toNdjsonLines(events), now);
    const expected = replay.contacts.flatMap((c) =>
      c.crossings.map((x) => `${c.contactId} ${x.threshold} ${x.direction} #${x.sequence} ${x.score}`),
    );
    const emitted = [
      ...new Set(
        crossings.items.map(
          ({ value: x }) => `${x.contactId} ${x.threshold} ${x.direction.toLowerCase()} #${x.sequence} ${x.score}`,
        ),
      ),
    ];
    expect(expected.length).toBeGreaterThan(50);
    expect(emitted.sort()).toEqual(expected.sort());
  });
});
