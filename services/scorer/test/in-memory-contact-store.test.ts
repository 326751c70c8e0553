import { describe, expect, it } from 'vitest';
import { CONTACT_STORE_TRANSCRIPT, contactStoreScenario } from './support/contact-store-scenario.js';
import { InMemoryContactStore } from './support/in-memory-contact-store.js';

// The same scenario runs against ContactStateStore on a real Redis in test/integration/store-fakes.test.ts.
describe('InMemoryContactStore', () => {
  it('has the compare-and-set semantics of commit-state-2.lua and clear-outbox-1.lua', async () => {
    expect(await contactStoreScenario(new InMemoryContactStore())).toEqual(CONTACT_STORE_TRANSCRIPT);
  });
});
