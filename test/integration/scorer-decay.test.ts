import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyLayout } from '@leadscore/redis-layout';
import type { GradeChangedValue } from '@leadscore/contracts';
import type { ScorerServiceOptions } from '@leadscore/scorer';
import { pollUntil } from '../support/poll-until.js';
import { scorerEnv, startScorerInProcess } from '../support/scorer-harness.js';
import { collectOutputs, freshTopics, produceEvents, TopicCollector } from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

const DAY = 86_400_000;
const B2B_GRID = new URL('../../deploy/grids/b2b.yaml', import.meta.url).pathname;
/** The scorer's clock at the start: 2026-06-30 12:00 UTC; each test moves it. */
const START = Date.UTC(2026, 5, 30, 12);
/** The UTC midnight at which the scenario's email open leaves its 180-day window. */
const MIDNIGHT = Date.UTC(2026, 6, 1);

describe('time decay (windowed rules) without new events', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  /**
   * A scorer with an injected clock, collectors on its outputs, and one contact at 1010 (an MQL):
   * 2 key-page visits (1000) + one open on the oldest day still in the 180-day window (+10), with
   * 3 emails sent. When the open expires, "unengaged" (-20) applies: 1010 → 980, below MQL.
   */
  async function decayScenario(
    label: string,
    env: Record<string, string>,
    options: Pick<ScorerServiceOptions, 'crashPoint'> = {},
  ) {
    const { topics, codec, kafka } = await freshTopics(label, 2);
    const clock = { now: START };
    const keyPrefix = ctx.uniqueName(label);
    const scorer = await startScorerInProcess(scorerEnv(topics, keyPrefix, env), () => clock.now, options);
    cleanup.push(() => scorer.stop());
    const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const contactId = `c-${label}`;
    const openDay = START - 179 * DAY;
    await produceEvents(producer, codec, topics, [
      { eventId: 'v1', contactId, type: 'page_viewed', occurredAt: START - 3 * DAY, properties: { path: '/pricing' } },
      { eventId: 'v2', contactId, type: 'page_viewed', occurredAt: START - 2 * DAY, properties: { path: '/solutions' } },
      { eventId: 'o1', contactId, type: 'email_opened', occurredAt: openDay },
      ...[1, 2, 3].map((i) => ({ eventId: `s${i}`, contactId, type: 'email_sent', occurredAt: openDay - i * 1000 })),
    ]);
    await changes.waitFor((items) => items.at(-1)?.value.score === 1010, 30_000, 'score 1010');
    // Seeing the outputs does not mean the scorer has taken note that they were produced (that
    // follows the broker's acknowledgement): a sweep before that would rightly produce the
    // events' outbox again, same ids. The decay scenarios start once it is cleared.
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    const outboxKey = new KeyLayout(keyPrefix).outbox(contactId);
    await pollUntil(async () => (await redis.exists(outboxKey)) === 0, "the events' outbox cleared");
    return { contactId, clock, scorer, changes, crossings, scoredBefore: changes.items.length };
  }

  /** The decay's outputs: one score change 1010 → 980 (cause DECAY) and the MQL down-crossing. */
  async function expectDecayOutputs(scenario: Awaited<ReturnType<typeof decayScenario>>): Promise<void> {
    const { contactId, changes, crossings, scoredBefore } = scenario;
    const decayed = await changes.waitFor((items) => items.length > scoredBefore, 30_000, 'a decay score change');
    expect(decayed.at(-1)!.value).toMatchObject({
      contactId,
      previousScore: 1010,
      score: 980,
      cause: { kind: 'DECAY', eventId: null },
    });
    const down = await crossings.waitFor((items) => items.some((c) => c.value.direction === 'DOWN'), 30_000, 'MQL down');
    expect(down.map((c) => [c.value.threshold, c.value.direction, c.value.cause.kind])).toEqual([
      ['MQL', 'UP', 'EVENT'],
      ['MQL', 'DOWN', 'DECAY'],
    ]);
  }

  it('the sweeper emits score-changed and threshold-crossed (cause DECAY) when an email open leaves its 180-day window', async () => {
    const scenario = await decayScenario('decay', { SWEEP_INTERVAL_MS: '200' });
    const { clock, scorer, changes, scoredBefore } = scenario;

    // Still the same UTC day tomorrow minus a minute: nothing expires, nothing is emitted.
    clock.now = MIDNIGHT - 60_000;
    expect(await scorer.sweepNow()).toEqual([]);

    // Midnight: the open's day leaves the window. The background sweeper (every 200 ms) notices
    // with no new event; a sweep right after it finds nothing more to do.
    clock.now = MIDNIGHT;
    await expectDecayOutputs(scenario);
    expect(await scorer.sweepNow()).toEqual([]);

    // Swept once: nothing more to expire for this contact, so later sweeps emit nothing.
    clock.now += 30 * DAY;
    expect(await scorer.sweepNow()).toEqual([]);
    expect(changes.items.length).toBe(scoredBefore + 1);
  });

  it('a sweep that dies after its commit, before producing, is made good by the next sweep: the decay outputs come out once, late', async () => {
    // Dies once, inside the window the protocol must survive: the state committed, nothing produced.
    let dieAfterCommit = false;
    const crashPoint = (name: string) => {
      if (name !== 'after-state-commit' || !dieAfterCommit) return;
      dieAfterCommit = false;
      throw new Error('sweeper died after the state commit');
    };
    // no background sweeps (the longest interval): this test decides when a sweep runs
    const scenario = await decayScenario('decay-owed', { SWEEP_INTERVAL_MS: String(DAY) }, { crashPoint });
    const { clock, scorer, changes, scoredBefore } = scenario;

    clock.now = MIDNIGHT;
    dieAfterCommit = true;
    await expect(scorer.sweepNow()).rejects.toThrow('sweeper died after the state commit');
    // Within the dead sweeper's lease (60 s) nobody takes the contact; once it ends, a sweep
    // produces what the commit owed (its outbox) and re-indexes the contact.
    clock.now += 59_000;
    expect(await scorer.sweepNow()).toEqual([]);
    clock.now += 1_000;
    await scorer.sweepNow();
    await expectDecayOutputs(scenario);

    // Made good once: a later sweep finds nothing owed and nothing due.
    clock.now += 30 * DAY;
    expect(await scorer.sweepNow()).toEqual([]);
    expect(changes.items.length).toBe(scoredBefore + 1);
  });
});

describe('time decay (a decaying points rule) without new events', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  /** A download is worth 100, then half as much at each UTC midnight after its day: 100, 50, 25, 12, 6, 3, 1, then 0. */
  const GRID = `
name: decaying
version: 1
thresholds: [{ name: MQL, at: 100 }]
rules:
  - { id: downloads, on: asset_downloaded, points: 100, decay: { every: 1d, by: 50% } }
`;

  it("the sweeper emits each midnight's lower worth (cause DECAY), the crossing below MQL with it, and nothing once the event is worth 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadscore-decaying-grid-'));
    const gridFile = join(dir, 'decaying.yaml');
    writeFileSync(gridFile, GRID);
    const { topics, codec, kafka } = await freshTopics('points-decay', 2);
    const clock = { now: START };
    const keyPrefix = ctx.uniqueName('points-decay');
    // no background sweeps (the longest interval): the test decides when a sweep runs
    const scorer = await startScorerInProcess(
      scorerEnv(topics, keyPrefix, { GRID_FILE: gridFile, SWEEP_INTERVAL_MS: String(DAY) }),
      () => clock.now,
    );
    cleanup.push(() => scorer.stop());
    const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const contactId = 'c-points-decay';
    await produceEvents(producer, codec, topics, [
      { eventId: 'd1', contactId, type: 'asset_downloaded', occurredAt: START - 3_600_000 },
    ]);
    await changes.waitFor((items) => items.at(-1)?.value.score === 100, 30_000, 'score 100');
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    const outboxKey = new KeyLayout(keyPrefix).outbox(contactId);
    await pollUntil(async () => (await redis.exists(outboxKey)) === 0, "the event's outbox cleared");

    // The same UTC day: the download keeps its worth.
    clock.now = MIDNIGHT - 1;
    expect(await scorer.sweepNow()).toEqual([]);

    const worths = [50, 25, 12, 6, 3, 1, 0];
    for (const [i, worth] of worths.entries()) {
      clock.now = MIDNIGHT + i * DAY;
      await scorer.sweepNow();
      const decayed = await changes.waitFor((items) => items.length === 2 + i, 30_000, `score ${worth}`);
      expect(decayed.at(-1)!.value).toMatchObject({ contactId, score: worth, cause: { kind: 'DECAY', eventId: null } });
      // later the same day, nothing more is due
      clock.now += DAY - 1;
      expect(await scorer.sweepNow()).toEqual([]);
    }
    expect(changes.items.map((c) => c.value.score)).toEqual([100, ...worths]);
    const mql = await crossings.waitFor((items) => items.length === 2, 30_000, 'MQL down');
    expect(mql.map((c) => [c.value.threshold, c.value.direction, c.value.cause.kind])).toEqual([
      ['MQL', 'UP', 'EVENT'],
      ['MQL', 'DOWN', 'DECAY'],
    ]);

    // Worth 0: forgotten, never swept again.
    clock.now += 365 * DAY;
    expect(await scorer.sweepNow()).toEqual([]);
    expect(changes.items).toHaveLength(1 + worths.length);
  });
  it('several scores: the sweeper lowers the decaying score at midnight, with its grade change and its MQL crossing down, the other score untouched', async () => {
    const { topics, codec, kafka } = await freshTopics('scores-decay', 2);
    const clock = { now: START };
    const keyPrefix = ctx.uniqueName('scores-decay');
    const scorer = await startScorerInProcess(
      scorerEnv(topics, keyPrefix, { GRID_FILE: B2B_GRID, SWEEP_INTERVAL_MS: String(DAY) }),
      () => clock.now,
    );
    cleanup.push(() => scorer.stop());
    const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);
    const grades = await new TopicCollector<GradeChangedValue>(kafka, codec, 'gradeChanged', topics.gradeChanged).start();
    cleanup.push(() => grades.stop());
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    // 29 days ago: 5 pricing visits (engagement 100, the rule's limit), fit 60 (phone, 500 people): A1, qualified
    const contactId = 'c-scores-decay';
    const visited = START - 29 * DAY;
    await produceEvents(producer, codec, topics, [
      ...Array.from({ length: 5 }, (_, i) => ({
        eventId: `v${i}`,
        contactId,
        type: 'page_viewed',
        occurredAt: visited + i * 60_000,
        properties: { path: '/pricing' },
      })),
      {
        eventId: 'u1',
        contactId,
        type: 'contact_updated',
        occurredAt: visited,
        properties: { phone: '+1 555', companySize: 500 },
      },
    ]);
    await grades.waitFor((items) => items.at(-1)?.value.grade === 'A1', 30_000, 'grade A1');

    // the visits' 30th day starts at the next midnight: their worth halves
    clock.now = MIDNIGHT - 1;
    expect(await scorer.sweepNow()).toEqual([]);
    clock.now = MIDNIGHT;
    const swept = await scorer.sweepNow();
    expect(swept.map((c) => [c.scoreId, c.previousScore, c.score, c.cause.kind])).toEqual([['engagement', 100, 50, 'decay']]);
    const decayed = await changes.waitFor((items) => items.some((c) => c.value.cause.kind === 'DECAY'), 30_000, 'engagement 50');
    expect(decayed.filter((c) => c.value.cause.kind === 'DECAY').map((c) => c.value)).toMatchObject([
      { contactId, scoreId: 'engagement', previousScore: 100, score: 50 },
    ]);
    const down = await grades.waitFor((items) => items.at(-1)?.value.grade === 'A2', 30_000, 'grade A2');
    expect(down.at(-1)!.value).toMatchObject({
      previousGrade: 'A1',
      qualified: true,
      columnScore: 50,
      rowScore: 60,
      cause: { kind: 'DECAY' },
    });
    const mql = await crossings.waitFor((items) => items.some((c) => c.value.direction === 'DOWN'), 30_000, 'MQL down');
    expect(mql.map((c) => [c.value.scoreId, c.value.threshold, c.value.direction])).toEqual([
      ['engagement', 'MQL', 'UP'],
      ['matrix', 'qualified', 'UP'],
      ['engagement', 'MQL', 'DOWN'],
    ]);
    // fit never changed again
    expect(changes.items.filter((c) => c.value.scoreId === 'fit').map((c) => c.value.score)).toEqual([60]);
  });
});
