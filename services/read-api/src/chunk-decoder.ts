import type { KafkaMessage, Message } from 'kafkajs';
import { DeadLetterBuilder, toInputMessage, type AvroCodec, type PartitionedSender, type TopicKind } from '@leadscore/contracts';
import { ErrorCode, isRetriable } from '@leadscore/errors';
import { ServiceError } from '@leadscore/service-kit';

/**
 * Decodes the chunks the read API's projections consume. What does not decode goes to the
 * dead-letter topic with its origin (produced before the chunk's offsets are resolved, so a
 * dead letter is never lost); a retriable failure (the registry down) is thrown instead, so the
 * chunk is retried whole.
 */
export class ChunkDecoder {
  private readonly deadLetters: DeadLetterBuilder;

  constructor(
    private readonly codec: AvroCodec,
    private readonly sender: PartitionedSender,
    private readonly deadLetterTopic: string,
    private readonly deadLettered: { inc(count: number): void },
    private readonly now: () => number = Date.now,
  ) {
    this.deadLetters = new DeadLetterBuilder(codec, 'read-api');
  }

  /**
   * The values of the chunk that decode, in order.
   * @throws ServiceError PUBLISH_FAILED when the dead letters could not be produced (retriable)
   */
  async decode<T>(kind: TopicKind, topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<T[]> {
    const values: T[] = [];
    const deadLetters: Message[] = [];
    for (const message of messages) {
      try {
        values.push(await this.codec.decode<T>(kind, message.value ?? null));
      } catch (error) {
        if (isRetriable(error)) throw error;
        deadLetters.push(await this.deadLetters.ofDecodeFailure(toInputMessage(topic, partition, message), error, this.now()));
      }
    }
    if (deadLetters.length > 0) {
      try {
        await this.sender.sendBatch([{ topic: this.deadLetterTopic, messages: deadLetters }]);
      } catch (error) {
        throw new ServiceError(ErrorCode.PublishFailed, `producing dead letters failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      this.deadLettered.inc(deadLetters.length);
    }
    return values;
  }
}
