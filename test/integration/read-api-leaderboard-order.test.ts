import type { Cluster, Redis } from 'ioredis';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AvroCodec,
  PartitionedSender,
  topicNames,
  type ContactMergedValue,
  type ScoreChangedValue,
  type TopicNames,
} from '@leadscore/contracts';
import { ChunkDecoder, ReadApiMetrics, ScoreChangeProjection } from '@leadscore/read-api';
import { KeyLayout, loadScript, PROJECT_SCORE_CHANGE } from '@leadscore/redis-layout';
import { testContext, testKafka, testRedis } from '../support/test-context.js';

/**
 * Two projection instances (two read API replicas, or a rebalance whose old owner is slow) that
 * handle changes of the same contact, played in the order that used to leave the leaderboard
 * stale for good: A projects the older change, B projects and lists the newer one, then A's
 * leaderboard write lands. Real Redis and registry; instance A's client is held between its read
 * of the identity parents and its leaderboard write (the window in which it is "slow"), which is
 * the only thing this test arranges.
 */
describe('the leaderboard only moves to a newer sequence (two projection instances, real Redis)', () => {
  const ctx = testContext();
  const clients: (Redis | Cluster)[] = [];
  const touched = new Set<string>();
  let keys: KeyLayout;
  let topics: TopicNames;
  let codec: AvroCodec;
  let decoder: ChunkDecoder;
  let redis: Redis | Cluster;
  let offset = 0;

  const client = () => {
    const created = testRedis();
    clients.push(created);
    return created;
  };
  const projection = (on: Redis | Cluster) => new ScoreChangeProjection(on, keys, decoder, topics, new ReadApiMetrics(), 10);
  const message = (key: string, value: Buffer): KafkaMessage => {
    offset += 1;
    return { key: Buffer.from(key), value, offset: String(offset), timestamp: String(Date.now()), attributes: 0, headers: {} };
  };
  const change = async (contactId: string, sequence: number, score: number, kind: 'EVENT' | 'MERGE' = 'EVENT') => {
    touched.add(contactId);
    const value: ScoreChangedValue = {
      id: `sc-${contactId}-${sequence}`,
      contactId,
      sequence,
      previousScore: 0,
      score,
      delta: score,
      gridName: 'starter',
      gridVersion: 1,
      cause: { kind, eventId: `e-${contactId}-${sequence}` },
      changedContributions: [],
      evaluatedAt: 1_000 + sequence,
    };
    return [message(contactId, await codec.encode('scoreChanged', value))];
  };
  const mergedAway = async (contactId: string, into: string) => {
    touched.add(contactId);
    const value: ContactMergedValue = {
      id: `m-${contactId}:${contactId}`,
      contactId,
      mergedInto: into,
      mergeEventId: `m-${contactId}`,
      occurredAt: 1_000,
      emittedAt: 2_000,
    };
    return [message(contactId, await codec.encode('contactMerged', value))];
  };
  const listed = (contactId: string) => redis.zscore(keys.leaderboard(), contactId);

  /**
   * A projection on a client of its own whose read of the identity parents (the step between the
   * per-contact projection and the leaderboard write) answers, then holds its caller until
   * `release`: `reached` resolves once it holds, the signal the test waits for (no sleep).
   */
  const slowProjection = () => {
    const own = client();
    const read = own.hmget.bind(own) as (...args: unknown[]) => Promise<unknown>;
    let reached!: () => void;
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    (own as unknown as { hmget: (...args: unknown[]) => Promise<unknown> }).hmget = async (...args) => {
      const parents = await read(...args);
      if (args[0] === keys.identityParents()) {
        reached();
        await released;
      }
      return parents;
    };
    return { projection: projection(own), holding, release };
  };

  beforeAll(async () => {
    keys = new KeyLayout(ctx.uniqueName('board-order'));
    topics = topicNames(ctx.uniqueName('board-order'));
    codec = await AvroCodec.connect({
      registryUrl: ctx.schemaRegistryUrl,
      topics,
      kinds: ['scoreChanged', 'contactMerged'],
      register: true,
    });
    // every message of this file decodes, so the dead-letter sender is never used (nor connected)
    const kafka = testKafka(ctx.uniqueName('board-order'));
    decoder = new ChunkDecoder(codec, new PartitionedSender(kafka, kafka.producer()), topics.deadLetters, {
      inc: () => undefined,
    });
    redis = client();
  });
  afterAll(async () => {
    const shared = [keys.leaderboard(), keys.leaderboardSequences(), keys.identityParents()];
    const perContact = [...touched].flatMap((id) => [keys.recentChanges(id), keys.projection(id)]);
    await Promise.all([...shared, ...perContact].map((key) => redis.del(key))).catch(() => undefined);
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  });

  it("keeps the newer score when the older change's leaderboard write lands last", async () => {
    const a = slowProjection();
    const older = a.projection.handle(topics.scoreChanged, 0, await change('c-race', 5, 100));
    await a.holding; // A projected sequence 5 and read back 100; its leaderboard write is still to come
    await projection(client()).handle(topics.scoreChanged, 0, await change('c-race', 6, 200));
    expect(await listed('c-race')).toBe('200');
    a.release();
    await older;
    expect(await listed('c-race')).toBe('200');
    // and the board still moves on, down too, with the next change
    await projection(redis).handle(topics.scoreChanged, 0, await change('c-race', 7, 50));
    expect(await listed('c-race')).toBe('50');
  });

  it('does not list again a contact unlisted as merged away when a change read before the link is written late', async () => {
    // by its contact-merged message, and by its MERGE change to 0 (both after the forest was linked)
    for (const [contactId, unlist] of [
      ['anon-by-message', async (id: string) => [topics.contactMerged, await mergedAway(id, 'c-root')] as const],
      ['anon-by-change', async (id: string) => [topics.scoreChanged, await change(id, 3, 0, 'MERGE')] as const],
    ] as const) {
      const b = projection(client());
      await b.handle(topics.scoreChanged, 0, await change(contactId, 1, 300));
      expect(await listed(contactId)).toBe('300');

      const a = slowProjection();
      const stale = a.projection.handle(topics.scoreChanged, 0, await change(contactId, 2, 500));
      await a.holding; // A read no parent for it: it is about to list it at 500
      // the scorer links the forest before it emits the merge's outputs; B projects them
      await redis.hset(keys.identityParents(), contactId, 'c-root');
      const [topic, outputs] = await unlist(contactId);
      await b.handle(topic, 0, outputs);
      expect(await listed(contactId), contactId).toBeNull();
      a.release();
      await stale;
      expect(await listed(contactId), contactId).toBeNull();
    }
  });

  it('heals a crash between the projection and the leaderboard write on the redelivery of an older change', async () => {
    await projection(redis).handle(topics.scoreChanged, 0, await change('c-crash', 6, 600));
    // sequence 7 is projected into the contact's keys, then the process dies before its board write
    const project = loadScript(redis, PROJECT_SCORE_CHANGE);
    touched.add('c-crash');
    expect((await project([keys.recentChanges('c-crash'), keys.projection('c-crash')], 7, 700, '{}', 10, 'score'))[0]).toBe(1);
    expect(await listed('c-crash')).toBe('600');
    // a redelivered chunk holding sequence 6 (the committed offset is before it) writes the latest
    await projection(redis).handle(topics.scoreChanged, 0, await change('c-crash', 6, 600));
    expect(await listed('c-crash')).toBe('700');
  });

  it('moves an entry written before the sequences were recorded (a missing sequence is older than any)', async () => {
    touched.add('c-old');
    await redis.zadd(keys.leaderboard(), 900, 'c-old'); // as the projection wrote it before
    await projection(redis).handle(topics.scoreChanged, 0, await change('c-old', 1, 400));
    expect(await listed('c-old')).toBe('400');
    expect(await redis.hget(keys.leaderboardSequences(), 'c-old')).toBe('1');
  });
});
