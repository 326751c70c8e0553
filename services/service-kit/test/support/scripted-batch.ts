import type { KafkaMessage } from 'kafkajs';
import type { ChunkLoopPayload } from '../../src/chunk-loop.js';

/**
 * A kafkajs-shaped eachBatch payload without a broker: what the loop did is recorded in `log`
 * (`resolve:<offset>`, `commit`, `heartbeat`; the test adds its handler's entries), and
 * `running` / `stale` can be flipped by the test at any moment.
 */
export class ScriptedBatch {
  readonly log: string[] = [];
  readonly resolved: string[] = [];
  running = true;
  stale = false;
  readonly payload: ChunkLoopPayload;

  constructor(offsets: readonly number[], topic = 't', partition = 0) {
    const messages: KafkaMessage[] = offsets.map((offset) => ({
      offset: String(offset),
      key: null,
      value: Buffer.from(`m${offset}`),
      timestamp: '0',
      attributes: 0,
      headers: {},
    }));
    this.payload = {
      batch: { topic, partition, messages },
      resolveOffset: (offset) => {
        this.resolved.push(offset);
        this.log.push(`resolve:${offset}`);
      },
      commitOffsetsIfNecessary: async () => {
        this.log.push('commit');
      },
      heartbeat: async () => {
        this.log.push('heartbeat');
      },
      isRunning: () => this.running,
      isStale: () => this.stale,
    };
  }
}
