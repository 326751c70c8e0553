import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@leadscore/errors';
import { handleInChunks } from '../src/chunk-loop.js';
import { ServiceError } from '../src/service-error.js';
import { ScriptedBatch } from './support/scripted-batch.js';

const offsetsOf = (messages: readonly KafkaMessage[]): string => messages.map((m) => m.offset).join(',');

describe('handleInChunks', () => {
  it('handles chunks in order; resolves each chunk’s last offset only after its handler, then commits and heartbeats', async () => {
    const batch = new ScriptedBatch([10, 11, 12, 13, 14]);
    const result = await handleInChunks(batch.payload, {
      chunkSize: 2,
      handle: async (chunk) => {
        batch.log.push(`start:${offsetsOf(chunk)}`);
        await Promise.resolve();
        batch.log.push(`done:${offsetsOf(chunk)}`);
      },
    });
    expect(result).toEqual({ status: 'completed', handled: 3 });
    expect(batch.log).toEqual([
      'start:10,11',
      'done:10,11',
      'resolve:11',
      'commit',
      'heartbeat',
      'start:12,13',
      'done:12,13',
      'resolve:13',
      'commit',
      'heartbeat',
      'start:14',
      'done:14',
      'resolve:14',
      'commit',
      'heartbeat',
    ]);
  });

  it('a chunk failing with a retriable error resolves nothing from it on and handles no later chunk', async () => {
    const batch = new ScriptedBatch([1, 2, 3, 4, 5, 6]);
    const failure = new ServiceError(ErrorCode.RedisUnavailable, 'down');
    const result = await handleInChunks(batch.payload, {
      chunkSize: 2,
      handle: async (chunk) => {
        batch.log.push(`handle:${offsetsOf(chunk)}`);
        if (chunk[0]!.offset === '3') throw failure;
      },
    });
    expect(result).toEqual({ status: 'failed', handled: 1, error: failure });
    expect(batch.resolved).toEqual(['2']);
    expect(batch.log).toEqual(['handle:1,2', 'resolve:2', 'commit', 'heartbeat', 'handle:3,4']);
  });

  it('a non-retriable error is thrown, with nothing resolved for its chunk', async () => {
    const batch = new ScriptedBatch([1, 2, 3]);
    const bug = new TypeError('bug');
    await expect(
      handleInChunks(batch.payload, {
        chunkSize: 1,
        handle: async (chunk) => {
          if (chunk[0]!.offset === '2') throw bug;
        },
      }),
    ).rejects.toBe(bug);
    expect(batch.resolved).toEqual(['1']);
  });

  it.each(['running', 'stale'] as const)('stops between chunks once the consumer is %s-flagged to stop', async (flag) => {
    const batch = new ScriptedBatch([1, 2, 3, 4]);
    const result = await handleInChunks(batch.payload, {
      chunkSize: 1,
      handle: async (chunk) => {
        batch.log.push(`handle:${offsetsOf(chunk)}`);
        if (chunk[0]!.offset === '2') {
          if (flag === 'running') batch.running = false;
          else batch.stale = true;
        }
      },
    });
    // the chunk in flight finishes and is resolved; the next one is not started
    expect(result).toEqual({ status: 'stopped', handled: 2 });
    expect(batch.resolved).toEqual(['1', '2']);
    expect(batch.log.filter((l) => l.startsWith('handle'))).toEqual(['handle:1', 'handle:2']);
  });

  it('does not start a batch whose consumer is already stopping', async () => {
    const batch = new ScriptedBatch([1, 2]);
    batch.running = false;
    let handled = 0;
    const result = await handleInChunks(batch.payload, { chunkSize: 5, handle: async () => void (handled += 1) });
    expect(result).toEqual({ status: 'stopped', handled: 0 });
    expect(handled).toBe(0);
    expect(batch.log).toEqual([]);
  });

  it('calls beforeOffsetResolve between the handler and the resolve: a crash there resolves nothing', async () => {
    const batch = new ScriptedBatch([1, 2]);
    const crash = new Error('crash before resolve');
    await expect(
      handleInChunks(batch.payload, {
        chunkSize: 1,
        handle: async (chunk) => void batch.log.push(`handle:${offsetsOf(chunk)}`),
        beforeOffsetResolve: () => {
          if (batch.resolved.length === 1) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect(batch.log).toEqual(['handle:1', 'resolve:1', 'commit', 'heartbeat', 'handle:2']);
  });
});
