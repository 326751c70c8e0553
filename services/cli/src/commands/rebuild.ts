import type { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import {
  connectRedis,
  loadGridFile,
  Readiness,
  readTopicsToEnd,
  STARTER_GRID_FILE,
  type ReadMessage,
  type RedisClient,
} from '@leadscore/service-kit';
import { toInputMessage, topicNames, type AvroCodec, type ScoreChangedValue, type TopicNames } from '@leadscore/contracts';
import { nextExpiryAt, encodeState, type CompiledGrid } from '@leadscore/engine';
import {
  BatchScorer,
  ContactStateStore,
  EventDecoder,
  RedisIdentityStore,
  ScoreOutputWriter,
  ScorerMetrics,
  type InputMessage,
} from '@leadscore/scorer';
import { CliError, CliErrorCode } from '../cli-error.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { connectStream, readStreamEndpoints } from '../stream-env.js';

export interface RebuildOptions {
  readonly topicPrefix: string;
  readonly keyPrefix: string;
  readonly grid: string;
  readonly maxEventBytes: string;
  readonly force?: boolean;
  /** commander's negation of --no-sequence-floor */
  readonly sequenceFloor: boolean;
}

export interface RebuildCounts {
  messages: number;
  applied: number;
  duplicates: number;
  skipped: Map<string, number>;
  contacts: Set<string>;
  /** contacts whose sequence was raised to the last one already emitted */
  sequencesRaised: number;
}

/** Messages applied per Redis round trip pair. */
const CHUNK = 1000;

/** True when no contact state and no decay index exist under the store's prefix (a SCAN of every primary's keyspace). */
async function prefixIsEmpty(redis: RedisClient, store: ContactStateStore): Promise<boolean> {
  if ((await redis.exists(store.decayIndexKey())) > 0) return false;
  for await (const _page of store.contactIdPages()) return false;
  return true;
}

/** Nobody else may write the prefix a rebuild writes: a lost compare-and-set means someone does. */
function writeConflict(conflicts: ReadonlySet<string>): CliError {
  return new CliError(
    CliErrorCode.WriteConflict,
    `${conflicts.size} contact state(s) under the new prefix changed during the rebuild: is a scorer already writing it?`,
  );
}

/**
 * Applies input messages to the states under the new prefix through the scorer's own chunk
 * scorer (`BatchScorer`: its decoder, `applyInputs`, the identity merge and `ContactStateStore`),
 * silent: nothing is produced and outboxes are left as they are, so a rebuild never re-announces
 * a score change or a crossing. The states record the offsets applied, as the scorer's do:
 * scorers restarted on the rebuilt prefix skip what the rebuild already applied, exactly.
 * Messages the scorer would dead-letter are counted by reason instead.
 */
class RebuildApplier {
  private readonly scorer: BatchScorer;

  constructor(
    grid: CompiledGrid,
    topics: TopicNames,
    decoder: EventDecoder,
    codec: AvroCodec,
    redis: RedisClient,
    keyPrefix: string,
    private readonly store: ContactStateStore,
    private readonly counts: RebuildCounts,
    now: number,
  ) {
    const recordingDecoder = {
      decode: async (message: InputMessage, at: number) => {
        const decoded = await decoder.decode(message, at);
        if (decoded.ok) counts.contacts.add(decoded.event.contactId);
        return decoded;
      },
    };
    this.scorer = new BatchScorer({
      grid,
      topics,
      store,
      silent: true,
      producer: { send: () => Promise.resolve() }, // silent: never called
      scoreWriter: new ScoreOutputWriter(codec),
      metrics: new ScorerMetrics(),
      now: () => now,
      decoder: recordingDecoder,
      deadLetters: {
        build: (_source, reason) => {
          counts.skipped.set(reason, (counts.skipped.get(reason) ?? 0) + 1);
          return Promise.resolve({ key: null, value: Buffer.alloc(0) });
        },
      },
      identity: new RedisIdentityStore(redis, keyPrefix),
      unindex: (contactIds) => store.dropFromIndexes(contactIds),
    });
  }

  async apply(messages: readonly ReadMessage[]): Promise<void> {
    this.counts.messages += messages.length;
    const result = await this.scorer.score(messages.map((read) => toInputMessage(read.topic, read.partition, read.message)));
    this.counts.applied += result.scored - result.duplicates;
    this.counts.duplicates += result.duplicates;
  }
}

/** The highest score-changed sequence already emitted per contact (reads `<prefix>.score-changed` to its end). */
async function emittedSequences(kafka: Kafka, codec: AvroCodec, topics: TopicNames): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  await readTopicsToEnd(kafka, [topics.scoreChanged], 'leadscore-cli-rebuild-seq', async (batch) => {
    for (const { message } of batch) {
      const value = await codec.decode<ScoreChangedValue>('scoreChanged', message.value);
      if (value.sequence > (last.get(value.contactId) ?? 0)) last.set(value.contactId, value.sequence);
    }
  });
  return last;
}

/**
 * Raises each rebuilt state's sequence to the last one its contact already emitted. Without
 * this, a contact whose score once changed by decay (or by events whose windows have since
 * closed) would restart below its old sequence, and consumers that dedupe by contact +
 * sequence would drop its next changes. Only the sequence moves; the score is untouched.
 */
async function raiseSequences(
  grid: CompiledGrid,
  store: ContactStateStore,
  floors: ReadonlyMap<string, number>,
  now: number,
  counts: RebuildCounts,
): Promise<void> {
  const ids = [...floors.keys()].filter((id) => counts.contacts.has(id));
  for (let i = 0; i < ids.length; i += CHUNK) {
    const stored = await store.read(ids.slice(i, i + CHUNK));
    const commits = [];
    for (const [contactId, current] of stored) {
      const floor = floors.get(contactId)!;
      if (current.raw === '' || current.state.sequence >= floor) continue;
      const state = { ...current.state, sequence: floor };
      commits.push({
        contactId,
        expected: current.raw,
        encoded: encodeState(state),
        outbox: current.outbox,
        nextExpiryAt: nextExpiryAt(grid, state, now),
      });
    }
    const conflicts = await store.commit(commits);
    counts.sequencesRaised += commits.length - conflicts.size;
    if (conflicts.size > 0) throw writeConflict(conflicts);
  }
}

/**
 * `leadscore rebuild`: rebuilds every contact's state under a fresh Redis key prefix by reading
 * the input topics from their beginning to their current end (Kafka is the system of record).
 * Writes the same keys the scorer writes (`<prefix>:c:{contactId}` and `<prefix>:decay`).
 */
export async function rebuild(
  options: RebuildOptions,
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
): Promise<ExitCode> {
  if (!options.keyPrefix || /[{}\s]/.test(options.keyPrefix)) {
    throw new CliError(
      CliErrorCode.BadOption,
      '--key-prefix is required and may not contain braces or spaces (they would break hash tags)',
    );
  }
  const maxEventBytes = Number(options.maxEventBytes);
  if (!Number.isInteger(maxEventBytes) || maxEventBytes < 256) {
    throw new CliError(
      CliErrorCode.BadOption,
      `--max-event-bytes must be an integer of at least 256, got ${JSON.stringify(options.maxEventBytes)}`,
    );
  }
  let topics: TopicNames;
  try {
    topics = topicNames(options.topicPrefix);
  } catch (error) {
    throw new CliError(CliErrorCode.BadOption, `--topic-prefix: ${(error as Error).message}`);
  }
  const endpoints = readStreamEndpoints(env, true);
  const grid = await loadGridFile(options.grid);
  const now = io.now();

  const redis = await connectRedis(endpoints.redisUrl, new Readiness(), {
    cluster: endpoints.redisCluster,
    security: endpoints.redisSecurity,
  });
  try {
    // The scorer's own store: the same keys, encoding, compare-and-set script and decay index.
    const store = new ContactStateStore(redis, options.keyPrefix);
    if (!(await prefixIsEmpty(redis, store)) && !options.force) {
      throw new CliError(
        CliErrorCode.BadOption,
        `Redis already holds contact states under ${options.keyPrefix}: rebuild into a fresh prefix (or pass --force to apply on top; events already counted stay duplicates)`,
      );
    }
    const { kafka, codec } = await connectStream(
      endpoints,
      'leadscore-cli-rebuild',
      topics,
      options.sequenceFloor ? ['behaviouralEvents', 'contactUpdates', 'scoreChanged'] : ['behaviouralEvents', 'contactUpdates'],
    );
    const decoder = new EventDecoder(codec, topics, maxEventBytes);
    const counts: RebuildCounts = {
      messages: 0,
      applied: 0,
      duplicates: 0,
      skipped: new Map(),
      contacts: new Set(),
      sequencesRaised: 0,
    };
    const applier = new RebuildApplier(grid, topics, decoder, codec, redis, options.keyPrefix, store, counts, now);
    const started = Date.now();
    let lastReport = started;

    const summary = await readTopicsToEnd(
      kafka,
      [topics.behaviouralEvents, topics.contactUpdates],
      'leadscore-cli-rebuild',
      async (batch) => {
        for (let i = 0; i < batch.length; i += CHUNK) await applier.apply(batch.slice(i, i + CHUNK));
        if (Date.now() - lastReport > 5000) {
          lastReport = Date.now();
          io.err(`… ${counts.messages} messages, ${counts.contacts.size} contacts`);
        }
      },
    );

    if (options.sequenceFloor) await raiseSequences(grid, store, await emittedSequences(kafka, codec, topics), now, counts);

    const skipped = [...counts.skipped].map(([reason, n]) => `${reason} ${n}`).join(', ');
    const ends = [...summary.ends].map(([tp, end]) => `${tp}=${end}`).join(' ');
    io.out(
      `rebuilt ${counts.contacts.size} contact(s) under ${options.keyPrefix} with grid ${grid.name} v${grid.version} at ${new Date(now).toISOString()}: ` +
        `${counts.messages} message(s) read, ${counts.applied} event(s) applied, ${counts.duplicates} duplicate(s), ` +
        `${[...counts.skipped.values()].reduce((a, b) => a + b, 0)} skipped as dead letters${skipped ? ` (${skipped})` : ''}; ` +
        `${options.sequenceFloor ? `${counts.sequencesRaised} sequence(s) raised to the last emitted; ` : ''}no outputs emitted`,
    );
    io.err(
      `read up to (exclusive) ${ends || 'nothing: the input topics are empty'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return ExitCode.Ok;
  } finally {
    redis.disconnect();
  }
}

export function registerRebuildCommand(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('rebuild')
    .description(
      'rebuild every contact state under a fresh Redis key prefix from the input topics (after a Redis loss); emits nothing. ' +
        'Needs KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL',
    )
    .option('--topic-prefix <prefix>', 'topic prefix (TOPIC_PREFIX of the scorer)', 'leadscore')
    .requiredOption(
      '--key-prefix <prefix>',
      'the fresh Redis key prefix to write (REDIS_KEY_PREFIX of the scorers after the cut-over)',
    )
    .option('--grid <file>', 'the grid the scorers run (GRID_FILE)', STARTER_GRID_FILE)
    .option(
      '--max-event-bytes <n>',
      'MAX_EVENT_BYTES of the scorers: larger values are skipped as they would be dead-lettered',
      '65536',
    )
    .option('--force', 'apply even if the prefix already holds states')
    .option(
      '--no-sequence-floor',
      "do not read <prefix>.score-changed to continue each contact's sequence after the last one emitted",
    )
    .action(async (options: RebuildOptions) => done(await rebuild(options, process.env, io)));
}
