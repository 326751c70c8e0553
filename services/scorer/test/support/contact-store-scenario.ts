import { emptyState, encodeState } from '@leadscore/engine';
import { applyEvents } from '../../src/batch-scorer.js';
import type { ContactStore } from '../../src/contact-updater.js';
import { leadEvent, NOW, TEST_GRID } from './test-grid.js';

/** Three successive states of one contact, as the engine encodes them. */
function states(): [string, string, string] {
  let stored = { state: emptyState(), raw: '', outbox: '' };
  const out: string[] = [];
  for (const type of ['page_viewed', 'demo_requested', 'email_unsubscribed']) {
    const state = applyEvents(TEST_GRID, stored, [leadEvent(`s-${type}`, 'a', type)], NOW).state!;
    out.push(encodeState(state));
    stored = { state, raw: out[out.length - 1]!, outbox: '' };
  }
  return out as [string, string, string];
}

/**
 * The compare-and-set cases of commit-state-2.lua and clear-outbox-1.lua, as one scenario to run
 * through any ContactStore: the real one on Redis and the in-memory fake must give the same
 * transcript (each line: what a step returned, then what a read sees).
 */
export async function contactStoreScenario(store: ContactStore): Promise<string[]> {
  const ids = { a: 'a', b: 'b' };
  const [s1, s2, s3] = states();
  const name = new Map([
    ['', '-'],
    [s1, 'S1'],
    [s2, 'S2'],
    [s3, 'S3'],
  ]);
  const transcript: string[] = [];
  const look = async (step: string) => {
    const read = await store.read([ids.a, ids.b]);
    const show = (id: string) => `${name.get(read.get(id)!.raw) ?? '?'}/${read.get(id)!.outbox || '-'}`;
    transcript.push(`${step} → a=${show(ids.a)} b=${show(ids.b)}`);
  };
  const commit = async (step: string, ...commits: [string, string, string, string][]) => {
    const conflicts = await store.commit(
      commits.map(([contactId, expected, encoded, outbox]) => ({ contactId, expected, encoded, outbox, nextExpiryAt: null })),
    );
    transcript.push(`${step}: conflicts ${[...conflicts].map((id) => (id === ids.a ? 'a' : 'b')).join(',') || 'none'}`);
    await look(step);
  };
  const clear = async (step: string, outbox: string) => {
    await store.clearOutboxes(new Map([[ids.a, outbox]]));
    await look(step);
  };
  const readWithClear = async (step: string, outbox: string) => {
    const read = await store.read([ids.a], new Map([[ids.a, outbox]]));
    transcript.push(`${step}: read a=${read.get(ids.a)!.outbox || '-'}`);
  };
  const commitWithClear = async (step: string, clearB: string, commitA: [string, string, string]) => {
    const [expected, encoded, outbox] = commitA;
    const conflicts = await store.commit(
      [{ contactId: ids.a, expected, encoded, outbox, nextExpiryAt: null }],
      new Map([[ids.b, clearB]]),
    );
    transcript.push(`${step}: conflicts ${conflicts.size}`);
    await look(step);
  };

  await look('absent');
  await commit('create a; b expected stale', [ids.a, '', s1, 'O1'], [ids.b, s1, s1, 'OB']);
  await commit('a carries its outbox over', [ids.a, s1, s2, 'O1']);
  await clear('clear a with another outbox', 'O-other');
  await commit('a expected stale', [ids.a, s1, s3, 'O3']);
  await commit('a with a new outbox', [ids.a, s2, s3, 'O3']);
  await clear('clear a with the replaced outbox', 'O1');
  await readWithClear('a read after clearing its outbox', 'O3');
  await commit('b created with an outbox', [ids.b, '', s1, 'OB']);
  await commitWithClear('a owes nothing, b cleared in the same call', 'OB', [s3, s1, '']);
  await commit('b owes nothing: its outbox goes', [ids.b, s1, s2, '']);
  await commit('a owes again', [ids.a, s1, s2, 'O4']);
  await commit('a owes nothing: the outbox is deleted', [ids.a, s2, s3, '']);
  return transcript;
}

/** What the scripts' headers promise for contactStoreScenario. */
export const CONTACT_STORE_TRANSCRIPT: readonly string[] = [
  'absent → a=-/- b=-/-',
  'create a; b expected stale: conflicts b',
  'create a; b expected stale → a=S1/O1 b=-/-',
  'a carries its outbox over: conflicts none',
  'a carries its outbox over → a=S2/O1 b=-/-',
  'clear a with another outbox → a=S2/O1 b=-/-',
  'a expected stale: conflicts a',
  'a expected stale → a=S2/O1 b=-/-',
  'a with a new outbox: conflicts none',
  'a with a new outbox → a=S3/O3 b=-/-',
  'clear a with the replaced outbox → a=S3/O3 b=-/-',
  'a read after clearing its outbox: read a=-',
  'b created with an outbox: conflicts none',
  'b created with an outbox → a=S3/- b=S1/OB',
  'a owes nothing, b cleared in the same call: conflicts 0',
  'a owes nothing, b cleared in the same call → a=S1/- b=S1/-',
  'b owes nothing: its outbox goes: conflicts none',
  'b owes nothing: its outbox goes → a=S1/- b=S2/-',
  'a owes again: conflicts none',
  'a owes again → a=S2/O4 b=S2/-',
  'a owes nothing: the outbox is deleted: conflicts none',
  'a owes nothing: the outbox is deleted → a=S3/- b=S2/-',
];
