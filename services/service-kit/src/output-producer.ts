import type { PartitionedSender } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import type { OutputBatch } from './output-batch.js';
import { ServiceError } from './service-error.js';

/** Produces a batch of outputs and resolves once the broker acknowledged all of them. @throws PUBLISH_FAILED */
export interface OutputProducer {
  send(batch: OutputBatch): Promise<void>;
}

/** Kafka implementation: acks from all in-sync replicas, one produce call per partition (see PartitionedSender). */
export class KafkaOutputProducer implements OutputProducer {
  constructor(private readonly sender: PartitionedSender) {}

  async send(batch: OutputBatch): Promise<void> {
    if (batch.size === 0) return;
    try {
      await this.sender.sendBatch(
        [...batch].map(([topic, messages]) => ({
          topic,
          messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        })),
      );
    } catch (error) {
      // kafkajs gives up with errors it marks non-retriable (KafkaJSNumberOfRetriesExceeded):
      // for the consumer the chunk is still worth retrying after a backoff, as the outbox allows
      throw new ServiceError(ErrorCode.PublishFailed, `producing outputs failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
