import { ErrorCode, LeadscoreError } from '@leadscore/errors';
import type { AvroCodec } from './avro-codec.js';
import type { DeadLetterValue } from './event-shapes.js';
import type { InputMessage } from './input-message.js';

/** Longest `x-dlq-message` header: a header is for a glance; the Avro value keeps the whole text. */
const MAX_HEADER_MESSAGE = 1000;

/** A dead letter ready to produce to the dead-letter topic (a kafkajs `Message` too). */
export interface DeadLetterMessage {
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Record<string, string | Buffer>;
}

/**
 * Builds the dead letters of one service (`failedBy`): the original key, value bytes and headers
 * kept whole, the reason and origin both in the Avro value (schemas/avro/dead-letter.avsc) and in
 * `x-dlq-*` headers, readable without the registry (`leadscore dlq` reads both; docs/streaming.md).
 * The message names fields, never their values, so no PII reaches the topic's readers' logs.
 */
export class DeadLetterBuilder {
  constructor(
    private readonly codec: Pick<AvroCodec, 'encode'>,
    private readonly failedBy: string,
  ) {}

  /** The dead letter of a message that failed to decode: the error's code, UNDECODABLE for an error without one. */
  ofDecodeFailure(source: InputMessage, error: unknown, now: number): Promise<DeadLetterMessage> {
    const reason = error instanceof LeadscoreError ? error.code : ErrorCode.Undecodable;
    return this.build(source, reason, error instanceof Error ? error.message : String(error), now);
  }

  async build(source: InputMessage, reason: ErrorCode, message: string, now: number): Promise<DeadLetterMessage> {
    const originalHeaders = firstHeaderValues(source.headers);
    const timestamp = Number(source.timestamp);
    const value: DeadLetterValue = {
      reason,
      message,
      sourceTopic: source.topic,
      sourcePartition: source.partition,
      sourceOffset: source.offset,
      sourceTimestamp: Number.isFinite(timestamp) ? timestamp : null,
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
        'x-dlq-message': message.slice(0, MAX_HEADER_MESSAGE),
        'x-dlq-topic': source.topic,
        'x-dlq-partition': String(source.partition),
        'x-dlq-offset': source.offset,
        'x-dlq-failed-by': this.failedBy,
      },
    };
  }
}

/** Each header as bytes; of a repeated header, its first value (the Avro map holds one). */
function firstHeaderValues(headers: InputMessage['headers']): Record<string, Buffer> {
  const bytes: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) bytes[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return bytes;
}
