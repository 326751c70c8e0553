import type { Command } from 'commander';
import type { IHeaders, Kafka } from 'kafkajs';
import { topicNames, type AvroCodec, type DeadLetterValue, type TopicNames } from '@leadscore/contracts';
import { readTopicsToEnd } from '@leadscore/service-kit';
import { CliError, CliErrorCode } from '../cli-error.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { connectStream, readStreamEndpoints, type StreamEndpoints } from '../stream-env.js';

/** One message of the dead-letter topic, decoded (or, when its value does not decode, from its headers). */
export interface DeadLetterEntry {
  readonly partition: number;
  readonly offset: number;
  readonly reason: string;
  readonly message: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  readonly failedAt: number | null;
  readonly failedBy: string;
  /** null when the dead letter's own value could not be decoded: it cannot be replayed */
  readonly original: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> } | null;
}

/** A range of dead-letter offsets on one partition, inclusive. */
export interface OffsetRange {
  readonly partition: number;
  readonly from: number;
  readonly to: number;
}

/**
 * Parses `--offsets`: comma-separated `OFFSET`, `FROM-TO`, `PARTITION:OFFSET` or
 * `PARTITION:FROM-TO`. Bare offsets belong to `defaultPartition` (undefined: refused).
 * @throws CliError CLI_BAD_OPTION naming the entry
 */
export function parseOffsetSelection(text: string, defaultPartition: number | undefined): OffsetRange[] {
  const ranges: OffsetRange[] = [];
  for (const raw of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^(?:(\d+):)?(\d+)(?:-(\d+))?$/.exec(raw);
    if (!match)
      throw new CliError(
        CliErrorCode.BadOption,
        `--offsets entry ${JSON.stringify(raw)} is not OFFSET, FROM-TO, PARTITION:OFFSET or PARTITION:FROM-TO`,
      );
    const partition = match[1] !== undefined ? Number(match[1]) : defaultPartition;
    if (partition === undefined) {
      throw new CliError(
        CliErrorCode.BadOption,
        `--offsets entry ${JSON.stringify(raw)} has no partition and the dead-letter topic has several: write PARTITION:OFFSET (as dlq list prints it) or pass --partition`,
      );
    }
    const from = Number(match[2]);
    const to = match[3] !== undefined ? Number(match[3]) : from;
    if (to < from) throw new CliError(CliErrorCode.BadOption, `--offsets range ${JSON.stringify(raw)} ends before it starts`);
    ranges.push({ partition, from, to });
  }
  if (ranges.length === 0) throw new CliError(CliErrorCode.BadOption, '--offsets names no offset');
  return ranges;
}

function headerText(headers: IHeaders | undefined, name: string): string {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? '' : first.toString();
}

/** Reads every dead letter currently in `<prefix>.dead-letters`, in partition then offset order. */
async function readDeadLetters(kafka: Kafka, codec: AvroCodec, topics: TopicNames): Promise<DeadLetterEntry[]> {
  const entries: DeadLetterEntry[] = [];
  await readTopicsToEnd(kafka, [topics.deadLetters], 'leadscore-cli-dlq', async (batch) => {
    for (const { partition, message } of batch) {
      let value: DeadLetterValue | null = null;
      try {
        value = await codec.decode<DeadLetterValue>('deadLetters', message.value);
      } catch {
        value = null; // listed from its headers, not replayable
      }
      entries.push({
        partition,
        offset: Number(message.offset),
        reason: value?.reason ?? (headerText(message.headers, 'x-dlq-reason') || '?'),
        message: value?.message ?? headerText(message.headers, 'x-dlq-message'),
        sourceTopic: value?.sourceTopic ?? headerText(message.headers, 'x-dlq-topic'),
        sourcePartition: value?.sourcePartition ?? Number(headerText(message.headers, 'x-dlq-partition') || -1),
        sourceOffset: value?.sourceOffset ?? headerText(message.headers, 'x-dlq-offset'),
        failedAt: value?.failedAt ?? null,
        failedBy: value?.failedBy ?? headerText(message.headers, 'x-dlq-failed-by'),
        original: value ? { key: value.originalKey, value: value.originalValue, headers: value.originalHeaders } : null,
      });
    }
  });
  entries.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  return entries;
}

interface Connected {
  readonly kafka: Kafka;
  readonly codec: AvroCodec;
  readonly topics: TopicNames;
}

async function connect(endpoints: StreamEndpoints, topicPrefix: string): Promise<Connected> {
  let topics: TopicNames;
  try {
    topics = topicNames(topicPrefix);
  } catch (error) {
    throw new CliError(CliErrorCode.BadOption, `--topic-prefix: ${(error as Error).message}`);
  }
  const { kafka, codec } = await connectStream(endpoints, 'leadscore-cli', topics, ['deadLetters']);
  return { kafka, codec, topics };
}

const where = (e: DeadLetterEntry): string => `${e.partition}:${e.offset}`;
const source = (e: DeadLetterEntry): string => `${e.sourceTopic}[${e.sourcePartition}]@${e.sourceOffset}`;
const when = (ms: number | null): string => (ms === null ? '?' : new Date(ms).toISOString());

function listLine(e: DeadLetterEntry, format: 'table' | 'json'): string {
  if (format === 'json') {
    // No payload, key or headers: they may carry personal data.
    return JSON.stringify({
      partition: e.partition,
      offset: e.offset,
      reason: e.reason,
      message: e.message,
      sourceTopic: e.sourceTopic,
      sourcePartition: e.sourcePartition,
      sourceOffset: e.sourceOffset,
      failedAt: e.failedAt === null ? null : when(e.failedAt),
      failedBy: e.failedBy,
      valueBytes: e.original?.value?.length ?? null,
      replayable: e.original !== null,
    });
  }
  return `${where(e).padEnd(10)} ${e.reason.padEnd(17)} ${source(e).padEnd(48)} ${when(e.failedAt).padEnd(24)} ${e.message}`;
}

export interface DlqListOptions {
  readonly topicPrefix: string;
  readonly limit?: string;
  readonly reason?: string;
  readonly format: string;
}

/** `leadscore dlq list`: prints dead letters (oldest first per partition) with reason and origin, never payloads. */
export async function dlqList(
  options: DlqListOptions,
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
): Promise<ExitCode> {
  if (options.format !== 'table' && options.format !== 'json') {
    throw new CliError(CliErrorCode.BadOption, `--format ${JSON.stringify(options.format)} is not known; expected table or json`);
  }
  const limit = options.limit === undefined ? Infinity : Number(options.limit);
  if (!(limit === Infinity || (Number.isInteger(limit) && limit > 0))) {
    throw new CliError(CliErrorCode.BadOption, `--limit must be a positive integer, got ${JSON.stringify(options.limit)}`);
  }
  const { kafka, codec, topics } = await connect(readStreamEndpoints(env, false), options.topicPrefix);
  const all = await readDeadLetters(kafka, codec, topics);
  const matching = options.reason === undefined ? all : all.filter((e) => e.reason === options.reason);
  const shown = matching.slice(0, limit);
  if (options.format === 'table' && shown.length > 0) {
    io.out(
      `${'DLQ P:OFF'.padEnd(10)} ${'REASON'.padEnd(17)} ${'SOURCE topic[partition]@offset'.padEnd(48)} ${'FAILED AT'.padEnd(24)} MESSAGE`,
    );
  }
  for (const e of shown) io.out(listLine(e, options.format));
  const byReason = new Map<string, number>();
  for (const e of all) byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + 1);
  const reasons = [...byReason].map(([r, n]) => `${r} ${n}`).join(', ') || 'none';
  io.err(`${topics.deadLetters}: ${all.length} dead letter(s) (${reasons}); ${matching.length} matching, ${shown.length} shown`);
  return ExitCode.Ok;
}

/**
 * The topics a dead letter may be replayed to: every topic a service dead-letters from (the
 * scorer's inputs, then the account service's: its members stage reads score-changed and
 * contact-merged, its accounts stage account updates and its own account-members topic).
 */
function replayTargets(topics: TopicNames): string[] {
  return [
    topics.behaviouralEvents,
    topics.contactUpdates,
    topics.scoreChanged,
    topics.contactMerged,
    topics.accountUpdates,
    topics.accountMembers,
  ];
}

export interface DlqReplayOptions {
  readonly topicPrefix: string;
  readonly offsets?: string;
  readonly partition?: string;
  readonly reason?: string;
  readonly dryRun?: boolean;
}

/**
 * `leadscore dlq replay`: re-produces the original key, value and headers of the selected dead
 * letters to their source topic and partition (acks from all in-sync replicas, idempotent
 * producer), adding an `x-dlq-replayed-from` header. The targets are the topics the services
 * dead-letter from: the scorer's inputs (behavioural events, contact updates) and the account
 * service's (score-changed, contact-merged, account updates, account-members). Replaying twice is
 * harmless: every consumer of those topics takes a second copy as a duplicate (by eventId, by the
 * contact's or the member's sequence, by the merge's eventId).
 */
export async function dlqReplay(
  options: DlqReplayOptions,
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
): Promise<ExitCode> {
  if (options.offsets === undefined && options.reason === undefined) {
    throw new CliError(CliErrorCode.BadOption, 'say which dead letters to replay: --offsets 0:3,0:5-9 and/or --reason REASON');
  }
  const defaultPartition = options.partition === undefined ? undefined : Number(options.partition);
  if (defaultPartition !== undefined && !(Number.isInteger(defaultPartition) && defaultPartition >= 0)) {
    throw new CliError(
      CliErrorCode.BadOption,
      `--partition must be a partition number, got ${JSON.stringify(options.partition)}`,
    );
  }
  const { kafka, codec, topics } = await connect(readStreamEndpoints(env, false), options.topicPrefix);

  const admin = kafka.admin();
  await admin.connect();
  let partitionsOf: Map<string, Set<number>>;
  try {
    const metadata = await admin.fetchTopicMetadata({
      topics: [topics.deadLetters, ...replayTargets(topics)],
    });
    partitionsOf = new Map(metadata.topics.map((t) => [t.name, new Set(t.partitions.map((p) => p.partitionId))]));
  } finally {
    await admin.disconnect();
  }
  const dlqPartitions = partitionsOf.get(topics.deadLetters)!;
  const ranges =
    options.offsets === undefined
      ? null
      : parseOffsetSelection(options.offsets, defaultPartition ?? (dlqPartitions.size === 1 ? [...dlqPartitions][0] : undefined));

  const all = await readDeadLetters(kafka, codec, topics);
  const selected = all.filter(
    (e) =>
      (options.reason === undefined || e.reason === options.reason) &&
      (ranges === null || ranges.some((r) => r.partition === e.partition && e.offset >= r.from && e.offset <= r.to)),
  );
  let problems = 0;
  if (ranges !== null) {
    for (const r of ranges) {
      for (let offset = r.from; offset <= r.to && offset - r.from < 10_000; offset += 1) {
        if (!all.some((e) => e.partition === r.partition && e.offset === offset)) {
          io.err(`not found: ${r.partition}:${offset} is not in ${topics.deadLetters}`);
          problems += 1;
        }
      }
    }
  }
  const inputs = new Set(replayTargets(topics));
  const replayable: DeadLetterEntry[] = [];
  for (const e of selected) {
    if (e.original === null) {
      io.err(`skipped ${where(e)}: its value does not decode as a DeadLetter, the original message is not recoverable`);
      problems += 1;
    } else if (!inputs.has(e.sourceTopic)) {
      io.err(`skipped ${where(e)}: its source topic ${e.sourceTopic} is not an input topic of prefix ${options.topicPrefix}`);
      problems += 1;
    } else {
      replayable.push(e);
    }
  }
  if (replayable.length === 0) {
    io.err('nothing to replay');
    return problems > 0 ? ExitCode.BadInput : ExitCode.Ok;
  }
  if (options.dryRun) {
    for (const e of replayable) io.out(`would replay ${where(e)} ${e.reason} → ${source(e)}`);
    io.err(`dry run: ${replayable.length} dead letter(s) would be replayed`);
    return problems > 0 ? ExitCode.BadInput : ExitCode.Ok;
  }

  // Back to the original partition when it still exists (keeps a contact's events on one
  // partition whatever partitioner the original producer used); else by key.
  const groups = new Map<string, { topic: string; partition: number | undefined; entries: DeadLetterEntry[] }>();
  for (const e of replayable) {
    const partition = partitionsOf.get(e.sourceTopic)?.has(e.sourcePartition) ? e.sourcePartition : undefined;
    const key = `${e.sourceTopic}:${partition ?? 'by-key'}`;
    const group = groups.get(key) ?? { topic: e.sourceTopic, partition, entries: [] };
    group.entries.push(e);
    groups.set(key, group);
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const group of groups.values()) {
      const messages = group.entries.map((e) => ({
        key: e.original!.key,
        value: e.original!.value,
        headers: { ...e.original!.headers, 'x-dlq-replayed-from': `${topics.deadLetters}:${where(e)}` },
        ...(group.partition === undefined ? {} : { partition: group.partition }),
      }));
      const acks = await producer.send({ topic: group.topic, acks: -1, messages });
      for (const [i, e] of group.entries.entries()) {
        const ack = group.partition === undefined ? undefined : acks.find((a) => a.partition === group.partition);
        const landed = ack ? `[${ack.partition}]@${Number(ack.baseOffset) + i}` : '';
        io.out(`replayed ${where(e)} ${e.reason} → ${e.sourceTopic}${landed} (was ${source(e)})`);
      }
    }
  } finally {
    await producer.disconnect();
  }
  io.err(`replayed ${replayable.length} dead letter(s)${problems > 0 ? `; ${problems} problem(s) above` : ''}`);
  return problems > 0 ? ExitCode.BadInput : ExitCode.Ok;
}

export function registerDlqCommands(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  const dlq = program
    .command('dlq')
    .description('inspect and replay dead letters (<prefix>.dead-letters); needs KAFKA_BROKERS and SCHEMA_REGISTRY_URL');
  dlq
    .command('list')
    .description('list dead letters with their reason and origin (never their payload)')
    .option('--topic-prefix <prefix>', 'topic prefix (TOPIC_PREFIX of the scorer)', 'leadscore')
    .option('--limit <n>', 'show at most n (oldest first per partition)')
    .option('--reason <reason>', 'only this reason, e.g. OVERSIZED, INVALID_EVENT')
    .option('--format <format>', 'table or json (one line per dead letter)', 'table')
    .action(async (options: DlqListOptions) => done(await dlqList(options, process.env, io)));
  dlq
    .command('replay')
    .description('re-produce selected dead letters, as they were, to their source topic (after fixing what rejected them)')
    .option('--topic-prefix <prefix>', 'topic prefix (TOPIC_PREFIX of the scorer)', 'leadscore')
    .option(
      '--offsets <list>',
      'dead-letter offsets as dlq list prints them: 0:3,0:5-9 (bare offsets need --partition or a one-partition topic)',
    )
    .option('--partition <n>', 'dead-letter partition of bare --offsets entries')
    .option('--reason <reason>', 'every dead letter of this reason (with --offsets: only those of this reason)')
    .option('--dry-run', 'print what would be replayed, produce nothing')
    .action(async (options: DlqReplayOptions) => done(await dlqReplay(options, process.env, io)));
}
