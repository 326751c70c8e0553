import { afterAll, describe, expect, it } from 'vitest';
import type { DeadLetterValue, ScoreChangedValue } from '@leadscore/contracts';
import { scorerEnv, startScorerInProcess } from '../support/scorer-harness.js';
import { freshTopics, produceEvents, TopicCollector } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

/**
 * A `contact_merged` the engine's validation refuses reaches the scorer's dead letters with its
 * reason and field path, like any bad event (the scorer dead-letters what `parseEvent` refuses);
 * a valid one is applied, not dead-lettered (what it does: scorer-merge.test.ts).
 */
describe('contact_merged input at the scorer', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('dead-letters a merge without mergedFrom or into itself as INVALID_EVENT naming properties.mergedFrom', async () => {
    const { topics, codec, kafka } = await freshTopics('merge-input', 1);
    const scorer = await startScorerInProcess(scorerEnv(topics, ctx.uniqueName('merge-input')));
    cleanup.push(() => scorer.stop());
    const deadLetters = await new TopicCollector<DeadLetterValue>(kafka, codec, 'deadLetters', topics.deadLetters).start();
    const changes = await new TopicCollector<ScoreChangedValue>(kafka, codec, 'scoreChanged', topics.scoreChanged).start();
    cleanup.push(
      () => deadLetters.stop(),
      () => changes.stop(),
    );
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const at = Date.now() - 60_000;
    await produceEvents(producer, codec, topics, [
      { eventId: 'm-none', contactId: 'c-1', type: 'contact_merged', occurredAt: at, properties: {} },
      { eventId: 'm-self', contactId: 'c-1', type: 'contact_merged', occurredAt: at, properties: { mergedFrom: 'c-1' } },
      { eventId: 'm-ok', contactId: 'c-1', type: 'contact_merged', occurredAt: at, properties: { mergedFrom: 'anon-1' } },
      { eventId: 'p-1', contactId: 'c-1', type: 'page_viewed', occurredAt: at, properties: { path: '/pricing' } },
    ]);

    const letters = await deadLetters.waitFor((items) => items.length >= 2, 60_000, 'two dead letters');
    expect(letters.map((d) => [d.value.reason, d.headers['x-dlq-reason'], d.value.sourceOffset])).toEqual([
      ['INVALID_EVENT', 'INVALID_EVENT', '0'],
      ['INVALID_EVENT', 'INVALID_EVENT', '1'],
    ]);
    expect(letters[0]!.value.message).toMatch(/^properties\.mergedFrom: is required for a contact_merged event/);
    expect(letters[1]!.value.message).toMatch(/^properties\.mergedFrom: must differ from contactId/);
    // the stream went on: the page view after them is scored, and the valid merge was not dead-lettered
    const scored = await changes.waitFor((items) => items.length >= 1, 60_000, 'the page view scored');
    expect(scored[0]!.value).toMatchObject({ contactId: 'c-1', score: 500, cause: { kind: 'EVENT', eventId: 'p-1' } });
    expect(deadLetters.items).toHaveLength(2);
  });
});
