import { emptyState, encodeState } from '@leadscore/engine';
import type { ContactStore } from '../../src/contact-updater.js';
import type { IdentityStore } from '../../src/identity-store.js';
import { applyEvents } from '../../src/batch-scorer.js';
import { leadEvent, NOW, TEST_GRID } from './test-grid.js';

/**
 * The cases of link-identity-2.lua, identity-roots-1.lua, seal-contact-2.lua and settle-pending-1.lua as one scenario
 * to run through any IdentityStore (with the ContactStore whose values it seals): the real one
 * on Redis and the in-memory fake must give the same transcript.
 */
export async function identityStoreScenario(identity: IdentityStore, contacts: ContactStore): Promise<string[]> {
  const transcript: string[] = [];
  const state = encodeState(
    applyEvents(TEST_GRID, { state: emptyState(), raw: '', outbox: '' }, [leadEvent('p', 'a', 'page_viewed')], NOW).state!,
  );
  const pending = async (root: string) =>
    (await identity.pending([root]))[0]!.map((m) => `${m.id}(${m.cause}@${m.at})`).join(',') || '-';
  const link = async (from: string, into: string, eventId: string) => {
    const root = await identity.link({ mergedFrom: from, contactId: into, eventId, occurredAt: 1000 });
    transcript.push(`link ${from}→${into}: root ${root}, pending there ${await pending(root)}`);
  };
  await contacts.commit([{ contactId: 'a', expected: '', encoded: state, outbox: 'owed', nextExpiryAt: null }]);
  await link('a', 'b', 'm1');
  await link('b', 'c', 'm2');
  await link('c', 'a', 'm3'); // one tree already: no cycle
  await link('d', 'a', 'm4'); // into a's root
  const [a, b, d, e] = await identity.roots(['a', 'b', 'd', 'e']);
  transcript.push(`roots a=${a} b=${b} d=${d} e=${e}`);
  transcript.push(`roots of a, b, d, e, c: ${(await identity.roots(['a', 'b', 'd', 'e', 'c'])).join(',')}`);
  transcript.push(`pending b=${await pending('b')}`);
  transcript.push(`pending at c, b, a: ${(await identity.pending(['c', 'b', 'a'])).map((list) => list.length).join(',')}`);
  for (const id of ['a', 'a', 'b']) {
    const [seal] = await identity.seal([id]);
    transcript.push(
      `seal ${id}: sequence ${seal!.snapshot.sequence}, score ${seal!.snapshot.score}, outbox ${seal!.outbox || '-'}`,
    );
  }
  const read = (await contacts.read(['a', 'b'])).get('a')!;
  transcript.push(`read a: sealed ${read.sealed === true}, state score ${read.state.score}`);
  const conflicts = await contacts.commit([{ contactId: 'a', expected: state, encoded: state, outbox: '', nextExpiryAt: null }]);
  transcript.push(`commit over the seal: conflicts ${[...conflicts].join(',') || 'none'}`);
  await identity.settle('c', ['a', 'zz']);
  transcript.push(`settled a at c: ${await pending('c')}`);
  await identity.settle('b', ['b']);
  await identity.settle('c', ['b', 'c', 'd']);
  transcript.push(`settled the rest: ${await pending('c')}`);
  return transcript;
}
