import { Kafka, logLevel, type Admin } from 'kafkajs';
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
