import { ScorerMetrics } from '../../../src/metrics.js';
import { InMemoryContactStore } from '../in-memory-contact-store.js';
import { InMemoryIdentityStore } from '../in-memory-identity-store.js';
import { TEST_GRID, WIDE_RING_TEST_GRID } from '../test-grid.js';
import { RecordingProducer } from '../recording-producer.js';
import { DeterministicScheduler } from './deterministic-scheduler.js';
import { eventLog } from './event-log.js';
import { protocolViolations } from './protocol-checks.js';
import { ScheduleRandom } from './schedule-random.js';
import { SimulatedConsumerGroup } from './simulated-consumer-group.js';
import { SimulatedScorer, type SimulatedWorld, type SimulationStats } from './simulated-scorer.js';

/** Partitions per input topic. */
const PARTITIONS = 2;
const INSTANCES = ['a', 'b'] as const;
/** Steps the calm phase may take to consume everything before the run counts as stuck. */
const CALM_STEP_LIMIT = 50_000;

export interface RunReport {
  readonly seed: number;
  readonly violations: readonly string[];
  readonly stats: SimulationStats;
}

/** One metrics registry for every run: only the updater's counters are touched, and nothing reads them. */
const metrics = new ScorerMetrics();

/** Contact states the runs so far started from, by source (memory: what the instance committed last; redis: a read). */
export async function stateReadsSoFar(): Promise<{ memory: number; redis: number }> {
  const values = (await metrics.stateReads.get()).values;
  const of = (source: string) => values.find((v) => v.labels['source'] === source)?.value ?? 0;
  return { memory: of('memory'), redis: of('redis') };
}

/**
 * One seeded run of the commit protocol: two scorer instances share the partitions of a seeded
 * event log over the in-memory store, producer and consumer group. A chaos phase interleaves
 * them with faults: partitions handed from one instance to the other (the old owner finishes its
 * chunk as a zombie), instances killed at any step and restarted, crashes at each crash point,
 * Redis calls failing (before, or for a commit after, they ran), produces failing part-way. Then
 * a calm phase without faults consumes to the end, and the result is checked against replay.
 */
export async function simulateRun(seed: number): Promise<RunReport> {
  const random = new ScheduleRandom(seed);
  const log = eventLog(random, PARTITIONS);
  const streams = log.streams.length;
  const scheduler = new DeterministicScheduler(random);
  const store = new InMemoryContactStore();
  const world: SimulatedWorld = {
    random,
    grid: log.merges > 0 ? WIDE_RING_TEST_GRID : TEST_GRID,
    scheduler,
    group: new SimulatedConsumerGroup(streams),
    store,
    identity: new InMemoryIdentityStore(store),
    producer: new RecordingProducer(),
    metrics,
    streams: log.streams,
    chunkSize: random.int(1, 3),
    maxBatch: random.int(1, 6),
    faultRate: random.pick([0.02, 0.05, 0.1]),
    finished: false,
    stats: { crashes: {}, kills: 0, rebalances: 0, zombieChunks: 0, merges: log.merges },
  };
  const failures: string[] = [];
  const instances = new Map<string, SimulatedScorer>();
  const start = (name: string): void => {
    const scorer = new SimulatedScorer(name, world);
    instances.set(name, scorer);
    void scorer.run().catch((error: unknown) => failures.push(`${name} failed: ${(error as Error).stack ?? String(error)}`));
    for (let p = 0; p < streams; p += 1) if (world.group.owners[p] === name) scorer.claim(world.group.assign(p, name));
  };
  const assign = (partition: number, name: string): void => {
    instances.get(name)!.claim(world.group.assign(partition, name));
  };
  const restartDead = (): void => {
    for (const [name, scorer] of instances) if (!scorer.alive) start(name);
  };

  for (const name of INSTANCES) start(name);
  for (let p = 0; p < streams; p += 1) assign(p, random.pick(INSTANCES));

  const chaosSteps = random.int(20, 400);
  while (scheduler.steps < chaosSteps && !scheduler.idle) {
    if (random.chance(0.04)) {
      assign(random.int(0, streams - 1), random.pick(INSTANCES));
      world.stats.rebalances += 1;
    }
    if (random.chance(world.faultRate / 2)) {
      const victim = instances.get(random.pick(INSTANCES))!;
      if (victim.alive) world.stats.kills += 1;
      victim.alive = false;
    }
    if (random.chance(0.1)) restartDead();
    await scheduler.runOne();
  }

  world.faultRate = 0;
  restartDead();
  const caughtUp = () => log.streams.every((stream, p) => world.group.committed[p] === stream.messages.length);
  const calmUntil = scheduler.steps + CALM_STEP_LIMIT;
  while (!caughtUp() && scheduler.steps < calmUntil && !scheduler.idle) await scheduler.runOne();
  if (!caughtUp()) {
    const claims = [...instances].map(([name, scorer]) => `${name}${scorer.alive ? '' : ' (dead)'}: ${scorer.describeClaims()}`);
    failures.push(
      `not caught up after the calm phase: committed ${world.group.committed.join(',')}, owners ${world.group.owners.join(',')}, generations ${world.group.generations.join(',')}; ${claims.join('; ')}`,
    );
  }
  world.finished = true;
  while (!scheduler.idle) await scheduler.runOne();

  const violations = [
    ...failures,
    ...(await protocolViolations(log, world.grid, {
      states: world.store.states,
      outboxes: world.store.outboxes,
      committedOutboxes: world.store.committedOutboxes,
      sent: world.producer.sent,
      rootOf: (id) => (world.identity.parents.has(id) ? rootIn(world.identity.parents, id) : id),
      pendingLeft: world.identity.pendingAt.size,
    })),
  ];
  return { seed, violations, stats: world.stats };
}

function rootIn(parents: ReadonlyMap<string, string>, contactId: string): string {
  let id = contactId;
  for (let parent = parents.get(id); parent !== undefined; parent = parents.get(id)) id = parent;
  return id;
}
