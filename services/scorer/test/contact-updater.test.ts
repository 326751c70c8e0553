import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@leadscore/errors';
import { ServiceError } from '@leadscore/service-kit';
import { emptyState, encodeState, type LeadEvent, type ScoreChange } from '@leadscore/engine';
import { applyEvents } from '../src/batch-scorer.js';
import type { StoredState } from '../src/contact-state-store.js';
import { ContactUpdater, type ContactStore } from '../src/contact-updater.js';
import type { CrashPoint } from '../src/crash-points.js';
import type { OutputBatch } from '../src/output-batch.js';
import { ScorerMetrics } from '../src/metrics.js';
import { crashOnce, SimulatedCrash } from './support/crash-injection.js';
import { InMemoryContactStore } from './support/in-memory-contact-store.js';
import { decodeOutput, JsonOutputEncoder, type EncodedScoreChange } from './support/json-output-encoder.js';
import { RecordingProducer } from './support/recording-producer.js';
import { leadEvent, NOW, TEST_GRID, TOPICS } from './support/test-grid.js';

interface Rig {
  readonly store: InMemoryContactStore;
  readonly producer: RecordingProducer;
  readonly metrics: ScorerMetrics;
  updater(options?: { crashPoint?: CrashPoint; store?: ContactStore }): ContactUpdater;
  /** Scores events as the batch scorer does: one update of their contacts, events in order. */
  score(
    events: readonly LeadEvent[],
    options?: { crashPoint?: CrashPoint; store?: ContactStore; extra?: OutputBatch },
  ): Promise<ScoreChange[]>;
}

function rig(): Rig {
  const store = new InMemoryContactStore();
  const producer = new RecordingProducer();
  const metrics = new ScorerMetrics();
  const updater: Rig['updater'] = (options = {}) =>
    new ContactUpdater({
      grid: TEST_GRID,
      topics: TOPICS,
      store: options.store ?? store,
      producer,
      scoreWriter: new JsonOutputEncoder(),
      metrics,
      crashPoint: options.crashPoint,
    });
  return {
    store,
    producer,
    metrics,
    updater,
    score: (events, options = {}) => {
      const byContact = new Map<string, LeadEvent[]>();
      for (const e of events) byContact.set(e.contactId, [...(byContact.get(e.contactId) ?? []), e]);
      return updater(options).update([...byContact.keys()], NOW, options.extra ?? new Map(), (contactId, stored) =>
        applyEvents(TEST_GRID, stored, byContact.get(contactId)!, NOW),
      );
    },
  };
}

/** The score changes these events give when applied in order to an empty contact, as the engine computes them. */
function expectedChanges(events: readonly LeadEvent[]): readonly ScoreChange[] {
  const stored: StoredState = { state: emptyState(), raw: '', outbox: '' };
  return applyEvents(TEST_GRID, stored, events, NOW).changes;
}

function outputIds(changes: readonly ScoreChange[]): string[] {
  return changes.flatMap((c) => [c.id, ...c.thresholdCrossings.map((t) => t.id)]);
}

/** A store whose next commit first lets another writer commit (the race a rebalance or the sweeper causes). */
function racingStore(store: InMemoryContactStore, otherWriter: () => Promise<unknown>): ContactStore {
  let raced = false;
  return {
    read: (ids) => store.read(ids),
    clearOutboxes: (produced) => store.clearOutboxes(produced),
    commit: async (commits) => {
      if (!raced) {
        raced = true;
        await otherWriter();
      }
      return store.commit(commits);
    },
  };
}

const allSentIds = (producer: RecordingProducer): string[] => [
  ...producer.idsSentTo(TOPICS.scoreChanged),
  ...producer.idsSentTo(TOPICS.thresholdCrossed),
];

describe('ContactUpdater', () => {
  it('commits the state, produces the outputs with their ids, and leaves no outbox', async () => {
    const r = rig();
    const events = [leadEvent('e1', 'c1', 'demo_requested'), leadEvent('e2', 'c1', 'page_viewed')];
    const changes = await r.score(events);
    expect(outputIds(changes)).toEqual(outputIds(expectedChanges(events)));
    expect(allSentIds(r.producer).sort()).toEqual(outputIds(expectedChanges(events)).sort());
    expect(r.store.outboxes.size).toBe(0);
    expect(r.store.states.has('c1')).toBe(true);
  });

  it('produces an outbox a crashed writer left before the new work of the same contact', async () => {
    const r = rig();
    const first = [leadEvent('e1', 'c1', 'demo_requested')];
    await expect(r.score(first, { crashPoint: crashOnce('after-state-commit') })).rejects.toBeInstanceOf(SimulatedCrash);
    expect(r.producer.sent).toEqual([]);
    expect(r.store.outboxes.has('c1')).toBe(true);

    // the next writer of c1 brings a new event: the owed outputs go out first, ids unchanged
    await r.score([leadEvent('e2', 'c1', 'page_viewed')]);
    const expected = expectedChanges([...first, leadEvent('e2', 'c1', 'page_viewed')]);
    expect(r.producer.idsSentTo(TOPICS.scoreChanged)).toEqual(expected.map((c) => c.id));
    expect(r.producer.idsSentTo(TOPICS.thresholdCrossed)).toEqual(expected.flatMap((c) => c.thresholdCrossings.map((t) => t.id)));
    expect(r.store.outboxes.size).toBe(0);
  });

  it('an owed outbox stays owed when the next writer commits new outputs and then fails to produce', async () => {
    const r = rig();
    const first = leadEvent('e1', 'c1', 'demo_requested');
    const second = leadEvent('e2', 'c1', 'page_viewed');
    await expect(r.score([first], { crashPoint: crashOnce('after-state-commit') })).rejects.toBeInstanceOf(SimulatedCrash);
    r.producer.failNext(); // the next writer commits its own outputs, then Kafka refuses the produce
    await expect(r.score([second])).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
    await r.score([second]); // its redelivery
    expect(new Set(allSentIds(r.producer))).toEqual(new Set(outputIds(expectedChanges([first, second]))));
    expect(r.store.outboxes.size).toBe(0);
  });

  it.each(['after-state-commit', 'after-produce'] as const)(
    'after a crash %s, the redelivery produces the same ids and computes nothing new',
    async (point) => {
      const r = rig();
      const events = [leadEvent('e1', 'c1', 'demo_requested'), leadEvent('e2', 'c2', 'page_viewed')];
      await expect(r.score(events, { crashPoint: crashOnce(point) })).rejects.toBeInstanceOf(SimulatedCrash);
      const before = r.producer.sent.length;
      const redelivered = await r.score(events);
      expect(redelivered).toEqual([]); // duplicates by eventId: nothing new computed
      const expected = [...expectedChanges([events[0]!]), ...expectedChanges([events[1]!])];
      const resent = r.producer.sent.slice(before).map((s) => String(s.message.headers?.['x-id']));
      expect(resent.sort()).toEqual(outputIds(expected).sort());
      expect(r.store.outboxes.size).toBe(0);
    },
  );

  it('a lost compare-and-set recomputes on the winner’s state and never produces what the loser computed', async () => {
    const r = rig();
    const mine = leadEvent('e-mine', 'c1', 'demo_requested');
    const theirs = leadEvent('e-theirs', 'c1', 'page_viewed');
    const loserChanges = expectedChanges([mine]);
    const store = racingStore(r.store, () => r.score([theirs]));

    const committed = await r.score([mine], { store });

    const winner = expectedChanges([theirs]);
    const recomputed = expectedChanges([theirs, mine]).slice(winner.length);
    expect(outputIds(committed)).toEqual(outputIds(recomputed));
    const sent = allSentIds(r.producer);
    for (const id of outputIds(loserChanges)) expect(sent).not.toContain(id);
    expect(sent.sort()).toEqual([...outputIds(winner), ...outputIds(recomputed)].sort());
    expect((await r.metrics.stateConflicts.get()).values[0]?.value).toBe(1);
    expect(r.store.outboxes.size).toBe(0);
  });

  it('a loser still clears the old outbox it produced: the next round does not produce it again', async () => {
    const r = rig();
    const owed = [leadEvent('e0', 'c1', 'demo_requested')];
    await expect(r.score(owed, { crashPoint: crashOnce('after-state-commit') })).rejects.toBeInstanceOf(SimulatedCrash);
    // another writer changes the state without owing anything new: it carries the outbox it read over
    const store = racingStore(r.store, async () => {
      const current = (await r.store.read(['c1'])).get('c1')!;
      const moved = applyEvents(TEST_GRID, current, [leadEvent('x', 'c1', 'page_viewed')], NOW);
      expect(r.store.commitOne('c1', current.raw, encodeState(moved.state!), current.outbox)).toBe(true);
    });
    await r.score([leadEvent('e1', 'c1', 'email_opened')], { store });
    expect(r.producer.idsSentTo(TOPICS.scoreChanged).filter((id) => id === expectedChanges(owed)[0]!.id)).toHaveLength(1);
    expect(r.store.outboxes.size).toBe(0);
  });

  it('clears an outbox only when it still holds what was produced', async () => {
    const r = rig();
    const owedByOther = leadEvent('e-other', 'c1', 'page_viewed');
    // While this writer produces, another commits c1 with outputs of its own and dies before producing them.
    const producer = r.producer;
    const send = producer.send.bind(producer);
    let interleaved = false;
    producer.send = async (batch) => {
      await send(batch);
      if (interleaved) return;
      interleaved = true;
      await expect(r.score([owedByOther], { crashPoint: crashOnce('after-state-commit') })).rejects.toBeInstanceOf(
        SimulatedCrash,
      );
    };
    await r.score([leadEvent('e1', 'c1', 'demo_requested')]);

    const stillOwed = r.store.outboxes.get('c1');
    expect(stillOwed).toBeDefined();
    producer.send = send;
    const before = producer.sent.length;
    await r.score([owedByOther]); // redelivery of the other writer's event: its outputs come from the outbox
    const resent = producer.sent.slice(before).map((s) => String(s.message.headers?.['x-id']));
    // the other writer had read this writer's outbox before it was cleared: its own keeps it, ids unchanged
    const expected = expectedChanges([leadEvent('e1', 'c1', 'demo_requested'), owedByOther]);
    expect(resent.sort()).toEqual(outputIds(expected).sort());
    expect(r.store.outboxes.size).toBe(0);
  });

  it('a failed produce leaves the outbox for the next writer, ids unchanged', async () => {
    const r = rig();
    const events = [leadEvent('e1', 'c1', 'demo_requested')];
    r.producer.failNext(1, 1);
    await expect(r.score(events)).rejects.toMatchObject({ code: 'PUBLISH_FAILED', retriable: true });
    expect(r.store.outboxes.has('c1')).toBe(true);
    await r.score(events);
    expect(new Set(allSentIds(r.producer))).toEqual(new Set(outputIds(expectedChanges(events))));
    expect(r.store.outboxes.size).toBe(0);
  });

  it('per-contact sequences only increase, across chunks, conflicts and redeliveries', async () => {
    const r = rig();
    const chunks = [
      [leadEvent('a1', 'c1', 'page_viewed'), leadEvent('b1', 'c2', 'demo_requested')],
      [leadEvent('a2', 'c1', 'demo_requested'), leadEvent('a3', 'c1', 'email_unsubscribed')],
      [leadEvent('b2', 'c2', 'email_unsubscribed'), leadEvent('a4', 'c1', 'page_viewed')],
    ];
    await r.score(chunks[0]!);
    await expect(r.score(chunks[1]!, { crashPoint: crashOnce('after-produce') })).rejects.toBeInstanceOf(SimulatedCrash);
    await r.score(chunks[1]!);
    await r.score(chunks[2]!, { store: racingStore(r.store, () => r.score([leadEvent('b3', 'c2', 'page_viewed')])) });

    const lastSequence = new Map<string, number>();
    const seen = new Set<string>();
    let firstSightings = 0;
    for (const { topic, message } of r.producer.sent) {
      if (topic !== TOPICS.scoreChanged) continue;
      const value = decodeOutput<EncodedScoreChange>(message);
      if (seen.has(value.id)) continue;
      seen.add(value.id);
      firstSightings += 1;
      expect(value.sequence).toBeGreaterThan(lastSequence.get(value.contactId) ?? 0);
      lastSequence.set(value.contactId, value.sequence);
    }
    expect(firstSightings).toBeGreaterThanOrEqual(6);
  });

  it('dead letters pass through: produced once with the first round, even when a commit loses its race', async () => {
    const r = rig();
    const deadLetter = { key: 'k', value: Buffer.from('bad'), headers: { 'x-dlq-reason': 'INVALID_EVENT' } };
    const store = racingStore(r.store, () => r.score([leadEvent('e-theirs', 'c1', 'page_viewed')]));
    await r.score([leadEvent('e1', 'c1', 'demo_requested')], { store, extra: new Map([[TOPICS.deadLetters, [deadLetter]]]) });
    expect(r.producer.sent.filter((s) => s.topic === TOPICS.deadLetters).map((s) => s.message)).toEqual([deadLetter]);
  });

  it('event commits leave the decay index alone while the next expiry does not move; sweeps always re-index', async () => {
    const { store, updater } = rig();
    const day = 86_400_000;
    const opensExpire = NOW - (NOW % day) + 3 * day; // `opens` counts 3 days: today's open leaves the window then
    const commit = (event: LeadEvent, options: { keepIndexedExpiry?: boolean }) =>
      updater().update(['c1'], NOW, new Map(), (_id, stored) => applyEvents(TEST_GRID, stored, [event], NOW), options);
    await commit(leadEvent('e1', 'c1', 'email_opened', 1), { keepIndexedExpiry: true });
    expect(store.decayIndex.get('c1')).toBe(opensExpire); // a new contact is indexed
    const LEASE_END = NOW + 60_000; // a sweeper's claim moved the entry meanwhile
    store.decayIndex.set('c1', LEASE_END);
    await commit(leadEvent('e2', 'c1', 'email_opened', 2), { keepIndexedExpiry: true });
    expect(store.decayIndex.get('c1')).toBe(LEASE_END); // same expiry: no index command
    await commit(leadEvent('e3', 'c1', 'email_opened', 30), { keepIndexedExpiry: true });
    expect(store.decayIndex.get('c1')).toBe(opensExpire - day); // yesterday's open expires first
    store.decayIndex.set('c1', LEASE_END);
    await commit(leadEvent('e4', 'c1', 'email_opened', 3), {});
    expect(store.decayIndex.get('c1')).toBe(opensExpire - day); // without the option, re-indexed
  });

  it('a round that failed after its commit, before the decay index took the expiry, is re-indexed by the redelivery', async () => {
    const r = rig();
    const day = 86_400_000;
    const opensExpire = NOW - (NOW % day) + 3 * day;
    // The states are committed, then the round trip fails: the index's key (on Redis Cluster maybe
    // another node) never got the new contact's expiry.
    let failAfterCommit = true;
    const store: ContactStore = {
      read: (ids) => r.store.read(ids),
      clearOutboxes: (produced) => r.store.clearOutboxes(produced),
      commit: async (commits, clears) => {
        const conflicts = await r.store.commit(commits, clears);
        if (!failAfterCommit) return conflicts;
        failAfterCommit = false;
        for (const c of commits) r.store.decayIndex.delete(c.contactId);
        throw new ServiceError(ErrorCode.RedisUnavailable, 'Redis commit failed: CLUSTERDOWN');
      },
    };
    const opened = [leadEvent('e1', 'c1', 'email_opened', 1)];
    const score = () =>
      r.updater({ store }).update(['c1'], NOW, new Map(), (_id, stored) => applyEvents(TEST_GRID, stored, opened, NOW), {
        keepIndexedExpiry: true,
      });
    await expect(score()).rejects.toMatchObject({ code: ErrorCode.RedisUnavailable });
    expect(r.store.outboxes.has('c1')).toBe(true); // committed, never produced
    expect(r.store.decayIndex.has('c1')).toBe(false);

    await score(); // the redelivery: nothing new to count, the owed outputs produced, the expiry indexed
    expect(r.store.decayIndex.get('c1')).toBe(opensExpire);
    expect(allSentIds(r.producer)).toEqual(outputIds(expectedChanges(opened)));
    expect(r.store.outboxes.size).toBe(0);
  });

  it('a chunk of dead letters only is still produced', async () => {
    const r = rig();
    const deadLetter = { key: null, value: Buffer.from('bad') };
    await r.updater().update([], NOW, new Map([[TOPICS.deadLetters, [deadLetter]]]), () => ({ state: null, changes: [] }));
    expect(r.producer.sent).toEqual([{ topic: TOPICS.deadLetters, message: deadLetter }]);
  });
});
