import type { OutputBatch, OutputMessage } from '../../src/output-batch.js';
import type { OutputProducer } from '../../src/output-producer.js';
import { ErrorCode } from '@leadscore/errors';
import { ScorerError } from '../../src/scorer-error.js';

export interface SentOutput {
  readonly topic: string;
  readonly message: OutputMessage;
}

/**
 * An OutputProducer that records what it sent, in order. `failNext` makes the next sends fail
 * as Kafka would (retriable); `partial` sends only the first n messages of a failing send
 * first, as a produce that reached some partitions' leaders and not others.
 */
export class RecordingProducer implements OutputProducer {
  readonly sent: SentOutput[] = [];
  private failures: { partial: number }[] = [];

  failNext(times = 1, partial = 0): void {
    for (let i = 0; i < times; i += 1) this.failures.push({ partial });
  }

  async send(batch: OutputBatch): Promise<void> {
    if (batch.size === 0) return;
    const messages = [...batch].flatMap(([topic, list]) => list.map((message) => ({ topic, message })));
    const failure = this.failures.shift();
    if (failure) {
      this.sent.push(...messages.slice(0, failure.partial));
      throw new ScorerError(ErrorCode.PublishFailed, 'simulated produce failure');
    }
    this.sent.push(...messages);
  }

  /** The ids (`x-id` header) sent to a topic, in order, duplicates included. */
  idsSentTo(topic: string): string[] {
    return this.sent.filter((s) => s.topic === topic).map((s) => String(s.message.headers?.['x-id'] ?? ''));
  }
}
