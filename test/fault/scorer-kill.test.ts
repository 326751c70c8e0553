import { afterAll, describe, expect, it } from 'vitest';
import { eventMix, seededRandom } from '../support/event-mix.js';
import { runKillScenario, scoreChangeHistory } from '../support/kill-scenario.js';

/** Two scores, a group with bounds, a decaying rule and a grade matrix (docs/grid-authoring.md "Several scores"). */
const TWO_SCORES = new URL('../support/grids/two-scores.yaml', import.meta.url).pathname;

const CONTACTS = 1_200;
const EVENTS = 24_000;
const KILLS = 22;

/**
 * Fault injection: two scorer processes over ≥ 20 000 events for ≥ 1 000 contacts,
 * SIGKILLed ≥ 20 times at random moments and restarted, on a grid with two scores and a grade
 * matrix (the merge kill test runs the starter grid). At the end every score of every contact
 * equals the reference replay of the same events, and so does its last grade; every crossing
 * replay reports (of each score, and the matrix's `qualified`) was emitted, nothing was emitted
 * that replay does not report, and per-contact sequences only increase.
 */
describe('scorer under SIGKILL (2 processes, real Kafka, registry, Redis)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('loses nothing, counts nothing twice, emits every crossing once-or-more with stable ids', { timeout: 600_000 }, async () => {
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
    console.info(`fault-injection seed ${seed} (rerun with FAULT_SEED=${seed})`);
    // All events on the behavioural topic (contact_updated included), so each contact's events
    // reach the scorer in file order, as replay reads them; crossings are then comparable 1:1.
    const events = eventMix({ seed, contacts: CONTACTS, events: EVENTS, now: Date.now(), days: 20 });
    const { kills, selfKills, replay, mismatches, changes, crossings, grades } = await runKillScenario({
      name: 'fault',
      gridFile: TWO_SCORES,
      events,
      kills: KILLS,
      // and crashes exactly inside the protocol's windows: after the Redis commit, after the produce, before the offset
      crashPoints: 'after-state-commit=0.003,after-produce=0.003,before-offset-resolve=0.003',
      random: seededRandom(seed + 1),
      cleanup,
    });
    expect(kills).toBeGreaterThanOrEqual(20);
    console.info(`${kills} SIGKILLs from the test, ${selfKills} crash-point self-kills`);

    expect(replay.contacts.length).toBeGreaterThanOrEqual(1_000);
    // 1. Every contact's state scores what replay says, every score.
    expect(mismatches).toEqual([]);

    // 2. Outputs: same id ⇒ same content; per contact, first sightings have increasing sequences;
    //    the last emitted score is the replay score.
    const { disorder, lastScore, repeatedDifferently } = scoreChangeHistory(changes, true);
    expect(repeatedDifferently).toEqual([]);
    expect(disorder).toEqual([]);
    const lastMismatch = replay.contacts.flatMap((c) =>
      (c.scores ?? [])
        .filter((s) => (lastScore.get(`${c.contactId}|${s.id}`) ?? 0) !== s.score)
        .map((s) => `${c.contactId}|${s.id}`),
    );
    expect(lastMismatch).toEqual([]);
    expect(new Set(changes.items.map(({ value }) => value.scoreId))).toEqual(new Set(['engagement', 'fit']));
    // the last grade emitted (first sightings, in partition order) is replay's; C3 is the cell of all-zero scores
    const lastGrade = new Map<string, string>();
    const gradeIds = new Set<string>();
    for (const { value } of grades.items) {
      if (gradeIds.has(value.id)) continue;
      gradeIds.add(value.id);
      lastGrade.set(value.contactId, value.grade);
    }
    const gradeMismatch = replay.contacts.filter((c) => (lastGrade.get(c.contactId) ?? 'C3') !== c.grade?.grade);
    expect(gradeMismatch.map((c) => c.contactId)).toEqual([]);
    expect(grades.items.length).toBeGreaterThan(100);

    // 3. Crossings: exactly the set replay reports (duplicates by id aside), no phantom.
    const key = (c: {
      contactId: string;
      scoreId?: string | undefined;
      threshold: string;
      direction: string;
      sequence: number;
      score: number;
      eventId: string | null;
    }) => `${c.contactId}|${c.scoreId}|${c.threshold}|${c.direction.toLowerCase()}|${c.sequence}|${c.score}|${c.eventId}`;
    const expected = new Set(
      replay.contacts.flatMap((c) =>
        c.crossings.map((x) => key({ contactId: c.contactId, ...x, eventId: x.cause.kind === 'event' ? x.cause.eventId : null })),
      ),
    );
    const emitted = new Set(crossings.items.map(({ value }) => key({ ...value, eventId: value.cause.eventId })));
    expect(expected.size).toBeGreaterThan(100);
    // On a mismatch, say what was emitted instead for a few contacts (a seed alone may not reproduce kill timings).
    const missing = [...expected].filter((k) => !emitted.has(k));
    const phantom = [...emitted].filter((k) => !expected.has(k));
    const diagnosis = missing
      .slice(0, 3)
      .map((k) => {
        const id = k.split('|')[0]!;
        const theirs = changes.items
          .filter((c) => c.value.contactId === id)
          .map(
            (c) =>
              `${c.value.sequence}:${c.value.previousScore}->${c.value.score} ${c.value.cause.kind} ${c.value.cause.eventId}`,
          );
        return `${k}: crossings emitted ${JSON.stringify([...emitted].filter((e) => e.startsWith(`${id}|`)))}; score changes ${JSON.stringify(theirs)}`;
      })
      .join('\n');
    expect(
      missing,
      `${missing.length} missing, ${phantom.length} phantom of ${expected.size}; ${crossings.items.length} crossing messages read\n${diagnosis}`,
    ).toEqual([]);
    expect(phantom).toEqual([]);
  });
});
