import type { AvroCodec, DeadLetterValue } from '@leadscore/contracts';
import type { DeadLetterReason } from './event-decoder.js';
import type { InputMessage, OutputMessage } from './input-message.js';

/**
 * Builds dead-letter messages: the original key, value bytes and headers kept whole, the reason
 * and origin both in the Avro value and in x-dlq-* headers (readable without the registry).
 * The message text names fields, never their values, so no PII reaches the topic's readers' logs.
 */
export class DeadLetterWriter {
  constructor(
    private readonly codec: AvroCodec,
    private readonly failedBy: string,
  ) {}

  async build(source: InputMessage, reason: DeadLetterReason, message: string, now: number): Promise<OutputMessage> {
    const originalHeaders: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(source.headers)) {
      if (value === undefined) continue;
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) originalHeaders[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
    }
    const value: DeadLetterValue = {
      reason,
      message,
      sourceTopic: source.topic,
      sourcePartition: source.partition,
      sourceOffset: source.offset,
      sourceTimestamp: Number.isFinite(Number(source.timestamp)) ? Number(source.timestamp) : null,
      originalKey: source.key,
      originalValue: source.value,
      originalHeaders,
      failedAt: now,
      failedBy: this.failedBy,
    };
    return {
      key: source.key,
      value: await this.codec.encode('deadLetters', value),
      headers: {
        ...originalHeaders,
        'x-dlq-reason': reason,
        'x-dlq-message': message.slice(0, 1000),
        'x-dlq-topic': source.topic,
        'x-dlq-partition': String(source.partition),
        'x-dlq-offset': source.offset,
        'x-dlq-failed-by': this.failedBy,
      },
    };
  }
}
