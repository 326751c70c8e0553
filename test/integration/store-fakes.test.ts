import { afterAll, describe, expect, it } from 'vitest';
import { ContactStateStore, RedisIdentityStore } from '@leadscore/scorer';
import { StageStore } from '@leadscore/lifecycle';
import { CONTACT_STORE_TRANSCRIPT, contactStoreScenario } from '../../services/scorer/test/support/contact-store-scenario.js';
import { InMemoryContactStore } from '../../services/scorer/test/support/in-memory-contact-store.js';
import { InMemoryIdentityStore } from '../../services/scorer/test/support/in-memory-identity-store.js';
import { identityStoreScenario } from '../../services/scorer/test/support/identity-store-scenario.js';
import { InMemoryStageStore } from '../../services/lifecycle/test/support/in-memory-stage-store.js';
import { stageStoreScenario } from '../../services/lifecycle/test/support/stage-store-scenario.js';
import { testContext, testRedis } from '../support/test-context.js';

// The unit tests and the commit-protocol simulation run over in-memory fakes of the Redis stores:
// these tests hold the fakes to the real Lua scripts, case by case, through the same scenarios.
describe('in-memory store fakes behave as the Lua scripts on Redis', () => {
  const ctx = testContext();
  const redis = testRedis();
  afterAll(() => redis.quit());

  it('contact store: commit-state-2.lua and clear-outbox-1.lua', async () => {
    const real = await contactStoreScenario(new ContactStateStore(redis, ctx.uniqueName('fakes')));
    expect(real).toEqual(CONTACT_STORE_TRANSCRIPT);
    expect(await contactStoreScenario(new InMemoryContactStore())).toEqual(real);
  });

  it('identity store: link-identity-2.lua, identity-roots-1.lua, seal-contact-2.lua, settle-pending-1.lua', async () => {
    const prefix = ctx.uniqueName('identity-fakes');
    const contacts = new ContactStateStore(redis, prefix);
    const real = await identityStoreScenario(new RedisIdentityStore(redis, prefix), contacts);
    expect(real).toContain('link c→a: root c, pending there a(m1@1000),b(m2@1000)');
    const memory = new InMemoryContactStore();
    expect(await identityStoreScenario(new InMemoryIdentityStore(memory), memory)).toEqual(real);
  });

  it('stage store: apply-crossing-2.lua', async () => {
    const real = await stageStoreScenario(new StageStore(redis, ctx.uniqueName('fakes'), 3));
    expect(await stageStoreScenario(new InMemoryStageStore(3))).toEqual(real);
  });
});
