import { mkdirSync } from 'node:fs';
import type { ScoreChangedValue, ThresholdCrossedValue } from '@leadscore/contracts';
import { storedScoresAgainstReplay, type ScoreMismatch } from './replay-check.js';
import { scorerEnv } from './scorer-harness.js';
import { ScorerProcess } from './scorer-process.js';
import {
  collectOutputs,
  freshTopics,
  produceEvents,
  waitForCollectorAtEnd,
  waitForGroupCaughtUp,
  type RawEvent,
  type TopicCollector,
} from './streams.js';
import { testContext } from './test-context.js';
import type { ReplayResult } from '@leadscore/engine';

export interface KillScenario {
  /** Names the topics, key prefix and log file. */
  readonly name: string;
  readonly events: readonly RawEvent[];
  readonly kills: number;
  /** SCORER_CRASH_POINTS of every scorer process. */
  readonly crashPoints: string;
  readonly random: () => number;
  readonly cleanup: (() => Promise<unknown>)[];
}

export interface KillScenarioResult {
  readonly kills: number;
  /** Processes started, the first two included. */
  readonly starts: number;
  readonly replay: ReplayResult;
  readonly mismatches: ScoreMismatch[];
  readonly changes: TopicCollector<ScoreChangedValue>;
  readonly crossings: TopicCollector<ThresholdCrossedValue>;
}

/**
 * Two scorer processes over `events`, SIGKILLed `kills` times at random moments and restarted
 * (a supervisor also restarts those that killed themselves at a crash point), until the group
 * has consumed everything; then every output is read back and the stored states are compared
 * with replay's. The tests check what the result must satisfy.
 */
export async function runKillScenario(scenario: KillScenario): Promise<KillScenarioResult> {
  const { events, random, cleanup } = scenario;
  const ctx = testContext();
  const { topics, codec, kafka } = await freshTopics(scenario.name, 6);
  const keyPrefix = ctx.uniqueName(scenario.name);
  const env = scorerEnv(topics, keyPrefix, {
    SCORER_SESSION_TIMEOUT_MS: '6000',
    SCORER_CHUNK_SIZE: '25',
    LOG_LEVEL: 'info',
    SCORER_CRASH_POINTS: scenario.crashPoints,
  });
  mkdirSync('.stack/logs', { recursive: true });
  const logFile = `.stack/logs/${keyPrefix}.log`;

  const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);

  // A supervisor, as an orchestrator would be: restarts a scorer that died by itself (crash point).
  const scorers = [new ScorerProcess(env, logFile), new ScorerProcess(env, logFile)];
  let starts = 2;
  let supervising = true;
  cleanup.push(() => Promise.all(scorers.map((s) => s.kill())));
  await Promise.all(scorers.map((s) => s.start()));
  const supervisor = (async () => {
    while (supervising) {
      for (let i = 0; i < scorers.length; i += 1) {
        if (!scorers[i]!.running && !scorers[i]!.killedByTest) {
          scorers[i] = await new ScorerProcess(env, logFile).start();
          starts += 1;
        }
      }
      await pause(100);
    }
  })();
  await Promise.all(scorers.map((s) => s.waitReady()));

  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  cleanup.push(() => producer.disconnect());

  // Keep the scorers busy (a backlog in bursts, small chunks: many commits and produces in
  // flight) while killing them at random moments: each victim a random time after it became
  // ready, so kills land mid-batch, mid-commit and mid-produce. Then restart it.
  let kills = 0;
  const bursts = 4;
  const perBurst = Math.ceil(events.length / bursts);
  const burst = (i: number) =>
    produceEvents(
      producer,
      codec,
      topics,
      events.slice(i * perBurst, (i + 1) * perBurst).map((e) => ({ ...e, onBehaviouralTopic: true })),
    );
  // One burst after the other, never two at once: each contact's events must reach Kafka in
  // file order, the order replay reads them in, or the crossings (which depend on order) differ
  // while the final scores agree. Burst k is queued once k * kills / bursts kills are done.
  let queued = 0;
  let producing = Promise.resolve();
  const queueBurst = () => {
    const i = queued++;
    producing = producing.then(() => burst(i));
  };
  while (kills < scenario.kills) {
    if (queued < bursts && kills >= queued * Math.ceil(scenario.kills / bursts)) queueBurst();
    const victim = random() < 0.5 ? 0 : 1;
    const ready = await scorers[victim]!.waitReady(120_000).then(
      () => true,
      () => false,
    );
    if (!ready) {
      // it crashed by itself: a timer's wait, so the supervisor (on timers) gets to restart it
      // (a dead process's waitReady rejects at once, and looping on that alone starves the timers)
      await pause(100);
      continue;
    }
    await pause(50 + random() * 1_500); // a random moment in its work
    if (!scorers[victim]!.running) continue;
    const target = scorers[victim]!;
    target.killedByTest = true;
    await target.kill('SIGKILL');
    kills += 1;
    scorers[victim] = await new ScorerProcess(env, logFile).start();
    starts += 1;
  }
  while (queued < bursts) queueBurst();
  await producing;

  // Let the survivors finish: every input offset committed, every output read back. Crash
  // points stay armed: the supervisor keeps restarting until the group has caught up.
  await waitForGroupCaughtUp(kafka, env.SCORER_GROUP_ID!, [topics.behaviouralEvents, topics.contactUpdates], 300_000);
  supervising = false;
  await supervisor;
  await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged, 120_000);
  await waitForCollectorAtEnd(kafka, crossings, topics.thresholdCrossed, 120_000);

  const { replay, mismatches } = await storedScoresAgainstReplay(events, keyPrefix, cleanup);
  return { kills, starts, replay, mismatches, changes, crossings };
}

/**
 * The score changes read back, first sighting of each id only: the contacts whose sequences did
 * not increase, and each contact's last score emitted. A repeated id must repeat its score.
 */
export function scoreChangeHistory(changes: TopicCollector<ScoreChangedValue>): {
  readonly disorder: string[];
  readonly lastScore: Map<string, number>;
  readonly repeatedDifferently: string[];
} {
  const byId = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  const lastScore = new Map<string, number>();
  const disorder: string[] = [];
  const repeatedDifferently: string[] = [];
  for (const { value } of changes.items) {
    const seen = byId.get(value.id);
    if (seen !== undefined) {
      if (seen !== value.score) repeatedDifferently.push(value.id);
      continue;
    }
    byId.set(value.id, value.score);
    if (value.sequence <= (lastSeq.get(value.contactId) ?? 0)) disorder.push(`${value.contactId}#${value.sequence}`);
    lastSeq.set(value.contactId, value.sequence);
    lastScore.set(value.contactId, value.score);
  }
  return { disorder, lastScore, repeatedDifferently };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms)); // pacing of the fault schedule, not a readiness wait
}
