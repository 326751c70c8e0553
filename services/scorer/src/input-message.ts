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

/** A message as kafkajs consumed it, from `partition` of `topic`. */
export function toInput(topic: string, partition: number, m: KafkaMessage): InputMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers: (m.headers ?? {}) as InputMessage['headers'],
    timestamp: m.timestamp,
  };
}

/** A message to produce. */
export interface OutputMessage {
  readonly key: string | Buffer | null;
  readonly value: Buffer;
  readonly headers?: Record<string, string | Buffer>;
}

export type OutputBatch = Map<string, OutputMessage[]>;

export function addOutput(batch: OutputBatch, topic: string, message: OutputMessage): void {
  const list = batch.get(topic);
  if (list) list.push(message);
  else batch.set(topic, [message]);
}
