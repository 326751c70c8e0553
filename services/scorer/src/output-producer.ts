import type { Producer } from 'kafkajs';
import type { OutputBatch } from './input-message.js';

/** Produces a batch of outputs and resolves once the broker acknowledged all of them. */
export interface OutputProducer {
  send(batch: OutputBatch): Promise<void>;
}

/** kafkajs implementation: one sendBatch per call, acks from all in-sync replicas. */
export class KafkaOutputProducer implements OutputProducer {
  constructor(private readonly producer: Producer) {}

  async send(batch: OutputBatch): Promise<void> {
    if (batch.size === 0) return;
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...batch].map(([topic, messages]) => ({
        topic,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
  }
}
