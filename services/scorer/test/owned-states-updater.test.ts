import { describe, expect, it } from 'vitest';
import { emptyState, encodeState, type LeadEvent, type ScoreChange } from '@leadscore/engine';
import { applyEvents } from '../src/batch-scorer.js';
import type { StateCommit, StoredState } from '../src/contact-state-store.js';
import { ContactUpdater, type ContactStore } from '../src/contact-updater.js';
import { ScorerMetrics } from '../src/metrics.js';
import { OwnedStates } from '../src/owned-states.js';
import { InMemoryContactStore } from './support/in-memory-contact-store.js';
import { JsonOutputEncoder } from './support/json-output-encoder.js';
import { RecordingProducer } from './support/recording-producer.js';
import { leadEvent, NOW, TEST_GRID, TOPICS } from './support/test-grid.js';

/** Every store call, as `read`/`commit`/`clear` with the number of clears it carried. */
class CountingStore implements ContactStore {
  readonly calls: string[] = [];
  constructor(readonly inner: InMemoryContactStore) {}

  read(ids: readonly string[], clears?: ReadonlyMap<string, string>): Promise<Map<string, StoredState>> {
    this.calls.push(`read ${ids.length} +${clears?.size ?? 0} clears`);
    return this.inner.read(ids, clears);
  }

  commit(commits: readonly StateCommit[], clears?: ReadonlyMap<string, string>): Promise<Set<string>> {
    this.calls.push(`commit ${commits.length} +${clears?.size ?? 0} clears`);
    return this.inner.commit(commits, clears);
  }

  clearOutboxes(produced: ReadonlyMap<string, string>): Promise<void> {
    this.calls.push(`clear ${produced.size}`);
    return this.inner.clearOutboxes(produced);
  }
}

/** One scorer process: its updater over a shared store, with its own memory of committed states. */
function process(store: ContactStore, producer: RecordingProducer, capacity = 100) {
  const owned = new OwnedStates(capacity);
  const metrics = new ScorerMetrics();
  let clearsOwed = 0;
  const updater = new ContactUpdater({
    grid: TEST_GRID,
    topics: TOPICS,
    store,
    producer,
    scoreWriter: new JsonOutputEncoder(),
    metrics,
    owned,
    onClearsOwed: () => (clearsOwed += 1),
  });
  return {
    owned,
    metrics,
    updater,
    get clearsOwed() {
      return clearsOwed;
    },
    score(events: readonly LeadEvent[]): Promise<ScoreChange[]> {
      const byContact = new Map<string, LeadEvent[]>();
      for (const e of events) byContact.set(e.contactId, [...(byContact.get(e.contactId) ?? []), e]);
      return updater.update([...byContact.keys()], NOW, new Map(), (contactId, stored) =>
        applyEvents(TEST_GRID, stored, byContact.get(contactId)!, NOW),
      );
    },
  };
}

/** What the engine computes for these events applied in order to a new contact. */
const fromEmpty = (events: readonly LeadEvent[]) =>
  applyEvents(TEST_GRID, { state: emptyState(), raw: '', outbox: '' }, events, NOW);

const reads = async (metrics: ScorerMetrics, source: 'memory' | 'redis') =>
  (await metrics.stateReads.get()).values.find((v) => v.labels['source'] === source)?.value ?? 0;

describe('ContactUpdater with the states it committed in memory', () => {
  it('in steady state a chunk is one round trip: the commit, carrying the clears of the chunk before', async () => {
    const inner = new InMemoryContactStore();
    const store = new CountingStore(inner);
    const p = process(store, new RecordingProducer());

    await p.score([leadEvent('e1', 'c1', 'page_viewed'), leadEvent('e2', 'c2', 'page_viewed')]);
    expect(store.calls).toEqual(['read 2 +0 clears', 'commit 2 +0 clears']);
    expect(inner.outboxes.size).toBe(2); // produced; the clears wait for the next round trip
    expect(p.clearsOwed).toBe(1);

    store.calls.length = 0;
    await p.score([leadEvent('e3', 'c1', 'demo_requested')]);
    expect(store.calls).toEqual(['commit 1 +2 clears']);
    // c2's produced outbox was cleared by the commit's round trip; c1's new one is owed a clear
    expect([...inner.outboxes.keys()]).toEqual(['c1']);
    expect(await reads(p.metrics, 'memory')).toBe(1);
    expect(await reads(p.metrics, 'redis')).toBe(2);

    store.calls.length = 0;
    await p.updater.flushClears();
    expect(store.calls).toEqual(['clear 1']);
    expect(inner.outboxes.size).toBe(0);
  });

  it('a chunk whose events change nothing makes no round trip at all', async () => {
    const store = new CountingStore(new InMemoryContactStore());
    const p = process(store, new RecordingProducer());
    await p.score([leadEvent('e1', 'c1', 'page_viewed')]);
    store.calls.length = 0;
    // an event type no rule counts: the outcome does not depend on the state
    await p.score([leadEvent('e2', 'c1', 'no_rule_counts_this')]);
    expect(store.calls).toEqual([]);
  });

  it('a state another writer overtook fails its compare-and-set, is re-read, and its outputs are the winner’s truth', async () => {
    const inner = new InMemoryContactStore();
    const producer = new RecordingProducer();
    const mine = process(new CountingStore(inner), producer);
    const other = process(inner, producer); // the partition's new owner (or a sweeper of another instance)

    await mine.score([leadEvent('e1', 'c1', 'page_viewed')]);
    await other.score([leadEvent('e2', 'c1', 'demo_requested')]);
    const before = producer.sent.length;
    const changes = await mine.score([leadEvent('e3', 'c1', 'email_unsubscribed')]);

    // computed on the stored state (e1, e2), not on memory (e1 only)
    const all = fromEmpty([
      leadEvent('e1', 'c1', 'page_viewed'),
      leadEvent('e2', 'c1', 'demo_requested'),
      leadEvent('e3', 'c1', 'email_unsubscribed'),
    ]);
    const fromMemory = fromEmpty([leadEvent('e1', 'c1', 'page_viewed'), leadEvent('e3', 'c1', 'email_unsubscribed')]);
    expect(changes.map((c) => c.id)).toEqual([all.changes.at(-1)!.id]);
    const resent = producer.sent.slice(before).map((s) => String(s.message.headers?.['x-id']));
    for (const phantom of fromMemory.changes.slice(1)) expect(resent).not.toContain(phantom.id);
    expect((await mine.metrics.stateConflicts.get()).values[0]?.value).toBe(1);
    expect((await inner.read(['c1'])).get('c1')!.state.score).toBe(all.state!.score);
  });

  it('after a failed produce the contacts are read again, and the outbox committed with them is produced', async () => {
    const inner = new InMemoryContactStore();
    const store = new CountingStore(inner);
    const producer = new RecordingProducer();
    const p = process(store, producer);
    const events = [leadEvent('e1', 'c1', 'demo_requested')];
    producer.failNext(1, 0);
    await expect(p.score(events)).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
    expect(p.owned.get('c1')).toBeUndefined();

    store.calls.length = 0;
    await p.score(events); // the redelivery
    expect(store.calls[0]).toBe('read 1 +0 clears');
    const sent = producer.idsSentTo(TOPICS.scoreChanged);
    expect(sent).toEqual(fromEmpty(events).changes.map((c) => c.id));
    expect(inner.states.has('c1')).toBe(true);
  });

  it('clears a failed round trip took are owed again', async () => {
    const inner = new InMemoryContactStore();
    let failCommit = false;
    const store: ContactStore = {
      read: (ids, clears) => inner.read(ids, clears),
      commit: (commits, clears) => (failCommit ? Promise.reject(new Error('Redis down')) : inner.commit(commits, clears)),
      clearOutboxes: (produced) => inner.clearOutboxes(produced),
    };
    const p = process(store, new RecordingProducer());
    await p.score([leadEvent('e1', 'c1', 'page_viewed'), leadEvent('e2', 'c2', 'page_viewed')]);
    failCommit = true;
    await expect(p.score([leadEvent('e3', 'c1', 'demo_requested')])).rejects.toThrow('Redis down');
    expect(p.owned.hasClears).toBe(true);
    await p.updater.flushClears();
    expect(inner.outboxes.size).toBe(0);
  });

  it('keeps at most its capacity, least recently used out first', () => {
    const owned = new OwnedStates(2);
    const stored = (sequence: number): StoredState => {
      const state = { ...emptyState(), sequence };
      return { raw: encodeState(state), state, outbox: '' };
    };
    owned.committed('a', stored(1));
    owned.committed('b', stored(2));
    owned.get('a');
    owned.committed('c', stored(3));
    expect(owned.get('b')).toBeUndefined();
    expect(owned.get('a')?.state.sequence).toBe(1);
    expect(owned.get('c')?.state.sequence).toBe(3);
    expect(new OwnedStates(0).size).toBe(0);
  });
});
