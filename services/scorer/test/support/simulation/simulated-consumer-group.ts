/** What kafkajs throws at a member that lost its partitions (a heartbeat or commit after a rebalance). */
export class RebalanceInProgress extends Error {
  constructor(partition: number) {
    super(`partition ${partition} was reassigned`);
    this.name = 'RebalanceInProgress';
  }
}

/** A member's hold on a partition: the generation it was given, where it fetches, what it resolved. */
export interface PartitionClaim {
  readonly partition: number;
  readonly generation: number;
  /** Next offset to fetch. */
  position: number;
  /** Next offset to read after what was resolved (what a commit stores). */
  resolved: number;
}

/**
 * The consumer group's committed offsets and assignments. Each assignment of a partition bumps its
 * generation; a commit with an older generation is refused, as the group coordinator fences a
 * member that was rebalanced out. The old owner is not told: it finishes the chunk in flight
 * (a zombie) until its next heartbeat or commit fails.
 */
export class SimulatedConsumerGroup {
  readonly committed: number[];
  readonly generations: number[];
  readonly owners: (string | null)[];

  constructor(readonly partitions: number) {
    this.committed = new Array<number>(partitions).fill(0);
    this.generations = new Array<number>(partitions).fill(0);
    this.owners = new Array<string | null>(partitions).fill(null);
  }

  assign(partition: number, owner: string): PartitionClaim {
    this.generations[partition]! += 1;
    this.owners[partition] = owner;
    const committed = this.committed[partition]!;
    return { partition, generation: this.generations[partition]!, position: committed, resolved: committed };
  }

  isCurrent(claim: PartitionClaim): boolean {
    return this.generations[claim.partition] === claim.generation;
  }

  commit(claim: PartitionClaim): void {
    if (!this.isCurrent(claim)) throw new RebalanceInProgress(claim.partition);
    this.committed[claim.partition] = claim.resolved;
  }
}
