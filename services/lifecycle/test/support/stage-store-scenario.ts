import type { LifecycleStage } from '@leadscore/contracts';
import type { CrossingStore } from '../../src/lifecycle-workflow.js';
import type { ContactStage, StageHistoryEntry } from '@leadscore/redis-layout';
import type { CrossingInput } from '../../src/stage-store.js';

/** What the scenario needs of a stage store: StageStore on Redis and InMemoryStageStore both have it. */
export interface ScenarioStageStore extends CrossingStore {
  setStage(contactId: string, stage: LifecycleStage, now: number, reason: string): Promise<void>;
  readStage(contactId: string): Promise<ContactStage | null>;
  readHistory(contactId: string, limit?: number): Promise<StageHistoryEntry[]>;
}

/**
 * The cases of apply-crossing-2.lua as one scenario (the store built with a history of 3):
 * a first move, up-crossings at or beyond the target, down-crossings that neither demote nor
 * promote, redeliveries in and out of the capped history, several crossings of one contact in
 * one call. Returns every outcome and the final stages and histories, to compare stores.
 */
export async function stageStoreScenario(store: ScenarioStageStore): Promise<unknown[]> {
  const target: LifecycleStage = 'MARKETING_QUALIFIED';
  const crossing = (contact: string, crossingId: string, direction: 'UP' | 'DOWN', score = 120): CrossingInput => ({
    contactId: contact,
    crossingId,
    threshold: 'MQL',
    direction,
    score,
  });
  const out: unknown[] = [];
  await store.setStage('lead', 'LEAD', 1_000, 'crm');
  await store.setStage('customer', 'CUSTOMER', 1_000, 'crm');
  out.push(await store.applyCrossings([crossing('new', 'x1', 'UP'), crossing('new', 'x2', 'UP', 130)], target, 2_000));
  out.push(await store.applyCrossings([crossing('new', 'x3', 'DOWN', 90), crossing('new', 'x1', 'UP')], target, 3_000));
  out.push(await store.applyCrossings([crossing('new', 'x4', 'UP', 140)], target, 4_000));
  out.push(await store.applyCrossings([crossing('new', 'x1', 'UP')], target, 5_000)); // out of the history by now
  out.push(
    await store.applyCrossings(
      [crossing('lead', 'y1', 'DOWN', 50), crossing('lead', 'y2', 'UP'), crossing('customer', 'z1', 'UP')],
      target,
      6_000,
    ),
  );
  for (const contact of ['new', 'lead', 'customer', 'never-seen']) {
    out.push({ contact, stage: await store.readStage(contact), history: await store.readHistory(contact, 10) });
  }
  return out;
}
