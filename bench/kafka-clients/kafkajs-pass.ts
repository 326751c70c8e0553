/**
 * kafkajs 2.2.4, as the scorer drives it: eachBatch without auto-resolve, two partitions at a
 * time, the scorer's fetch sizes; relaying, each chunk is produced through the scorer's
 * PartitionedSender (idempotent producer, acks=all), then its offset resolved and a heartbeat sent.
 */
import { Kafka, Partitioners, logLevel, type EachBatchPayload } from 'kafkajs';
import { PartitionedSender } from '@leadscore/contracts';
import { eachBatchRun, valueBytes, type PassMeter, type PassSpec } from './pass-meter.js';

export async function runKafkajsPass(spec: PassSpec, meter: PassMeter): Promise<void> {
  const kafka = new Kafka({ clientId: spec.groupId, brokers: [...spec.brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: spec.groupId, maxBytesPerPartition: 512 * 1024, maxBytes: 4 * 1024 * 1024 });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const sender = new PartitionedSender(kafka, producer);
  await Promise.all([consumer.connect(), spec.mode === 'relay' ? producer.connect() : undefined]);
  try {
    await consumer.subscribe({ topics: [...spec.inputTopics], fromBeginning: true });
    const relay = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
      for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += spec.chunkSize) {
        const chunk = batch.messages.slice(i, i + spec.chunkSize);
        meter.consumed(chunk.length, valueBytes(chunk));
        await sender.sendBatch([{ topic: spec.outputTopic, messages: chunk.map((m) => ({ key: m.key, value: m.value })) }]);
        meter.acknowledged(chunk.length);
        resolveOffset(chunk[chunk.length - 1]!.offset);
        await heartbeat();
      }
    };
    await consumer.run(eachBatchRun(spec, meter, relay));
    await meter.finished;
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()]);
  }
}
