/** A partition's offset to commit: the next one to read (the last resolved + 1), as Kafka commits it. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export type CommitOffsets = (offsets: readonly PartitionOffset[]) => Promise<void>;

/**
 * Commits a consumer's resolved offsets on a timer, off the chunk path. kafkajs with `autoCommit`
 * commits after every batch, and the next fetch waits for that round trip to the group
 * coordinator: at low load it was most of a chunk's latency. Here a resolved offset is committed
 * within `intervalMs` (and on shutdown, or when a rebalance starts, by the consumer); a crash
 * before that only redelivers chunks whose effects are already durable, which every handler
 * treats as a no-op (docs/streaming.md).
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, PartitionOffset>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly commit: CommitOffsets,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The chunk ending at `offset` is durable: its partition is committed up to it next time. */
  resolved(topic: string, partition: number, offset: string): void {
    this.pending.set(`${topic}\u0000${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
  }

  /** Starts the timer if offsets wait and it is not running. */
  schedule(): void {
    if (this.stopped || this.timer !== undefined || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(this.onError);
    }, this.intervalMs);
  }

  /** Commits what waits now (with `commit`, or another committer such as kafkajs' batch payload's). */
  async flush(commit: CommitOffsets = this.commit): Promise<void> {
    const offsets = [...this.pending.values()];
    if (offsets.length === 0) return;
    try {
      await commit(offsets);
      // what was resolved meanwhile stays for the next commit
      for (const o of offsets) {
        const key = `${o.topic}\u0000${o.partition}`;
        if (this.pending.get(key)?.offset === o.offset) this.pending.delete(key);
      }
    } finally {
      this.schedule();
    }
  }

  get waiting(): readonly PartitionOffset[] {
    return [...this.pending.values()];
  }

  /** The group's assignment changed: what waits may be another member's partitions now. */
  forget(): void {
    this.pending.clear();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
