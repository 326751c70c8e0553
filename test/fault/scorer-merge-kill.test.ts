import { afterAll, describe, expect, it } from 'vitest';
import { mergeMix, seededRandom } from '../support/event-mix.js';
import { runKillScenario, scoreChangeHistory } from '../support/kill-scenario.js';

const CONTACTS = 400;
const EVENTS = 6_000;
const KILLS = 10;

/**
 * The streaming merge under SIGKILL: anonymous visitors merged into known contacts and chains
 * of known contacts (`mergeMix`), the merges racing with both sides' events across 6
 * partitions, two scorer processes killed at random moments and at crash points placed inside
 * the merge (after the identity link, after the seals) as well as in the commit protocol. At the
 * end every id's state, or its seal and root, is what replay says; per-contact sequences only
 * increase; each crossing is implied by two consecutive scores of its contact.
 */
describe('streaming merge under SIGKILL (2 processes, real Kafka, registry, Redis)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('loses nothing and counts nothing twice through kills inside merges', { timeout: 600_000 }, async () => {
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
    console.info(`merge fault-injection seed ${seed} (rerun with FAULT_SEED=${seed})`);
    const events = mergeMix({ seed, contacts: CONTACTS, events: EVENTS, now: Date.now() });
    const { kills, selfKills, replay, mismatches, changes, crossings } = await runKillScenario({
      name: 'merge-fault',
      events,
      kills: KILLS,
      crashPoints:
        'after-identity-link=0.03,after-seal=0.03,after-state-commit=0.002,after-produce=0.002,before-offset-resolve=0.002',
      random: seededRandom(seed + 1),
      cleanup,
    });
    console.info(`${kills} SIGKILLs from the test, ${selfKills} crash-point self-kills`);
    expect(selfKills).toBeGreaterThan(0); // crash points inside the merge did fire
    expect(replay.contacts.filter((c) => c.mergedInto !== undefined).length).toBeGreaterThanOrEqual(200);
    expect(mismatches).toEqual([]);

    const { disorder, lastScore, repeatedDifferently } = scoreChangeHistory(changes);
    expect(repeatedDifferently).toEqual([]);
    expect(disorder).toEqual([]);
    const lastMismatch = replay.contacts.filter((c) => (lastScore.get(c.contactId) ?? 0) !== c.score).map((c) => c.contactId);
    expect(lastMismatch).toEqual([]);

    // no phantom crossing: each is implied by the score change of its contact and sequence
    const byContactSequence = new Map(changes.items.map(({ value }) => [`${value.contactId}#${value.sequence}`, value]));
    const unexplained = crossings.items
      .map(({ value }) => value)
      .filter((x) => {
        const change = byContactSequence.get(`${x.contactId}#${x.sequence}`);
        return change === undefined || change.score !== x.score || change.previousScore !== x.previousScore;
      })
      .map((x) => `${x.contactId}#${x.sequence}`);
    expect(crossings.items.length).toBeGreaterThan(50);
    expect(unexplained).toEqual([]);
  });
});
