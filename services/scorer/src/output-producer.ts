import type { PartitionedSender } from '@leadscore/contracts';
import type { OutputBatch } from './input-message.js';

/** Produces a batch of outputs and resolves once the broker acknowledged all of them. */
export interface OutputProducer {
  send(batch: OutputBatch): Promise<void>;
}

/** Kafka implementation: acks from all in-sync replicas, one produce call per partition (see PartitionedSender). */
export class KafkaOutputProducer implements OutputProducer {
  constructor(private readonly sender: PartitionedSender) {}

  async send(batch: OutputBatch): Promise<void> {
    if (batch.size === 0) return;
    await this.sender.sendBatch(
      [...batch].map(([topic, messages]) => ({
        topic,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    );
  }
}
