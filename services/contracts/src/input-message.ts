import type { KafkaMessage } from 'kafkajs';

/** A consumed Kafka message, independent of the Kafka client library. */
export interface InputMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset (int64) as a decimal string */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  /** broker or producer timestamp, epoch ms as a decimal string */
  readonly timestamp: string;
}

/** A kafkajs message of `topic`/`partition` as an `InputMessage`. */
export function toInputMessage(topic: string, partition: number, message: KafkaMessage): InputMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: (message.headers ?? {}) as InputMessage['headers'],
    timestamp: message.timestamp,
  };
}
