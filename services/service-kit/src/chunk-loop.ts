import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { isRetriable } from '@leadscore/errors';

/** The part of kafkajs' eachBatch payload the chunk loop uses: a fake can drive it without a broker. */
export interface ChunkLoopPayload {
  readonly batch: {
    readonly topic: string;
    readonly partition: number;
    readonly messages: readonly KafkaMessage[];
  };
  readonly resolveOffset: EachBatchPayload['resolveOffset'];
  readonly heartbeat: EachBatchPayload['heartbeat'];
  readonly commitOffsetsIfNecessary: () => Promise<void>;
  readonly isRunning: () => boolean;
  readonly isStale: () => boolean;
}

export interface ChunkLoopOptions {
  readonly chunkSize: number;
  /** Handles one chunk; resolves once its effects are durable. */
  readonly handle: (messages: readonly KafkaMessage[]) => Promise<void>;
  /** Fault injection for tests: called between a chunk's handling and the resolve of its offset. */
  readonly beforeOffsetResolve?: (() => void) | undefined;
}

/**
 * How a batch ended: every chunk handled; stopped between chunks (the consumer is stopping, or
 * the batch went stale after a rebalance or seek); or a chunk failed with a retriable error
 * (nothing resolved from that chunk on: the caller pauses the partition).
 */
export type ChunkLoopResult =
  | { readonly status: 'completed'; readonly handled: number }
  | { readonly status: 'stopped'; readonly handled: number }
  | { readonly status: 'failed'; readonly handled: number; readonly error: Error };

/**
 * Handles a fetched batch in chunks. A chunk's last offset is resolved only after its handler
 * resolved, so a committed offset never covers unapplied work; offsets are committed when due
 * and the group heartbeat is sent between chunks (never from a timer: slow work must show).
 * A non-retriable error is thrown: kafkajs then restarts the consumer or gives up.
 */
export async function handleInChunks(payload: ChunkLoopPayload, options: ChunkLoopOptions): Promise<ChunkLoopResult> {
  const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
  let handled = 0;
  for (let start = 0; start < batch.messages.length; start += options.chunkSize) {
    if (!isRunning() || isStale()) return { status: 'stopped', handled };
    const chunk = batch.messages.slice(start, start + options.chunkSize);
    try {
      await options.handle(chunk);
    } catch (error) {
      if (!isRetriable(error)) throw error;
      return { status: 'failed', handled, error: error as Error };
    }
    handled += 1;
    options.beforeOffsetResolve?.();
    resolveOffset(chunk[chunk.length - 1]!.offset);
    await commitOffsetsIfNecessary();
    await heartbeat();
  }
  return { status: 'completed', handled };
}
