import { describe, expect, it } from 'vitest';
import { decodeState, replayEvents, type LeadEvent } from '@leadscore/engine';
import type { InputMessage } from '@leadscore/contracts';
import { isSealedState } from '@leadscore/redis-layout';
import { BatchScorer } from '../src/batch-scorer.js';
import type { ContactStore } from '../src/contact-updater.js';
import { ScorerMetrics } from '../src/metrics.js';
import { InMemoryContactStore } from './support/in-memory-contact-store.js';
import { InMemoryIdentityStore } from './support/in-memory-identity-store.js';
import { JsonEventDecoder, PlainDeadLetterBuilder } from './support/json-event-decoder.js';
import { JsonOutputEncoder } from './support/json-output-encoder.js';
import { RecordingProducer } from './support/recording-producer.js';
import { leadEvent, NOW, TEST_GRID, TOPICS } from './support/test-grid.js';

function merge(eventId: string, into: string, from: string, hoursAgo: number): LeadEvent {
  return { ...leadEvent(eventId, into, 'contact_merged', hoursAgo), properties: { mergedFrom: from } };
}

function messages(events: readonly LeadEvent[], firstOffset: number): InputMessage[] {
  return events.map((event, i) => ({
    topic: TOPICS.behaviouralEvents,
    partition: 0,
    offset: String(firstOffset + i),
    timestamp: String(NOW),
    key: Buffer.from(event.contactId),
    value: Buffer.from(JSON.stringify({ ...event, occurredAt: new Date(event.occurredAt).toISOString() })),
    headers: {},
  }));
}

describe('BatchScorer: a chunk holding merges', () => {
  it('commits in two rounds around merges that touch other contacts (untouched contacts in the first), and scores as replay does', async () => {
    const contacts = new InMemoryContactStore();
    const identity = new InMemoryIdentityStore(contacts);
    const committed: string[][] = [];
    const store: ContactStore = {
      read: (ids, clears) => contacts.read(ids, clears),
      clearOutboxes: (produced) => contacts.clearOutboxes(produced),
      commit: (commits, clears) => {
        committed.push(commits.map((c) => c.contactId).sort());
        return contacts.commit(commits, clears);
      },
    };
    const scorer = new BatchScorer({
      grid: TEST_GRID,
      topics: TOPICS,
      decoder: new JsonEventDecoder(),
      deadLetters: new PlainDeadLetterBuilder(),
      store,
      producer: new RecordingProducer(),
      scoreWriter: new JsonOutputEncoder(),
      metrics: new ScorerMetrics(),
      now: () => NOW,
      identity,
    });
    // an earlier chunk: anon-0 already merged into known-0 (a tree whose member is a merge side below)
    await scorer.score(messages([leadEvent('e0', 'anon-0', 'page_viewed', 30), merge('m0', 'known-0', 'anon-0', 29)], 0));
    committed.length = 0;

    const plain = ['p-1', 'p-2', 'p-3'];
    const events: LeadEvent[] = [
      ...plain.map((id, i) => leadEvent(`a${i}`, id, 'page_viewed', 20)),
      leadEvent('x1', 'anon-1', 'page_viewed', 19),
      leadEvent('y3', 'anon-3', 'demo_requested', 19),
      leadEvent('y4', 'anon-4', 'demo_requested', 19),
      merge('m1', 'known-1', 'anon-1', 18),
      ...plain.map((id, i) => leadEvent(`b${i}`, id, 'demo_requested', 17)),
      leadEvent('x2', 'known-1', 'page_viewed', 16),
      merge('m2', 'later-root', 'anon-0', 15), // anon-0's root known-0 is linked under later-root
      leadEvent('x3', 'known-0', 'page_viewed', 14), // now a member of later-root's tree: applied after m2
      ...plain.map((id, i) => leadEvent(`c${i}`, id, 'email_unsubscribed', 13)),
      merge('m3', 'known-3', 'anon-3', 12),
      leadEvent('d0', 'p-1', 'page_viewed', 11),
      merge('m4', 'known-4', 'anon-4', 10),
    ];
    await scorer.score(messages(events, 2));

    // every plain contact committed once, in the first round; the rounds after a merge name merge sides only
    for (const id of plain) expect(committed.filter((ids) => ids.includes(id))).toHaveLength(1);
    expect(committed[0]).toEqual(expect.arrayContaining(plain));
    const sides = new Set(['anon-0', 'anon-1', 'anon-3', 'anon-4', 'known-0', 'known-1', 'known-3', 'known-4', 'later-root']);
    for (const ids of committed.slice(1)) for (const id of ids) expect(sides).toContain(id);
    // round 0: every event before its component's merge; the four merges absorbed in one commit;
    // round 1: known-1's event, and known-0's (sealed now) applied to its new root
    expect(committed).toEqual([
      ['anon-1', 'anon-3', 'anon-4', ...plain],
      ['known-1', 'known-3', 'known-4', 'later-root'],
      ['known-1'],
      ['later-root'],
    ]);

    const all = [leadEvent('e0', 'anon-0', 'page_viewed', 30), merge('m0', 'known-0', 'anon-0', 29), ...events].map((e) =>
      JSON.stringify({ ...e, occurredAt: new Date(e.occurredAt).toISOString() }),
    );
    const replay = await replayEvents(TEST_GRID, all, NOW);
    for (const contact of replay.contacts) {
      const raw = contacts.states.get(contact.contactId) ?? '';
      if (contact.mergedInto) {
        expect(isSealedState(raw), contact.contactId).toBe(true);
        continue;
      }
      expect(decodeState(raw).score, contact.contactId).toBe(contact.score);
    }
    for (const root of ['later-root', 'known-3', 'known-4'])
      expect(replay.contacts.find((c) => c.contactId === root)?.score, root).toBeGreaterThan(0);
  });
});
