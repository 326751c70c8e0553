import type { TopicBatch } from '@leadscore/contracts';
import type { StageChangeSender } from '../../src/lifecycle-workflow.js';

/** A PartitionedSender that records the batches it sent; `failNext` makes the next send fail as Kafka would. */
export class RecordingSender implements StageChangeSender {
  readonly sent: TopicBatch[] = [];
  private failures = 0;

  failNext(times = 1): void {
    this.failures += times;
  }

  async sendBatch(batches: readonly TopicBatch[]): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw Object.assign(new Error('broker unavailable'), { name: 'KafkaJSConnectionError' });
    }
    this.sent.push(...batches);
  }

  messagesTo(topic: string): TopicBatch['messages'] {
    return this.sent.filter((b) => b.topic === topic).flatMap((b) => b.messages);
  }
}
