import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { eventMix } from '../support/event-mix.js';
import { storedScoresAgainstReplay } from '../support/replay-check.js';
import { scorerEnv } from '../support/scorer-harness.js';
import { ScorerProcess } from '../support/scorer-process.js';
import {
  collectOutputs,
  endOffsets,
  freshTopics,
  produceEvents,
  waitForCollectorAtEnd,
  waitForGroupCaughtUp,
} from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const run = promisify(execFile);
const clusterScript = fileURLToPath(new URL('../../deploy/local/cluster.sh', import.meta.url));

/**
 * The clustered topology (LEADSCORE_TOPOLOGY=cluster: 3 KRaft brokers, replication factor 3,
 * min.insync.replicas 2, and a 3-node Redis Cluster). The scorer runs unchanged on it; one
 * broker is SIGKILLed mid-stream and nothing is lost.
 */
describe('clustered Kafka and Redis', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it.runIf(ctx.mode === 'native-cluster')(
    'a broker SIGKILLed mid-stream loses nothing; scores equal replay',
    { timeout: 300_000 },
    async () => {
      expect(ctx.redisCluster).toBe(true);
      expect(ctx.kafkaBrokers.length).toBe(3);
      const events = eventMix({ seed: 21, contacts: 500, events: 8_000, now: Date.now() }).map((e) => ({
        ...e,
        onBehaviouralTopic: true,
      }));
      const { topics, codec, kafka } = await freshTopics('cluster', 6);
      const admin = kafka.admin();
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [topics.behaviouralEvents] });
      await admin.disconnect();
      expect(metadata.topics[0]!.partitions.every((p) => p.replicas.length === 3)).toBe(true);

      const keyPrefix = ctx.uniqueName('cluster');
      const env = scorerEnv(topics, keyPrefix, { SCORER_SESSION_TIMEOUT_MS: '10000' });
      const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);
      const scorers = [new ScorerProcess(env), new ScorerProcess(env)];
      cleanup.push(() => Promise.all(scorers.map((s) => s.kill())));
      await Promise.all(scorers.map((s) => s.start()));
      await Promise.all(scorers.map((s) => s.waitReady()));
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      cleanup.push(() => producer.disconnect());

      await produceEvents(producer, codec, topics, events.slice(0, 3_000));
      const producing = produceEvents(producer, codec, topics, events.slice(3_000, 6_000));
      // mid-stream: broker 2 dies without a word
      await run('bash', [clusterScript, 'kill', 'broker-2']);
      cleanup.push(() => run('bash', [clusterScript, 'start', 'broker-2']));
      await producing;
      await produceEvents(producer, codec, topics, events.slice(6_000));
      await waitForGroupCaughtUp(kafka, env.SCORER_GROUP_ID!, [topics.behaviouralEvents], 180_000);
      await run('bash', [clusterScript, 'start', 'broker-2']);
      // every acknowledged event is in the topic (acks=all, min.insync.replicas=2, PartitionedSender)
      const inTopic = [...(await endOffsets(kafka, topics.behaviouralEvents)).values()].reduce((a, b) => a + b, 0);
      expect(inTopic).toBeGreaterThanOrEqual(events.length); // a retried produce may add a duplicate; never fewer
      await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged, 120_000);
      await waitForCollectorAtEnd(kafka, crossings, topics.thresholdCrossed, 120_000);
      expect(scorers.every((s) => s.running)).toBe(true);

      const { replay, mismatches } = await storedScoresAgainstReplay(events, keyPrefix, cleanup);
      expect(mismatches).toEqual([]);
      const expected = new Set(
        replay.contacts.flatMap((c) => c.crossings.map((x) => `${c.contactId}|${x.sequence}|${x.threshold}|${x.direction}`)),
      );
      const emitted = new Set(
        crossings.items.map(
          ({ value }) => `${value.contactId}|${value.sequence}|${value.threshold}|${value.direction.toLowerCase()}`,
        ),
      );
      expect([...expected].filter((k) => !emitted.has(k))).toEqual([]);
      expect([...emitted].filter((k) => !expected.has(k))).toEqual([]);
    },
  );
});
