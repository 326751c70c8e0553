import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileGrid, decodeState, loadGrid, replayEvents, scoreAt } from '@leadscore/engine';
import type { ScorerServiceOptions } from '@leadscore/scorer';
import { collectOutputs, freshTopics, produceEvents, type RawEvent } from '../support/streams.js';
import { scorerEnv, startScorerInProcess, STARTER_GRID } from '../support/scorer-harness.js';
import { testContext, testRedis } from '../support/test-context.js';

const HOUR = 3_600_000;
/** The starter grid remembering only 4 recent ids per contact, so one chunk holds more than N events of a contact. */
const RECENT = 4;

type CrashPointName = Parameters<NonNullable<ScorerServiceOptions['crashPoint']>>[0];

describe('redelivery of a chunk with more than dedupe.recent events of one contact', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  const gridFile = join(mkdtempSync(join(tmpdir(), 'leadscore-redelivery-')), 'grid.yaml');
  writeFileSync(gridFile, `${readFileSync(STARTER_GRID, 'utf8')}\ndedupe: { recent: ${RECENT} }\n`);
  const grid = compileGrid(loadGrid(readFileSync(gridFile, 'utf8')));

  it.each<CrashPointName>(['after-state-commit', 'after-produce'])(
    'a scorer dying %s applies the redelivered chunk once: the final score is replay’s',
    async (point) => {
      const label = `redeliver-${point}`;
      const { topics, codec, kafka } = await freshTopics(label, 1);
      const keyPrefix = ctx.uniqueName(label);
      const start = Date.now();
      const bot = `c-bot-${point}`;
      // 12 opens (10 points each, no limit) and 2 key pages (1000): 1120, one MQL crossing; a
      // re-send of o12 right after it (within N) is a duplicate for the stream and for replay.
      const events: RawEvent[] = [
        ...Array.from({ length: 12 }, (_, i) => ({
          eventId: `o${i + 1}`,
          contactId: bot,
          type: 'email_opened',
          occurredAt: start - (i + 1) * HOUR,
        })),
        { eventId: 'o12', contactId: bot, type: 'email_opened', occurredAt: start - 12 * HOUR },
        { eventId: 'p1', contactId: bot, type: 'page_viewed', occurredAt: start - HOUR, properties: { path: '/pricing' } },
        { eventId: 'p2', contactId: bot, type: 'page_viewed', occurredAt: start - HOUR, properties: { path: '/solutions' } },
        { eventId: 'x1', contactId: 'c-other', type: 'webinar_registered', occurredAt: start - HOUR },
      ];
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      cleanup.push(() => producer.disconnect());
      // Produced before the scorer starts, on one partition: they come in one chunk.
      await produceEvents(producer, codec, topics, events);

      let crashes = 0;
      const crashPoint = (name: CrashPointName): void => {
        if (name !== point || crashes > 0) return;
        crashes += 1;
        throw new Error(`scorer died ${point}`);
      };
      const scorer = await startScorerInProcess(scorerEnv(topics, keyPrefix, { GRID_FILE: gridFile }), undefined, {
        crashPoint,
      });
      cleanup.push(() => scorer.stop());
      const { changes } = await collectOutputs(kafka, codec, topics, cleanup);

      // A later event on the same partition: once its output is out, the redelivered chunk is done.
      await changes.waitFor((items) => items.some((c) => c.value.contactId === 'c-other'), 60_000, 'the first chunk');
      await produceEvents(producer, codec, topics, [
        { eventId: 'x2', contactId: 'c-other', type: 'webinar_attended', occurredAt: start - HOUR },
      ]);
      await changes.waitFor((items) => items.some((c) => c.value.cause.eventId === 'x2'), 60_000, 'the sentinel');
      expect(crashes).toBe(1);

      const replay = await replayEvents(
        grid,
        events.map((e) => JSON.stringify({ properties: {}, ...e })),
        start,
      );
      const expected = replay.contacts.find((c) => c.contactId === bot)!.score;
      expect(expected).toBe(1120);
      const redis = testRedis();
      cleanup.push(() => redis.quit());
      const state = decodeState((await redis.get(`${keyPrefix}:c:{${bot}}`))!);
      expect(scoreAt(grid, state, start).score).toBe(expected);
      expect(state.recent).toHaveLength(RECENT);
      // No output ever went past replay's score: nothing was counted twice.
      const botScores = changes.items.filter((c) => c.value.contactId === bot).map((c) => c.value.score);
      expect(Math.max(...botScores)).toBe(expected);
      expect(botScores.at(-1)).toBe(expected);
    },
  );
});
