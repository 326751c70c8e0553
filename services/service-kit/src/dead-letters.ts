import type { KafkaMessage, Message } from 'kafkajs';
import type { AvroCodec, DeadLetterValue } from '@leadscore/contracts';

/**
 * Builds a dead letter for an input message that cannot be used: the original key, value bytes
 * and headers, plus `x-dlq-*` headers and the same in the Avro value (docs/streaming.md).
 */
export async function deadLetterFor(
  codec: Pick<AvroCodec, 'encode'>,
  failedBy: string,
  source: { topic: string; partition: number; message: KafkaMessage },
  reason: string,
  message: string,
  now: number,
): Promise<Message> {
  const { topic, partition } = source;
  const original = source.message;
  const originalHeaders: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(original.headers ?? {})) {
    if (Buffer.isBuffer(value)) originalHeaders[name] = value;
    else if (typeof value === 'string') originalHeaders[name] = Buffer.from(value);
  }
  const value: DeadLetterValue = {
    reason,
    message,
    sourceTopic: topic,
    sourcePartition: partition,
    sourceOffset: original.offset,
    sourceTimestamp: Number(original.timestamp) || null,
    originalKey: original.key ?? null,
    originalValue: original.value ?? null,
    originalHeaders,
    failedAt: now,
    failedBy,
  };
  return {
    key: original.key ?? null,
    value: await codec.encode('deadLetters', value),
    headers: {
      ...originalHeaders,
      'x-dlq-reason': reason,
      'x-dlq-message': message,
      'x-dlq-topic': topic,
      'x-dlq-partition': String(partition),
      'x-dlq-offset': original.offset,
    },
  };
}
