import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DeadLetterBuilder, toInputMessage, topicNames, type TopicNames } from '@leadscore/contracts';
import type { CompiledGrid, ScoreChange } from '@leadscore/engine';
import { ErrorCode } from '@leadscore/errors';
import {
  errorFields,
  StreamService,
  type ConsumerServiceOptions,
  type RedisClient,
  type RedisSettings,
  type RuntimeContext,
  type ServiceParts,
  type StreamStep,
} from '@leadscore/service-kit';
import { BatchScorer } from './batch-scorer.js';
import type { ScorerConfig } from './config.js';
import { ContactStateStore } from './contact-state-store.js';
import { crashPoints, type CrashPoint } from './crash-points.js';
import { EventDecoder } from './event-decoder.js';
import { GridChangeDrain } from './grid-change-drain.js';
import { GridSwitch } from './grid-switch.js';
import { LiveGrid } from './live-grid.js';
import { ScorerMetrics } from './metrics.js';
import { KafkaOutputProducer } from './output-producer.js';
import { IdleClearTimer } from './idle-clear-timer.js';
import { RedisIdentityStore } from './identity-store.js';
import { OwnedStates } from './owned-states.js';
import { ReevaluationSweeper } from './reevaluation-sweeper.js';
import { ScoreOutputWriter } from './score-output-writer.js';
import { ScorerError } from './scorer-error.js';
import { SweepScheduler } from './sweep-scheduler.js';
import { KeyLayout, PublishedGridStore } from '@leadscore/redis-layout';

/**
 * How long produced outboxes may wait for another round trip to carry their clears. Longer only
 * leaves outputs already produced in Redis a little longer (a writer after a crash would
 * produce them again, same ids).
 */
const OUTBOX_CLEAR_IDLE_MS = 100;

export interface ScorerServiceOptions extends ConsumerServiceOptions<ScorerConfig> {
  /** GRID_FILE's grid: the running one unless the console has published another (SCORER_GRID_SOURCE). */
  readonly grid: CompiledGrid;
  /** Tests: where the work stops (e.g. throws after the state commit); replaces SCORER_CRASH_POINTS. */
  readonly crashPoint?: CrashPoint;
}

/**
 * The scorer as a StreamService: its own parts are the batch scorer (the consumer's
 * chunk handler), the decay and grid-change sweeps (SweepScheduler) and the grid switch.
 * `start` returns once the consumer is running; `stop` drains gracefully.
 */
export class ScorerService extends StreamService<ScorerMetrics, RedisSettings, StreamStep> {
  readonly topics: TopicNames;
  private sweeps?: SweepScheduler;
  private live?: LiveGrid;

  constructor(private readonly options: ScorerServiceOptions) {
    const { config } = options;
    const topics = topicNames(config.topicPrefix);
    super(new ScorerMetrics({ defaultMetrics: true }), config.httpPort, {
      name: 'scorer',
      logger: options.logger,
      opsPort: config.httpPort,
      redis: config,
      stream: { settings: config, topics },
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    });
    this.topics = topics;
  }

  /** Runs the decay sweeper now, until nothing is due, after any sweep in progress; returns the changes it emitted. */
  sweepNow(): Promise<ScoreChange[]> {
    return this.sweeps?.sweepNow() ?? Promise.resolve([]);
  }

  /** Waits for the start-up grid-change re-evaluation (and any sweep in progress) to end. */
  async settled(): Promise<void> {
    await this.sweeps?.settled();
  }

  /** Looks for a published grid now (as the poll does); `waitForQueueing`: and for a switch's queueing. */
  async refreshGrid({ waitForQueueing = true }: { waitForQueueing?: boolean } = {}): Promise<void> {
    await this.live?.refresh();
    if (waitForQueueing) await this.live?.queued();
  }

  /** The grid this scorer runs now and its generation. */
  runningGrid(): { readonly grid: CompiledGrid; readonly generation: number } | undefined {
    const running = this.live?.current();
    return running ? { grid: running.compiled, generation: running.generation } : undefined;
  }

  protected async parts({ redis, stream: { codec, sender } }: RuntimeContext<RedisSettings, StreamStep>): Promise<ServiceParts> {
    const { config, grid, logger } = this.options;
    const now = this.options.now ?? Date.now;
    await checkEvictionPolicy(redis, logger);
    const store = new ContactStateStore(redis, config.redisKeyPrefix, this.metrics);
    const crashPoint = this.options.crashPoint ?? crashPoints(config.crashPoints);
    // one memory of committed states for the batch scorer and both sweepers: they write the same contacts
    const owned = new OwnedStates(config.stateCacheContacts);
    const clearTimer = new IdleClearTimer(() => scorer.flushClears(), OUTBOX_CLEAR_IDLE_MS);
    // unique per process start: the heartbeat and the queueing lock name this instance
    const gridSwitch = new GridSwitch(redis, config.redisKeyPrefix, store, `${config.kafkaClientId}-${randomUUID().slice(0, 8)}`);
    const heartbeatTtlMs = Math.max(5 * config.gridPollMs, 10_000);
    const live = new LiveGrid({
      fileGrid: grid,
      source: config.gridSource,
      published: new PublishedGridStore(redis, new KeyLayout(config.redisKeyPrefix)),
      gridSwitch,
      logger,
      now,
      heartbeatTtlMs,
      barrierTimeoutMs: 3 * heartbeatTtlMs,
      onSwitched: (outcome) => regrade.setPreviousGrid(outcome.previousGrid),
      onQueued: () => sweeps.drainSoon(),
    });
    this.live = live;
    const shared = {
      grid: live,
      topics: this.topics,
      store,
      producer: new KafkaOutputProducer(sender),
      scoreWriter: new ScoreOutputWriter(codec),
      metrics: this.metrics,
      now,
      crashPoint,
      owned,
      onClearsOwed: () => clearTimer.schedule(),
    };
    const scorer = new BatchScorer({
      ...shared,
      decoder: new EventDecoder(codec, this.topics, config.maxEventBytes),
      deadLetters: new DeadLetterBuilder(codec, 'scorer'),
      identity: new RedisIdentityStore(redis, config.redisKeyPrefix),
      unindex: (contactIds) => store.dropFromIndexes(contactIds),
    });
    const decay = new ReevaluationSweeper({ ...shared, cause: 'decay', batchSize: config.sweepBatchSize });
    const regrade = new ReevaluationSweeper({ ...shared, cause: 'grid-change', batchSize: config.sweepBatchSize });
    const gridChanges = new GridChangeDrain({ live, regrade, store, metrics: this.metrics, logger });
    const sweeps = new SweepScheduler({
      drainGridChanges: (keepGoing) => gridChanges.drain(keepGoing),
      sweepDecay: (options) => decay.sweepAll(options),
      intervalMs: config.sweepIntervalMs,
      logger,
    });
    this.sweeps = sweeps;
    // Record the grid (and queue every contact when it is new) before this instance scores
    // anything: the queue then holds exactly the contacts scored under an earlier grid, and every
    // commit is stamped with the generation recorded. Without it nothing may be scored: a failure
    // stops the start-up.
    await gridChanges.recordGrid();
    let poll: NodeJS.Timeout | undefined;
    const pollGrid = async (): Promise<void> => {
      await live.refresh();
      if ((await store.regradePending()) > 0) sweeps.drainSoon();
    };
    return {
      consumer: {
        // Both input topics are keyed by contactId with the same partitioner, so partition p of
        // each holds the same contacts: their chunks run one at a time instead of racing on the
        // same states (correct either way, but each lost compare-and-set costs a re-read, a
        // recompute and a round trip).
        handler: async (topic, partition, messages) => {
          await scorer.score(messages.map((m) => toInputMessage(topic, partition, m)));
        },
        groupId: config.groupId,
        topics: [this.topics.behaviouralEvents, this.topics.contactUpdates],
        chunkSize: config.chunkSize,
        partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
        sessionTimeoutMs: config.sessionTimeoutMs,
        metrics: {
          chunkDuration: this.metrics.batchDuration,
          pausedPartitions: this.metrics.pausedPartitions,
          consumerLag: this.metrics.consumerLag,
        },
        onePerPartitionNumber: true,
        // Entries of partitions that moved away would only fail their compare-and-set later.
        onGroupJoin: () => owned.forgetAll(),
        ...(crashPoint ? { beforeOffsetResolve: () => crashPoint('before-offset-resolve') } : {}),
      },
      // a new grid re-evaluates every queued contact at once, in the background
      start: () => {
        sweeps.start();
        poll = setInterval(() => {
          pollGrid().catch((error: unknown) => logger.warn(errorFields(error), 'grid poll failed; retried next interval'));
        }, config.gridPollMs);
      },
      stop: async () => {
        clearInterval(poll);
        await sweeps.stop();
        await clearTimer.stop();
        await live.stop();
      },
      describe: {
        grid: live.current().compiled.name,
        gridVersion: live.current().compiled.version,
        gridGeneration: live.current().generation,
        topics: this.topics,
        groupId: config.groupId,
      },
    };
  }
}

/** Scoring state must never be evicted: refuse a Redis that would. */
async function checkEvictionPolicy(redis: RedisClient, logger: Logger): Promise<void> {
  let policy: string | undefined;
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    policy = reply[1];
  } catch {
    logger.warn('cannot read maxmemory-policy (CONFIG disabled?); make sure it is noeviction');
    return;
  }
  if (policy !== undefined && policy !== 'noeviction') {
    throw new ScorerError(
      ErrorCode.RedisPolicyUnsafe,
      `Redis maxmemory-policy is ${policy}: it could evict scoring state; set it to noeviction`,
    );
  }
}
