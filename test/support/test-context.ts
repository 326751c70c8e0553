import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import type { TestEndpoints } from './endpoints.js';

let counter = 0;

/** The servers of this test run and names no other run (or test) can collide with. */
export function testContext(): TestEndpoints & { uniqueName(label: string): string } {
  const endpoints = inject('endpoints');
  return {
    ...endpoints,
    uniqueName(label: string): string {
      counter += 1;
      return `${endpoints.runId}-${process.pid}-${counter}-${label}`;
    },
  };
}

export function testKafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: inject('endpoints').kafkaBrokers, logLevel: logLevel.NOTHING });
}

/** Creates topics explicitly (auto-creation is off in our stack) and waits for their leaders. */
export async function createTopics(admin: Admin, topics: string[], numPartitions = 3): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions })), // replication: the broker default
  });
}

/** A Redis client for the run's Redis (a Cluster client in the clustered topology). */
export function testRedis(): Redis | Cluster {
  const { redisUrl, redisCluster } = inject('endpoints');
  if (!redisCluster) return new Redis(redisUrl);
  const seed = new URL(redisUrl);
  return new Cluster([{ host: seed.hostname, port: Number(seed.port) }]);
}

/** GET of many keys (one per contact, so possibly in different cluster slots), in order. */
export async function getValues(redis: Redis | Cluster, keys: readonly string[]): Promise<(string | null)[]> {
  return Promise.all(keys.map((key) => redis.get(key)));
}
