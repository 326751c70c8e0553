/**
 * One measured pass of one Kafka client, as the comparison's child process runs it: what it is
 * asked to do (`PassSpec`), what it reports (`PassResult`), and the meter every client's pass
 * feeds. The clock and the CPU reading start at the first message consumed (group join and
 * connection set-up excluded) and stop when the pass is complete: every input message consumed
 * (consume-only), or every output message acknowledged by the broker (relay).
 */
export const CLIENT_NAMES = ['kafkajs', 'confluent', 'platformatic'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

/** consume: count every input message; relay: produce one output per input, then commit its offset. */
export type PassMode = 'consume' | 'relay';

export interface PassSpec {
  readonly client: ClientName;
  readonly mode: PassMode;
  readonly brokers: readonly string[];
  readonly inputTopics: readonly string[];
  readonly outputTopic: string;
  readonly groupId: string;
  /** Messages in the input topics: the pass is complete when this many are consumed (and, relaying, acknowledged). */
  readonly expected: number;
  /** Most messages produced and committed together, as the scorer's chunk (SCORER_CHUNK_SIZE). */
  readonly chunkSize: number;
}

export interface PassResult {
  readonly client: ClientName;
  readonly mode: PassMode;
  readonly events: number;
  readonly outputs: number;
  readonly ms: number;
  /** User + system CPU of the whole process (every thread: librdkafka's too) over `ms`, in µs. */
  readonly cpuMicros: number;
  /** Peak resident set size of the process over its life (getrusage maxrss), in bytes. */
  readonly peakRssBytes: number;
  readonly meanValueBytes: number;
}

export class PassMeter {
  private events = 0;
  private outputs = 0;
  private valueBytes = 0;
  private firstAt = 0;
  private lastAt = 0;
  private cpuAtFirst: NodeJS.CpuUsage | undefined;
  private cpuMicros = 0;
  private done!: () => void;
  private failed!: (error: Error) => void;
  /** Resolves when the pass is complete; rejects when the client failed it (`fail`). */
  readonly finished = new Promise<void>((resolve, reject) => {
    this.done = resolve;
    this.failed = reject;
  });

  constructor(private readonly spec: PassSpec) {}

  /** Called as messages reach the application, with the bytes of their values. */
  consumed(messages: number, valueBytes: number): void {
    if (this.cpuAtFirst === undefined) {
      this.cpuAtFirst = process.cpuUsage();
      this.firstAt = performance.now();
    }
    this.events += messages;
    this.valueBytes += valueBytes;
    if (this.spec.mode === 'consume' && this.events >= this.spec.expected) this.finish();
  }

  /** Called when the broker acknowledged `messages` outputs. */
  acknowledged(messages: number): void {
    this.outputs += messages;
    if (this.spec.mode === 'relay' && this.outputs >= this.spec.expected) this.finish();
  }

  /** A failure the client reported outside the awaited calls (a send or commit of a pipelined chunk). */
  fail(error: Error): void {
    this.failed(error);
  }

  result(): PassResult {
    return {
      client: this.spec.client,
      mode: this.spec.mode,
      events: this.events,
      outputs: this.outputs,
      ms: this.lastAt - this.firstAt,
      cpuMicros: this.cpuMicros,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      meanValueBytes: this.events > 0 ? Math.round(this.valueBytes / this.events) : 0,
    };
  }

  private finish(): void {
    if (this.lastAt > 0) return;
    this.lastAt = performance.now();
    const used = process.cpuUsage(this.cpuAtFirst);
    this.cpuMicros = used.user + used.system;
    this.done();
  }
}

/** The bytes of the messages' values (a null value, a tombstone, counts 0). */
export function valueBytes(messages: readonly { readonly value?: Buffer | null }[]): number {
  let bytes = 0;
  for (const m of messages) bytes += m.value?.length ?? 0;
  return bytes;
}

/**
 * `consumer.run` options of a KafkaJS-style client (kafkajs, and Confluent's KafkaJS API): two
 * partitions at a time as the scorer's default; relaying, offsets are resolved by `relay` only.
 */
export function eachBatchRun<P extends { readonly batch: { readonly messages: readonly { readonly value: Buffer | null }[] } }>(
  spec: PassSpec,
  meter: PassMeter,
  relay: (payload: P) => Promise<void>,
) {
  const count = async ({ batch }: P) => meter.consumed(batch.messages.length, valueBytes(batch.messages));
  return {
    partitionsConsumedConcurrently: 2,
    eachBatchAutoResolve: spec.mode === 'consume',
    eachBatch: spec.mode === 'relay' ? relay : count,
  };
}
