import type { Kafka } from 'kafkajs';
import { AvroCodec, TOPIC_KINDS, type TopicNames } from '@leadscore/contracts';

/** As the scorer's own default (TOPIC_PARTITIONS). */
const PARTITIONS = 6;

/**
 * Creates this run's topics and registers every schema before the scorer starts, as a deployment
 * would (the scorer then runs with PROVISION=false). Done here rather than by the scorer because
 * its /readyz answers 200 while it is still provisioning, so "ready" would not mean "the topics
 * and schemas exist". Idempotent. Returns a codec for the demo's own produce and consume.
 */
export async function provisionDemoTopics(kafka: Kafka, topics: TopicNames, registryUrl: string): Promise<AvroCodec> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = TOPIC_KINDS.map((kind) => topics[kind]).filter((topic) => !existing.has(topic));
    if (missing.length > 0)
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: PARTITIONS })) });
  } finally {
    await admin.disconnect();
  }
  return AvroCodec.connect({ registryUrl, topics, register: true });
}
