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

  await look('absent');
  await commit('create a; b expected stale', [ids.a, '', s1, 'O1'], [ids.b, s1, s1, 'OB']);
  await commit('a owes nothing: the old outbox stays', [ids.a, s1, s2, '']);
  await clear('clear a with another outbox', 'O-other');
  await commit('a expected stale', [ids.a, s1, s3, 'O3']);
  await commit('a with a new outbox', [ids.a, s2, s3, 'O3']);
  await clear('clear a with the replaced outbox', 'O1');
  await clear('clear a with its outbox', 'O3');
  return transcript;
}

/** What the scripts' headers promise for contactStoreScenario. */
export const CONTACT_STORE_TRANSCRIPT: readonly string[] = [
  'absent → a=-/- b=-/-',
  'create a; b expected stale: conflicts b',
  'create a; b expected stale → a=S1/O1 b=-/-',
  'a owes nothing: the old outbox stays: conflicts none',
  'a owes nothing: the old outbox stays → a=S2/O1 b=-/-',
  'clear a with another outbox → a=S2/O1 b=-/-',
  'a expected stale: conflicts a',
  'a expected stale → a=S2/O1 b=-/-',
  'a with a new outbox: conflicts none',
  'a with a new outbox → a=S3/O3 b=-/-',
  'clear a with the replaced outbox → a=S3/O3 b=-/-',
  'clear a with its outbox → a=S3/- b=-/-',
];
