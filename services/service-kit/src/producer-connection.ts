import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Readiness } from './readiness.js';

/**
 * Connects the idempotent producer every service sends with (broker-side dedupe of the
 * producer's own retries; acks=-1 on every send) and reports it in `readiness` under
 * `producer`: not ready until connected, and again while disconnected.
 */
export async function connectProducer(kafka: Kafka, readiness: Readiness): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  readiness.set('producer', 'connecting');
  producer.on(producer.events.CONNECT, () => readiness.set('producer', null));
  producer.on(producer.events.DISCONNECT, () => readiness.set('producer', 'disconnected'));
  await producer.connect();
  return producer;
}
