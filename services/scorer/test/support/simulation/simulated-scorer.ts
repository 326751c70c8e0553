import { toInputMessage } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import { handleInChunks, type ChunkLoopPayload } from '@leadscore/service-kit';
import { BatchScorer } from '../../../src/batch-scorer.js';
import type { ContactStore } from '../../../src/contact-updater.js';
import type { CrashPointName } from '../../../src/crash-points.js';
import type { ScorerMetrics } from '../../../src/metrics.js';
import type { OutputProducer } from '../../../src/output-producer.js';
import { OwnedStates } from '../../../src/owned-states.js';
import { ScorerError } from '../../../src/scorer-error.js';
import { SimulatedCrash } from '../crash-injection.js';
import type { InMemoryContactStore } from '../in-memory-contact-store.js';
import type { InMemoryIdentityStore } from '../in-memory-identity-store.js';
import type { IdentityStore } from '../../../src/identity-store.js';
import { JsonEventDecoder, PlainDeadLetterBuilder } from '../json-event-decoder.js';
import { JsonOutputEncoder } from '../json-output-encoder.js';
import type { RecordingProducer } from '../recording-producer.js';
import { NOW, TOPICS } from '../test-grid.js';
import type { CompiledGrid } from '@leadscore/engine';
import { ProcessKilled, type DeterministicScheduler, type SimProcess } from './deterministic-scheduler.js';
import type { InputStream } from './event-log.js';
import type { ScheduleRandom } from './schedule-random.js';
import { RebalanceInProgress, type PartitionClaim, type SimulatedConsumerGroup } from './simulated-consumer-group.js';

/** The shared world of a simulated run: the servers' state, the input log, the fault switches. */
export interface SimulatedWorld {
  readonly random: ScheduleRandom;
  readonly scheduler: DeterministicScheduler;
  /** The grid the scorers and the replay check use. */
  readonly grid: CompiledGrid;
  readonly group: SimulatedConsumerGroup;
  readonly store: InMemoryContactStore;
  readonly identity: InMemoryIdentityStore;
  readonly producer: RecordingProducer;
  readonly metrics: ScorerMetrics;
  /** The input, one stream per topic-partition (indexed as the group's partitions). */
  readonly streams: readonly InputStream[];
  readonly chunkSize: number;
  readonly maxBatch: number;
  /** Probability of each fault at each chance (0 once the run calms down). */
  faultRate: number;
  /** Set when the run is over: processes leave at their next poll. */
  finished: boolean;
  readonly stats: SimulationStats;
}

/** What a run went through, to show the faults were really injected. */
export interface SimulationStats {
  /** Crashes by crash point. */
  readonly crashes: Record<string, number>;
  kills: number;
  rebalances: number;
  /** Chunks an instance finished after its partition was handed to another (a zombie's writes). */
  zombieChunks: number;
  /** `contact_merged` events in the log. */
  readonly merges: number;
}

/**
 * One life of a scorer instance (a new one after each crash): the production BatchScorer and
 * chunk loop, over the world's fakes, every Redis and Kafka call a scheduler step where another
 * instance may run, where it may be killed, or where the call may fail. Its crash points throw.
 */
export class SimulatedScorer implements SimProcess {
  alive = true;
  private readonly claims = new Map<number, PartitionClaim>();
  private readonly scorer: BatchScorer;

  constructor(
    readonly name: string,
    private readonly world: SimulatedWorld,
  ) {
    this.scorer = new BatchScorer({
      grid: world.grid,
      topics: TOPICS,
      decoder: new JsonEventDecoder(),
      deadLetters: new PlainDeadLetterBuilder(),
      store: this.gatedStore(world.store),
      producer: this.gatedProducer(world.producer),
      scoreWriter: new JsonOutputEncoder(),
      metrics: world.metrics,
      now: () => NOW,
      crashPoint: (point) => this.maybeCrash(point),
      // this life's memory of what it committed: lost with the process, as in production
      owned: new OwnedStates(world.random.pick([0, 1, 2, 64])),
      identity: this.gatedIdentity(world.identity),
      unindex: (ids) =>
        this.redis('unindex', async () => {
          for (const id of ids) world.store.decayIndex.delete(id);
        }),
    });
  }

  /** For a stuck run's report. */
  describeClaims(): string {
    return [...this.claims.values()]
      .map((c) => `p${c.partition} g${c.generation} at ${c.position} resolved ${c.resolved}`)
      .join(', ');
  }

  claim(claim: PartitionClaim): void {
    this.claims.set(claim.partition, claim);
  }

  /** Polls its partitions until killed or the run ends; returns the error that ended it abnormally. */
  async run(): Promise<void> {
    const { scheduler, group, random } = this.world;
    try {
      while (this.alive && !this.world.finished) {
        await scheduler.step(this);
        for (const [partition, claim] of this.claims) if (!group.isCurrent(claim)) this.claims.delete(partition);
        if (this.claims.size === 0) continue;
        const claim = random.pick([...this.claims.values()]);
        if (claim.position >= this.world.streams[claim.partition]!.messages.length) {
          await this.autoCommit(claim);
          await this.flushClears();
        } else await this.consume(claim);
      }
      if (this.alive) await this.flushClears(); // a graceful stop sends the clears still owed
    } catch (error) {
      if (!(error instanceof ProcessKilled || error instanceof SimulatedCrash)) throw error;
      this.alive = false;
    } finally {
      scheduler.exited();
    }
  }

  /** kafkajs commits resolved offsets on an interval too: what a batch resolved is committed even when no commit was due in it. */
  private async autoCommit(claim: PartitionClaim): Promise<void> {
    if (claim.resolved <= this.world.group.committed[claim.partition]!) return;
    await this.world.scheduler.step(this);
    if (this.world.group.isCurrent(claim)) this.world.group.commit(claim);
  }

  /** One fetched batch of a partition through the production chunk loop. */
  private async consume(claim: PartitionClaim): Promise<void> {
    const { world } = this;
    const stream = world.streams[claim.partition]!;
    const { messages } = stream;
    const start = claim.position;
    if (start >= messages.length) return;
    const end = Math.min(messages.length, start + world.random.int(1, world.maxBatch));
    const payload: ChunkLoopPayload = {
      batch: { topic: stream.topic, partition: stream.partition, messages: messages.slice(start, end) },
      resolveOffset: (offset) => void (claim.resolved = Number(offset) + 1),
      commitOffsetsIfNecessary: async () => {
        if (world.faultRate > 0 && world.random.chance(0.5)) return; // not due yet
        await world.scheduler.step(this);
        world.group.commit(claim);
      },
      heartbeat: async () => {
        await world.scheduler.step(this);
        if (!world.group.isCurrent(claim)) throw new RebalanceInProgress(claim.partition);
      },
      isRunning: () => this.alive && !world.finished,
      isStale: () => false,
    };
    try {
      const result = await handleInChunks(payload, {
        chunkSize: world.chunkSize,
        handle: async (chunk) => {
          await this.scorer.score(chunk.map((m) => toInputMessage(stream.topic, stream.partition, m)));
          if (!world.group.isCurrent(claim)) world.stats.zombieChunks += 1; // handed over while it ran
        },
        beforeOffsetResolve: () => this.maybeCrash('before-offset-resolve'),
      });
      // a paused partition resumes from what was resolved; a finished batch fetches on
      claim.position = result.status === 'completed' ? end : claim.resolved;
    } catch (error) {
      if (!(error instanceof RebalanceInProgress)) throw error;
      // the partition may have been handed back to this instance meanwhile, under a new claim
      if (this.claims.get(claim.partition) === claim) this.claims.delete(claim.partition);
    }
  }

  /** Caught up: the idle timer's flush of the outbox clears still owed (a failure leaves them owed). */
  private async flushClears(): Promise<void> {
    await this.scorer.flushClears().catch((error: unknown) => {
      if (!(error instanceof ScorerError)) throw error;
    });
  }

  private maybeCrash(point: CrashPointName): void {
    if (!this.world.random.chance(this.world.faultRate)) return;
    this.alive = false;
    this.world.stats.crashes[point] = (this.world.stats.crashes[point] ?? 0) + 1;
    throw new SimulatedCrash(point);
  }

  /**
   * A Redis call: a step, maybe failing before it runs or (a commit) after, as a lost reply.
   * Calls issued together (a pipeline) take their steps one after another, in issue order, as
   * one connection serves them: the scheduler runs one waiting step of a process at a time.
   */
  private redis<T>(operation: string, call: () => Promise<T>, mayFailAfter = false): Promise<T> {
    const next = this.redisQueue.then(() => this.redisStep(operation, call, mayFailAfter));
    this.redisQueue = next.catch(() => undefined);
    return next;
  }

  private redisQueue: Promise<unknown> = Promise.resolve();

  private async redisStep<T>(operation: string, call: () => Promise<T>, mayFailAfter: boolean): Promise<T> {
    const { world } = this;
    await world.scheduler.step(this);
    if (world.random.chance(world.faultRate)) throw unavailable(operation);
    const result = await call();
    if (mayFailAfter && world.random.chance(world.faultRate)) throw unavailable(operation);
    return result;
  }

  private gatedStore(store: InMemoryContactStore): ContactStore {
    return {
      read: (ids, clears) => this.redis('read', () => store.read(ids, clears)),
      commit: (commits, clears) => this.redis('commit', () => store.commit(commits, clears), true),
      clearOutboxes: (produced) => this.redis('clear-outbox', () => store.clearOutboxes(produced)),
    };
  }

  private gatedIdentity(identity: InMemoryIdentityStore): IdentityStore {
    return {
      link: (merge) => this.redis('identity-link', () => identity.link(merge), true),
      roots: (ids) => this.redis('identity-roots', () => identity.roots(ids)),
      pending: (roots) => this.redis('identity-pending', () => identity.pending(roots)),
      seal: (id) => this.redis('seal', () => identity.seal(id), true),
      settle: (root, ids) => this.redis('identity-settle', () => identity.settle(root, ids), true),
    };
  }

  private gatedProducer(producer: RecordingProducer): OutputProducer {
    return {
      send: async (batch) => {
        await this.world.scheduler.step(this);
        const size = [...batch.values()].reduce((n, list) => n + list.length, 0);
        if (this.world.random.chance(this.world.faultRate)) producer.failNext(1, this.world.random.int(0, size));
        await producer.send(batch);
      },
    };
  }
}

function unavailable(operation: string): ScorerError {
  return new ScorerError(ErrorCode.RedisUnavailable, `simulated Redis ${operation} failure`);
}
