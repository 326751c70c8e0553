import { describe, expect, it } from 'vitest';
import type { LeadEvent } from '@leadscore/engine';
import { TopicHistorySource } from '../src/history-source.js';
import type { TopicHistoryRead } from '../src/topic-history.js';

/** A topic read of `events` events (one contact each), as readTopicHistory answers. */
function read(events: number): TopicHistoryRead {
  const byContact = new Map<string, LeadEvent[]>();
  for (let i = 0; i < events; i += 1) byContact.set(`c-${i}`, []);
  return { history: { byContact, events, badLines: [] }, messages: events, skipped: {}, truncated: false, ends: {} };
}

describe('the topic history source', () => {
  it('reads once, shares a read in flight, and reads again only on a refresh', async () => {
    const reads: ((value: TopicHistoryRead) => void)[] = [];
    const source = new TopicHistorySource(
      () => new Promise((resolve) => reads.push(resolve)),
      undefined,
      () => 1_000,
    );
    const first = source.load(false);
    const second = source.load(false);
    expect(reads).toHaveLength(1);
    reads[0]!(read(3));
    expect((await first).info).toMatchObject({ source: 'topics', events: 3, contacts: 3, readAt: 1_000 });
    expect(await second).toBe(await first);
    expect(await source.load(false)).toBe(await first);
    const refreshed = source.load(true);
    expect(reads).toHaveLength(2);
    reads[1]!(read(5));
    expect((await refreshed).info.events).toBe(5);
    expect((await source.load(false)).info.events).toBe(5);
  });

  it('does not keep a read that failed: the next backtest reads again', async () => {
    let calls = 0;
    const source = new TopicHistorySource(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('the broker is down');
        return read(2);
      },
      undefined,
      () => 0,
    );
    await expect(source.load(false)).rejects.toThrow('the broker is down');
    expect((await source.load(false)).info.events).toBe(2);
    expect(calls).toBe(2);
  });
});
