import { KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { PartitionedSender } from '@leadscore/contracts';
import { ErrorCode, isRetriable } from '@leadscore/errors';
import { KafkaOutputProducer } from '../src/output-producer.js';

/** A sender that fails as kafkajs does once its own retries are spent. */
function givingUpSender(failure: Error): PartitionedSender {
  return {
    sendBatch: async () => {
      throw failure;
    },
  } as unknown as PartitionedSender;
}

describe('KafkaOutputProducer', () => {
  it('wraps a send kafkajs gave up on (not retriable to kafkajs) as a retriable PUBLISH_FAILED, so the chunk loop pauses instead of crashing', async () => {
    const raw = new KafkaJSNumberOfRetriesExceeded(new Error('broker unavailable'), { retryCount: 5, retryTime: 100 });
    expect(isRetriable(raw)).toBe(false);
    const producer = new KafkaOutputProducer(givingUpSender(raw));
    const batch = new Map([['leadscore.score-changed', [{ key: 'c-1', value: Buffer.from('v') }]]]);

    const failure = await producer.send(batch).catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: ErrorCode.PublishFailed, retriable: true, cause: raw });
    expect(isRetriable(failure)).toBe(true);
  });
});
