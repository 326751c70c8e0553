import type { Kafka } from 'kafkajs';
import { TOPIC_KINDS, type TopicNames } from '@leadscore/contracts';

/** Creates the topics of `topics` that do not exist yet (replication: the broker's default). Idempotent. */
export async function provisionTopics(kafka: Kafka, topics: TopicNames, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = TOPIC_KINDS.map((kind) => topics[kind]).filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin
        .createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions })) })
        .catch((error: Error) => {
          // another service provisioning the same topics at the same moment
          if (!/already exists/i.test(error.message)) throw error;
        });
    }
  } finally {
    await admin.disconnect();
  }
}
