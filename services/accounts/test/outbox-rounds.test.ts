import { describe, expect, it } from 'vitest';
import { decodeOutbox, encodeOutbox, type OutputBatch } from '@leadscore/service-kit';
import { commitInRounds, type StoredValue, type ValueCommit } from '../src/index.js';

/** An in-memory stand-in for the compare-and-set commit with an outbox (commit-state-2.lua, commit-account-3.lua). */
class FakeStore {
  readonly values = new Map<string, string>();
  readonly outboxes = new Map<string, string>();
  /** Called before each commit: lets a test play another writer getting there first. */
  beforeCommit: () => void = () => undefined;

  async read(ids: readonly string[]): Promise<Map<string, StoredValue>> {
    return new Map(ids.map((id) => [id, { raw: this.values.get(id) ?? '', outbox: this.outboxes.get(id) ?? '' }]));
  }

  async commit(commits: readonly ValueCommit[]): Promise<Set<string>> {
    this.beforeCommit();
    const lost = new Set<string>();
    for (const c of commits) {
      if ((this.values.get(c.id) ?? '') !== c.expected) {
        lost.add(c.id);
        continue;
      }
      this.values.set(c.id, c.value);
      if (c.outbox === '') this.outboxes.delete(c.id);
      else this.outboxes.set(c.id, c.outbox);
    }
    return lost;
  }

  async clear(produced: ReadonlyMap<string, string>): Promise<void> {
    for (const [id, outbox] of produced) if (this.outboxes.get(id) === outbox) this.outboxes.delete(id);
  }
}

const owed = (topic: string, text: string) => ({ topic, message: { key: 'k', value: Buffer.from(text) } });
const texts = (sent: OutputBatch[]) => sent.flatMap((b) => [...b.values()].flat().map((m) => m.value.toString()));

function rounds(store: FakeStore, sent: OutputBatch[], compute: (id: string, stored: StoredValue) => string | null) {
  return {
    read: (ids: readonly string[]) => store.read(ids),
    compute: async (id: string, stored: StoredValue) => {
      const value = compute(id, stored);
      return value === null ? null : { value, owed: [owed('out', `${id}=${value}`)] };
    },
    commit: (commits: readonly ValueCommit[]) => store.commit(commits),
    clear: (produced: ReadonlyMap<string, string>) => store.clear(produced),
    producer: {
      send: async (batch: OutputBatch) => {
        if (batch.size > 0) sent.push(new Map(batch));
      },
    },
  };
}

describe('commitInRounds: compare-and-set with an outbox', () => {
  it('commits, produces what the commits owe, and clears the outboxes once produced', async () => {
    const store = new FakeStore();
    const sent: OutputBatch[] = [];
    await commitInRounds(
      ['a', 'b'],
      new Map(),
      rounds(store, sent, (id) => `${id}1`),
    );
    expect(texts(sent)).toEqual(['a=a1', 'b=b1']);
    expect([...store.values]).toEqual([
      ['a', 'a1'],
      ['b', 'b1'],
    ]);
    expect(store.outboxes.size).toBe(0);
  });

  it('produces first what a crashed writer left in an outbox, and keeps it owed in the new one until produced', async () => {
    const store = new FakeStore();
    store.values.set('a', 'a1');
    store.outboxes.set('a', encodeOutbox([owed('out', 'a=a1')]));
    const sent: OutputBatch[] = [];
    let outboxAtCommit = '';
    store.beforeCommit = () => undefined;
    const options = rounds(store, sent, () => 'a2');
    await commitInRounds(['a'], new Map(), {
      ...options,
      commit: async (commits) => {
        outboxAtCommit = commits[0]!.outbox;
        return store.commit(commits);
      },
    });
    expect(decodeOutbox(outboxAtCommit).map((o) => o.message.value.toString())).toEqual(['a=a1', 'a=a2']);
    expect(texts(sent)).toEqual(['a=a1', 'a=a2']);
    expect(store.outboxes.size).toBe(0);
  });

  it('a lost compare-and-set recomputes from what the winner wrote; nothing the loser computed is produced', async () => {
    const store = new FakeStore();
    const sent: OutputBatch[] = [];
    let raced = false;
    store.beforeCommit = () => {
      if (raced) return;
      raced = true;
      store.values.set('a', 'other'); // another instance got there first
    };
    const seen: string[] = [];
    await commitInRounds(
      ['a'],
      new Map(),
      rounds(store, sent, (_, stored) => {
        seen.push(stored.raw);
        return `${stored.raw}+1`;
      }),
    );
    expect(seen).toEqual(['', 'other']);
    expect(texts(sent)).toEqual(['a=other+1']);
    expect(store.values.get('a')).toBe('other+1');
  });

  it('produces the extra outputs (dead letters) with the first round, even when nothing is committed', async () => {
    const store = new FakeStore();
    const sent: OutputBatch[] = [];
    const extra: OutputBatch = new Map([['dlq', [{ key: null, value: Buffer.from('bad') }]]]);
    await commitInRounds(
      ['a'],
      extra,
      rounds(store, sent, () => null),
    );
    expect(texts(sent)).toEqual(['bad']);
    expect(store.values.size).toBe(0);
  });

  it('gives up (retriable) when the values keep changing', async () => {
    const store = new FakeStore();
    let n = 0;
    store.beforeCommit = () => store.values.set('a', `other-${(n += 1)}`);
    await expect(
      commitInRounds(
        ['a'],
        new Map(),
        rounds(store, [], () => 'x'),
      ),
    ).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
  });

  describe('values recalled from memory (known): one round trip per chunk', () => {
    function counting(store: FakeStore) {
      const reads: string[][] = [];
      const read = async (ids: readonly string[]) => {
        reads.push([...ids]);
        return store.read(ids);
      };
      return { reads, read };
    }

    it('a current value is not read: the compare-and-set proves it, and it is settled once produced', async () => {
      const store = new FakeStore();
      store.values.set('a', 'a1');
      const sent: OutputBatch[] = [];
      const { reads, read } = counting(store);
      const settled: [string, string][] = [];
      await commitInRounds(['a', 'b'], new Map(), {
        ...rounds(store, sent, (id, stored) => `${stored.raw}|${id}`),
        read,
        known: (id) => (id === 'a' ? { raw: 'a1', outbox: '' } : undefined),
        settled: (id, value) => settled.push([id, value]),
      });
      expect(reads).toEqual([['b']]);
      expect(texts(sent)).toEqual(['a=a1|a', 'b=|b']);
      expect(settled).toEqual([
        ['a', 'a1|a'],
        ['b', '|b'],
      ]);
    });

    it('a stale value loses its compare-and-set and is read again with its outbox; nothing computed from it is produced', async () => {
      const store = new FakeStore();
      store.values.set('a', 'a2'); // another instance wrote since, and crashed before producing
      store.outboxes.set('a', encodeOutbox([owed('out', 'a=a2 by the other')]));
      const sent: OutputBatch[] = [];
      const { reads, read } = counting(store);
      const seen: string[] = [];
      await commitInRounds(['a'], new Map(), {
        ...rounds(store, sent, (_, stored) => {
          seen.push(stored.raw);
          return `${stored.raw}+1`;
        }),
        read,
        known: () => ({ raw: 'a1', outbox: '' }),
      });
      expect(seen).toEqual(['a1', 'a2']);
      expect(reads).toEqual([['a']]);
      expect(texts(sent)).toEqual(['a=a2 by the other', 'a=a2+1']);
      expect(store.values.get('a')).toBe('a2+1');
    });

    it('a recalled value that changes nothing is read again: only a commit proves it current', async () => {
      const store = new FakeStore();
      store.values.set('a', 'a2');
      const sent: OutputBatch[] = [];
      const { reads, read } = counting(store);
      const settled: string[] = [];
      await commitInRounds(['a'], new Map(), {
        // from the stale a1 the input seems applied already; from a2 it is not
        ...rounds(store, sent, (_, stored) => (stored.raw === 'a1' ? null : `${stored.raw}+1`)),
        read,
        known: () => ({ raw: 'a1', outbox: '' }),
        settled: (_, value) => settled.push(value),
      });
      expect(reads).toEqual([['a']]);
      expect(store.values.get('a')).toBe('a2+1');
      expect(texts(sent)).toEqual(['a=a2+1']);
      expect(settled).toEqual(['a2+1']);
    });

    it('the outbox clear is not waited for, and a failed one is reported, not thrown', async () => {
      const store = new FakeStore();
      const sent: OutputBatch[] = [];
      const failures: unknown[] = [];
      let clearCalled = false;
      await commitInRounds(['a'], new Map(), {
        ...rounds(store, sent, () => 'a1'),
        clear: () => {
          clearCalled = true;
          return Promise.reject(new Error('Redis gone'));
        },
        onClearFailed: (error) => failures.push(error),
      });
      expect(clearCalled).toBe(true);
      expect(texts(sent)).toEqual(['a=a1']);
      await Promise.resolve();
      expect(failures).toHaveLength(1);
      let resolved = false;
      await commitInRounds(['b'], new Map(), {
        ...rounds(store, sent, () => 'b1'),
        clear: () => new Promise<void>(() => undefined), // never answers
      }).then(() => (resolved = true));
      expect(resolved).toBe(true);
    });
  });
});
