import { mkdirSync } from 'node:fs';
import type { GradeChangedValue, ScoreChangedValue, ThresholdCrossedValue, TopicNames } from '@leadscore/contracts';
import { storedScoresAgainstReplay, type ScoreMismatch } from './replay-check.js';
import { scorerEnv } from './scorer-harness.js';
import { ScorerProcess } from './scorer-process.js';
import {
  collectOutputs,
  freshTopics,
  produceEvents,
  TopicCollector,
  waitForCollectorAtEnd,
  waitForGroupCaughtUp,
  type RawEvent,
} from './streams.js';
import type { ServiceProcess } from './service-process.js';
import { testContext } from './test-context.js';
import type { ReplayResult } from '@leadscore/engine';

/** One kind of service process a kill plan runs, restarts when it dies by itself, and SIGKILLs. */
export interface ProcessKind {
  /** Names the kind in the counts returned. */
  readonly name: string;
  readonly instances: number;
  /** A new process of this kind, not started; its env carries the kind's crash points. */
  readonly create: () => ServiceProcess;
}

export interface KillPlan {
  readonly kinds: readonly ProcessKind[];
  /** SIGKILLs from the test, the kinds taken in turn. */
  readonly kills: number;
  /** How many bursts of input `burst` produces, one after the other. */
  readonly bursts: number;
  readonly burst: (i: number) => Promise<void>;
  /** Resolves once the processes have consumed everything (bounded: rejects when they do not). */
  readonly caughtUp: () => Promise<void>;
  readonly random: () => number;
  readonly cleanup: (() => Promise<unknown>)[];
  /** The scorers' grid (GRID_FILE); the starter grid by default. */
  readonly gridFile?: string;
}

/** Per kind: SIGKILLs from the test, and processes that killed themselves at a crash point. */
export type KillCounts = ReadonlyMap<string, { readonly kills: number; readonly selfKills: number }>;

/**
 * Runs `instances` processes of every kind of the plan and a supervisor, as an orchestrator
 * would be, that restarts any that died by itself (a crash point). Keeps them busy (the input in
 * bursts, produced one after the other) while SIGKILLing `kills` of them, the kinds in turn, the
 * victim of a kind at random and a random time after it became ready, so kills land mid-batch,
 * mid-commit and mid-produce; each victim is restarted at once. Then waits for `caughtUp` with
 * the crash points still armed: the supervisor keeps restarting until everything is consumed.
 */
export async function superviseAndKill(plan: KillPlan): Promise<KillCounts> {
  const { kinds, random, cleanup } = plan;
  const counts = new Map(kinds.map((k) => [k.name, { kills: 0, starts: k.instances }]));
  const slots = kinds.flatMap((kind) => Array.from({ length: kind.instances }, () => ({ kind, process: kind.create() })));
  const restart = async (slot: (typeof slots)[number]) => {
    slot.process = await slot.kind.create().start();
    counts.get(slot.kind.name)!.starts += 1;
  };
  let supervising = true;
  cleanup.push(() => Promise.all(slots.map((s) => s.process.kill())));
  await Promise.all(slots.map((s) => s.process.start()));
  const supervisor = (async () => {
    while (supervising) {
      for (const slot of slots) {
        if (!slot.process.running && !slot.process.killedByTest) await restart(slot);
      }
      await pause(100);
    }
  })();
  try {
    await Promise.all(slots.map((s) => s.process.waitReady()));
    // One burst after the other, never two at once: each key's inputs must reach Kafka in file
    // order, the order replay reads them in. Burst k is queued once k * kills / bursts kills are done.
    let queued = 0;
    let producing = Promise.resolve();
    const queueBurst = () => {
      const i = queued++;
      producing = producing.then(() => plan.burst(i));
    };
    let kills = 0;
    while (kills < plan.kills) {
      if (queued < plan.bursts && kills >= queued * Math.ceil(plan.kills / plan.bursts)) queueBurst();
      const kind = kinds[kills % kinds.length]!;
      const ofKind = slots.filter((s) => s.kind === kind);
      const slot = ofKind[Math.floor(random() * ofKind.length)]!;
      const ready = await slot.process.waitReady(120_000).then(
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
      if (!slot.process.running) continue;
      slot.process.killedByTest = true;
      await slot.process.kill('SIGKILL');
      kills += 1;
      counts.get(kind.name)!.kills += 1;
      await restart(slot);
    }
    while (queued < plan.bursts) queueBurst();
    await producing;
    await plan.caughtUp();
  } finally {
    // also on a failure: a supervisor left running would restart what the cleanup kills
    supervising = false;
    await supervisor;
  }
  return new Map(
    kinds.map((k) => {
      const { kills, starts } = counts.get(k.name)!;
      return [k.name, { kills, selfKills: starts - k.instances - kills }];
    }),
  );
}

/** A scorer's environment for a kill plan: short session timeout and small chunks (many commits in flight). */
export function killedScorerEnv(
  topics: TopicNames,
  keyPrefix: string,
  crashPoints: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return scorerEnv(topics, keyPrefix, {
    SCORER_SESSION_TIMEOUT_MS: '6000',
    SCORER_CHUNK_SIZE: '25',
    LOG_LEVEL: 'info',
    SCORER_CRASH_POINTS: crashPoints,
    ...extra,
  });
}

/** Where a scenario's processes log (one file per key prefix, under the git-ignored .stack). */
export function scenarioLogFile(keyPrefix: string): string {
  mkdirSync('.stack/logs', { recursive: true });
  return `.stack/logs/${keyPrefix}.log`;
}

export interface KillScenario {
  /** Names the topics, key prefix and log file. */
  readonly name: string;
  readonly events: readonly RawEvent[];
  readonly kills: number;
  /** SCORER_CRASH_POINTS of every scorer process. */
  readonly crashPoints: string;
  readonly random: () => number;
  readonly cleanup: (() => Promise<unknown>)[];
  /** The scorers' grid (GRID_FILE); the starter grid by default. */
  readonly gridFile?: string;
}

export interface KillScenarioResult {
  readonly kills: number;
  /** Scorers that killed themselves at a crash point (and were restarted). */
  readonly selfKills: number;
  readonly replay: ReplayResult;
  readonly mismatches: ScoreMismatch[];
  readonly changes: TopicCollector<ScoreChangedValue>;
  readonly crossings: TopicCollector<ThresholdCrossedValue>;
  /** grade-changed, read back: empty unless the grid has a matrix. */
  readonly grades: TopicCollector<GradeChangedValue>;
}

/**
 * Two scorer processes over `events` (in 4 bursts), SIGKILLed `kills` times at random moments
 * and at their crash points (`superviseAndKill`), until the group has consumed everything; then
 * every output is read back and the stored states are compared with replay's. The tests check
 * what the result must satisfy.
 */
export async function runKillScenario(scenario: KillScenario): Promise<KillScenarioResult> {
  const { events, cleanup } = scenario;
  const { topics, codec, kafka } = await freshTopics(scenario.name, 6);
  const keyPrefix = testContext().uniqueName(scenario.name);
  const env = killedScorerEnv(topics, keyPrefix, scenario.crashPoints, scenario.gridFile ? { GRID_FILE: scenario.gridFile } : {});
  const logFile = scenarioLogFile(keyPrefix);
  const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);
  const grades = await new TopicCollector<GradeChangedValue>(kafka, codec, 'gradeChanged', topics.gradeChanged).start();
  cleanup.push(() => grades.stop());
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  cleanup.push(() => producer.disconnect());

  const bursts = 4;
  const perBurst = Math.ceil(events.length / bursts);
  const counts = await superviseAndKill({
    kinds: [{ name: 'scorer', instances: 2, create: () => new ScorerProcess(env, logFile) }],
    kills: scenario.kills,
    bursts,
    burst: (i) =>
      produceEvents(
        producer,
        codec,
        topics,
        events.slice(i * perBurst, (i + 1) * perBurst).map((e) => ({ ...e, onBehaviouralTopic: true })),
      ),
    // every input offset committed (crash points armed until then)
    caughtUp: () => waitForGroupCaughtUp(kafka, env.SCORER_GROUP_ID!, [topics.behaviouralEvents, topics.contactUpdates], 300_000),
    random: scenario.random,
    cleanup,
  });
  await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged, 120_000);
  await waitForCollectorAtEnd(kafka, crossings, topics.thresholdCrossed, 120_000);
  await waitForCollectorAtEnd(kafka, grades, topics.gradeChanged, 120_000);

  const { replay, mismatches } = await storedScoresAgainstReplay(events, keyPrefix, cleanup, scenario.gridFile);
  const { kills, selfKills } = counts.get('scorer')!;
  return { kills, selfKills, replay, mismatches, changes, crossings, grades };
}

/**
 * Outputs read back (score changes of contacts or of accounts), first sighting of each id only:
 * the keys (`keyOf`) whose sequences did not increase, each key's last score emitted, and how
 * many outputs were read again (at-least-once). A repeated id must repeat its output (`same`:
 * by default, its score).
 */
export function outputHistory<T extends { readonly id: string; readonly sequence: number; readonly score: number }>(
  outputs: readonly { readonly value: T }[],
  keyOf: (value: T) => string,
  same: (a: T, b: T) => boolean = (a, b) => a.score === b.score,
): {
  readonly disorder: string[];
  readonly lastScore: Map<string, number>;
  readonly repeatedDifferently: string[];
  readonly repeats: number;
} {
  const byId = new Map<string, T>();
  const lastSeq = new Map<string, number>();
  const lastScore = new Map<string, number>();
  const disorder: string[] = [];
  const repeatedDifferently: string[] = [];
  let repeats = 0;
  for (const { value } of outputs) {
    const seen = byId.get(value.id);
    if (seen !== undefined) {
      if (!same(seen, value)) repeatedDifferently.push(value.id);
      repeats += 1;
      continue;
    }
    byId.set(value.id, value);
    const key = keyOf(value);
    if (value.sequence <= (lastSeq.get(key) ?? 0)) disorder.push(`${key}#${value.sequence}`);
    lastSeq.set(key, value.sequence);
    lastScore.set(key, value.score);
  }
  return { disorder, lastScore, repeatedDifferently, repeats };
}

/**
 * `outputHistory` of contacts' score changes. Sequences are checked per contact (one sequence
 * for all its scores); the last score is kept per contact, or per `contactId|scoreId` with
 * `byScore` (a grid with several scores).
 */
export function scoreChangeHistory(
  changes: TopicCollector<ScoreChangedValue>,
  byScore = false,
): ReturnType<typeof outputHistory> {
  const history = outputHistory(changes.items, (value) => value.contactId);
  if (!byScore) return history;
  const lastScore = new Map<string, number>();
  const seen = new Set<string>();
  for (const { value } of changes.items) {
    if (seen.has(value.id)) continue;
    seen.add(value.id);
    lastScore.set(`${value.contactId}|${value.scoreId ?? 'score'}`, value.score);
  }
  return { ...history, lastScore };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms)); // pacing of the fault schedule, not a readiness wait
}
