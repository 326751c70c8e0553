import type { Server } from 'node:http';
import { Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { AvroCodec, PartitionedSender, topicNames, type TopicNames } from '@leadscore/contracts';
import type { CompiledGrid, ScoreChange } from '@leadscore/engine';
import { BatchScorer } from './batch-scorer.js';
import type { ScorerConfig } from './config.js';
import { ContactStateStore } from './contact-state-store.js';
import {
  connectRedis,
  connectKafka,
  createOpsServer,
  errorFields,
  provisionTopics,
  Readiness,
  type RedisClient,
} from '@leadscore/service-kit';
import { DeadLetterWriter } from './dead-letter-writer.js';
import { GridSwitch } from './grid-switch.js';
import { ReevaluationSweeper } from './reevaluation-sweeper.js';
import { EventDecoder } from './event-decoder.js';
import { ScorerMetrics } from './metrics.js';
import { KafkaOutputProducer } from './output-producer.js';
import { ScoreOutputWriter } from './score-output-writer.js';
import { ScorerConsumer } from './scorer-consumer.js';
import { crashPoints, type CrashPoint } from './crash-points.js';
import { ScorerError, ScorerErrorCode } from './scorer-error.js';

export interface ScorerServiceOptions {
  readonly config: ScorerConfig;
  readonly grid: CompiledGrid;
  readonly logger: Logger;
  /** The clock (epoch ms); tests may move it. */
  readonly now?: () => number;
  /** Called when the service can no longer work (kafkajs gave up): the caller exits. */
  readonly onFatal?: (error: Error) => void;
  /** Tests: where the work stops (e.g. throws after the state commit); replaces SCORER_CRASH_POINTS. */
  readonly crashPoint?: CrashPoint;
}

/**
 * Wires the scorer: Redis, Kafka producer and consumer, schema registry codec, decay sweeper and
 * the ops HTTP server. `start` returns once the consumer is running; `stop` drains gracefully.
 */
export class ScorerService {
  readonly metrics = new ScorerMetrics({ defaultMetrics: true });
  readonly readiness = new Readiness();
  readonly topics: TopicNames;
  private redis?: RedisClient;
  private producer?: Producer;
  private sender?: PartitionedSender;
  private consumer?: ScorerConsumer;
  private sweeper?: ReevaluationSweeper;
  private regrade?: ReevaluationSweeper;
  private store?: ContactStateStore;
  private gridSwitch?: GridSwitch;
  /** The grid switch was recorded (and its queueing done, or left to another scorer). */
  private gridSwitched = false;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;
  private server?: Server;
  private stopping = false;

  constructor(private readonly options: ScorerServiceOptions) {
    this.topics = topicNames(options.config.topicPrefix);
    // Not ready until start() has provisioned, connected and joined: /readyz answers from the first moment.
    this.readiness.set('startup', 'starting');
  }

  /** The port the ops server listens on (useful when configured as 0). */
  get httpPort(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.options.config.httpPort;
  }

  async start(): Promise<void> {
    const { config, grid, logger } = this.options;
    const now = this.options.now ?? Date.now;

    this.server = createOpsServer(this.metrics.registry, this.readiness);
    await new Promise<void>((resolve) => this.server!.listen(config.httpPort, resolve));

    this.redis = await connectRedis(config.redisUrl, this.readiness, {
      cluster: config.redisCluster,
      security: config.redisSecurity,
    });
    await checkEvictionPolicy(this.redis, logger);

    const kafka = await connectKafka({
      clientId: config.kafkaClientId,
      brokers: config.kafkaBrokers,
      security: config.kafkaSecurity,
      logger,
    });
    if (config.provision) await provisionTopics(kafka, this.topics, config.topicPartitions);
    const codec = await AvroCodec.connect({
      registryUrl: config.schemaRegistryUrl,
      auth: config.schemaRegistryAuth,
      topics: this.topics,
      register: config.provision,
    });

    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.readiness.set('producer', 'connecting');
    this.producer.on(this.producer.events.CONNECT, () => this.readiness.set('producer', null));
    this.producer.on(this.producer.events.DISCONNECT, () => this.readiness.set('producer', 'disconnected'));
    await this.producer.connect();

    const store = new ContactStateStore(this.redis, config.redisKeyPrefix, this.metrics);
    this.store = store;
    this.sender = new PartitionedSender(kafka, this.producer);
    const producer = new KafkaOutputProducer(this.sender);
    const scoreWriter = new ScoreOutputWriter(codec);
    const crashPoint = this.options.crashPoint ?? crashPoints(config.crashPoints);
    const shared = { grid, topics: this.topics, store, producer, scoreWriter, metrics: this.metrics, now, crashPoint };
    const scorer = new BatchScorer({
      ...shared,
      decoder: new EventDecoder(codec, this.topics, config.maxEventBytes),
      deadLetters: new DeadLetterWriter(codec, 'scorer'),
    });
    this.consumer = new ScorerConsumer(
      kafka,
      scorer,
      {
        groupId: config.groupId,
        topics: [this.topics.behaviouralEvents, this.topics.contactUpdates],
        chunkSize: config.chunkSize,
        partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
        sessionTimeoutMs: config.sessionTimeoutMs,
        onFatal: (error) => this.options.onFatal?.(error),
        crashPoint,
      },
      this.metrics,
      this.readiness,
      logger,
    );
    this.sweeper = new ReevaluationSweeper({ ...shared, cause: 'decay', batchSize: config.sweepBatchSize });
    this.regrade = new ReevaluationSweeper({ ...shared, cause: 'grid-change', batchSize: config.sweepBatchSize });
    this.gridSwitch = new GridSwitch(this.redis, config.redisKeyPrefix, store, config.kafkaClientId);
    // Record the grid (and queue every contact when it is new) before this instance scores
    // anything: the queue then holds exactly the contacts scored under an earlier grid. A Redis
    // failure here is retried by the background sweep, as the draining is.
    await this.switchGrid().catch((error: unknown) =>
      logger.warn(errorFields(error), 'grid switch failed; retried next interval'),
    );
    await this.consumer.start();

    // a new grid re-evaluates every queued contact now, in the background
    this.sweeping = this.regradeContacts()
      .catch((error: unknown) => logger.warn(errorFields(error), 'grid-change re-evaluation failed; retried next interval'))
      .finally(() => (this.sweeping = undefined));
    this.sweepTimer = setInterval(() => this.sweepInBackground(), config.sweepIntervalMs);
    this.readiness.set('startup', null);
    logger.info({ grid: grid.name, gridVersion: grid.version, topics: this.topics, groupId: config.groupId }, 'scorer started');
  }

  /** Finish the running batch, commit, leave the group, flush the producer, close Redis. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.readiness.set('startup', 'stopping');
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.sweeping?.catch(() => undefined);
    await this.consumer?.stop();
    await this.producer?.disconnect();
    await this.sender?.close();
    await this.redis?.quit().catch(() => this.redis?.disconnect());
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.options.logger.info('scorer stopped');
  }

  /**
   * Runs the decay sweeper now, until nothing is due, after any sweep in progress; returns the
   * changes this sweep emitted. It holds the sweep slot, so no background sweep runs beside it.
   */
  async sweepNow(): Promise<ScoreChange[]> {
    while (this.sweeping) await this.sweeping.catch(() => undefined);
    const sweep = this.sweeper?.sweepAll() ?? Promise.resolve([]);
    this.sweeping = sweep.catch(() => undefined).finally(() => (this.sweeping = undefined));
    return sweep;
  }

  /** Waits for the start-up grid-change re-evaluation (and any sweep in progress) to end. */
  async settled(): Promise<void> {
    while (this.sweeping) await this.sweeping;
  }

  private sweepInBackground(): void {
    if (this.sweeping || !this.sweeper) return;
    const sweeper = this.sweeper;
    this.sweeping = this.regradeContacts()
      .then(() => sweeper.sweepAll({ maxRounds: 50 }))
      .catch((error: unknown) => this.options.logger.warn(errorFields(error), 'sweep failed; retried next interval'))
      .finally(() => (this.sweeping = undefined));
  }

  /** Records the running grid once; when it is new (or its queueing unfinished), queues every contact. */
  private async switchGrid(): Promise<void> {
    const { grid, logger } = this.options;
    if (this.gridSwitched || !this.regrade || !this.gridSwitch) return;
    const outcome = await this.gridSwitch.apply(grid, (this.options.now ?? Date.now)());
    this.regrade.setPreviousGrid(outcome.previousGrid);
    this.gridSwitched = true;
    if (outcome.status !== 'same') {
      logger.info(
        { grid: grid.name, gridVersion: grid.version, status: outcome.status, queued: outcome.queued },
        'grid switch: contacts queued for re-evaluation',
      );
    }
  }

  /**
   * Drains the grid-change index: what this scorer queued, what other scorers queued, and what a
   * failed round left (after recording the grid, if start-up could not).
   */
  private async regradeContacts(): Promise<void> {
    const { logger } = this.options;
    if (!this.regrade) return;
    await this.switchGrid();
    const changes = await this.regrade.sweepAll({ maxRounds: Infinity, keepGoing: () => !this.stopping });
    if (changes.length > 0) logger.info({ changes: changes.length }, 'grid-change re-evaluation emitted score changes');
    if (this.store) this.metrics.gridChangePending.set(await this.store.regradePending());
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
      ScorerErrorCode.RedisPolicyUnsafe,
      `Redis maxmemory-policy is ${policy}: it could evict scoring state; set it to noeviction`,
      false,
    );
  }
}
