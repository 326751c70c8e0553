import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScoreChangedValue } from '@leadscore/contracts';
import { compileGrid, decodeState, loadGrid, replayEvents, scoreAt } from '@leadscore/engine';
import { eventMix, mergeMix, toNdjsonLines } from '../support/event-mix.js';
import { storedScoresAgainstReplay } from '../support/replay-check.js';
import { scorerEnv, STARTER_GRID } from '../support/scorer-harness.js';
import { ScorerProcess } from '../support/scorer-process.js';
import { freshTopics, produceEvents, TopicCollector, waitForCollectorAtEnd, waitForGroupCaughtUp } from '../support/streams.js';
import { getValues, testContext, testRedis } from '../support/test-context.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../services/cli/bin/leadscore.js', import.meta.url));

async function leadscore(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe('leadscore rebuild: recovering from a Redis loss by replaying the input topics', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it(
    'gives every contact the same score as before the loss, emits nothing, and a scorer on the new prefix carries on',
    { timeout: 300_000 },
    async () => {
      const now = Date.now();
      const events = eventMix({ seed: 11, contacts: 150, events: 2_000, now: now - 3_600_000 });
      const later = eventMix({ seed: 12, contacts: 170, events: 300, now }).map((e) => ({ ...e, eventId: `later-${e.eventId}` }));
      const { topics, codec, kafka } = await freshTopics('rebuild', 3);
      const prefix = topics.behaviouralEvents.replace(/\.behavioural-events$/, '');
      const oldKeys = ctx.uniqueName('rebuild-old');
      const newKeys = ctx.uniqueName('rebuild-new');
      const env = scorerEnv(topics, oldKeys);
      const groupId = env.SCORER_GROUP_ID!;
      const inputs = [topics.behaviouralEvents, topics.contactUpdates];
      const grid = compileGrid(loadGrid(readFileSync(STARTER_GRID, 'utf8')));
      const redis = testRedis();
      cleanup.push(() => redis.quit());
      const cliEnv: Record<string, string> = {
        KAFKA_BROKERS: ctx.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: ctx.schemaRegistryUrl,
        REDIS_URL: ctx.redisUrl,
        ...(ctx.redisCluster ? { REDIS_CLUSTER: 'true' } : {}),
      };

      // 1. A scorer scores the history.
      const scorer = await new ScorerProcess(env).start();
      cleanup.push(() => scorer.kill());
      await scorer.waitReady();
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      cleanup.push(() => producer.disconnect());
      await produceEvents(producer, codec, topics, events);
      await waitForGroupCaughtUp(kafka, groupId, inputs);
      expect(await scorer.stop()).toBe(0); // cut-over step 1: stop the scorers

      const contactIds = [...new Set([...events, ...later].map((e) => e.contactId))].sort();
      const at = Date.now();
      const scoresUnder = async (keyPrefix: string) => {
        const raws = await getValues(
          redis,
          contactIds.map((id) => `${keyPrefix}:c:{${id}}`),
        );
        return new Map(
          contactIds.flatMap((id, i) => (raws[i] ? [[id, scoreAt(grid, decodeState(raws[i]!), at).score] as const] : [])),
        );
      };
      const before = await scoresUnder(oldKeys);
      expect(before.size).toBe(new Set(events.map((e) => e.contactId)).size);
      expect([...before.values()].filter((s) => s >= 1000).length).toBeGreaterThan(5); // some MQLs to lose
      const decayBefore = await redis.zrange(`${oldKeys}:decay`, 0, -1, 'WITHSCORES');

      // 2. The loss: every key of the scorer's prefix is gone.
      for (const id of contactIds)
        await redis.del(`${oldKeys}:c:{${id}}`, `${oldKeys}:o:{${id}}`).catch(() => redis.del(`${oldKeys}:c:{${id}}`));
      await redis.del(`${oldKeys}:decay`);
      expect((await scoresUnder(oldKeys)).size).toBe(0);

      // A change the input topics cannot reproduce (as a decay sweep, when windows have closed
      // since): the rebuild must continue the contact's sequence after it, not restart below it.
      const laterCounts = new Map<string, number>();
      for (const e of later) if (before.has(e.contactId)) laterCounts.set(e.contactId, (laterCounts.get(e.contactId) ?? 0) + 1);
      const decayed = [...laterCounts].sort((a, b) => b[1] - a[1])[0]![0]; // the old contact with most new events
      const decayedScore = before.get(decayed) ?? 0;
      await producer.send({
        topic: topics.scoreChanged,
        acks: -1,
        messages: [
          {
            key: decayed,
            value: await codec.encode('scoreChanged', {
              id: 'decay-1',
              contactId: decayed,
              sequence: 1000,
              previousScore: decayedScore,
              score: decayedScore,
              delta: 0,
              gridName: grid.name,
              gridVersion: grid.version,
              cause: { kind: 'DECAY', eventId: null },
              changedContributions: [],
              evaluatedAt: at,
            }),
          },
        ],
      });

      // 3. Rebuild into a fresh prefix, watching the output topics: a rebuild announces nothing.
      const changes = await new TopicCollector<ScoreChangedValue>(kafka, codec, 'scoreChanged', topics.scoreChanged).start();
      cleanup.push(() => changes.stop());
      await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged);
      const outputsBefore = changes.items.length;
      const rebuilt = await leadscore(
        ['rebuild', '--topic-prefix', prefix, '--key-prefix', newKeys, '--grid', STARTER_GRID],
        cliEnv,
      );
      expect(rebuilt.stderr).not.toMatch(/Error/);
      expect(rebuilt.code).toBe(0);
      expect(rebuilt.stdout).toMatch(
        new RegExp(
          `^rebuilt ${before.size} contact\\(s\\) under ${newKeys} with grid .* ${events.length} message\\(s\\) read, \\d+ event\\(s\\) applied, \\d+ duplicate\\(s\\), 0 skipped as dead letters; 1 sequence\\(s\\) raised to the last emitted; no outputs emitted`,
          'm',
        ),
      );

      const after = await scoresUnder(newKeys);
      expect(after).toEqual(before);
      expect(await redis.zrange(`${newKeys}:decay`, 0, -1, 'WITHSCORES')).toEqual(decayBefore);
      expect(decodeState((await redis.get(`${newKeys}:c:{${decayed}}`))!).sequence).toBe(1000);
      await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged);
      expect(changes.items.length).toBe(outputsBefore); // outputsBefore counts the test's own message
      const outboxes = await getValues(
        redis,
        contactIds.map((id) => `${newKeys}:o:{${id}}`),
      );
      expect(outboxes.filter((o) => o !== null)).toEqual([]);

      // A second rebuild into the same prefix is refused (it would not be a fresh state).
      const again = await leadscore(
        ['rebuild', '--topic-prefix', prefix, '--key-prefix', newKeys, '--grid', STARTER_GRID],
        cliEnv,
      );
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`Redis already holds contact states under ${newKeys}`);

      // 4. Cut-over: the scorers restart with REDIS_KEY_PREFIX=new (same group, so from their committed offsets).
      const next = await new ScorerProcess(scorerEnv(topics, newKeys, { SCORER_GROUP_ID: groupId })).start();
      cleanup.push(() => next.kill());
      await next.waitReady();
      await produceEvents(producer, codec, topics, later);
      await waitForGroupCaughtUp(kafka, groupId, inputs);
      await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged);

      const end = Date.now();
      const replay = await replayEvents(grid, toNdjsonLines([...events, ...later]), end);
      const raws = await getValues(
        redis,
        replay.contacts.map((c) => `${newKeys}:c:{${c.contactId}}`),
      );
      const wrong = replay.contacts.filter((c, i) => (raws[i] ? scoreAt(grid, decodeState(raws[i]!), end).score : 0) !== c.score);
      expect(wrong.map((c) => c.contactId)).toEqual([]);
      // Only the new events produced outputs, and they continue each contact's sequence.
      const fresh = changes.items.slice(outputsBefore).map((i) => i.value);
      expect(fresh.length).toBeGreaterThan(0);
      expect(fresh.every((c) => c.cause.kind !== 'EVENT' || c.cause.eventId!.startsWith('later-'))).toBe(true);
      const lastOld = new Map<string, number>();
      for (const c of changes.items.slice(0, outputsBefore))
        lastOld.set(c.value.contactId, Math.max(lastOld.get(c.value.contactId) ?? 0, c.value.sequence));
      for (const c of fresh) if (lastOld.has(c.contactId)) expect(c.sequence).toBeGreaterThan(lastOld.get(c.contactId)!);
      const nextOfDecayed = fresh.find((c) => c.contactId === decayed);
      if (nextOfDecayed) expect(nextOfDecayed.sequence).toBe(1001);
      expect(await next.stop()).toBe(0);
    },
  );

  it(
    'rebuilds a history with identity merges as replay scores it (merged-away ids sealed, roots as replay says)',
    { timeout: 300_000 },
    async () => {
      const events = mergeMix({ seed: 23, contacts: 120, events: 1_500, now: Date.now() - 3_600_000 });
      const { topics, codec, kafka } = await freshTopics('rebuild-merge', 3);
      const prefix = topics.behaviouralEvents.replace(/\.behavioural-events$/, '');
      const keyPrefix = ctx.uniqueName('rebuild-merge');
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      cleanup.push(() => producer.disconnect());
      await produceEvents(producer, codec, topics, events);
      const rebuilt = await leadscore(['rebuild', '--topic-prefix', prefix, '--key-prefix', keyPrefix, '--grid', STARTER_GRID], {
        KAFKA_BROKERS: ctx.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: ctx.schemaRegistryUrl,
        REDIS_URL: ctx.redisUrl,
        ...(ctx.redisCluster ? { REDIS_CLUSTER: 'true' } : {}),
      });
      expect(rebuilt.stderr).not.toMatch(/Error/);
      expect(rebuilt.code).toBe(0);
      const { replay, mismatches } = await storedScoresAgainstReplay(events, keyPrefix, cleanup);
      expect(replay.contacts.filter((c) => c.mergedInto !== undefined).length).toBeGreaterThan(50);
      expect(mismatches).toEqual([]);
    },
  );
});
